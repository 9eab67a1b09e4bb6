// Set-based account steps: a chunk of a bulk action's accounts in one transaction and a fixed number of
// statements, whatever the chunk's size, for kinds whose step is plain row changes (manage tags). The rules
// are the per-account step's own (decisions.ts) and so is what is written: the account's changes, its audit
// entry and its outcome commit together, and only rows still without an outcome are claimed (locked), so a
// retried or replayed chunk, or a restarted worker, never does an account twice.
import type { Db, Tx } from '../../prisma/client';
import type { BulkKind } from '../../shared/bulk-actions';
import { seesAllAccounts } from '../access/access';
import type { BulkContext } from './context';
import { accountSkip, readOnlySkip, SKIP, tagChanges, type AccountStatus } from './decisions';

/** The kinds with a set-based step: their workflow runs accounts a chunk per local activity. */
export const SET_BASED_KINDS: ReadonlySet<BulkKind> = new Set<BulkKind>(['manage_tags']);

type Outcome = 'done' | 'skipped';

/** What a chunk did: the outcome of each account it claimed (accounts done before are not in it). */
export type ChunkStep = { stopped: true } | { outcomes: Outcome[]; alreadyDone: number };

interface Decision {
  accountId: string;
  outcome: Outcome;
  detail: string | null;
  result: Record<string, unknown>;
}

/** Runs `accountIds` of a set-based action in one transaction. */
export async function runSetBasedChunk(db: Db, ctx: BulkContext, accountIds: string[]): Promise<ChunkStep> {
  if (ctx.params.kind !== 'manage_tags') throw new Error(`no set-based step for ${ctx.params.kind}`);
  return db.$transaction((tx) => manageTagsChunk(tx, ctx, accountIds), { maxWait: 10_000, timeout: 60_000 });
}

/** Locks the chunk's outcome rows (in account order); null once a cancel was requested. */
async function claim(
  tx: Tx,
  ctx: BulkContext,
  accountIds: string[],
): Promise<{ pending: string[]; done: number } | null> {
  const rows = await tx.$queryRaw<{ accountId: string; outcome: string | null; cancelRequestedAt: Date | null }[]>`
    SELECT o."accountId"::text AS "accountId", o.outcome, b."cancelRequestedAt"
    FROM "BulkActionOutcome" o JOIN "BulkAction" b ON b.id = o."bulkActionId"
    WHERE o."bulkActionId" = ${ctx.bulkActionId}::uuid AND o."accountId" = ANY(${accountIds}::uuid[])
    ORDER BY o."accountId" FOR UPDATE OF o`;
  if (rows.length !== new Set(accountIds).size)
    throw new Error(`some accounts of the chunk are not part of bulk action ${ctx.bulkActionId}`);
  if (rows[0]?.cancelRequestedAt) return null;
  const pending = rows.filter((r) => !r.outcome).map((r) => r.accountId);
  return { pending, done: rows.length - pending.length };
}

