// Firm users of the acting firm.
import { Router } from 'express';
import type { Db } from '../../prisma/client';
import { route, idParams } from '../route';
import * as s from '../schemas/index';
import { conflict } from '../../domain/errors';

export function userRoutes(db: Db): Router {
  const r = Router();
  const mut = { idempotent: true } as const;

  route(r, { method: 'post', path: '/v1/users', tag: 'Firm users', summary: 'Add a firm user', body: s.newFirmUser, status: 201, ...mut }, async (req) => {
    return db.firmUser.create({ data: { firmId: req.firmId, ...req.valid.body } }).catch((err) => {
      if (err?.code === 'P2002') throw conflict('email-taken', 'A firm user with this email already exists');
      throw err;
    });
  });
  route(r, { method: 'get', path: '/v1/users', tag: 'Firm users', summary: 'List firm users' }, async (req) =>
    db.firmUser.findMany({ where: { firmId: req.firmId }, orderBy: { name: 'asc' } }),
  );

  return r;
}
