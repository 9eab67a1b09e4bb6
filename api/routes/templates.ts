// Chat and folder templates (used by the bulk actions "send message" and "apply folder template"),
// an account's folders, and the acting user's inbox.
import { Router } from 'express';
import type { Db } from '../../domain/db';
import { route, idParams } from '../route';
import * as s from '../schemas/bulk-actions';
import { inboxQuery } from '../schemas/inbox';
import * as templates from '../../domain/settings/templates';
import * as inbox from '../../domain/inbox/inbox';

export function templateRoutes(db: Db): Router {
  const r = Router();
  const mut = { idempotent: true } as const;

  route(r, { method: 'post', path: '/v1/chat-templates', tag: 'Templates', summary: 'Create a chat template ({{accountName}} and {{firmName}} are filled in per account)', body: s.newChatTemplate, status: 201, ...mut }, async (req) =>
    templates.createChatTemplate(db, req.firmId, req.actorId, req.valid.body),
  );
  route(r, { method: 'get', path: '/v1/chat-templates', tag: 'Templates', summary: 'The firm’s chat templates' }, async (req) => ({ items: await templates.listChatTemplates(db, req.firmId) }));
  route(r, { method: 'post', path: '/v1/folder-templates', tag: 'Templates', summary: 'Create a folder template (folder paths like "Tax/2026")', body: s.newFolderTemplate, status: 201, ...mut }, async (req) =>
    templates.createFolderTemplate(db, req.firmId, req.actorId, req.valid.body),
  );
  route(r, { method: 'get', path: '/v1/folder-templates', tag: 'Templates', summary: 'The firm’s folder templates' }, async (req) => ({ items: await templates.listFolderTemplates(db, req.firmId) }));
  route(r, { method: 'get', path: '/v1/accounts/:accountId/folders', tag: 'Accounts', summary: 'An account’s folders', params: idParams('accountId') }, async (req) => ({
    items: await templates.listAccountFolders(db, req.firmId, req.actor, req.valid.params.accountId),
  }));
  route(r, { method: 'get', path: '/v1/inbox', tag: 'Inbox', summary: 'The acting user’s notifications, newest first (bulk-action reports among them)', query: inboxQuery }, async (req) =>
    inbox.listInbox(db, req.firmId, req.actorId, req.valid.query),
  );
  route(r, { method: 'post', path: '/v1/inbox/:notificationId/read', tag: 'Inbox', summary: 'Mark a notification read', params: idParams('notificationId'), ...mut }, async (req) =>
    inbox.markRead(db, req.firmId, req.actorId, req.valid.params.notificationId),
  );
  return r;
}
