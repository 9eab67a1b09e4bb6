// The activity timeline of a contact or an account (SPEC §7): its audit entries, newest first, with the
// contact access rule that the timeline and every contact-scoped client action share.
import type { Db, Queryable } from '../../prisma/client';
import { requireAccountAccess, seesAllAccounts, type Actor } from '../access/access';
import { listAudit } from '../audit/audit';
import { forbidden, notFound } from '../errors';

/**
 * A contact is open to the actor when they see all accounts or are on the team of at least one account
 * the contact is linked to: not found for no such contact in the firm, forbidden for no right to it.
 */
export async function requireContactAccess(db: Queryable, firmId: string, actor: Actor, contactId: string) {
  const contact = await db.contact.findFirst({
    where: { id: contactId, firmId },
    include: { accounts: { select: { accountId: true } } },
  });
  if (!contact) throw notFound('Contact', contactId);
  if (seesAllAccounts(actor)) return contact;
  const member = await db.accountTeamMember.findFirst({
    where: { firmUserId: actor.id, accountId: { in: contact.accounts.map((a) => a.accountId) } },
  });
  if (!member) {
    throw forbidden(
      'Only users who may open at least one of the contact’s accounts may see or change the contact.',
      'Not allowed on this contact',
    );
  }
  return contact;
}

export interface TimelinePage {
  before?: string;
  limit: number;
}

export async function contactTimeline(db: Db, firmId: string, actor: Actor, contactId: string, page: TimelinePage) {
  await requireContactAccess(db, firmId, actor, contactId);
  // A contact shared with accounts the reader may not open: their entries stay hidden, as the links do.
  const accountsOpen = seesAllAccounts(actor)
    ? undefined
    : (
        await db.accountTeamMember.findMany({
          where: { firmUserId: actor.id, account: { firmId } },
          select: { accountId: true },
        })
      ).map((m) => m.accountId);
  return listAudit(db, firmId, { contactId, accountsOpen, ...page });
}

export async function accountTimeline(db: Db, firmId: string, actor: Actor, accountId: string, page: TimelinePage) {
  await requireAccountAccess(db, firmId, actor, accountId);
  return listAudit(db, firmId, { accountId, ...page });
}
