// Delivers outbox rows to Temporal: in id order per workflow (a signal never overtakes the start before it),
// each row deleted once delivered, a failed one retried with backoff. Several relays (API instances, the
// worker) may run at once: a relay claims all pending rows of a workflow for a lease, so no two deliver the
// same workflow's rows at the same time, and a relay that dies leaves them to the next after the lease.
import type { Db } from '../../prisma/client';
import type { TemporalGateway } from '../temporal/gateway';
import { commandWorkflowId, type OutboxCommand } from './commands';
import { hotQuery, hotSql } from './hot-sql';
import { withTraceCarrier, type TraceCarrier } from './trace-carrier';

export interface RelayOptions {
  /** Workflows claimed per round. */
  batch: number;
  /** How long a claim holds; longer than a delivery can take (`callTimeoutMs` × rows of a workflow). */
  leaseMs: number;
  /** One Temporal call gives up after this long, so an unreachable server fails fast and backs off. */
  callTimeoutMs: number;
  /** Backoff after a failed delivery: doubling from `minBackoffMs`, capped at `maxBackoffMs`. */
  minBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RELAY_OPTIONS: RelayOptions = {
  batch: 100,
  leaseMs: 30_000,
  callTimeoutMs: 5_000,
  minBackoffMs: 250,
  maxBackoffMs: 5_000,
};

export interface ClaimedRow {
  id: bigint;
  workflowId: string;
  command: OutboxCommand;
  attempts: number;
  /** The trace of the change that queued it (trace-carrier.ts); its delivery continues that trace. */
  trace?: TraceCarrier | null;
}

export interface RoundResult {
  delivered: number;
  failed: number;
  /** Ids of the rows delivered (and deleted) in this round. */
  deliveredIds: bigint[];
}

export function createRelay(db: Db, gateway: TemporalGateway, options: Partial<RelayOptions> = {}) {
  const o = { ...DEFAULT_RELAY_OPTIONS, ...options };

  /** Claims every pending row of up to `batch` workflows whose first pending row is due and unclaimed. */
  async function claim(workflowIds?: string[]): Promise<ClaimedRow[]> {
    const now = new Date();
    const until = new Date(now.getTime() + o.leaseMs);
    const only = workflowIds ?? null;
    // On the pg pool (hot-sql.ts): the background relay runs it twice a second, and the fast path for rows it
    // could not claim with their insert.
    const rows = await hotQuery<Omit<ClaimedRow, 'id'> & { id: string | bigint }>(
      db,
      hotSql`
      WITH heads AS (
        SELECT DISTINCT ON ("workflowId") id, "workflowId", "nextAttemptAt", "claimedUntil"
        FROM outbox
        WHERE (${only}::text[] IS NULL OR "workflowId" = ANY(${only}::text[]))
        ORDER BY "workflowId", id
      ), ready AS (
        SELECT "workflowId" FROM heads
        WHERE "nextAttemptAt" <= ${now}::timestamp(3) AND ("claimedUntil" IS NULL OR "claimedUntil" < ${now}::timestamp(3))
        ORDER BY id LIMIT ${o.batch}::int
      )
      UPDATE outbox SET "claimedUntil" = ${until}::timestamp(3)
      WHERE "workflowId" IN (SELECT "workflowId" FROM ready)
        AND ("claimedUntil" IS NULL OR "claimedUntil" < ${now}::timestamp(3))
      RETURNING id, "workflowId", command, attempts, trace`,
    );
    return rows.map((r) => ({ ...r, id: BigInt(r.id) }));
  }

  /** Delivers one workflow's rows in order; stops at the first failure, which backs off with the rest. */
  async function deliverWorkflow(rows: ClaimedRow[]): Promise<RoundResult> {
    const done: bigint[] = [];
    let failure: { row: ClaimedRow; error: string } | null = null;
    for (const row of rows) {
      try {
        const call = withTraceCarrier(row.trace, () => gateway.execute(row.command, o.callTimeoutMs));
        await withTimeout(call, o.callTimeoutMs + 1000);
        done.push(row.id);
      } catch (err) {
        failure = { row, error: (err as Error).message?.slice(0, 500) ?? String(err) };
        break;
      }
    }
    if (done.length) await remove(done);
    const rest = rows.filter((r) => !done.includes(r.id)).map((r) => r.id);
    if (failure) {
      const backoff = Math.min(o.maxBackoffMs, o.minBackoffMs * 2 ** Math.min(failure.row.attempts, 16));
      await db.outboxMessage.update({
        where: { id: failure.row.id },
        data: {
          attempts: { increment: 1 },
          lastError: failure.error,
          nextAttemptAt: new Date(Date.now() + backoff),
          claimedUntil: null,
        },
      });
    }
    if (rest.length) await db.outboxMessage.updateMany({ where: { id: { in: rest } }, data: { claimedUntil: null } });
    return { delivered: done.length, failed: failure ? 1 : 0, deliveredIds: done };
  }

  // Delivered rows are deleted in batches: while one DELETE runs, the ids delivered meanwhile (by other
  // requests' fast paths and the rounds) wait for the next, so under load a delete is shared by many rows.
  let deleteQueue: { ids: bigint[]; done: (err?: unknown) => void }[] = [];
  let deleting = false;
  async function flushDeletes() {
    deleting = true;
    while (deleteQueue.length) {
      const batch = deleteQueue;
      deleteQueue = [];
      const ids = batch.flatMap((b) => b.ids.map(String));
      try {
        await hotQuery(db, hotSql`DELETE FROM outbox WHERE id = ANY(${ids}::bigint[])`);
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.done(err);
      }
    }
    deleting = false;
  }
  function remove(ids: bigint[]): Promise<void> {
    return new Promise((resolve, reject) => {
      deleteQueue.push({ ids, done: (err) => (err === undefined ? resolve() : reject(err as Error)) });
      if (!deleting) void flushDeletes();
    });
  }

  /** Delivers claimed rows: each workflow's in id order, workflows side by side. */
  async function deliverRows(rows: ClaimedRow[]): Promise<RoundResult> {
    const byWorkflow = new Map<string, ClaimedRow[]>();
    for (const r of [...rows].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      const list = byWorkflow.get(r.workflowId) ?? [];
      list.push(r);
      byWorkflow.set(r.workflowId, list);
    }
    const results = await Promise.all([...byWorkflow.values()].map(deliverWorkflow));
    return {
      delivered: results.reduce((n, r) => n + r.delivered, 0),
      failed: results.reduce((n, r) => n + r.failed, 0),
      deliveredIds: results.flatMap((r) => r.deliveredIds),
    };
  }

  /** One round: claim, then deliver each claimed workflow's rows (workflows side by side, rows in order). */
  async function round(workflowIds?: string[]): Promise<RoundResult> {
    if (workflowIds && !workflowIds.length) return { delivered: 0, failed: 0, deliveredIds: [] };
    return deliverRows(await claim(workflowIds));
  }

  return {
    round,
    /**
     * Delivers rows the caller claimed itself (its insert took the lease: outbox.ts `claimFor`), from memory:
     * no claim, no re-read. A failure backs off and releases them to the background relay, as in a round.
     */
    deliverClaimed: deliverRows,
    workflowIdOf: commandWorkflowId,
  };
}

export type Relay = ReturnType<typeof createRelay>;

/** The client's deadline does not cover everything (a lazy connection's first connect): never wait longer. */
function withTimeout<T>(p: Promise<T>, ms: number, what = 'Temporal call'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

/**
 * Depth and age of the oldest pending row, for readiness, metrics and logs; with `timeoutMs`, a database
 * that does not answer fails it then (a silent partition would otherwise hold it for the pool's timeouts).
 */
export function outboxLag(db: Db, timeoutMs?: number): Promise<{ depth: number; oldestAgeMs: number }> {
  return timeoutMs === undefined ? readOutboxLag(db) : withTimeout(readOutboxLag(db), timeoutMs, 'outbox read');
}

async function readOutboxLag(db: Db): Promise<{ depth: number; oldestAgeMs: number }> {
  // On the pg pool (hot-sql.ts): the background relay reads it every round. The oldest row's time as epoch ms
  // (the column holds UTC, as Prisma writes it).
  const [row] = await hotQuery<{ depth: string | bigint | number; oldestMs: number | null }>(
    db,
    hotSql`SELECT count(*) AS depth, extract(epoch FROM min("createdAt"))::float8 * 1000 AS "oldestMs" FROM outbox`,
  );
  return {
    depth: Number(row?.depth ?? 0),
    oldestAgeMs: row?.oldestMs != null ? Math.max(0, Date.now() - row.oldestMs) : 0,
  };
}
