// The v1 routers behind auth and idempotency (app.ts mounts them; client actions, which stream CSV and
// start workflows, are mounted by app.ts itself).
import { Router } from 'express';
import type { DomainServices } from '../../domain/services';
import type { ItemsService } from '../../domain/items/items';
import { userRoutes } from './users';
import { apiKeyRoutes } from './api-keys';
import { itemRoutes } from './items';
import { auditRoutes } from './audit';
import { accountRoutes } from './accounts';
import { contactRoutes } from './contacts';
import type { InvitationWorkflows } from '../../domain/invitations/invitations';
import type { BulkActionsService } from '../../domain/bulk/bulk-actions';
import { bulkActionRoutes } from './bulk-actions';
import { templateRoutes } from './templates';
import { emailKindRoutes } from './email-kinds';
import { sendWindowRoutes } from './send-window';
import { digestRoutes } from './digest';
import { reminderPolicyRoutes } from './reminder-policy';
import type { ReminderPolicyService } from '../../domain/reminder-policy/policy';
import { webhookRoutes } from './webhooks';
import type { WebhooksService } from '../../domain/webhooks/webhooks';

export function v1Routes(
  domain: DomainServices,
  items: ItemsService,
  invitations: InvitationWorkflows,
  bulk: BulkActionsService,
  webhooks: WebhooksService,
  reminderPolicy: ReminderPolicyService,
): Router {
  const r = Router();
  r.use(
    userRoutes(domain),
    apiKeyRoutes(domain),
    itemRoutes(items),
    auditRoutes(domain),
    accountRoutes(domain),
    contactRoutes(domain, invitations),
    templateRoutes(domain),
    emailKindRoutes(domain),
    sendWindowRoutes(domain, items),
    digestRoutes(domain),
    reminderPolicyRoutes(reminderPolicy),
    bulkActionRoutes(bulk),
    webhookRoutes(webhooks),
  );
  return r;
}
