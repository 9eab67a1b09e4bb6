// Activities of the bulk-action workflows. processBulkAccount runs as a local activity (one per account:
// short database work, no server round trip per account); the others are ordinary activities.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Db } from '../prisma/client';
import { Prisma } from '../prisma/client';
import type { BulkAccountResult, BulkCounts } from '../shared/bulk-actions';
import { audit } from '../api/services/audit';
import { bulkContextCache } from './bulk-context';
import { recordBulkFailure, runBulkAccount } from './bulk-runner';
import { buildBulkReport } from './bulk-report';

export interface BulkActivityDeps {
  db: Db;
  /** The worker's client is used when absent (tests of single activities may pass one). */
  temporal?: Client;
}

export function createBulkActivities({ db, temporal }: BulkActivityDeps) {
  const contextOf = bulkContextCache(db);

  return {
    /** The batch's accounts that still have no outcome, in snapshot order. */
    async loadBulkBatch(req: { bulkActionId: string; fromPosition: number; toPosition: number }): Promise<string[]> {
      const rows = await db.bulkActionItem.findMany({
        where: { bulkActionId: req.bulkActionId, position: { gte: req.fromPosition, lt: req.toPosition }, outcome: null },
        orderBy: { position: 'asc' },
        select: { accountId: true },
      });
      return rows.map((r) => r.accountId);
    },

    async processBulkAccount(req: { bulkActionId: string; accountId: string; daySeconds: number }): Promise<BulkAccountResult> {
      const ctx = await contextOf(req.bulkActionId, req.daySeconds);
      const info = Context.current().info;
      const client = temporal ?? Context.current().client;
      return runBulkAccount(db, { temporal: client, taskQueue: info.taskQueue, daySeconds: req.daySeconds }, ctx, req.accountId);
    },

    async recordBulkFailure(req: { bulkActionId: string; accountId: string; error: string }): Promise<void> {
      await recordBulkFailure(db, req.bulkActionId, req.accountId, req.error);
    },

    /**
     * Closes the action once: accounts never reached are marked so (cancel) or failed (should not
     * happen: a safety net so no account is silently left out), the report is stored, and the user
     * who started it gets an inbox notification.
     */
    async finishBulkAction(req: { bulkActionId: string; cancelled: boolean }): Promise<BulkCounts> {
      return db.$transaction(
        async (tx) => {
          const [action] = await tx.$queryRaw<{ status: string; firmId: string; startedBy: string; kind: string; dryRun: boolean }[]>`
            SELECT status::text, "firmId"::text, "startedBy"::text, kind, "dryRun" FROM "BulkAction" WHERE id = ${req.bulkActionId}::uuid FOR UPDATE`;
          if (action.status !== 'running') return (await buildBulkReport(tx, req.bulkActionId)).counts;
          await tx.bulkActionItem.updateMany({
            where: { bulkActionId: req.bulkActionId, outcome: null },
            data: req.cancelled
              ? { outcome: 'not_reached', detail: 'the action was cancelled before this account was reached' }
              : { outcome: 'failed', detail: 'not processed: the run ended without reaching this account' },
          });
          const report = await buildBulkReport(tx, req.bulkActionId);
          const status = req.cancelled ? 'cancelled' : 'completed';
          await tx.bulkAction.update({ where: { id: req.bulkActionId }, data: { status, finishedAt: new Date(), report: report as unknown as Prisma.InputJsonObject } });
          const c = report.counts;
          const what = `${action.dryRun ? 'Dry run of ' : ''}${action.kind.replace(/_/g, ' ')}`;
          const user = await tx.firmUser.findFirst({ where: { id: action.startedBy, firmId: action.firmId }, select: { id: true } });
          if (user) {
            await tx.inboxNotification.create({
              data: {
                firmId: action.firmId,
                firmUserId: user.id,
                kind: 'bulk_action.finished',
                title: `${what} ${status}: ${c.done} done, ${c.skipped} skipped, ${c.failed} failed${c.notReached ? `, ${c.notReached} not reached` : ''}`,
                body: `${c.total} accounts. The full report, one line per account, is at ${report.csv}.`,
                data: { bulkActionId: req.bulkActionId, status, counts: { ...c } },
              },
            });
          }
          await audit(tx, { firmId: action.firmId, actorId: null, action: `bulk_action.${status}`, data: { bulkActionId: req.bulkActionId, kind: action.kind, counts: { ...c } } });
          return c;
        },
        { timeout: 120_000 },
      );
    },
  };
}
