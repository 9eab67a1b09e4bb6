// The reconciler's pass over reminders: an item that still needs reminders but whose workflow is not
// running (lost to an outage between a commit and its signal, or terminated by hand) is armed again. The
// workflow re-reads the database, so it resumes from the last send, without a burst.
import type { Db } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import * as sig from '../../shared/contracts/item-reminder';
import { nextStep } from '../../shared/reminder-policy';
import type { ItemKind, ItemRef, ItemSnapshot } from '../../shared/reminder-types';
import type { ReminderWorkflows } from '../items/reminder-workflows';
import { readItemSnapshot } from '../items/snapshot';
import type { TemporalGateway } from '../temporal/gateway';
import { CHECKS_PER_PASS, keysetBounds, rearmPass, type PassResult, type RingKey } from './ring';

/** An item (`id`) and when it last changed (`at`); `policyAt`: when the firm's policy it follows last changed. */
type Candidate = RingKey & { kind: ItemKind; firmId: string; accountId: string; policyAt: Date | null };

/**
 * Thread `threadId` waits for the client: its latest message is the firm's (none, or the client's: nothing to
 * remind). The comparison inside the subquery: a boolean subquery is estimated to keep half the threads, where
 * `(subquery) = 'firm'` was taken to keep 0.5 %, which made a page look costly enough for JIT (~30 ms).
 */
const awaitsClient = (threadId: string) => Prisma.sql`(SELECT m.author = 'firm' FROM "ChatMessage" m
  WHERE m."threadId" = ${Prisma.raw(threadId)} ORDER BY m."createdAt" DESC, m.id DESC LIMIT 1)`;

/**
 * Pending items of active accounts with reminders on, changed at least `olderThanMs` ago, in (at, id) order
 * within the bounds: those with their own settings row, and chat threads without one whose firm's chat
 * policy has reminders on (they follow it). Each half is bounded, ordered and limited on its own, so that it
 * walks its index ((enabled, updatedAt, itemId) of ReminderSettings, (status, updatedAt, id) of ChatThread)
 * from the bound and stops after about `limit` rows, instead of every candidate being joined and sorted.
 */
export function candidates(
  db: Db,
  olderThanMs: number,
  after: RingKey | null,
  upTo: RingKey | null,
  limit: number,
): Promise<Candidate[]> {
  const cutoff = new Date(Date.now() - olderThanMs);
  const page = (rows: Prisma.Sql) =>
    Prisma.sql`(SELECT * FROM (${rows}) b WHERE ${keysetBounds('b', after, upTo)} ORDER BY b.at, b.id LIMIT ${limit})`;
  // The thread's check on s."itemId" (= t.id): a join filter per settings row, not a filter of every open thread.
  const withSettings = Prisma.sql`
    SELECT s."itemKind"::text AS kind, s."itemId" AS id, s."firmId",
      COALESCE(t."accountId", sr."accountId", ar."accountId") AS "accountId", s."updatedAt" AS at,
      NULL::timestamp(3) AS "policyAt"
    FROM "ReminderSettings" s
    LEFT JOIN "ChatThread" t ON s."itemKind" = 'chat' AND t.id = s."itemId" AND t.status = 'open'
      AND ${awaitsClient('s."itemId"')}
    LEFT JOIN "SignatureRequest" sr ON s."itemKind" = 'signature' AND sr.id = s."itemId" AND sr.status = 'pending'
    LEFT JOIN "ApprovalRequest" ar ON s."itemKind" = 'approval' AND ar.id = s."itemId" AND ar.status = 'pending'
    JOIN "Account" a ON a.id = COALESCE(t."accountId", sr."accountId", ar."accountId") AND a."firmId" = s."firmId"
      AND a.status = 'active'
    WHERE s.enabled AND s."updatedAt" < ${cutoff} AND COALESCE(t.id, sr.id, ar.id) IS NOT NULL`;
  const followingPolicy = Prisma.sql`
    SELECT 'chat' AS kind, t.id, t."firmId", t."accountId", t."updatedAt" AS at, p."updatedAt" AS "policyAt"
    FROM "ChatThread" t
    JOIN "FirmReminderPolicy" p ON p."firmId" = t."firmId" AND p."itemKind" = 'chat' AND p.enabled
    JOIN "Account" a ON a.id = t."accountId" AND a."firmId" = t."firmId" AND a.status = 'active'
    WHERE t.status = 'open' AND t."updatedAt" < ${cutoff} AND ${awaitsClient('t.id')}
      AND NOT EXISTS (SELECT 1 FROM "ReminderSettings" s WHERE s."itemKind" = 'chat' AND s."itemId" = t.id)`;
  return db.$queryRaw<Candidate[]>`
    SELECT c.kind, c.id::text AS id, c."firmId"::text AS "firmId", c."accountId"::text AS "accountId",
      c.at, c."policyAt"
    FROM (${page(withSettings)} UNION ALL ${page(followingPolicy)}) c
    ORDER BY c.at, c.id LIMIT ${limit}`;
}

/**
 * A thread following the policy (no settings row) whose reminders ended under an earlier policy (off, or its
 * count reached): its workflow ended by itself (or so long ago that Temporal no longer knows it) and the
 * policy changed after its last send. A policy change restarts only running reminders (README, firm reminder
 * policy), so it is left alone; a workflow that was terminated, failed or timed out was lost and is armed.
 */
function endedUnderEarlierPolicy(c: Candidate, s: ItemSnapshot, status: string | null): boolean {
  if (!c.policyAt || !s.notificationSent || s.anchorAt === null) return false;
  if (status !== null && status !== 'COMPLETED') return false;
  return c.policyAt.getTime() > s.anchorAt;
}

/**
 * One pass of up to `limit` checks, from just after `from` (where the last pass stopped) round to it: an item
 * whose snapshot needs nothing more is passed by without asking Temporal.
 */
export async function rearmLostReminders(
  deps: { db: Db; gateway: TemporalGateway; reminders: ReminderWorkflows; daySeconds: number },
  olderThanMs: number,
  limit = CHECKS_PER_PASS,
  from: RingKey | null = null,
): Promise<PassResult> {
  const { db, gateway, reminders, daySeconds } = deps;
  return rearmPass({
    page: (after, upTo, n) => candidates(db, olderThanMs, after, upTo, n),
    from,
    budget: limit,
    running: () => gateway.runningWorkflowIds('NudgeItemKind IN ("chat", "signature", "approval")'),
    workflowId: (c) => sig.reminderWorkflowId(c.kind, c.id),
    async rearm(c, workflowId) {
      const item: ItemRef = { firmId: c.firmId, accountId: c.accountId, kind: c.kind, itemId: c.id };
      const snapshot = await readItemSnapshot(db, item);
      if (nextStep(snapshot, daySeconds).step === 'stop') return false; // done, off, or every reminder sent
      // Visibility lags behind: a workflow just started may not be listed yet, so ask for it directly.
      const status = await gateway.status(workflowId);
      if (status === 'RUNNING' || endedUnderEarlierPolicy(c, snapshot, status)) return false;
      await reminders.arm(item, sig.settingsChangedSignal, snapshot.settings);
      return true;
    },
  });
}
