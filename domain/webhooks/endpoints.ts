// A firm's webhook endpoints (issue 11): owners and admins register, list, read, change, disable and enable
// them. The secret is shown once, when Nudge generates it (or taken as given); lists and reads show only its
// first characters. Rotating it is rotation.ts.
import type { Db, Prisma, Queryable } from '../../prisma/client';
import type { Actor } from '../access/access';
import { audit } from '../audit/audit';
import { conflict, forbidden, invalid, notFound } from '../errors';
import type { WebhookEventType } from '../../shared/contracts/webhook-delivery';
import { newWebhookSecret } from './secret';
import { targetRefusal } from './targets';

export interface WebhookEndpointInput {
  url: string;
  eventTypes: WebhookEventType[];
  /** Absent: Nudge generates one. */
  secret?: string;
  description?: string;
}

/** A PATCH: each field given is changed; `description: null` clears it; `enabled` disables or enables. */
export interface WebhookEndpointChange {
  url?: string;
  eventTypes?: WebhookEventType[];
  description?: string | null;
  enabled?: boolean;
}

type EndpointRow = {
  id: string;
  url: string;
  secret: string;
  eventTypes: string[];
  description: string | null;
  createdAt: Date;
  disabledAt: Date | null;
  previousSecretExpiresAt: Date | null;
};

export const presentEndpoint = (e: EndpointRow) => ({
  id: e.id,
  url: e.url,
  eventTypes: e.eventTypes,
  description: e.description,
  secretPrefix: e.secret.slice(0, 10),
  status: e.disabledAt ? ('disabled' as const) : ('active' as const),
  createdAt: e.createdAt.toISOString(),
  disabledAt: e.disabledAt?.toISOString() ?? null,
  /** While a rotation's grace lasts, deliveries are signed with the replaced secret too (rotation.ts). */
  previousSecretExpiresAt:
    e.previousSecretExpiresAt && e.previousSecretExpiresAt > new Date()
      ? e.previousSecretExpiresAt.toISOString()
      : null,
});

export function requireWebhookManager(actor: Actor): void {
  if (actor.role === 'employee') throw forbidden('Only the owner and admins may manage webhooks.');
}

export async function findEndpoint(db: Db, firmId: string, endpointId: string) {
  const e = await db.webhookEndpoint.findFirst({ where: { id: endpointId, firmId } });
  if (!e) throw notFound('Webhook', endpointId);
  return e;
}

/** Locks the firm's endpoint for a change (as a 410's attempt does before its delivery row); 404 if none. */
export async function lockEndpoint(tx: Queryable, firmId: string, endpointId: string) {
  const [row] = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM "WebhookEndpoint" WHERE id = ${endpointId}::uuid AND "firmId" = ${firmId}::uuid FOR NO KEY UPDATE`;
  if (!row) throw notFound('Webhook', endpointId);
  return tx.webhookEndpoint.findUniqueOrThrow({ where: { id: endpointId } });
}

/** Every event goes to each enabled endpoint that wants it (a delivery row and a workflow each): capped per firm. */
export const MAX_ENABLED_ENDPOINTS = 20;

/**
 * In the transaction that adds or enables an endpoint: refuses a 21st enabled one (409). The firm's endpoint
 * changes wait for each other here (a transaction-scoped advisory lock), so two at once cannot both pass at 19.
 */
async function requireRoomForEndpoint(tx: Queryable, firmId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`webhook-endpoints:${firmId}`}::text))`;
  const enabled = await tx.webhookEndpoint.count({ where: { firmId, disabledAt: null } });
  if (enabled >= MAX_ENABLED_ENDPOINTS)
    throw conflict(
      'webhook-endpoint-limit',
      'Too many webhook endpoints',
      `A firm may have ${MAX_ENABLED_ENDPOINTS} enabled webhook endpoints, and this one has ${enabled}: ` +
        'disable one (DELETE) first, or subscribe an existing endpoint to more event types.',
    );
}

/** What a delivery still waiting when its endpoint was disabled says in the log. */
export const ENDPOINT_DISABLED_ERROR = 'the endpoint is disabled';

