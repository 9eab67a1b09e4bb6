// Records a webhook event where it happens, in the change's own transaction: one delivery row per active
// endpoint of the firm subscribed to the event type, and its workflow start in the outbox (delivered after
// commit by the relay). The unique (endpoint, event key) makes a repeated call a no-op, so an event is
// delivered once per endpoint however often the step that records it runs.
import type { Prisma, Tx } from '../../prisma/client';
import { insertOutboxRows } from '../outbox/outbox';
import {
  webhookDeliveryStart,
  webhookDeliveryWorkflowContract,
  type WebhookEventType,
} from '../../shared/contracts/webhook-delivery';
import type { OutboxCommand } from '../outbox/commands';

export interface WebhookEvent {
  firmId: string;
  type: WebhookEventType;
  /** The event's business key, e.g. a reminder's dispatch key or `bulk-<id>`. */
  key: string;
  /** Ids and counts only: firm apps look up names through the API. */
  data: Prisma.InputJsonObject;
  occurredAt?: Date;
}

/** The outbox command starting one delivery's workflow on the relay's task queue. */
export function webhookDeliveryCommand(firmId: string, deliveryId: string, replay = 0): OutboxCommand {
  const start = webhookDeliveryStart(firmId, deliveryId, replay);
  return {
    op: 'start',
    start: {
      workflowType: webhookDeliveryWorkflowContract.workflowType,
      workflowId: start.workflowId,
      input: start.input,
      searchAttributes: start.searchAttributes,
      memo: start.memo,
    },
  };
}

/** Writes the event's deliveries and their outbox rows in `tx`; returns how many endpoints it went to. */
export async function recordWebhookEvent(tx: Tx, event: WebhookEvent): Promise<number> {
  const endpoints = await tx.webhookEndpoint.findMany({
    where: { firmId: event.firmId, disabledAt: null, eventTypes: { has: event.type } },
    select: { id: true },
  });
  if (!endpoints.length) return 0;
  const payload = { type: event.type, timestamp: (event.occurredAt ?? new Date()).toISOString(), data: event.data };
  const created = await tx.webhookDelivery.createManyAndReturn({
    data: endpoints.map((e) => ({
      firmId: event.firmId,
      endpointId: e.id,
      eventKey: event.key,
      eventType: event.type,
      payload,
    })),
    skipDuplicates: true,
    select: { id: true },
  });
  if (!created.length) return 0; // recorded before: its deliveries are queued already
  await insertOutboxRows(
    tx,
    created.map((d) => ({ firmId: event.firmId, command: webhookDeliveryCommand(event.firmId, d.id) })),
  );
  return created.length;
}