async function manageTagsChunk(tx: Tx, ctx: BulkContext, accountIds: string[]): Promise<ChunkStep> {
  const p = ctx.params;
  if (p.kind !== 'manage_tags') throw new Error('wrong step');
  const claimed = await claim(tx, ctx, accountIds);
  if (!claimed) return { stopped: true };
  const { pending } = claimed;
  if (!pending.length) return { outcomes: [], alreadyDone: claimed.done };

  const asked = p.tags.map((t) => t.tagId);
  // The accounts locked in id order (as every chunk locks them), with the asked tags they have; and the asked
  // tags still in the firm (id → name), key-share locked until commit: a tag deleted meanwhile is either gone
  // before this reads (left out) or waits for the chunk, never removed under its inserts.
  const accounts = await tx.$queryRaw<
    { id: string; status: AccountStatus; tags: string[]; known: Record<string, string> }[]
  >`
    WITH a AS (
      SELECT id, status FROM "Account"
      WHERE id = ANY(${pending}::uuid[]) AND "firmId" = ${ctx.firmId}::uuid ORDER BY id FOR UPDATE
    ), g AS (
      SELECT id, name FROM "Tag"
      WHERE id = ANY(${asked}::uuid[]) AND "firmId" = ${ctx.firmId}::uuid ORDER BY id FOR KEY SHARE
    )
    SELECT a.id::text AS id, a.status::text AS status,
           COALESCE(array_agg(t."tagId"::text) FILTER (WHERE t."tagId" IS NOT NULL), '{}') AS tags,
           (SELECT COALESCE(jsonb_object_agg(g.id::text, g.name), '{}'::jsonb) FROM g) AS known
    FROM a LEFT JOIN "AccountTag" t ON t."accountId" = a.id AND t."tagId" = ANY(${asked}::uuid[])
    GROUP BY a.id, a.status`;
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const known = new Map(Object.entries(accounts[0]?.known ?? {}));
  const { actor } = ctx;
  // The team is looked up only where it decides: a user who does not see every account.
  const onTeam = new Set<string>();
  if (actor && !seesAllAccounts(actor) && accounts.length)
    for (const r of await tx.$queryRaw<{ accountId: string }[]>`
      SELECT "accountId"::text AS "accountId" FROM "AccountTeamMember"
      WHERE "accountId" = ANY(${accounts.map((a) => a.id)}::uuid[]) AND "firmUserId" = ${actor.id}::uuid`)
      onTeam.add(r.accountId);

  const decisions: Decision[] = [];
  const add: { accountId: string; tagId: string }[] = [];
  const remove: { accountId: string; tagId: string }[] = [];
  for (const accountId of pending) {
    const account = byId.get(accountId);
    const skip = (detail: string, result: Record<string, unknown> = {}) =>
      decisions.push({ accountId, outcome: 'skipped', detail, result });
    const reason =
      accountSkip({
        accountFound: !!account,
        actor,
        onTeam: onTeam.has(accountId),
        actorDeactivated: ctx.actorDeactivated,
      }) ?? readOnlySkip(account!.status);
    if (reason) {
      skip(reason);
      continue;
    }
    // A tag deleted since the action started is left out rather than failing every account.
    const changes = tagChanges(p.tags, known, new Set(account!.tags));
    const result = {
      tagsAdded: changes.add.map((id) => known.get(id)!),
      tagsRemoved: changes.remove.map((id) => known.get(id)!),
    };
    if (!changes.add.length && !changes.remove.length) {
      skip(SKIP.tagsAsAsked, result);
      continue;
    }
    decisions.push({ accountId, outcome: 'done', detail: null, result });
    for (const tagId of changes.add) add.push({ accountId, tagId });
    for (const tagId of changes.remove) remove.push({ accountId, tagId });
  }

  const changed = decisions.filter((d) => d.outcome === 'done');
  const now = new Date();
  if (!ctx.dryRun && changed.length) {
    if (add.length)
      await tx.$executeRaw`
        INSERT INTO "AccountTag" ("accountId", "tagId")
        SELECT * FROM unnest(${add.map((x) => x.accountId)}::uuid[], ${add.map((x) => x.tagId)}::uuid[])
        ON CONFLICT DO NOTHING`;
    if (remove.length)
      await tx.$executeRaw`
        DELETE FROM "AccountTag" t
        USING unnest(${remove.map((x) => x.accountId)}::uuid[], ${remove.map((x) => x.tagId)}::uuid[]) AS r(a, g)
        WHERE t."accountId" = r.a AND t."tagId" = r.g`;
    await tx.$executeRaw`
      UPDATE "Account" SET "updatedAt" = ${now} WHERE id = ANY(${changed.map((d) => d.accountId)}::uuid[])`;
    // One audit entry per changed account, on its timeline, as the per-account step writes it.
    await tx.$executeRaw`
      INSERT INTO "AuditEvent" ("firmId", "accountId", "actorType", "actorId", action, data)
      SELECT ${ctx.firmId}::uuid, x.a, 'firm_user', ${actor!.id}, 'account.tags_changed', x.d::jsonb
      FROM unnest(
        ${changed.map((d) => d.accountId)}::uuid[],
        ${changed.map((d) => JSON.stringify({ ...d.result, bulkActionId: ctx.bulkActionId }))}::text[]
      ) AS x(a, d)`;
  }
  await tx.$executeRaw`
    UPDATE "BulkActionOutcome" o
    SET outcome = v.outcome, detail = v.detail, result = v.result::jsonb, "effectsPending" = false, "updatedAt" = ${now}
    FROM unnest(
      ${decisions.map((d) => d.accountId)}::uuid[],
      ${decisions.map((d) => d.outcome)}::text[],
      ${decisions.map((d) => d.detail)}::text[],
      ${decisions.map((d) => JSON.stringify(d.result))}::text[]
    ) AS v(a, outcome, detail, result)
    WHERE o."bulkActionId" = ${ctx.bulkActionId}::uuid AND o."accountId" = v.a AND o.outcome IS NULL`;
  return { outcomes: decisions.map((d) => d.outcome), alreadyDone: claimed.done };
}
