// Webhooks (issue 11): a firm's endpoints (owners and admins), their secret's rotation, their delivery log and
// the replay call.
import { Router } from 'express';
import type { WebhooksService } from '../../domain/webhooks/webhooks';
import { idParams, route } from '../route';
import * as s from '../schemas/webhooks';

export function webhookRoutes(webhooks: WebhooksService): Router {
  const r = Router();
  const mut = { idempotent: true } as const;
  const tag = 'Webhooks';
  const webhookId = idParams('webhookId');

  route(
    r,
    {
      method: 'post',
      path: '/v1/webhooks',
      tag,
      summary:
        'Register an endpoint for events (reminder.sent, item.completed, item.reminders_exhausted, bulk_action.completed, email.bounced). Each delivery is signed per the Standard Webhooks specification with its secret (whsec_…, generated unless given, shown only in this answer). Targets on private, loopback or link-local addresses are refused (422); a firm has at most 20 enabled endpoints (409 webhook-endpoint-limit).',
      body: s.newWebhookBody,
      status: 201,
      secretField: 'secret',
      ...mut,
    },
    async (req) => webhooks.createEndpoint(req.firmId, req.actor, req.valid.body),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/webhooks',
      tag,
      summary: 'The firm’s webhook endpoints (the secret’s first characters only)',
    },
    async (req) => webhooks.listEndpoints(req.firmId, req.actor),
  );
  route(
    r,
    { method: 'get', path: '/v1/webhooks/:webhookId', tag, summary: 'One webhook endpoint', params: webhookId },
    async (req) => webhooks.getEndpoint(req.firmId, req.actor, req.valid.params.webhookId),
  );
  route(
    r,
    {
      method: 'patch',
      path: '/v1/webhooks/:webhookId',
      tag,
      summary:
        'Change an endpoint’s URL, event types or description (null clears it), or disable or enable it (enabled; 409 webhook-endpoint-limit beyond 20 enabled); new event types apply to events from now on',
      params: webhookId,
      body: s.webhookPatch,
      ...mut,
    },
    async (req) => webhooks.updateEndpoint(req.firmId, req.actor, req.valid.params.webhookId, req.valid.body),
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/webhooks/:webhookId/rotate-secret',
      operationId: 'rotateWebhookSecret',
      tag,
      summary:
        'A new signing secret (generated unless given, shown only in this answer); the replaced one keeps signing alongside it for keepPreviousForHours (default 24, 0 drops it at once)',
      params: webhookId,
      body: s.rotateSecretBody,
      secretField: 'secret',
      ...mut,
    },
    async (req) => webhooks.rotateSecret(req.firmId, req.actor, req.valid.params.webhookId, req.valid.body),
  );
  route(
    r,
    {
      method: 'delete',
      path: '/v1/webhooks/:webhookId',
      operationId: 'disableWebhook',
      tag,
      summary: 'Disable an endpoint: no new deliveries, pending retries stop; its delivery log stays readable',
      params: webhookId,
      status: 200,
      ...mut,
    },
    async (req) => webhooks.disableEndpoint(req.firmId, req.actor, req.valid.params.webhookId),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/webhooks/:webhookId/deliveries',
      tag,
      summary:
        'The endpoint’s delivery log, newest first: each event’s status (pending, retrying, delivered, failed), attempts, last status code or error, and every attempt',
      params: webhookId,
      query: s.deliveriesQuery,
    },
    async (req) => webhooks.listDeliveries(req.firmId, req.actor, req.valid.params.webhookId, req.valid.query),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/webhook-deliveries/:deliveryId',
      operationId: 'getWebhookDelivery',
      tag,
      summary: 'One delivery with its attempts',
      params: idParams('deliveryId'),
    },
    async (req) => webhooks.getDelivery(req.firmId, req.actor, req.valid.params.deliveryId),
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/webhook-deliveries/:deliveryId/replay',
      operationId: 'replayWebhookDelivery',
      tag,
      summary:
        'Deliver again now: a new run (webhook-<deliveryId>:replay-<n>) with the same webhook-id, its attempts added to the log. 409 if the endpoint is disabled.',
      params: idParams('deliveryId'),
      status: 202,
      ...mut,
    },
    async (req) => webhooks.replayDelivery(req.firmId, req.actor, req.valid.params.deliveryId),
  );
  return r;
}
