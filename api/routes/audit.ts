// The audit trail (and activity timeline) of the firm.
import { Router } from 'express';
import type { Db } from '../../domain/db';
import { route } from '../route';
import * as s from '../schemas/index';
import { listAuditTrail } from '../../domain/audit/audit';

export function auditRoutes(db: Db): Router {
  const r = Router();

  route(r, { method: 'get', path: '/v1/audit-events', tag: 'Audit', summary: 'The audit trail, newest first, filtered by account, item or action', query: s.auditQuery }, async (req) =>
    listAuditTrail(db, req.firmId, req.actor, req.valid.query),
  );

  return r;
}