/**
 * In the disable's transaction: the endpoint's deliveries still waiting (pending, or retrying in a backoff of up
 * to an hour) fail now, so its log does not show them retrying. An attempt already under way still records its
 * answer (a 2xx still delivers); a later one finds the endpoint disabled and sends nothing.
 */
async function failWaitingDeliveries(tx: Queryable, firmId: string, endpointId: string): Promise<void> {
  await tx.webhookDelivery.updateMany({
    where: { firmId, endpointId, status: { in: ['pending', 'retrying'] } },
    data: { status: 'failed', lastError: ENDPOINT_DISABLED_ERROR },
  });
}

/**
 * In the attempt's transaction: the receiver answered 410 Gone, so the endpoint is disabled. The run that
 * disables it (not a concurrent one, nor an API disable that came first) writes the audit entry and tells the
 * firm's owners and admins in their inbox, since no one else would notice that events stopped.
 */
export async function disableGoneEndpoint(
  tx: Queryable,
  endpoint: { id: string; firmId: string; url: string },
  deliveryId: string,
): Promise<void> {
  const { id: webhookId, firmId } = endpoint;
  const { count } = await tx.webhookEndpoint.updateMany({
    where: { id: webhookId, firmId, disabledAt: null },
    data: { disabledAt: new Date() },
  });
  if (!count) return;
  await failWaitingDeliveries(tx, firmId, webhookId);
  await audit(tx, {
    firmId,
    actorId: null,
    action: 'webhook.disabled',
    data: { webhookId, reason: 'gone', deliveryId },
  });
  await noticeManagers(tx, firmId, {
    kind: 'webhook.disabled',
    title: `Webhook ${endpoint.url} disabled`,
    body: 'The endpoint answered 410 Gone, so Nudge disabled it: it gets no more events, and its waiting deliveries failed. Enable it again (PATCH with enabled: true) once the receiver is back.',
    data: { webhookId, deliveryId },
  });
}

/** Between two notices that an endpoint's deliveries fail for good. */
export const FAILURE_NOTICE_EVERY_MS = 24 * 3_600_000;

/**
 * In the transaction that marks a delivery failed for good (its retries ran out): tells the firm's owners and
 * admins, at most once a day per endpoint (an outage fails every event of its day), since a receiver that stays
 * down would otherwise lose events unnoticed. The endpoint's row decides which of several deliveries failing at
 * once sends it.
 */
export async function noticeFailedDelivery(tx: Queryable, firmId: string, deliveryId: string, now = new Date()) {
  const due = new Date(now.getTime() - FAILURE_NOTICE_EVERY_MS);
  const [endpoint] = await tx.$queryRaw<{ id: string; url: string }[]>`
    UPDATE "WebhookEndpoint" e SET "failureNoticeAt" = ${now}::timestamp(3)
    FROM "WebhookDelivery" d
    WHERE d.id = ${deliveryId}::uuid AND d."firmId" = ${firmId}::uuid AND e.id = d."endpointId"
      AND (e."failureNoticeAt" IS NULL OR e."failureNoticeAt" <= ${due}::timestamp(3))
    RETURNING e.id::text, e.url`;
  if (!endpoint) return;
  await noticeManagers(tx, firmId, {
    kind: 'webhook.failing',
    title: `Webhook ${endpoint.url} is failing`,
    body: 'An event could not be delivered to this endpoint within 24 hours of retries, and is marked failed. Check the receiver, then replay the failed deliveries (POST /v1/webhook-deliveries/{id}/replay). Nudge tells you at most once a day per endpoint.',
    data: { webhookId: endpoint.id, deliveryId },
  });
}

