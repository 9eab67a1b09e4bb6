// Firm users of the acting firm.
import { Router } from 'express';
import type { DomainServices } from '../../domain/services';
import { idParams, route } from '../route';
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
  route(
    r,
    {
      method: 'patch',
      path: '/v1/users/:userId',
      tag: 'Firm users',
      summary:
        'Change a firm user’s name, role or “view all accounts”, or take them out of the firm ("active": false) and back; owners and admins, on users not above their own role',
      params: idParams('userId'),
      body: s.firmUserPatch,
      ...mut,
    },
    async (req) => domain.users.updateFirmUser(req.firmId, req.actor, req.valid.params.userId, req.valid.body),
  );

  return r;
}
