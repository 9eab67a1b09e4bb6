// One attempt of a webhook delivery, as the delivery workflow's activity runs it: the stored payload, signed
// per the Standard Webhooks specification (the `standardwebhooks` library) with the endpoint's secret (and the
// one a rotation replaced, while its grace lasts), POSTed with the webhook-id (the delivery id: the same on
// every attempt and replay, so receivers can deduplicate), webhook-timestamp and webhook-signature headers.
// Every attempt is written to the delivery log.
import { Webhook } from 'standardwebhooks';
import type { Db } from '../../prisma/client';
import { WEBHOOK_RETRY, type WebhookAttemptResult } from '../../shared/contracts/webhook-delivery';
import { disableGoneEndpoint, ENDPOINT_DISABLED_ERROR, noticeFailedDelivery } from './endpoints';
import { postJson, type PostResult } from './http-post';
import { signingSecrets } from './rotation';
import { targetRefusal } from './targets';

export interface WebhookDeliveryDeps {
  db: Db;
  /** WEBHOOKS_ALLOW_PRIVATE_TARGETS: deliver to private, loopback and link-local addresses too. */
  allowPrivateTargets?: boolean;
  /** How long one attempt waits for the receiver's answer. */
  timeoutMs?: number;
}

/**
 * An attempt that did not deliver: tried again later, after `retryAfterMs` when the receiver asked for it, else
 * after the workflow's retry policy's backoff.
 */
export type AttemptOutcome = WebhookAttemptResult | { outcome: 'failed'; error: string; retryAfterMs?: number };

/** What Standard Webhooks asks of a sender ("somewhere between 15 and 30s"): a slower receiver was tried again. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 15_000;

/** The longest wait a receiver's Retry-After may ask for: the retry policy's own longest interval. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/**
 * How long a receiver that throttles (429) or is briefly unavailable (503) asks to be left alone, from its
 * Retry-After (seconds or an HTTP date), at most an hour. Undefined for any other answer, or without a usable
 * future value: the retry policy's backoff applies then.
 */
export function retryAfterMs(statusCode: number | undefined, header: string | undefined, now = Date.now()) {
  if ((statusCode !== 429 && statusCode !== 503) || !header) return undefined;
  const value = header.trim();
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}

/**
 * The wait before attempt `attempt + 1` when the receiver named none: the retry schedule's backoff, spread by up
 * to a quarter either way (never past its longest interval), so the deliveries an endpoint's outage failed
 * together do not all come back at the same instant.
 */
export function retryBackoffMs(attempt: number, random = Math.random) {
  const { initialIntervalMs, backoffCoefficient, maximumIntervalMs } = WEBHOOK_RETRY;
  const base = Math.min(initialIntervalMs * backoffCoefficient ** Math.max(0, attempt - 1), maximumIntervalMs);
  return Math.min(Math.round(base * (0.75 + random() * 0.5)), maximumIntervalMs);
}

/** One `v1,<signature>` per secret, space-separated, as Standard Webhooks sends them during a rotation. */
export function signedHeaders(secrets: string[], msgId: string, body: string, at = new Date()): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(msgId, at, body)).join(' '),
  };
}

/** Waits between tries of a delivered attempt's record, none begun past RECORD_DEADLINE_MS after the attempt began. */
const RECORD_RETRY_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000];
/** Within the attempt's 30 s (its activity's timeout), whose retry would POST again. */
const RECORD_DEADLINE_MS = 25_000;

async function retried<T>(fn: () => Promise<T>, delaysMs: readonly number[], deadline: number): Promise<T> {
  for (const delay of delaysMs) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() + delay >= deadline) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  return fn();
}