/** An inbox notice to each active owner and admin of the firm. */
async function noticeManagers(
  tx: Queryable,
  firmId: string,
  notice: { kind: string; title: string; body: string; data: Prisma.InputJsonObject },
) {
  const managers = await tx.firmUser.findMany({
    where: { firmId, role: { in: ['owner', 'admin'] }, deactivatedAt: null },
    select: { id: true },
  });
  await tx.inboxNotification.createMany({ data: managers.map((u) => ({ firmId, firmUserId: u.id, ...notice })) });
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

export function createEndpointOperations(db: Db, opts: { allowPrivateTargets: boolean }) {
  /**
   * Changes what is given, under the endpoint's lock, with one audit entry per kind of change. A new URL is
   * checked as at registration; new event types apply to events recorded from now on. Enabling a disabled
   * endpoint delivers new events again (the deliveries that failed meanwhile stay failed: replay them).
   */
  async function updateEndpoint(firmId: string, actor: Actor, endpointId: string, change: WebhookEndpointChange) {
    requireWebhookManager(actor);
    if (change.url !== undefined) {
      const refusal = await targetRefusal(change.url, opts.allowPrivateTargets);
      if (refusal) throw invalid('body.url', refusal);
    }
    const row = await db.$transaction(async (tx) => {
      const e = await lockEndpoint(tx, firmId, endpointId);
      const eventTypes = change.eventTypes && [...new Set(change.eventTypes)];
      const data = {
        ...(change.url !== undefined && change.url !== e.url ? { url: change.url } : {}),
        ...(eventTypes && !sameSet(eventTypes, e.eventTypes) ? { eventTypes } : {}),
        ...(change.description !== undefined && change.description !== e.description
          ? { description: change.description }
          : {}),
      };
      const toggled = change.enabled !== undefined && change.enabled !== !e.disabledAt;
      if (!Object.keys(data).length && !toggled) return e;
      if (toggled && change.enabled) await requireRoomForEndpoint(tx, firmId);
      const updated = await tx.webhookEndpoint.update({
        where: { id: e.id },
        data: { ...data, ...(toggled ? { disabledAt: change.enabled ? null : new Date() } : {}) },
      });
      const webhookId = e.id;
      if (Object.keys(data).length)
        await audit(tx, {
          firmId,
          actorId: actor.id,
          action: 'webhook.updated',
          data: { webhookId, changed: Object.keys(data), eventTypes: updated.eventTypes },
        });
      if (toggled && !change.enabled) await failWaitingDeliveries(tx, firmId, webhookId);
      if (toggled)
        await audit(tx, {
          firmId,
          actorId: actor.id,
          action: change.enabled ? 'webhook.enabled' : 'webhook.disabled',
          data: { webhookId },
        });
      return updated;
    });
    return presentEndpoint(row);
  }

  return {
    /** A new endpoint; the answer is the only place its secret appears. */
    async createEndpoint(firmId: string, actor: Actor, input: WebhookEndpointInput) {
      requireWebhookManager(actor);
      const refusal = await targetRefusal(input.url, opts.allowPrivateTargets);
      if (refusal) throw invalid('body.url', refusal);
      const secret = input.secret ?? newWebhookSecret();
      const row = await db.$transaction(async (tx) => {
        await requireRoomForEndpoint(tx, firmId);
        const e = await tx.webhookEndpoint.create({
          data: {
            firmId,
            url: input.url,
            secret,
            eventTypes: [...new Set(input.eventTypes)],
            description: input.description ?? null,
          },
        });
        await audit(tx, {
          firmId,
          actorId: actor.id,
          action: 'webhook.created',
          data: { webhookId: e.id, eventTypes: e.eventTypes },
        });
        return e;
      });
      return { ...presentEndpoint(row), secret };
    },

    async listEndpoints(firmId: string, actor: Actor) {
      requireWebhookManager(actor);
      const rows = await db.webhookEndpoint.findMany({
        where: { firmId },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
      return { items: rows.map(presentEndpoint) };
    },

    async getEndpoint(firmId: string, actor: Actor, endpointId: string) {
      requireWebhookManager(actor);
      return presentEndpoint(await findEndpoint(db, firmId, endpointId));
    },

    updateEndpoint,

    /** Disables the endpoint: no new deliveries, its waiting ones fail (retries stop); its delivery log stays readable. */
    disableEndpoint: (firmId: string, actor: Actor, endpointId: string) =>
      updateEndpoint(firmId, actor, endpointId, { enabled: false }),
  };
}
