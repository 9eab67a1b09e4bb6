// The firm's API keys: create (the key is shown once), list, revoke. Owners and admins only.
import { Router } from 'express';
import type { DomainServices } from '../../domain/services';
import { idParams, route } from '../route';
import * as s from '../schemas/api-keys';

export function apiKeyRoutes(domain: DomainServices): Router {
  const r = Router();
  const mut = { idempotent: true } as const;
  const tag = 'API keys';

  route(
    r,
    {
      method: 'post',
      path: '/v1/api-keys',
      tag,
      summary: 'Create an API key; the answer is the only time the key itself is shown (it is stored as a hash)',
      body: s.newApiKeyBody,
      status: 201,
      secretField: 'key',
      ...mut,
    },
    async (req) => domain.apiKeys.createApiKey(req.firmId, req.actor, req.valid.body),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/api-keys',
      tag,
      summary: 'The firm’s API keys: name, prefix, created, last used, revoked',
    },
    async (req) => domain.apiKeys.listApiKeys(req.firmId, req.actor),
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/api-keys/:keyId/revoke',
      tag,
      summary: 'Revoke an API key (it stops working within 5 s); the firm’s last working key cannot be revoked',
      params: idParams('keyId'),
      ...mut,
    },
    async (req) => domain.apiKeys.revokeApiKey(req.firmId, req.actor, req.valid.params.keyId),
  );
  return r;
}
