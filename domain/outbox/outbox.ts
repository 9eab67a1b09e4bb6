// The transactional outbox (issue 9): a change and the Temporal calls it asks for commit together, so no
// change is left without its workflow and no retry asks twice. `transaction` runs the change with a queue;
// the queued calls are inserted in the same transaction; after commit the fast path delivers them at once
// and waits a little for it (a running Temporal answers in milliseconds, so callers see their workflow),
// and an unreachable Temporal leaves them to the background relay (relay-loop.ts) without failing the change.
//
// Round trips (issue 10): the rows go in with one statement that also marks the request's Idempotency-Key
// committed, and a workflow with no earlier pending row has its rows claimed by that same insert (a lease, as
// the relay's claim takes), so the fast path delivers them from memory with no claim and no re-read.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db, Tx } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import type { TemporalGateway } from '../temporal/gateway';
import { commandBuilders, commandWorkflowId, type OutboxCommand } from './commands';
import { hotQuery, hotSql } from './hot-sql';
import { createRelay, DEFAULT_RELAY_OPTIONS, type ClaimedRow, type RelayOptions } from './relay';
import { takeRequestKey } from './request-key';
import { currentTraceCarrier } from './trace-carrier';

/** Queues a Temporal call with the transaction; `firmId` is for operators (null: not a firm's). */
export type Enqueue = (firmId: string | null, command: OutboxCommand) => void;

export interface OutboxOptions {
  /** How long a caller waits for the fast path after commit before answering anyway. */
  fastPathWaitMs: number;
  relay: Partial<RelayOptions>;
}

export const DEFAULT_FAST_PATH_WAIT_MS = 1_000;

export interface QueuedRows {
  ids: bigint[];
  workflowIds: string[];
  /** The rows this insert claimed for the caller's fast path (`claimFor`), with their commands. */
  claimed: ClaimedRow[];
}

/**
 * Inserts the rows (in order) and marks the request's Idempotency-Key committed, in one statement. With
 * `claimFor` (a lease in ms), the rows of each workflow that has no earlier row pending are claimed by the
 * insert itself, for a caller that delivers them right after its commit (`deliverSoon` with `claimed`).
 */
