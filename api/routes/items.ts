// Items the client must act on (chat, signatures, approvals) and their reminders.
import { Router } from 'express';
import { route, idParams } from '../route';
import * as s from '../schemas/index';
import type { ItemsService } from '../../domain/items/items';

// The domain checks the actor's rights on the account each item belongs to.
export function itemRoutes(items: ItemsService): Router {
  const r = Router();
  const mut = { idempotent: true } as const;

  // Chat
  route(
    r,
    {
      method: 'post',
      path: '/v1/accounts/:accountId/chat-threads',
      tag: 'Chat',
      summary: 'Start a chat thread, optionally with a first firm message and its reminders',
      params: idParams('accountId'),
      body: s.newThread,
      status: 201,
      ...mut,
    },
    async (req) => {
      return items.createThread(req.firmId, req.actor, req.valid.params.accountId, req.valid.body);
    },
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/chat-threads/:threadId/messages',
      tag: 'Chat',
      summary: 'Post a message (firm: starts its reminder cycle; client: a reply stops reminders)',
      params: idParams('threadId'),
      body: s.newMessage,
      status: 201,
      ...mut,
    },
    async (req) => {
      return items.postMessage(req.firmId, req.actor, req.valid.params.threadId, req.valid.body);
    },
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/chat-threads/:threadId',
      operationId: 'getChatThread',
      tag: 'Chat',
      summary:
        'One chat thread: subject, status, its number of messages and when the latest was written (lastMessageAt)',
      params: idParams('threadId'),
    },
    async (req) => items.getThread(req.firmId, req.actor, req.valid.params.threadId),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/chat-threads/:threadId/messages',
      operationId: 'listChatMessages',
      tag: 'Chat',
      summary:
        'A thread’s messages, newest first (the firm’s and the client’s replies, from the API or the client pages)',
      params: idParams('threadId'),
      query: s.messagesQuery,
    },
    async (req) => items.listMessages(req.firmId, req.actor, req.valid.params.threadId, req.valid.query),
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/chat-threads/:threadId/archive',
      tag: 'Chat',
      summary: 'Archive a thread (stops reminders)',
      params: idParams('threadId'),
      ...mut,
    },
    async (req) => {
      return items.setThreadStatus(req.firmId, req.actor, req.valid.params.threadId, 'archived');
    },
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/chat-threads/:threadId/reopen',
      tag: 'Chat',
      summary: 'Reopen an archived thread (re-arms reminders for its latest message)',
      params: idParams('threadId'),
      ...mut,
    },
    async (req) => {
      return items.setThreadStatus(req.firmId, req.actor, req.valid.params.threadId, 'open');
    },
  );

  // Documents, signatures, approvals
  route(
    r,
    {
      method: 'post',
      path: '/v1/accounts/:accountId/documents',
      tag: 'Documents',
      summary: 'Add a document to an account',
      params: idParams('accountId'),
      body: s.newDocument,
      status: 201,
      ...mut,
    },
    async (req) => {
      return items.createDocument(req.firmId, req.actor, req.valid.params.accountId, req.valid.body);
    },
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/documents/:documentId/signature-requests',
      tag: 'Documents',
      summary: 'Request signatures from linked contacts',
      params: idParams('documentId'),
      body: s.newSignatureRequest,
      status: 201,
      ...mut,
    },
    async (req) => {
      return items.requestSignatures(req.firmId, req.actor, req.valid.params.documentId, req.valid.body);
    },
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/signature-requests/:requestId',
      operationId: 'getSignatureRequest',
      tag: 'Documents',
      summary: 'One signature request: its status and each signer in order, with when they signed',
      params: idParams('requestId'),
    },
    async (req) => items.getSignatureRequest(req.firmId, req.actor, req.valid.params.requestId),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/approval-requests/:requestId',
      operationId: 'getApprovalRequest',
      tag: 'Documents',
      summary: 'One approval request: its status, message and when it was approved',
      params: idParams('requestId'),
    },
    async (req) => items.getApprovalRequest(req.firmId, req.actor, req.valid.params.requestId),
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/signature-requests/:requestId/signers/:contactId/sign',
      tag: 'Documents',
      summary: 'Record that a signer signed (the request completes when all have)',
      params: idParams('requestId', 'contactId'),
      body: s.signBody,
      ...mut,
    },
    async (req) => {
      return items.sign(req.firmId, req.actor, req.valid.params.requestId, req.valid.params.contactId);
    },
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/documents/:documentId/approval-requests',
      tag: 'Documents',
      summary: 'Request approval of a document',
      params: idParams('documentId'),
      body: s.newApprovalRequest,
      status: 201,
      ...mut,
    },
    async (req) => {
      return items.requestApproval(req.firmId, req.actor, req.valid.params.documentId, req.valid.body);
    },
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/approval-requests/:requestId/approve',
      tag: 'Documents',
      summary: 'Record that the client approved',
      params: idParams('requestId'),
      body: s.approveBody,
      ...mut,
    },
    async (req) => {
      return items.approve(req.firmId, req.actor, req.valid.params.requestId, req.valid.body.contactId);
    },
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/signature-requests/:requestId/cancel',
      tag: 'Documents',
      summary: 'Withdraw a pending signature request (stops its reminders)',
      params: idParams('requestId'),
      ...mut,
    },
    async (req) => {
      return items.cancelRequest(req.firmId, req.actor, 'signature', req.valid.params.requestId);
    },
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/approval-requests/:requestId/cancel',
      tag: 'Documents',
      summary: 'Withdraw a pending approval request (stops its reminders)',
      params: idParams('requestId'),
      ...mut,
    },
    async (req) => {
      return items.cancelRequest(req.firmId, req.actor, 'approval', req.valid.params.requestId);
    },
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/approval-requests/request-pending',
      tag: 'Reminders',
      summary:
        'Request approval for all pending: a manual reminder for every pending approval of an account or the firm',
      body: s.requestPendingApprovals,
      status: 202,
      ...mut,
    },
    async (req) => items.requestPendingApprovals(req.firmId, req.actor, req.valid.body),
  );

  // Reminders of any item kind
  route(
    r,
    {
      method: 'put',
      path: '/v1/:kind/:itemId/reminder-settings',
      tag: 'Reminders',
      summary: 'Change automatic reminders (on/off, days, count); applies to the running schedule',
      params: s.itemParams,
      body: s.reminderSettingsInput,
      response: s.reminderSettings,
      ...mut,
    },
    async (req) => {
      return items.updateReminderSettings(
        req.firmId,
        req.actor,
        s.KIND_BY_PATH[req.valid.params.kind],
        req.valid.params.itemId,
        req.valid.body,
      );
    },
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/:kind/:itemId/resend',
      tag: 'Reminders',
      summary: 'Manual reminder: one more email, portal to-do to the top, audit entry',
      params: s.itemParams,
      body: s.resendBody,
      status: 202,
      ...mut,
    },
    async (req) => {
      return items.resend(
        req.firmId,
        req.actor,
        s.KIND_BY_PATH[req.valid.params.kind],
        req.valid.params.itemId,
        req.valid.body,
      );
    },
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/:kind/:itemId/reminders',
      tag: 'Reminders',
      summary:
        'Reminder state: status, reminders sent, next reminder time, and per email whether and why it is excluded',
      params: s.itemParams,
    },
    async (req) => {
      return items.reminderState(req.firmId, req.actor, s.KIND_BY_PATH[req.valid.params.kind], req.valid.params.itemId);
    },
  );

  return r;
}
