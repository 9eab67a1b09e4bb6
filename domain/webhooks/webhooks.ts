// The webhooks service the API calls: endpoints (register, list, read, change, disable, rotate the secret) and
// their delivery log with replay. Event recording (events.ts) and delivery (deliver.ts) are used by other domains and the worker.
import type { Db } from '../../prisma/client';
import type { Outbox } from '../outbox/outbox';
import { createDeliveryOperations } from './deliveries';
import { createEndpointOperations } from './endpoints';
import { createSecretRotation } from './rotation';

export interface WebhooksServiceDeps {
  db: Db;
  /** Replays are delivered at once through it; absent: the background relay delivers them. */
  outbox?: Outbox;
  /** WEBHOOKS_ALLOW_PRIVATE_TARGETS: accept endpoints on private, loopback or link-local addresses. */
  allowPrivateTargets?: boolean;
}

export function createWebhooksService({ db, outbox, allowPrivateTargets = false }: WebhooksServiceDeps) {
  return {
    ...createEndpointOperations(db, { allowPrivateTargets }),
    ...createSecretRotation(db),
    ...createDeliveryOperations(db, outbox),
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
