// One reconciler pass: what it repaired, for the workflow's result and the worker's log.
import type { Db } from '../../prisma/client';
import type { ReconcileReport, ReconcilerInput } from '../../shared/contracts/reconciler';
import { createBulkActionsService } from '../bulk/bulk-actions';
import { createReminderWorkflows } from '../items/reminder-workflows';
import type { TemporalGateway } from '../temporal/gateway';
import { rearmLostReminders } from './reminders';

export async function reconcile(db: Db, gateway: TemporalGateway, input: ReconcilerInput): Promise<ReconcileReport> {
  const { daySeconds, olderThanMs, pacing } = input;
  const bulk = await createBulkActionsService({ db, gateway, daySeconds, pacing }).reconcileRunning(olderThanMs);
  const reminders = createReminderWorkflows({ gateway, daySeconds });
  const lost = await rearmLostReminders({ db, gateway, reminders, daySeconds }, olderThanMs);
  return {
    bulkStarted: bulk.started,
    bulkClosed: bulk.closed,
    remindersChecked: lost.checked,
    remindersRearmed: lost.rearmed,
  };
}
