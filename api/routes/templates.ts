// Chat and folder templates (used by the bulk actions "send message" and "apply folder template"),
// an account's folders, and the acting user's inbox.
import { Router } from 'express';
import type { DomainServices } from '../../domain/services';
import { route, idParams } from '../route';
import * as s from '../schemas/bulk-actions';
import { inboxQuery } from '../schemas/inbox';

export function templateRoutes(domain: DomainServices): Router {
  const r = Router();
  const mut = { idempotent: true } as const;

  route(
    r,
    {
      method: 'post',
      path: '/v1/chat-templates',
      tag: 'Templates',
      summary: 'Create a chat template ({{accountName}} and {{firmName}} are filled in per account)',
      body: s.newChatTemplate,
      status: 201,
      ...mut,
    },
    async (req) => domain.templates.createChatTemplate(req.firmId, req.actorId, req.valid.body),
  );
  route(
    r,
    { method: 'get', path: '/v1/chat-templates', tag: 'Templates', summary: 'The firm’s chat templates' },
    async (req) => ({ items: await domain.templates.listChatTemplates(req.firmId) }),
  );
  route(
    r,
    {
      method: 'patch',
      path: '/v1/chat-templates/:templateId',
      tag: 'Templates',
      summary: 'Change a chat template’s name or body (owners and admins); a bulk send running on it takes the change',
      params: idParams('templateId'),
      body: s.chatTemplatePatch,
      ...mut,
    },
    async (req) =>
      domain.templates.updateChatTemplate(req.firmId, req.actor, req.valid.params.templateId, req.valid.body),
  );
  route(
    r,
    {
      method: 'delete',
      path: '/v1/chat-templates/:templateId',
      tag: 'Templates',
      summary: 'Delete a chat template (owners and admins); a bulk send running on it skips its remaining accounts',
      params: idParams('templateId'),
      ...mut,
    },
    async (req) => domain.templates.deleteChatTemplate(req.firmId, req.actor, req.valid.params.templateId),
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/folder-templates',
      tag: 'Templates',
      summary: 'Create a folder template (folder paths like "Tax/2026")',
      body: s.newFolderTemplate,
      status: 201,
      ...mut,
    },
    async (req) => domain.templates.createFolderTemplate(req.firmId, req.actorId, req.valid.body),
  );
  route(
    r,
    { method: 'get', path: '/v1/folder-templates', tag: 'Templates', summary: 'The firm’s folder templates' },
    async (req) => ({ items: await domain.templates.listFolderTemplates(req.firmId) }),
  );
  route(
    r,
    {
      method: 'patch',
      path: '/v1/folder-templates/:templateId',
      tag: 'Templates',
      summary: 'Change a folder template’s name or folders (owners and admins); folders already made stay',
      params: idParams('templateId'),
      body: s.folderTemplatePatch,
      ...mut,
    },
    async (req) =>
      domain.templates.updateFolderTemplate(req.firmId, req.actor, req.valid.params.templateId, req.valid.body),
  );
  route(
    r,
    {
      method: 'delete',
      path: '/v1/folder-templates/:templateId',
      tag: 'Templates',
      summary:
        'Delete a folder template (owners and admins); folders already made stay, a bulk action running on it skips its remaining accounts',
      params: idParams('templateId'),
      ...mut,
    },
    async (req) => domain.templates.deleteFolderTemplate(req.firmId, req.actor, req.valid.params.templateId),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/accounts/:accountId/folders',
      tag: 'Accounts',
      summary: 'An account’s folders',
      params: idParams('accountId'),
    },
    async (req) => ({
      items: await domain.templates.listAccountFolders(req.firmId, req.actor, req.valid.params.accountId),
    }),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/inbox',
      tag: 'Inbox',
      summary: 'The acting user’s notifications, newest first (bulk-action reports among them)',
      query: inboxQuery,
    },
    async (req) => domain.inbox.listInbox(req.firmId, req.actorId, req.valid.query),
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/inbox/:notificationId/read',
      operationId: 'markInboxNotificationRead',
      tag: 'Inbox',
      summary: 'Mark a notification read',
      params: idParams('notificationId'),
      ...mut,
    },
    async (req) => domain.inbox.markRead(req.firmId, req.actorId, req.valid.params.notificationId),
  );
  return r;
}
