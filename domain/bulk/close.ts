// Closes a bulk action once: accounts never reached are marked so (cancel) or failed (a safety net, so
// no selected account is silently left out), the report is stored, and the user who started it gets an
// inbox notification. Used by the workflow's last step and by the API when a cancel finds no workflow.
// A running action that closes frees its place under the firm's cap: the firm's oldest queued action is
// set "running" in the same transaction (`promoted`), its start queued in the outbox with it; the caller
// delivers it (see ./queue).
import type { Db } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import type { BulkCounts } from '../../shared/bulk-actions';
import { audit } from '../audit/audit';
import { buildBulkReport, countBulkOutcomes } from './report';
import { lockFirm, promoteQueued, queuePromotedStarts, type PromotedStarts } from './queue';
import type { QueuedRows } from '../outbox/outbox';
import { recordWebhookEvent } from '../webhooks/events';

export type BulkEndStatus = 'completed' | 'cancelled' | 'failed';

export async function closeBulkAction(
  db: Db,
  bulkActionId: string,
  opts: { cancelled: boolean; starts: PromotedStarts },
): Promise<{ status: BulkEndStatus; counts: BulkCounts; promoted: string[]; startQueued: QueuedRows | null }> {
  return db.$transaction(
    async (tx) => {
      const [action] = await tx.$queryRaw<
        {
          status: string;
          firmId: string;
          startedBy: string;
          kind: string;
          dryRun: boolean;
          cancelRequestedAt: Date | null;
          report: unknown;
        }[]
      >`
        SELECT status::text, "firmId"::text, "startedBy"::text, kind, "dryRun", "cancelRequestedAt", report
        FROM "BulkAction" WHERE id = ${bulkActionId}::uuid FOR UPDATE`;
      // A start reported as failed whose workflow did run after all is closed like any other.
      const startFailed =
        action.status === 'failed' &&
        typeof action.report === 'object' &&
        action.report !== null &&
        'startError' in action.report;
      // A queued action is closed only by its cancel: it never ran, every account is "not reached".
      if (action.status !== 'running' && action.status !== 'queued' && !startFailed)
        return {
          status: action.status as BulkEndStatus,
          counts: await countBulkOutcomes(tx, bulkActionId),
          promoted: [],
          startQueued: null,
        };
      // The database flag counts even if the cancel signal never reached the workflow.
      const cancelled = opts.cancelled || action.cancelRequestedAt !== null || action.status === 'queued';
      await tx.bulkActionOutcome.updateMany({
        where: { bulkActionId, outcome: null },
        data: cancelled
          ? { outcome: 'not_reached', detail: 'the action was cancelled before this account was reached' }
          : { outcome: 'failed', detail: 'not processed: the run ended without reaching this account' },
      });
      const report = await buildBulkReport(tx, bulkActionId, action.firmId);
      const status = cancelled ? 'cancelled' : 'completed';
      await tx.bulkAction.update({
        where: { id: bulkActionId },
        data: { status, finishedAt: new Date(), report: report as unknown as Prisma.InputJsonObject },
      });
      const c = report.counts;
      const what = `${action.dryRun ? 'Dry run of ' : ''}${action.kind.replace(/_/g, ' ')}`;
      const user = await tx.firmUser.findFirst({
        where: { id: action.startedBy, firmId: action.firmId, deactivatedAt: null },
        select: { id: true },
      });
      if (user) {
        await tx.inboxNotification.create({
          data: {
            firmId: action.firmId,
            firmUserId: user.id,
            kind: 'bulk_action.finished',
            title: `${what} ${status}: ${c.done} done, ${c.skipped} skipped, ${c.failed} failed${c.notReached ? `, ${c.notReached} not reached` : ''}`,
            body: `${c.total} accounts. The full report, one line per account, is at ${report.csv}.`,
            data: { bulkActionId, status, counts: { ...c } },
          },
        });
      }
      await audit(tx, {
        firmId: action.firmId,
        actorId: null,
        action: `bulk_action.${status}`,
        data: { bulkActionId, kind: action.kind, counts: { ...c } },
      });
      // Firm webhooks hear of the end once (closing twice returns above before reaching this).
      await recordWebhookEvent(tx, {
        firmId: action.firmId,
        type: 'bulk_action.completed',
        key: `bulk-${bulkActionId}`,
        data: { bulkActionId, kind: action.kind, status, dryRun: action.dryRun, counts: { ...c } },
      });
      // One place freed, one queued action promoted: the firm stays within its cap without knowing it.
      let promoted: string[] = [];
      let startQueued: QueuedRows | null = null;
      if (action.status === 'running') {
        await lockFirm(tx, action.firmId);
        promoted = await promoteQueued(tx, action.firmId, 1);
        if (promoted.length) startQueued = await queuePromotedStarts(tx, promoted, opts.starts);
      }
      return { status, counts: c, promoted, startQueued };
    },
    { timeout: 120_000 },
  );
}
