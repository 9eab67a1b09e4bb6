// Who may change a contact and its emails (SPEC §6): a contact belongs to the accounts it is linked to.
import type { Queryable, Tx } from '../../prisma/client';
import { notFound } from '../errors';
import { requireAccountAccess, type Actor } from './access';

/** The contact of the firm, or not found. */
export async function requireContact(db: Queryable, firmId: string, contactId: string) {
  const contact = await db.contact.findFirst({ where: { id: contactId, firmId } });
  if (!contact) throw notFound('Contact', contactId);
  return contact;
}

/**
 * Locks the contact's row for the rest of the transaction: a read-merge-write of its fields, or a count
 * before a delete (its last email), would otherwise race a concurrent one. A row that merely references it
 * (a foreign key's KEY SHARE) does not wait: a new signature request locks its signers FOR SHARE for that.
 */
export async function lockContact(tx: Tx, firmId: string, contactId: string) {
  // NO KEY UPDATE: rows referring to the contact (links, emails) are not held up by it (see requireWritableAccount).
  await tx.$executeRaw`
    SELECT 1 FROM "Contact" WHERE id = ${contactId}::uuid AND "firmId" = ${firmId}::uuid FOR NO KEY UPDATE`;
}

/**
 * Changing a contact needs access to one of its accounts (or it is linked to none); deleting it, which
 * removes it from all of them, needs access to every one.
 */
export async function requireContactAccess(
  db: Queryable,
  firmId: string,
  actor: Actor,
  contactId: string,
  need: 'any' | 'all',
) {
  const contact = await requireContact(db, firmId, contactId);
  const links = await db.accountContact.findMany({ where: { contactId }, select: { accountId: true } });
  let lastDenial: unknown;
  for (const l of links) {
    try {
      await requireAccountAccess(db, firmId, actor, l.accountId);
      if (need === 'any') return { contact, links };
    } catch (err) {
      if (need === 'all') throw err;
      lastDenial = err;
    }
  }
  if (lastDenial) throw lastDenial;
  return { contact, links };
}

/** The contact email of the firm if the actor may change its contact (as `requireContactAccess` 'any'). */
export async function requireContactEmailAccess(db: Queryable, firmId: string, actor: Actor, emailId: string) {
  const email = await db.contactEmail.findFirst({ where: { id: emailId, firmId } });
  if (!email) throw notFound('Contact email', emailId);
  await requireContactAccess(db, firmId, actor, email.contactId, 'any');
  return email;
}
