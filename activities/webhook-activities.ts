// Activities of the webhook delivery workflow: a thin wrapper over the domain's delivery. A failed attempt
// (no answer, or not 2xx) throws, so it is tried again; the failure's nextRetryDelay says when: as long as the
// receiver asked after a 429 or 503 with Retry-After, else the retry policy's backoff with jitter.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../prisma/client';
import { createWebhookDelivery, retryBackoffMs } from '../domain/webhooks/deliver';
import type { WebhookAttemptResult, WebhookDeliveryInput } from '../shared/contracts/webhook-delivery';

export interface WebhookActivityDeps {
  db: Db;
  /** WEBHOOKS_ALLOW_PRIVATE_TARGETS (config); absent: private, loopback and link-local targets are refused. */
  webhooks?: { allowPrivateTargets?: boolean; timeoutMs?: number };
}

export function createWebhookActivities(deps: WebhookActivityDeps) {
  const delivery = createWebhookDelivery({ db: deps.db, ...deps.webhooks });
  return {
    attemptWebhookDelivery: async ({
      firmId,
      deliveryId,
      replay,
    }: WebhookDeliveryInput): Promise<WebhookAttemptResult> => {
      const result = await delivery.attemptDelivery(firmId, deliveryId, replay);
      if (result.outcome === 'failed')
        throw ApplicationFailure.create({
          message: result.error,
          type: 'WebhookAttemptFailed',
          nextRetryDelay: result.retryAfterMs ?? retryBackoffMs(Context.current().info.attempt),
        });
      return result;
    },
    markWebhookDeliveryFailed: ({ firmId, deliveryId, replay }: WebhookDeliveryInput) =>
      delivery.markDeliveryFailed(firmId, deliveryId, replay),
  };
}
