// The audit trail (and activity timeline) of the firm.
import { Router } from 'express';
import type { Db } from '../../prisma/client';
import { route, idParams } from '../route';
import * as s from '../schemas/index';
import { listAudit } from '../../domain/audit/audit';
import { requireAccountAccess, seesAllAccounts } from '../../domain/access/access';
import { Problem } from '../../domain/errors';

export function auditRoutes(db: Db): Router {
  const r = Router();
  const mut = { idempotent: true } as const;

  route(r, { method: 'get', path: '/v1/audit-events', tag: 'Audit', summary: 'The audit trail, newest first, filtered by account, item or action', query: s.auditQuery }, async (req) => {
    if (req.valid.query.accountId) await requireAccountAccess(db, req.firmId, req.actor, req.valid.query.accountId);
    // The firm-wide trail spans every account; an employee limited to their team's accounts asks per account.
    else if (!seesAllAccounts(req.actor)) throw new Problem(403, 'forbidden', 'Not allowed', 'Filter the audit trail by an account you work on (accountId).');
    return listAudit(db, req.firmId, req.valid.query);
  });

  return r;
}
