// The account right of access.ts as a condition inside a hot statement (a change written as one statement).
import { Prisma } from '../../prisma/client';
import { hotFragment, hotRaw } from '../outbox/hot-sql';
import { seesAllAccounts, type Actor } from './access';

/** True when the actor may open the account whose id is the SQL expression `accountId`, as requireAccountAccess. */
export const mayOpenAccount = (actor: Actor, accountId: string) => hotFragment`(${seesAllAccounts(actor)}::boolean
  OR EXISTS (
    SELECT 1 FROM "AccountTeamMember" tm
    WHERE tm."accountId" = ${hotRaw(accountId)} AND tm."firmUserId" = ${actor.id}::uuid
  ))`;

/** The same condition in a Prisma raw query (`$queryRaw`), e.g. to show an account's name only to who may open it. */
export const mayOpenAccountSql = (actor: Actor, accountId: string) => Prisma.sql`(${seesAllAccounts(actor)}::boolean
  OR EXISTS (
    SELECT 1 FROM "AccountTeamMember" tm
    WHERE tm."accountId" = ${Prisma.raw(accountId)} AND tm."firmUserId" = ${actor.id}::uuid
  ))`;
