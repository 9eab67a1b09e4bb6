// Firm users of the acting firm.
import { Router } from 'express';
import type { Db } from '../../domain/db';
import { route } from '../route';
import * as s from '../schemas/index';
import { createFirmUser, listFirmUsers } from '../../domain/firms/users';

export function userRoutes(db: Db): Router {
  const r = Router();
  const mut = { idempotent: true } as const;

  route(r, { method: 'post', path: '/v1/users', tag: 'Firm users', summary: 'Add a firm user', body: s.newFirmUser, status: 201, ...mut }, async (req) =>
    createFirmUser(db, req.firmId, req.valid.body),
  );
  route(r, { method: 'get', path: '/v1/users', tag: 'Firm users', summary: 'List firm users' }, async (req) => listFirmUsers(db, req.firmId));

  return r;
}
