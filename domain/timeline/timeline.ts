// The activity timeline of a contact or an account (SPEC §7): its audit entries, newest first. The timeline
// and every contact-scoped client action open a contact by the rule contacts are changed by.
import type { Db, Queryable } from '../../prisma/client';
import { requireAccountAccess, type Actor } from '../access/access';
import { requireContactAccess as requireContactRight } from '../access/contact-access';
import { accountsOpenTo, listAudit } from '../audit/audit';

/**
 * The contact if the actor may change it (domain/access/contact-access.ts, 'any': open to who may open one
 * of its accounts, to anyone while it has none): not found for no such contact in the firm, forbidden for
 * no right to it. One rule, so a contact its PATCH opens has its timeline and actions open too.
 */
export async function requireContactAccess(db: Queryable, firmId: string, actor: Actor, contactId: string) {
  return (await requireContactRight(db, firmId, actor, contactId, 'any')).contact;
}

export interface TimelinePage {
  before?: string;
  limit: number;
}

export async function contactTimeline(db: Db, firmId: string, actor: Actor, contactId: string, page: TimelinePage) {
  await requireContactAccess(db, firmId, actor, contactId);
  // A contact shared with accounts the reader may not open: their entries stay hidden, as the links do.
  const accountsOpen = await accountsOpenTo(db, firmId, actor);
  return listAudit(db, firmId, { contactId, accountsOpen, ...page });
}

export async function accountTimeline(db: Db, firmId: string, actor: Actor, accountId: string, page: TimelinePage) {
  await requireAccountAccess(db, firmId, actor, accountId);
  // Entries naming other accounts (a contact moved in, one shared) name only those the reader may open.
  return listAudit(db, firmId, { accountId, accountsOpen: await accountsOpenTo(db, firmId, actor), ...page });
}
