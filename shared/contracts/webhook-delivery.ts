// The webhook delivery workflow's contract (issue 11): one workflow per delivery of one event to one firm
// endpoint, `webhook-<deliveryId>` (a replay: `webhook-<deliveryId>:replay-<n>`). Ids only: the activity
// reads the endpoint, the secret and the payload from the database.
import { defineWorkflow, type WorkflowStart } from './workflow';

/** The events a firm endpoint may subscribe to. */
export const WEBHOOK_EVENT_TYPES = [
  'reminder.sent',
  'item.completed',
  'item.reminders_exhausted',
  'bulk_action.completed',
  'email.bounced',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookDeliveryInput {
  firmId: string;
  deliveryId: string;
  /** Which run: 0 the first, n the n-th replay; a run a later replay superseded stops (absent: runs from before). */
  replay?: number;
}

/** The attempts' retry schedule: from 2 s, doubling, to one attempt an hour, for 24 hours in all. */
export const WEBHOOK_RETRY = {
  initialIntervalMs: 2_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 3_600_000,
  totalMs: 24 * 3_600_000,
} as const;

/** What one attempt ended with; a failed attempt throws instead, so the activity's retry policy backs off. */
export type WebhookAttemptResult =
  | { outcome: 'delivered'; statusCode: number }
  | { outcome: 'gone'; statusCode: number }
  | { outcome: 'endpoint_disabled' }
  | { outcome: 'superseded' };

/**
 * The task queue the delivery attempts run on: the workflow's own plus `-webhooks`. Every Nudge worker polls
 * it with slots of its own (WORKER_MAX_CONCURRENT_WEBHOOK_ATTEMPTS), so attempts waiting on slow endpoints
 * never hold the slots the invitation, participant and digest emails' activities need.
 */
export const webhookAttemptTaskQueue = (workflowTaskQueue: string) => `${workflowTaskQueue}-webhooks`;

/** The patch that moved the attempts to webhookAttemptTaskQueue: runs started before keep theirs. */
export const WEBHOOK_ATTEMPT_QUEUE_PATCH = 'webhook-attempt-queue';

export const webhookDeliveryWorkflowContract = defineWorkflow<WebhookDeliveryInput>('webhookDeliveryWorkflow');

export const webhookDeliveryWorkflowId = (deliveryId: string, replay = 0) =>
  replay ? `webhook-${deliveryId}:replay-${replay}` : `webhook-${deliveryId}`;

export function webhookDeliveryStart(
  firmId: string,
  deliveryId: string,
  replay = 0,
): WorkflowStart<WebhookDeliveryInput> {
  return {
    workflowId: webhookDeliveryWorkflowId(deliveryId, replay),
    input: { firmId, deliveryId, replay },
    searchAttributes: [],
    memo: {},
    reuse: 'once', // one run per delivery and replay, however often its start is delivered
  };
}
