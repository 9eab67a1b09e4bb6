// The shapes of Nudge's hot workflows with no work inside, for bench/limit.ts: what the Temporal server and
// one worker can do at best, the yardstick for the reminder pipeline and for create → notification.
import {
  condition,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { STATUS } from '../shared/contracts/search-attributes';
import { DISPATCH_EMAILS } from '../workflows/activity-options';

/** Runs on the bench's limit worker only: records when it ran and returns at once. */
export interface LimitActivities {
  limitNoop(key: string): Promise<void>;
}

// The options of the reminder's send (dispatchItemEmail), so the server schedules it the same way.
const { limitNoop } = proxyActivities<LimitActivities>(DISPATCH_EMAILS);
const local = proxyLocalActivities<LimitActivities>({
  startToCloseTimeout: DISPATCH_EMAILS.startToCloseTimeout,
  retry: DISPATCH_EMAILS.retry,
});

/** Until `fireAt` (epoch ms): a condition with a timeout, as itemReminderWorkflow waits for its due time (one
 * timer in the history). */
async function waitUntil(fireAt: number): Promise<void> {
  const wait = fireAt - Date.now();
  if (wait > 0) await condition(() => false, wait);
}

/** Shape (a), a reminder falling due: wait on a timer until `fireAt` (epoch ms), then one activity. */
export async function limitTimerWorkflow(fireAt: number): Promise<void> {
  await waitUntil(fireAt);
  await limitNoop(workflowInfo().workflowId);
}

/**
 * Shape (a) with what a reminder workflow adds on the server and no work: started with its search attributes
 * and memo (bench/limit.ts), it upserts NudgeStatus before its wait and after its activity, as
 * itemReminderWorkflow does ("waiting", then "completed"): the visibility writes of a reminder's status.
 */
export async function limitTimerTaggedWorkflow(fireAt: number): Promise<void> {
  upsertSearchAttributes([{ key: STATUS, value: 'waiting' }]);
  await waitUntil(fireAt);
  await limitNoop(workflowInfo().workflowId);
  upsertSearchAttributes([{ key: STATUS, value: 'completed' }]);
}

/**
 * Shape (a) with the activity run as a local activity: inside the workflow task the timer wakes, recorded as
 * a marker, with no activity task and no second workflow task: a reminder's shape since its send became a
 * local activity (patched('local-dispatch') in workflows/item-reminder.ts).
 */
export async function limitTimerLocalWorkflow(fireAt: number): Promise<void> {
  await waitUntil(fireAt);
  await local.limitNoop(workflowInfo().workflowId);
}

/** Shape (b), an item's notification right after its workflow starts: one activity. */
export async function limitStartWorkflow(): Promise<void> {
  await limitNoop(workflowInfo().workflowId);
}