export function createWebhookDelivery({ db, allowPrivateTargets = false, timeoutMs }: WebhookDeliveryDeps) {
  return {
    /**
     * `replay` names the workflow run (0 the first, n the n-th replay). A run a later replay superseded sends
     * nothing more, and a run's retried attempt after its delivery committed does not send it again.
     */
    async attemptDelivery(firmId: string, deliveryId: string, replay?: number): Promise<AttemptOutcome> {
      const delivery = await db.webhookDelivery.findFirstOrThrow({
        where: { id: deliveryId, firmId },
        include: { endpoint: true },
      });
      if (replay !== undefined) {
        if (delivery.replays !== replay) return { outcome: 'superseded' };
        if (delivery.status === 'delivered')
          return { outcome: 'delivered', statusCode: delivery.lastStatusCode ?? 200 };
      }
      if (delivery.endpoint.disabledAt) {
        await db.webhookDelivery.updateMany({
          where: { id: deliveryId, status: { not: 'delivered' }, ...(replay !== undefined ? { replays: replay } : {}) },
          data: { status: 'failed', lastError: ENDPOINT_DISABLED_ERROR },
        });
        return { outcome: 'endpoint_disabled' };
      }
      const body = JSON.stringify(delivery.payload);
      const started = Date.now();
      const refusal = await targetRefusal(delivery.endpoint.url, allowPrivateTargets);
      const result: PostResult = refusal
        ? { error: `refused: ${refusal}` }
        : await postJson(
            delivery.endpoint.url,
            body,
            signedHeaders(signingSecrets(delivery.endpoint), delivery.id, body),
            {
              timeoutMs: timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
              allowPrivate: allowPrivateTargets,
            },
          );
      const code = result.statusCode;
      const ok = code !== undefined && code >= 200 && code < 300;
      const error = ok ? null : (result.error ?? `HTTP ${code}`);
      const record = () =>
        db.$transaction(async (tx) => {
          // A 410 disables the endpoint and then fails its waiting deliveries: lock the endpoint before this row,
          // as an API disable does, so two 410s (or a 410 and a disable) never wait on each other's rows.
          if (code === 410)
            await tx.$queryRaw`SELECT 1 FROM "WebhookEndpoint" WHERE id = ${delivery.endpointId}::uuid AND "firmId" = ${firmId}::uuid FOR NO KEY UPDATE`;
          // Under the row's lock: a replay started, or the run gave up, while the request was out.
          const [now] = await tx.$queryRaw<{ status: string; replays: number }[]>`
          SELECT status, replays FROM "WebhookDelivery" WHERE id = ${deliveryId}::uuid FOR UPDATE`;
          const stale = replay !== undefined && now.replays !== replay;
          const status = stale
            ? now.status
            : ok || now.status === 'delivered'
              ? 'delivered'
              : code === 410 || now.status === 'failed'
                ? 'failed'
                : 'retrying';
          const updated = await tx.webhookDelivery.update({
            where: { id: deliveryId },
            data: {
              attempts: { increment: 1 },
              lastAttemptAt: new Date(started),
              lastStatusCode: code ?? null,
              lastError: error,
              status,
              ...(ok && !stale ? { deliveredAt: new Date() } : {}),
            },
          });
          await tx.webhookDeliveryAttempt.create({
            data: {
              deliveryId,
              attempt: updated.attempts,
              at: new Date(started),
              statusCode: code ?? null,
              error,
              durationMs: Date.now() - started,
            },
          });
          // 410 Gone: the receiver says the endpoint is no more (Standard Webhooks' recommendation): disable it.
          if (code === 410) await disableGoneEndpoint(tx, delivery.endpoint, deliveryId);
          return stale;
        });
      // Delivered, the record is tried again for a few seconds rather than failing the attempt, whose retry would
      // POST the event again (receivers deduplicate on webhook-id, but need not be asked to). A try whose commit
      // went through but whose answer was lost logs the attempt twice.
      const superseded = ok
        ? await retried(record, RECORD_RETRY_DELAYS_MS, started + RECORD_DEADLINE_MS)
        : await record();
      if (superseded) return { outcome: 'superseded' };
      if (ok) return { outcome: 'delivered', statusCode: code };
      if (code === 410) return { outcome: 'gone', statusCode: code };
      return { outcome: 'failed', error: error!, retryAfterMs: retryAfterMs(code, result.retryAfter) };
    },

    /**
     * After 24 hours of failed attempts the workflow gives up: the log says so until a replay, and the owners and
     * admins are told (at most once a day per endpoint). One transaction: a retry of this activity finds the
     * delivery failed already and tells no one twice.
     */
    async markDeliveryFailed(firmId: string, deliveryId: string, replay?: number): Promise<void> {
      await db.$transaction(async (tx) => {
        // The endpoint before the delivery, the order a disable or a 410 takes them (no deadlock with them).
        await tx.$queryRaw`SELECT 1 FROM "WebhookEndpoint" e JOIN "WebhookDelivery" d ON d."endpointId" = e.id
          WHERE d.id = ${deliveryId}::uuid AND d."firmId" = ${firmId}::uuid FOR NO KEY UPDATE OF e`;
        // Not over a replay still trying (the run that gave up is no longer the delivery's latest), nor a delivery
        // already failed (by this activity's earlier attempt, or by its endpoint's disable).
        const { count } = await tx.webhookDelivery.updateMany({
          where: {
            id: deliveryId,
            firmId,
            status: { notIn: ['delivered', 'failed'] },
            ...(replay !== undefined ? { replays: replay } : {}),
          },
          data: { status: 'failed' },
        });
        if (count) await noticeFailedDelivery(tx, firmId, deliveryId);
      });
    },
  };
}
