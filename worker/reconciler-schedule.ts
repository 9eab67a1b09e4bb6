// Creates (or brings up to date) the Temporal Schedule that runs the reconciler every so often; the
// worker process does it at start, so every deployment has exactly one, visible in the Temporal UI (or,
// with the reconciler off, none).
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import {
  RECONCILER_SCHEDULE_ID,
  reconcilerWorkflowContract,
  type ReconcilerInput,
} from '../shared/contracts/reconciler';

/** `everySeconds` 0: no reconciler, so a Schedule an earlier start made is deleted (it would run on). */
export async function ensureReconcilerSchedule(
  client: Client,
  opts: { taskQueue: string; everySeconds: number; input: ReconcilerInput; scheduleId?: string },
): Promise<void> {
  const scheduleId = opts.scheduleId ?? RECONCILER_SCHEDULE_ID;
  if (opts.everySeconds <= 0) {
    try {
      await client.schedule.getHandle(scheduleId).delete();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
    return;
  }
  const spec = { intervals: [{ every: opts.everySeconds * 1000 }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: reconcilerWorkflowContract.workflowType,
    workflowId: `${scheduleId}-run`,
    taskQueue: opts.taskQueue,
    args: [opts.input],
  };
  try {
    // A pass still running when the next is due is not doubled: the next one waits its turn.
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP } });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
  }
}
