// Who may see and change an account (SPEC §6): owner and admin always; an employee when on the
// account's team or holding "view all accounts". Another firm's account is "not found", never
// "forbidden", so ids of other firms do not leak; a same-firm account the user may not open is "forbidden".
import type { Tx, Queryable } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import { conflict, forbidden, notFound } from '../errors';

export interface Actor {
  id: string;
  role: 'owner' | 'admin' | 'employee';
  canViewAllAccounts: boolean;
}

export const seesAllAccounts = (actor: Actor) => actor.role !== 'employee' || actor.canViewAllAccounts;

/** The account filter a list query adds for this actor. */
export function accountScope(firmId: string, actor: Actor): Prisma.AccountWhereInput {
  return seesAllAccounts(actor) ? { firmId } : { firmId, team: { some: { firmUserId: actor.id } } };
}

/** Loads the account if the actor may open it: not found for no such account in the firm, forbidden for no right to it. */
export async function requireAccountAccess(db: Queryable, firmId: string, actor: Actor, accountId: string) {
  const account = await db.account.findFirst({ where: { id: accountId, firmId } });
  if (!account) throw notFound('Account', accountId);
  if (seesAllAccounts(actor)) return account;
  const member = await db.accountTeamMember.findUnique({
    where: { accountId_firmUserId: { accountId, firmUserId: actor.id } },
  });
  if (!member) {
    throw forbidden(
      'Only the owner, admins, the account’s team and employees with “view all accounts” may open or change it.',
      'Not allowed on this account',
    );
  }
  return account;
}

/**
 * Locks the account row for the rest of the transaction (concurrent PATCHes of custom fields or team
 * would otherwise overwrite each other's read-merge-write) and refuses archived accounts, which are read-only.
 * NO KEY UPDATE: writers of the account (an archive, another change, a delete) wait, but rows that merely refer
 * to it (a dispatch's to-dos, a resend, an import's links: their foreign-key check's KEY SHARE) do not, so
 * they and this lock never wait on each other in a cycle. Take it before an item's lock (lockItemRow), as a
 * bulk delete takes the account before the items its delete cascades to.
 */
export async function requireWritableAccount(tx: Tx, firmId: string, accountId: string) {
  await tx.$executeRaw`
    SELECT 1 FROM "Account" WHERE id = ${accountId}::uuid AND "firmId" = ${firmId}::uuid FOR NO KEY UPDATE`;
  const account = await tx.account.findFirst({ where: { id: accountId, firmId } });
  if (!account) throw notFound('Account', accountId);
  if (account.status === 'archived')
    throw conflict(
      'account-archived',
      'The account is archived',
      'Archived accounts are read-only; restore the account first.',
    );
  return account;
}
