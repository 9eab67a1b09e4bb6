// Contacts, their emails (toggles and notification preferences) and account–contact links.
// Every query is scoped by firm: another firm's ids are simply "not found".
import type { Db } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import { preferenceColumns, presentEmail, type Preferences } from './contact-email-view';
import { audit } from './audit';
import { requireAccount } from './accounts';
import { conflict, notFound } from '../problem';

export async function requireContact(db: Db | Prisma.TransactionClient, firmId: string, contactId: string) {
  const contact = await db.contact.findFirst({ where: { id: contactId, firmId } });
  if (!contact) throw notFound('Contact', contactId);
  return contact;
}

const uniqueViolation = (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

export async function createContact(
  db: Db,
  firmId: string,
  actorId: string,
  input: {
    firstName: string;
    lastName: string;
    phone?: string;
    emails: { address: string; login?: 'off' | 'pending' | 'active'; notify?: boolean; emailSync?: boolean; preferences?: Preferences }[];
    accounts?: { accountId: string; description?: string; signerPriority?: number; signingAuthority?: boolean }[];
  },
) {
  try {
    return await db.$transaction(async (tx) => {
      for (const link of input.accounts ?? []) await requireAccount(tx, firmId, link.accountId);
      const contact = await tx.contact.create({ data: { firmId, firstName: input.firstName, lastName: input.lastName, phone: input.phone } });
      for (const e of input.emails) {
        await tx.contactEmail.create({
          data: {
            firmId,
            contactId: contact.id,
            address: e.address.toLowerCase(),
            login: e.login ?? 'off',
            notify: e.notify ?? true,
            emailSync: e.emailSync ?? false,
            ...preferenceColumns(e.preferences),
          },
        });
      }
      for (const link of input.accounts ?? []) {
        await tx.accountContact.create({
          data: { accountId: link.accountId, contactId: contact.id, description: link.description ?? '', signerPriority: link.signerPriority ?? 0, signingAuthority: link.signingAuthority ?? false },
        });
        await audit(tx, { firmId, actorId, action: 'contact.linked', accountId: link.accountId, data: { contactId: contact.id } });
      }
      await audit(tx, { firmId, actorId, action: 'contact.created', data: { contactId: contact.id } });
      const emails = await tx.contactEmail.findMany({ where: { contactId: contact.id }, orderBy: { address: 'asc' } });
      return { ...contact, emails: emails.map(presentEmail) };
    });
  } catch (err) {
    if (uniqueViolation(err)) throw conflict('email-taken', 'Email address already in use', 'Another contact of this firm already has one of these email addresses.');
    throw err;
  }
}


export async function getContact(db: Db, firmId: string, contactId: string) {
  const contact = await db.contact.findFirst({ where: { id: contactId, firmId }, include: { emails: { orderBy: { address: 'asc' } }, accounts: true } });
  if (!contact) throw notFound('Contact', contactId);
  return { ...contact, emails: contact.emails.map(presentEmail) };
}


export async function linkContact(db: Db, firmId: string, actorId: string, accountId: string, contactId: string, link: { description?: string; signerPriority?: number; signingAuthority?: boolean }) {
  return db.$transaction(async (tx) => {
    await requireAccount(tx, firmId, accountId);
    await requireContact(tx, firmId, contactId);
    const row = await tx.accountContact.upsert({
      where: { accountId_contactId: { accountId, contactId } },
      create: { accountId, contactId, description: link.description ?? '', signerPriority: link.signerPriority ?? 0, signingAuthority: link.signingAuthority ?? false },
      update: link,
    });
    await audit(tx, { firmId, actorId, action: 'contact.linked', accountId, data: { contactId, ...link } });
    return row;
  });
}


export async function updateContactEmail(
  db: Db,
  firmId: string,
  actorId: string,
  emailId: string,
  patch: { login?: 'off' | 'pending' | 'active'; notify?: boolean; emailSync?: boolean; preferences?: Preferences },
) {
  return db.$transaction(async (tx) => {
    const email = await tx.contactEmail.findFirst({ where: { id: emailId, firmId } });
    if (!email) throw notFound('Contact email', emailId);
    const { preferences, ...toggles } = patch;
    const updated = await tx.contactEmail.update({ where: { id: emailId }, data: { ...toggles, ...preferenceColumns(preferences) } });
    await audit(tx, { firmId, actorId, action: 'contact_email.updated', data: { contactEmailId: emailId, contactId: email.contactId, changes: patch as Prisma.InputJsonObject } });
    return presentEmail(updated);
  });
}

