// The audit trail (and activity timeline) of the firm.
import { Router } from 'express';
import type { DomainServices } from '../../domain/services';
import { route } from '../route';
import * as s from '../schemas/index';

export function auditRoutes(domain: DomainServices): Router {
  const r = Router();

  route(
    r,
    {
      method: 'get',
      path: '/v1/audit-events',
      tag: 'Audit',
      summary: 'The audit trail, newest first, filtered by account, item or action',
      query: s.auditQuery,
    },
    async (req) => domain.audit.listAuditTrail(req.firmId, req.actor, req.valid.query),
  );

  return r;
}
