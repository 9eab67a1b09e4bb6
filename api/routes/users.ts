// Firm users of the acting firm.
import { Router } from 'express';
import type { DomainServices } from '../../domain/services';
import { route } from '../route';
import * as s from '../schemas/index';

export function userRoutes(domain: DomainServices): Router {
  const r = Router();
  const mut = { idempotent: true } as const;

  route(
    r,
    {
      method: 'post',
      path: '/v1/users',
      tag: 'Firm users',
      summary: 'Add a firm user',
      body: s.newFirmUser,
      status: 201,
      ...mut,
    },
    async (req) => domain.users.createFirmUser(req.firmId, req.actor, req.valid.body),
  );
  route(r, { method: 'get', path: '/v1/users', tag: 'Firm users', summary: 'List firm users' }, async (req) =>
    domain.users.listFirmUsers(req.firmId),
  );

  return r;
}
