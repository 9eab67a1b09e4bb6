// Records a webhook event where it happens, in the change's own transaction: one delivery row per active
// endpoint of the firm subscribed to the event type, and its workflow start in the outbox (delivered after
// commit by the relay). The unique (endpoint, event key) makes a repeated call a no-op, so an event is
// delivered once per endpoint however often the step that records it runs.
import type { Prisma, Queryable } from '../../prisma/client';
import { hotFragment, hotQuery, hotRaw, hotSql, type HotTx } from '../outbox/hot-sql';
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
      reuse: start.reuse, // once per delivery and replay, as the contract says
    },
  };
}

/** Where a delivery's id goes in its command: the ids are drawn inside the statement. */
const DELIVERY_ID = '{{deliveryId}}';

/**
 * Writes the event's deliveries (one to every active endpoint of the firm subscribed to its type) and their
 * outbox rows in ONE statement (issue 10); returns how many endpoints it went to (0: recorded before).
 */
export async function recordWebhookEvent(q: HotTx | Queryable, { firmId, ...event }: WebhookEvent): Promise<number> {
  const [row] = await hotQuery<{ created: number }>(
    q,
    hotSql`
    WITH ${webhookEventCtes(firmId, [event])}
    SELECT count(*)::int AS created FROM webhook_outbox`,
  );
  return row.created;
}

/**
 * The CTEs that write the deliveries and outbox rows of a firm's events inside another statement (a reminder's dispatch
 * statement writes its events so: domain/items/dispatch-sql.ts), named `webhook_*`; `webhook_outbox` returns a
 * row per delivery written. With `onlyIf` (a CTE of that statement), only when it holds a row.
 */
export function webhookEventCtes(firmId: string, events: Omit<WebhookEvent, 'firmId'>[], onlyIf?: string) {
  const now = new Date();
  const rows = events.map((e) => ({
    type: e.type,
    key: e.key,
    payload: { type: e.type, timestamp: (e.occurredAt ?? now).toISOString(), data: e.data },
  }));
  // Each delivery's workflow id and command, with the id the statement drew for it.
  const withId = (text: string) => hotFragment`replace(${text}::text, ${DELIVERY_ID}::text, webhook_delivery.id::text)`;
  const outboxRows = queueOutboxRows({
    firmId,
    workflowId: withId(webhookDeliveryWorkflowId(DELIVERY_ID)),
    command: hotFragment`${withId(JSON.stringify(webhookDeliveryCommand(firmId, DELIVERY_ID)))}::jsonb`,
    from: 'webhook_delivery',
  });
  const gate = onlyIf ? hotRaw(`WHERE EXISTS (SELECT 1 FROM ${onlyIf})`) : hotRaw('');
  return hotFragment`
    webhook_event AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS ev(type text, key text, payload jsonb)
      ${gate}
    ), webhook_target AS (
      SELECT w.id, ev.type, ev.key, ev.payload
      FROM "WebhookEndpoint" w JOIN webhook_event ev ON ev.type = ANY(w."eventTypes")
      WHERE w."firmId" = ${firmId}::uuid AND w."disabledAt" IS NULL
    ), webhook_delivery AS (
      INSERT INTO "WebhookDelivery" (id, "firmId", "endpointId", "eventKey", "eventType", payload, "createdAt")
      SELECT gen_random_uuid(), ${firmId}::uuid, t.id, t.key, t.type, t.payload, ${now}::timestamp(3)
      FROM webhook_target t
      ON CONFLICT DO NOTHING
      RETURNING id
    ), webhook_outbox AS (
      ${outboxRows}
      RETURNING 1
    )`;
}
