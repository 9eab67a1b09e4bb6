// The reconciler's activity: one pass over what an outage may have left without its workflow.
import { Context, log } from '@temporalio/activity';
import type { Db } from '../prisma/client';
import { reconcile } from '../domain/reconciler/reconcile';
import { createTemporalGateway } from '../domain/temporal/gateway';
import type { ReconcileReport, ReconcilerInput } from '../shared/contracts/reconciler';

export function createReconcilerActivities({ db }: { db: Db }) {
  return {
    async reconcile(input: ReconcilerInput): Promise<ReconcileReport> {
      const { client, info } = Context.current();
      const report = await reconcile(db, createTemporalGateway({ client, taskQueue: info.taskQueue }), input);
      const fixed =
        report.bulkStarted.length +
        report.bulkClosed.length +
        report.remindersRearmed.length +
        (report.digestsRearmed?.length ?? 0) +
        (report.policyApplicationsClosed?.length ?? 0);
      if (fixed) log.warn('reconciler repaired workflows', { ...report });
      return report;
    },
  };
}
