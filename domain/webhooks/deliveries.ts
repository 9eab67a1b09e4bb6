// The delivery log of a firm's endpoint (each delivery with its status and attempts) and the replay call:
// a delivery sent again by a new workflow run, with the same webhook-id so receivers can deduplicate.
import type { Db } from '../../prisma/client';
import type { Actor } from '../access/access';
import { audit } from '../audit/audit';
import { conflict, notFound } from '../errors';
import { createdPage, olderThanCursor } from '../pagination';
import { insertOutboxRows, type Outbox } from '../outbox/outbox';
import { findEndpoint, requireWebhookManager } from './endpoints';
import { webhookDeliveryCommand } from './events';

type DeliveryRow = Awaited<ReturnType<typeof loadDelivery>>;

/** The newest attempts (the ones being investigated), at most 100, shown oldest first. */
const LATEST_ATTEMPTS = { attemptLog: { orderBy: { attempt: 'desc' as const }, take: 100 } };

const loadDelivery = (db: Db, firmId: string, deliveryId: string) =>
  db.webhookDelivery.findFirst({ where: { id: deliveryId, firmId }, include: LATEST_ATTEMPTS });

const presentDelivery = (d: NonNullable<DeliveryRow>) => ({
  id: d.id,
  webhookId: d.endpointId,
  eventType: d.eventType,
  eventKey: d.eventKey,
  payload: d.payload,
  status: d.status,
  attempts: d.attempts,
  replays: d.replays,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
  createdAt: d.createdAt.toISOString(),
  attemptLog: [...d.attemptLog].reverse().map((a) => ({
    attempt: a.attempt,
    at: a.at.toISOString(),
    statusCode: a.statusCode,
    error: a.error,
    durationMs: a.durationMs,
  })),
});

export function createDeliveryOperations(db: Db, outbox?: Outbox) {
  return {
    /** Newest first, 50 a page (`cursor`: the last page's nextCursor). */
    async listDeliveries(
      firmId: string,
      actor: Actor,
      endpointId: string,
      query: { cursor?: string; limit?: number; status?: string },
    ) {
      requireWebhookManager(actor);
      await findEndpoint(db, firmId, endpointId);
      const limit = query.limit ?? 50;
      const rows = await db.webhookDelivery.findMany({
        where: {
          firmId,
          endpointId,
          ...(query.status ? { status: query.status } : {}),
          ...(query.cursor ? olderThanCursor(query.cursor, 'query.cursor') : {}),
        },
        include: LATEST_ATTEMPTS,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
      });
      return createdPage(rows, limit, presentDelivery);
    },

    async getDelivery(firmId: string, actor: Actor, deliveryId: string) {
      requireWebhookManager(actor);
      const d = await loadDelivery(db, firmId, deliveryId);
      if (!d) throw notFound('Webhook delivery', deliveryId);
      return presentDelivery(d);
    },

    /** Delivers again now (a new workflow run, its attempts added to the same log); 409 if the endpoint is disabled. */
    async replayDelivery(firmId: string, actor: Actor, deliveryId: string) {
      requireWebhookManager(actor);
      const { queued } = await db.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1 FROM "WebhookDelivery" WHERE id = ${deliveryId}::uuid AND "firmId" = ${firmId}::uuid FOR UPDATE`;
        const d = await tx.webhookDelivery.findFirst({
          where: { id: deliveryId, firmId },
          include: { endpoint: true },
        });
        if (!d) throw notFound('Webhook delivery', deliveryId);
        if (d.endpoint.disabledAt)
          throw conflict(
            'webhook-disabled',
            'The webhook is disabled',
            'A disabled webhook’s deliveries cannot be replayed.',
          );
        const updated = await tx.webhookDelivery.update({
          where: { id: d.id },
          data: { replays: { increment: 1 }, status: 'pending' },
        });
        await audit(tx, {
          firmId,
          actorId: actor.id,
          action: 'webhook.delivery_replayed',
          data: { webhookId: d.endpointId, deliveryId: d.id, replay: updated.replays },
        });
        const queued = await insertOutboxRows(tx, [
          { firmId, command: webhookDeliveryCommand(firmId, d.id, updated.replays) },
        ]);
        return { queued };
      });
      if (outbox) await outbox.deliverSoon(queued.ids, queued.workflowIds);
      const d = await loadDelivery(db, firmId, deliveryId);
      return presentDelivery(d!);
    },
  };
}
