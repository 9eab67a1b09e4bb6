// Activities of the bulk-action workflows. processBulkAccount runs as a local activity (one per account:
// short database work, no server round trip per account); the others are ordinary activities.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { isPermanentError } from '../prisma/errors';
import { createDbAvailability } from '../prisma/availability';
import type { Client } from '@temporalio/client';
import type { Db } from '../prisma/client';
import type { BulkAccountResult, BulkCounts } from '../shared/bulk-actions';
import { bulkContextCache } from '../domain/bulk/context';
import {
  applyAllPendingEffects,
  recordBulkFailure,
  runBulkAccount,
  runBulkAccounts,
  type BulkChunkResult,
} from '../domain/bulk/runner';
import { closeBulkAction, type BulkEndStatus } from '../domain/bulk/close';
import type { BulkEffectTarget } from '../domain/bulk/effects';
import { createTemporalGateway } from '../domain/temporal/gateway';
import { createOutbox } from '../domain/outbox/outbox';
import { DEFAULT_BULK_PACING } from '../domain/bulk/bulk-actions';
import { count } from '../observability/metrics';

/** How long one attempt of an account waits for the database to come back (BULK_ACCOUNT allows a minute). */
const OUTAGE_WAIT_MS = 45_000;

export interface BulkActivityDeps {
  db: Db;
  /** The worker's client is used when absent (tests of single activities may pass one). */
  temporal?: Client;
}

export function createBulkActivities({ db, temporal }: BulkActivityDeps) {
  const contextOf = bulkContextCache(db);
  const database = createDbAvailability(db);
  const target = (daySeconds: number): BulkEffectTarget => {
    const context = Context.current();
    // The context's client only when none was passed: its getter throws where there is none (a mock context).
    const client = temporal ?? context.client;
    return { gateway: createTemporalGateway({ client, taskQueue: context.info.taskQueue }), daySeconds };
  };

  return {
    /** The batch's accounts that still have no outcome, in snapshot order; none once a cancel was requested. */
    async loadBulkBatch(req: { bulkActionId: string; fromPosition: number; toPosition: number }): Promise<string[]> {
      const action = await db.bulkAction.findUniqueOrThrow({
        where: { id: req.bulkActionId },
        select: { cancelRequestedAt: true },
      });
      if (action.cancelRequestedAt) return [];
      const rows = await db.bulkActionOutcome.findMany({
        where: {
          bulkActionId: req.bulkActionId,
          position: { gte: req.fromPosition, lt: req.toPosition },
          outcome: null,
        },
        orderBy: { position: 'asc' },
        select: { accountId: true },
      });
      return rows.map((r) => r.accountId);
    },

    async processBulkAccount(req: {
      bulkActionId: string;
      accountId: string;
      daySeconds: number;
    }): Promise<BulkAccountResult> {
      for (;;) {
        try {
          const ctx = await contextOf(req.bulkActionId, req.daySeconds);
          // Counted only by the call that records the outcome, not by a retry or replay that finds it.
          return await runBulkAccount(db, target(req.daySeconds), ctx, req.accountId, count.bulkAccount);
        } catch (err) {
          // The account fails at once, without retries that would only fail the same way.
          if (isPermanentError(err))
            throw ApplicationFailure.nonRetryable(err instanceof Error ? err.message : String(err), 'BulkAccountError');
          // A database outage spends no attempt: wait for it and run the (idempotent) step again. The wait
          // stays under BULK_ACCOUNT's one-minute timeout, so no second attempt runs beside this one.
          if ((await database.waitIfDown(OUTAGE_WAIT_MS)) === true) continue;
          throw err;
        }
      }
    },

    /**
     * A chunk of accounts (kinds with a set-based step): one transaction for all of them. An account that
     * fails for good is recorded as failed here; a database outage spends no attempt, as for one account.
     */
    async processBulkAccounts(req: {
      bulkActionId: string;
      accountIds: string[];
      daySeconds: number;
    }): Promise<BulkChunkResult> {
      for (;;) {
        try {
          const ctx = await contextOf(req.bulkActionId, req.daySeconds);
          return await runBulkAccounts(db, target(req.daySeconds), ctx, req.accountIds, count.bulkAccount);
        } catch (err) {
          if ((await database.waitIfDown(OUTAGE_WAIT_MS)) === true) continue;
          throw err;
        }
      }
    },

    async recordBulkFailure(req: { bulkActionId: string; accountId: string; error: string }): Promise<void> {
      if (await recordBulkFailure(db, req.bulkActionId, req.accountId, req.error)) count.bulkAccount('failed');
    },

    /**
     * Makes any Temporal calls still pending (retried until Temporal answers), then closes the action, and
     * starts the workflow of the queued action promoted in its place (queued in the outbox with the close, so a
     * start that fails now is the relay's, even if this activity's retry finds the action closed).
     */
    async finishBulkAction(req: {
      bulkActionId: string;
      cancelled: boolean;
      daySeconds: number;
    }): Promise<{ status: BulkEndStatus; counts: BulkCounts }> {
      const to = target(req.daySeconds);
      await applyAllPendingEffects(db, to, req.bulkActionId);
      const outbox = createOutbox(db, to.gateway);
      const { status, counts, startQueued } = await closeBulkAction(db, req.bulkActionId, {
        cancelled: req.cancelled,
        starts: { commands: outbox.commands, fallback: { daySeconds: req.daySeconds, pacing: DEFAULT_BULK_PACING } },
      });
      if (startQueued) await outbox.deliverSoon(startQueued.ids, startQueued.workflowIds);
      return { status, counts };
    },
  };
}
