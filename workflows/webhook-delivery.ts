// Delivers one webhook event to one firm endpoint durably (issue 11): the attempt is an activity whose retry
// policy backs off from 2 seconds to one attempt an hour for 24 hours (schedule-to-close); a worker or API
// restart loses nothing. Then the delivery is marked failed (a replay can send it again).
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { createWebhookActivities } from '../activities/webhook-activities';
import {
  WEBHOOK_RETRY,
  type WebhookDeliveryInput,
  type webhookDeliveryWorkflowContract,
} from '../shared/contracts/webhook-delivery';
import type { WorkflowFunction } from '../shared/contracts/workflow';

type WebhookActivities = ReturnType<typeof createWebhookActivities>;

/** One attempt: a 10 s HTTP deadline inside it; retried with backoff for 24 hours in all (each failure names
 * its own delay, spread around this schedule: see the activity). */
const { attemptWebhookDelivery } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: WEBHOOK_RETRY.totalMs,
  retry: {
    initialInterval: WEBHOOK_RETRY.initialIntervalMs,
    backoffCoefficient: WEBHOOK_RETRY.backoffCoefficient,
    maximumInterval: WEBHOOK_RETRY.maximumIntervalMs,
  },
});

const { markWebhookDeliveryFailed } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<void> {
  try {
    await attemptWebhookDelivery(input);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    await markWebhookDeliveryFailed(input);
  }
}

webhookDeliveryWorkflow satisfies WorkflowFunction<typeof webhookDeliveryWorkflowContract>;
