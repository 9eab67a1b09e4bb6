// Every v1 router, in one place; app.ts mounts this behind auth and idempotency.
import { Router } from 'express';
import type { Db } from '../../prisma/client';
import type { ItemsService } from '../services/items';
import { userRoutes } from './users';
import { recordRoutes } from './records';
import { itemRoutes } from './items';
import { auditRoutes } from './audit';

export function v1Routes(db: Db, items: ItemsService): Router {
  const r = Router();
  r.use(userRoutes(db), recordRoutes(db), itemRoutes(items), auditRoutes(db));
  return r;
}
