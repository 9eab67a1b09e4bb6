// Delivers one webhook event to one firm endpoint durably (issue 11): the attempt is an activity whose retry
// policy backs off from 2 seconds to one attempt an hour for 24 hours (schedule-to-close); a worker or API
// restart loses nothing. Then the delivery is marked failed (a replay can send it again).
import { ActivityFailure, patched, proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { createWebhookActivities } from '../activities/webhook-activities';
import {
  WEBHOOK_ATTEMPT_QUEUE_PATCH,
  WEBHOOK_RETRY,
  webhookAttemptTaskQueue,
  type WebhookDeliveryInput,
  type webhookDeliveryWorkflowContract,
} from '../shared/contracts/webhook-delivery';
import type { WorkflowFunction } from '../shared/contracts/workflow';

type WebhookActivities = ReturnType<typeof createWebhookActivities>;

/** One attempt: a 15 s HTTP deadline inside it; retried with backoff for 24 hours in all (each failure names
 * its own delay, spread around this schedule: see the activity). */
const attemptOptions: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: WEBHOOK_RETRY.totalMs,
  retry: {
    initialInterval: WEBHOOK_RETRY.initialIntervalMs,
    backoffCoefficient: WEBHOOK_RETRY.backoffCoefficient,
    maximumInterval: WEBHOOK_RETRY.maximumIntervalMs,
  },
};

const { markWebhookDeliveryFailed } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<void> {
  // On the attempts' own task queue (runs started before the patch keep the workflow's).
  const { attemptWebhookDelivery } = proxyActivities<WebhookActivities>(
    patched(WEBHOOK_ATTEMPT_QUEUE_PATCH)
      ? { ...attemptOptions, taskQueue: webhookAttemptTaskQueue(workflowInfo().taskQueue) }
      : attemptOptions,
  );
  try {
    await attemptWebhookDelivery(input);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    await markWebhookDeliveryFailed(input);
  }
}

webhookDeliveryWorkflow satisfies WorkflowFunction<typeof webhookDeliveryWorkflowContract>;
