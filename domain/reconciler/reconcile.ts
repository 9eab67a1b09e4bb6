// One reconciler pass: what it repaired, for the workflow's result and the worker's log.
import type { Db } from '../../prisma/client';
import type { ReconcileReport, ReconcilerInput } from '../../shared/contracts/reconciler';
import { createBulkActionsService, DEFAULT_BULK_MAX_RUNNING_PER_FIRM } from '../bulk/bulk-actions';
import { createReminderWorkflows } from '../items/reminder-workflows';
import { closeAbandonedPolicyApplications } from '../reminder-policy/apply';
import type { TemporalGateway } from '../temporal/gateway';
import { rearmLostDigests } from './digests';
import { rearmLostReminders } from './reminders';
import { CHECKS_PER_PASS, type RingKey } from './ring';

// Where this process's last pass stopped in each walk, so the next goes on from there. Kept in memory: a
// restarted worker (or another one) starts from the oldest, which only makes a walk round shorter.
const resume: { reminders: RingKey | null; digests: RingKey | null } = { reminders: null, digests: null };

/** Queued bulk actions of a firm under `input.maxRunningPerFirm` are promoted and started (in `bulkStarted`). */
export async function reconcile(db: Db, gateway: TemporalGateway, input: ReconcilerInput): Promise<ReconcileReport> {
  const { daySeconds, olderThanMs, pacing } = input;
  const maxRunningPerFirm = input.maxRunningPerFirm ?? DEFAULT_BULK_MAX_RUNNING_PER_FIRM;
  const service = createBulkActionsService({ db, gateway, daySeconds, pacing, maxRunningPerFirm });
  const bulk = await service.reconcileRunning(olderThanMs);
  const promoted = await service.promoteQueued();
  const reminders = createReminderWorkflows({ gateway, daySeconds });
  const lost = await rearmLostReminders(
    { db, gateway, reminders, daySeconds },
    olderThanMs,
    CHECKS_PER_PASS,
    resume.reminders,
  );
  resume.reminders = lost.next;
  const digests = await rearmLostDigests({ db, gateway }, olderThanMs, CHECKS_PER_PASS, resume.digests);
  resume.digests = digests.next;
  // A policy application whose workflow was terminated (no workflow code ran) would read `running` for ever.
  const policyApplicationsClosed = await closeAbandonedPolicyApplications(db, gateway, olderThanMs);
  return {
    bulkStarted: [...bulk.started, ...promoted],
    bulkClosed: bulk.closed,
    remindersChecked: lost.checked,
    remindersRearmed: lost.rearmed,
    digestsRearmed: digests.rearmed,
    policyApplicationsClosed,
  };
}
