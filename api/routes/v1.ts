// Routes of the v1 API: thin handlers that validate (via route()) and call services.
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../prisma/client';
import { route, idParams } from '../route';
import * as s from '../schemas';
import * as records from '../services/records';
import { listAudit } from '../services/audit';
import type { ItemsService } from '../services/items';
import type { ItemKind } from '../../shared/reminder-types';
import { conflict } from '../problem';

const KIND_BY_PATH: Record<z.infer<typeof s.itemKindPath>, ItemKind> = {
  'chat-threads': 'chat',
  'signature-requests': 'signature',
  'approval-requests': 'approval',
};

export function v1Routes(db: Db, items: ItemsService): Router {
  const r = Router();
  const mut = { idempotent: true } as const;

  // Firm users
  route(r, { method: 'post', path: '/v1/users', tag: 'Firm users', summary: 'Add a firm user', body: s.newFirmUser, status: 201, ...mut }, async (req) => {
    return db.firmUser.create({ data: { firmId: req.firmId, ...req.valid.body } }).catch((err) => {
      if (err?.code === 'P2002') throw conflict('email-taken', 'A firm user with this email already exists');
      throw err;
    });
  });
  route(r, { method: 'get', path: '/v1/users', tag: 'Firm users', summary: 'List firm users' }, async (req) =>
    db.firmUser.findMany({ where: { firmId: req.firmId }, orderBy: { name: 'asc' } }),
  );

  // Accounts and contacts
  route(r, { method: 'post', path: '/v1/accounts', tag: 'Accounts', summary: 'Create an account', body: s.newAccount, status: 201, ...mut }, async (req) =>
    records.createAccount(db, req.firmId, req.actorId, req.valid.body),
  );
  route(r, { method: 'get', path: '/v1/accounts/:accountId', tag: 'Accounts', summary: 'Get an account with its contacts (alphabetical) and their emails', params: idParams('accountId') }, async (req) =>
    records.getAccount(db, req.firmId, req.valid.params.accountId),
  );
  route(r, { method: 'post', path: '/v1/contacts', tag: 'Contacts', summary: 'Create a contact with its emails, optionally linked to accounts', body: s.newContact, status: 201, ...mut }, async (req) =>
    records.createContact(db, req.firmId, req.actorId, req.valid.body),
  );
  route(r, { method: 'get', path: '/v1/contacts/:contactId', tag: 'Contacts', summary: 'Get a contact', params: idParams('contactId') }, async (req) =>
    records.getContact(db, req.firmId, req.valid.params.contactId),
  );
  route(r, { method: 'put', path: '/v1/accounts/:accountId/contacts/:contactId', tag: 'Contacts', summary: 'Link a contact to an account (or update the link)', params: idParams('accountId', 'contactId'), body: s.accountLink, ...mut }, async (req) =>
    records.linkContact(db, req.firmId, req.actorId, req.valid.params.accountId, req.valid.params.contactId, req.valid.body),
  );
  route(r, { method: 'patch', path: '/v1/contact-emails/:emailId', tag: 'Contacts', summary: 'Switch an email’s login, notify, emailSync toggles and notification preferences', params: idParams('emailId'), body: s.emailPatch, ...mut }, async (req) =>
    records.updateContactEmail(db, req.firmId, req.actorId, req.valid.params.emailId, req.valid.body),
  );
  route(r, { method: 'get', path: '/v1/contact-emails/:emailId/todos', tag: 'Portal', summary: 'A client email’s open portal to-dos, most recent first', params: idParams('emailId') }, async (req) =>
    records.listTodos(db, req.firmId, req.valid.params.emailId),
  );

  // Chat
  route(r, { method: 'post', path: '/v1/accounts/:accountId/chat-threads', tag: 'Chat', summary: 'Start a chat thread, optionally with a first firm message and its reminders', params: idParams('accountId'), body: s.newThread, status: 201, ...mut }, async (req) =>
    items.createThread(req.firmId, req.actorId, req.valid.params.accountId, req.valid.body),
  );
  route(r, { method: 'post', path: '/v1/chat-threads/:threadId/messages', tag: 'Chat', summary: 'Post a message (firm: starts its reminder cycle; client: a reply stops reminders)', params: idParams('threadId'), body: s.newMessage, status: 201, ...mut }, async (req) =>
    items.postMessage(req.firmId, req.actorId, req.valid.params.threadId, req.valid.body),
  );
  route(r, { method: 'post', path: '/v1/chat-threads/:threadId/archive', tag: 'Chat', summary: 'Archive a thread (stops reminders)', params: idParams('threadId'), ...mut }, async (req) =>
    items.setThreadStatus(req.firmId, req.actorId, req.valid.params.threadId, 'archived'),
  );
  route(r, { method: 'post', path: '/v1/chat-threads/:threadId/reopen', tag: 'Chat', summary: 'Reopen an archived thread (re-arms reminders for its latest message)', params: idParams('threadId'), ...mut }, async (req) =>
    items.setThreadStatus(req.firmId, req.actorId, req.valid.params.threadId, 'open'),
  );

  // Documents, signatures, approvals
  route(r, { method: 'post', path: '/v1/accounts/:accountId/documents', tag: 'Documents', summary: 'Add a document to an account', params: idParams('accountId'), body: s.newDocument, status: 201, ...mut }, async (req) =>
    items.createDocument(req.firmId, req.actorId, req.valid.params.accountId, req.valid.body),
  );
  route(r, { method: 'post', path: '/v1/documents/:documentId/signature-requests', tag: 'Documents', summary: 'Request signatures from linked contacts', params: idParams('documentId'), body: s.newSignatureRequest, status: 201, ...mut }, async (req) =>
    items.requestSignatures(req.firmId, req.actorId, req.valid.params.documentId, req.valid.body),
  );
  route(r, { method: 'post', path: '/v1/signature-requests/:requestId/signers/:contactId/sign', tag: 'Documents', summary: 'Record that a signer signed (the request completes when all have)', params: idParams('requestId', 'contactId'), body: s.signBody, ...mut }, async (req) =>
    items.sign(req.firmId, req.valid.params.requestId, req.valid.params.contactId),
  );
  route(r, { method: 'post', path: '/v1/documents/:documentId/approval-requests', tag: 'Documents', summary: 'Request approval of a document', params: idParams('documentId'), body: s.newApprovalRequest, status: 201, ...mut }, async (req) =>
    items.requestApproval(req.firmId, req.actorId, req.valid.params.documentId, req.valid.body),
  );
  route(r, { method: 'post', path: '/v1/approval-requests/:requestId/approve', tag: 'Documents', summary: 'Record that the client approved', params: idParams('requestId'), body: s.approveBody, ...mut }, async (req) =>
    items.approve(req.firmId, req.valid.params.requestId, req.valid.body.contactId),
  );
  route(r, { method: 'post', path: '/v1/signature-requests/:requestId/cancel', tag: 'Documents', summary: 'Withdraw a pending signature request (stops its reminders)', params: idParams('requestId'), ...mut }, async (req) =>
    items.cancelRequest(req.firmId, req.actorId, 'signature', req.valid.params.requestId),
  );
  route(r, { method: 'post', path: '/v1/approval-requests/:requestId/cancel', tag: 'Documents', summary: 'Withdraw a pending approval request (stops its reminders)', params: idParams('requestId'), ...mut }, async (req) =>
    items.cancelRequest(req.firmId, req.actorId, 'approval', req.valid.params.requestId),
  );
  route(r, { method: 'post', path: '/v1/approval-requests/request-pending', tag: 'Reminders', summary: 'Request approval for all pending: a manual reminder for every pending approval of an account or the firm', body: s.requestPendingApprovals, status: 202, ...mut }, async (req) =>
    items.requestPendingApprovals(req.firmId, req.actorId, req.valid.body),
  );

  // Reminders of any item kind
  const itemParams = z.object({ kind: s.itemKindPath, itemId: z.uuid() });
  route(r, { method: 'put', path: '/v1/:kind/:itemId/reminder-settings', tag: 'Reminders', summary: 'Change automatic reminders (on/off, days, count); applies to the running schedule', params: itemParams, body: s.reminderSettingsInput, response: s.reminderSettings, ...mut }, async (req) =>
    items.updateReminderSettings(req.firmId, req.actorId, KIND_BY_PATH[req.valid.params.kind as keyof typeof KIND_BY_PATH], req.valid.params.itemId, req.valid.body),
  );
  route(r, { method: 'post', path: '/v1/:kind/:itemId/resend', tag: 'Reminders', summary: 'Manual reminder: one more email, portal to-do to the top, audit entry', params: itemParams, body: s.resendBody, status: 202, ...mut }, async (req) =>
    items.resend(req.firmId, req.actorId, KIND_BY_PATH[req.valid.params.kind as keyof typeof KIND_BY_PATH], req.valid.params.itemId, req.valid.body),
  );
  route(r, { method: 'get', path: '/v1/:kind/:itemId/reminders', tag: 'Reminders', summary: 'Reminder state: status, reminders sent, next reminder time, and per email whether and why it is excluded', params: itemParams }, async (req) =>
    items.reminderState(req.firmId, KIND_BY_PATH[req.valid.params.kind as keyof typeof KIND_BY_PATH], req.valid.params.itemId),
  );

  // Audit trail
  route(r, { method: 'get', path: '/v1/audit-events', tag: 'Audit', summary: 'The audit trail, newest first, filtered by account, item or action', query: s.auditQuery }, async (req) => {
    if (req.valid.query.accountId) await records.requireAccount(db, req.firmId, req.valid.query.accountId);
    return listAudit(db, req.firmId, req.valid.query);
  });

  return r;
}
