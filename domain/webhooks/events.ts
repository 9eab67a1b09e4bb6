// Records a webhook event where it happens, in the change's own transaction: one delivery row per active
// endpoint of the firm subscribed to the event type, and its workflow start in the outbox (delivered after
// commit by the relay). The unique (endpoint, event key) makes a repeated call a no-op, so an event is
// delivered once per endpoint however often the step that records it runs.
import type { Prisma, Queryable } from '../../prisma/client';
import { hotFragment, hotQuery, hotSql, type HotTx } from '../outbox/hot-sql';
import { queueOutboxRows } from '../outbox/one-statement';
import {
  webhookDeliveryStart,
  webhookDeliveryWorkflowContract,
  webhookDeliveryWorkflowId,
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

/** Where a delivery's id goes in its command: the ids are drawn inside the statement. */
const DELIVERY_ID = '{{deliveryId}}';

/** Writes the event's deliveries and their outbox rows; returns how many endpoints it went to (0: recorded before). */
export async function recordWebhookEvent(q: HotTx | Queryable, event: WebhookEvent): Promise<number> {
  return recordWebhookEvents(q, event.firmId, [event]);
}

/**
 * Writes the deliveries of a firm's events (each to every active endpoint subscribed to its type) and their
 * outbox rows in ONE statement (issue 10: a reminder's dispatch runs it on its hot transaction; a Prisma
 * transaction runs the same statement). Returns how many deliveries it wrote; one recorded before is skipped.
 */
export async function recordWebhookEvents(
  q: HotTx | Queryable,
  firmId: string,
  events: Omit<WebhookEvent, 'firmId'>[],
): Promise<number> {
  const now = new Date();
  const rows = events.map((e) => ({
    type: e.type,
    key: e.key,
    payload: { type: e.type, timestamp: (e.occurredAt ?? now).toISOString(), data: e.data },
  }));
  // Each delivery's workflow id and command, with the id the statement drew for it.
  const withId = (text: string) => hotFragment`replace(${text}::text, ${DELIVERY_ID}::text, d.id::text)`;
  const outboxRows = queueOutboxRows({
    firmId,
    workflowId: withId(webhookDeliveryWorkflowId(DELIVERY_ID)),
    command: hotFragment`${withId(JSON.stringify(webhookDeliveryCommand(firmId, DELIVERY_ID)))}::jsonb`,
    from: 'd',
  });
  const [row] = await hotQuery<{ created: number }>(
    q,
    hotSql`
    WITH ev AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS ev(type text, key text, payload jsonb)
    ), ep AS (
      SELECT w.id, ev.type, ev.key, ev.payload
      FROM "WebhookEndpoint" w JOIN ev ON ev.type = ANY(w."eventTypes")
      WHERE w."firmId" = ${firmId}::uuid AND w."disabledAt" IS NULL
    ), d AS (
      INSERT INTO "WebhookDelivery" (id, "firmId", "endpointId", "eventKey", "eventType", payload, "createdAt")
      SELECT gen_random_uuid(), ${firmId}::uuid, ep.id, ep.key, ep.type, ep.payload, ${now}::timestamp(3)
      FROM ep
      ON CONFLICT DO NOTHING
      RETURNING id
    ), o AS (
      ${outboxRows}
      RETURNING 1
    )
    SELECT count(*)::int AS created FROM o`,
  );
  return row.created;
}
