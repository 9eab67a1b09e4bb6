// The audit trail (and activity timeline) of the firm.
import { Router } from 'express';
import type { Db } from '../../prisma/client';
import { route, idParams } from '../route';
import * as s from '../schemas';
import * as accounts from '../services/accounts';
import { listAudit } from '../services/audit';

export function auditRoutes(db: Db): Router {
  const r = Router();
  const mut = { idempotent: true } as const;

  route(r, { method: 'get', path: '/v1/audit-events', tag: 'Audit', summary: 'The audit trail, newest first, filtered by account, item or action', query: s.auditQuery }, async (req) => {
    if (req.valid.query.accountId) await accounts.requireAccount(db, req.firmId, req.valid.query.accountId);
    return listAudit(db, req.firmId, req.valid.query);
  });

  return r;
}