export async function insertOutboxRows(
  tx: Tx,
  rows: { firmId: string | null; command: OutboxCommand }[],
  options: { claimFor?: number } = {},
): Promise<QueuedRows> {
  const k = takeRequestKey(tx);
  const markKey = k
    ? Prisma.sql`UPDATE "IdempotencyRecord" SET "committedAt" = ${new Date()}
        WHERE "firmId" = ${k.firmId}::uuid AND key = ${k.key} AND "committedAt" IS NULL`
    : undefined;
  if (!rows.length) {
    if (markKey) await tx.$executeRaw(markKey);
    return { ids: [], workflowIds: [], claimed: [] };
  }
  const mark = markKey ? Prisma.sql`, mark AS (${markKey})` : Prisma.empty;
  const now = new Date();
  const until = options.claimFor ? new Date(now.getTime() + options.claimFor) : null;
  const trace = currentTraceCarrier();
  const input = rows.map((r, ord) => ({
    ord,
    firmId: r.firmId,
    workflowId: commandWorkflowId(r.command),
    command: r.command,
  }));
  const created = await tx.$queryRaw<{ id: bigint; workflowId: string; claimed: boolean }[]>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(input)}::jsonb)
        AS r(ord int, "firmId" uuid, "workflowId" text, command jsonb)
    ), ins AS (
      INSERT INTO outbox ("firmId", "workflowId", command, "nextAttemptAt", "createdAt", "claimedUntil", trace)
      SELECT i."firmId", i."workflowId", i.command, ${now}::timestamp(3), ${now}::timestamp(3),
        CASE WHEN EXISTS (SELECT 1 FROM outbox o WHERE o."workflowId" = i."workflowId")
          THEN NULL ELSE ${until}::timestamp(3) END,
        ${trace && JSON.stringify(trace)}::jsonb
      FROM input i ORDER BY i.ord
      RETURNING id, "workflowId", "claimedUntil" IS NOT NULL AS claimed
    ) ${mark}
    SELECT id, "workflowId", claimed FROM ins ORDER BY id`;
  const claimed: ClaimedRow[] = [];
  created.forEach((c, i) => {
    if (c.claimed) claimed.push({ id: c.id, workflowId: c.workflowId, command: rows[i].command, attempts: 0, trace });
  });
  return {
    ids: created.map((c) => c.id),
    workflowIds: [...new Set(created.map((c) => c.workflowId))],
    claimed,
  };
}

/** The fast path looks again at rows queued behind a row being delivered after this long, doubling up to the max. */
const MIN_POLL_MS = 20;
const MAX_POLL_MS = 160;

/**
 * When a round may next claim one of these rows' workflows (epoch ms): now while a head row is claimed (being
 * delivered) or ready, else the earliest head's next attempt after a failure; null once none is pending.
 */
async function nextChance(db: Db, ids: bigint[]): Promise<number | null> {
  const now = new Date();
  const [row] = await hotQuery<{ at: number | null }>(
    db,
    hotSql`
    WITH heads AS (
      SELECT DISTINCT ON ("workflowId") "nextAttemptAt", "claimedUntil" FROM outbox
      WHERE "workflowId" IN (SELECT "workflowId" FROM outbox WHERE id = ANY(${ids.map(String)}::bigint[]))
      ORDER BY "workflowId", id
    )
    SELECT extract(epoch FROM min(CASE WHEN "claimedUntil" >= ${now}::timestamp(3) THEN ${now}::timestamp(3)
      ELSE "nextAttemptAt" END))::float8 * 1000 AS at
    FROM heads`,
  );
  return row?.at ?? null;
}

export function createOutbox(db: Db, gateway: TemporalGateway, options: Partial<OutboxOptions> = {}) {
  const waitMs = options.fastPathWaitMs ?? DEFAULT_FAST_PATH_WAIT_MS;
  const relay = createRelay(db, gateway, options.relay);
  const relayOptions = { ...DEFAULT_RELAY_OPTIONS, ...options.relay };
  // The lease a request's own insert takes: long enough for its fast path to deliver a workflow's rows one
  // after the other (each call gives up after callTimeoutMs), short enough that rows of a process that died
  // right after its commit go to the background relay within seconds, not after the relay's longer lease.
  const ownLeaseMs = (rowsPerWorkflow: number) =>
    Math.min(relayOptions.leaseMs, (relayOptions.callTimeoutMs + 1_000) * Math.max(1, rowsPerWorkflow) + 2_000);

  /**
   * Delivers these rows now if it can; returns once they are delivered or after the wait. Rows the caller's
   * insert claimed (`claimed`) are delivered from memory; the others go through the relay's claim.
   */
  async function deliverSoon(ids: bigint[], workflowIds: string[], claimed: ClaimedRow[] = []): Promise<void> {
    if (!ids.length) return;
    const until = Date.now() + waitMs;
    const claimedIds = new Set(claimed.map((c) => c.id));
    const rest = ids.filter((id) => !claimedIds.has(id));
    const work = (async () => {
      const pending = new Set(rest);
      // Caught at once: a failure while the loop below still runs would otherwise be unhandled (the rows stay
      // in the table for the background relay).
      const own = claimed.length ? relay.deliverClaimed(claimed).catch(() => undefined) : undefined;
      for (let pollMs = MIN_POLL_MS; pending.size && Date.now() < until; pollMs = Math.min(2 * pollMs, MAX_POLL_MS)) {
        const restWorkflows = workflowIds.filter((w) => !claimed.some((c) => c.workflowId === w));
        const { failed, deliveredIds } = await relay.round(restWorkflows);
        for (const id of deliveredIds) pending.delete(id);
        if (!pending.size || failed) break; // a failure backs off: the background relay retries
        // Delivered by another relay meanwhile, or queued behind an earlier row: while that row is being
        // delivered, look again shortly; backed off after a failure (Temporal away), wait for its next attempt,
        // or leave it to the background relay when that comes after the wait.
        const at = await nextChance(db, [...pending]);
        if (at === null || at >= until) break;
        await sleep(Math.max(pollMs, at - Date.now()));
      }
      await own;
    })().catch(() => undefined); // the rows are safe in the table; the background relay delivers them
    await Promise.race([work, sleep(waitMs, undefined, { ref: false })]);
  }

  return {
    commands: commandBuilders(gateway.taskQueue),
    relay,
    /** The lease a caller's own insert takes on the rows it delivers at once (`claimFor`), by rows per workflow. */
    ownLeaseMs,

    /** Runs `fn` in one transaction with the Temporal calls it queues; delivers them after commit. */
    async transaction<T>(fn: (tx: Tx, enqueue: Enqueue) => Promise<T>): Promise<T> {
      const { result, queued } = await db.$transaction(async (tx) => {
        const calls: { firmId: string | null; command: OutboxCommand }[] = [];
        const result = await fn(tx, (firmId, command) => void calls.push({ firmId, command }));
        const perWorkflow = new Map<string, number>();
        for (const c of calls) {
          const w = commandWorkflowId(c.command);
          perWorkflow.set(w, (perWorkflow.get(w) ?? 0) + 1);
        }
        const claimFor = ownLeaseMs(Math.max(0, ...perWorkflow.values()));
        return { result, queued: await insertOutboxRows(tx, calls, { claimFor }) };
      });
      await deliverSoon(queued.ids, queued.workflowIds, queued.claimed);
      return result;
    },

    /** For a caller that wrote the rows in its own transaction (insertOutboxRows): deliver them now. */
    deliverSoon,
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
