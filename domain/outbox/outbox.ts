// The transactional outbox (issue 9): a change and the Temporal calls it asks for commit together, so no
// change is left without its workflow and no retry asks twice. `transaction` runs the change with a queue;
// the queued calls are inserted in the same transaction; after commit the fast path delivers them at once
// and waits a little for it (a running Temporal answers in milliseconds, so callers see their workflow),
// and an unreachable Temporal leaves them to the background relay (relay-loop.ts) without failing the change.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db, Tx } from '../../prisma/client';
import type { TemporalGateway } from '../temporal/gateway';
import { commandBuilders, commandWorkflowId, type OutboxCommand } from './commands';
import { createRelay, type RelayOptions } from './relay';
import { markRequestCommitted } from './request-key';

/** Queues a Temporal call with the transaction; `firmId` is for operators (null: not a firm's). */
export type Enqueue = (firmId: string | null, command: OutboxCommand) => void;

export interface OutboxOptions {
  /** How long a caller waits for the fast path after commit before answering anyway. */
  fastPathWaitMs: number;
  relay: Partial<RelayOptions>;
}

export const DEFAULT_FAST_PATH_WAIT_MS = 1_000;

export async function insertOutboxRows(
  tx: Tx,
  rows: { firmId: string | null; command: OutboxCommand }[],
): Promise<{ ids: bigint[]; workflowIds: string[] }> {
  await markRequestCommitted(tx);
  if (!rows.length) return { ids: [], workflowIds: [] };
  const created = await tx.outboxMessage.createManyAndReturn({
    data: rows.map((r) => ({
      firmId: r.firmId,
      workflowId: commandWorkflowId(r.command),
      command: r.command as object,
    })),
    select: { id: true, workflowId: true },
  });
  return { ids: created.map((c) => c.id), workflowIds: [...new Set(created.map((c) => c.workflowId))] };
}

export function createOutbox(db: Db, gateway: TemporalGateway, options: Partial<OutboxOptions> = {}) {
  const waitMs = options.fastPathWaitMs ?? DEFAULT_FAST_PATH_WAIT_MS;
  const relay = createRelay(db, gateway, options.relay);

  /** Delivers these rows now if it can; returns once they are delivered or after the wait. */
  async function deliverSoon(ids: bigint[], workflowIds: string[]): Promise<void> {
    if (!ids.length) return;
    const until = Date.now() + waitMs;
    const work = (async () => {
      const pending = new Set(ids);
      while (Date.now() < until) {
        const { failed, deliveredIds } = await relay.round(workflowIds);
        for (const id of deliveredIds) pending.delete(id);
        if (!pending.size || failed) return; // a failure backs off: the background relay retries
        // Claimed by another relay meanwhile, or queued behind an earlier row: look again shortly.
        if (await relay.delivered([...pending])) return;
        await sleep(20);
      }
    })().catch(() => undefined); // the rows are safe in the table; the background relay delivers them
    await Promise.race([work, sleep(waitMs, undefined, { ref: false })]);
  }

  return {
    commands: commandBuilders(gateway.taskQueue),
    relay,

    /** Runs `fn` in one transaction with the Temporal calls it queues; delivers them after commit. */
    async transaction<T>(fn: (tx: Tx, enqueue: Enqueue) => Promise<T>): Promise<T> {
      const { result, ids, workflowIds } = await db.$transaction(async (tx) => {
        const queued: { firmId: string | null; command: OutboxCommand }[] = [];
        const result = await fn(tx, (firmId, command) => void queued.push({ firmId, command }));
        return { result, ...(await insertOutboxRows(tx, queued)) };
      });
      await deliverSoon(ids, workflowIds);
      return result;
    },

    /** For a caller that wrote the rows in its own transaction (insertOutboxRows): deliver them now. */
    deliverSoon,
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
