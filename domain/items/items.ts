// Items the client must act on (chat threads, signature and approval requests) and their reminders.
// Each change is written to the database first (with its audit entry), then told to the item's workflow.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import * as sig from '../../shared/contracts/item-reminder';
import { validateSettings } from '../../shared/reminder-policy';
import { selectRecipients } from '../../shared/recipients';
import type { ItemKind, ItemRef, ReminderSettings } from '../../shared/reminder-types';
import { readItemSnapshot, readReminderSettings } from './snapshot';
import { loadCandidateEmails } from './recipient-lookup';
import type { ReminderWorkflows } from './reminder-workflows';
import { audit } from '../audit/audit';
import { requireAccount } from '../accounts/accounts';
import { accountScope, requireAccountAccess, type Actor } from '../access/access';
import { closeTodos } from './portal-todos';
import { conflict, invalid, notFound } from '../errors';

type Tx = Prisma.TransactionClient;
export type ReminderInput = Partial<ReminderSettings>;

export function createItemsService(db: Db, workflows: ReminderWorkflows) {
  async function saveSettings(tx: Tx, firmId: string, kind: ItemKind, itemId: string, input: ReminderInput | undefined): Promise<ReminderSettings> {
    const current = await readReminderSettings(tx as Db, { kind, itemId });
    const settings = { ...current, ...input };
    const problem = validateSettings(settings);
    if (problem) throw invalid('reminders', problem);
    await tx.reminderSettings.upsert({
      where: { itemKind_itemId: { itemKind: kind, itemId } },
      create: { firmId, itemKind: kind, itemId, ...settings },
      update: settings,
    });
    return settings;
  }

  async function itemRef(firmId: string, kind: ItemKind, itemId: string): Promise<ItemRef> {
    const where = { id: itemId, firmId };
    const select = { accountId: true };
    const row =
      kind === 'chat'
        ? await db.chatThread.findFirst({ where, select })
        : kind === 'signature'
          ? await db.signatureRequest.findFirst({ where, select })
          : await db.approvalRequest.findFirst({ where, select });
    if (!row) throw notFound(KIND_LABEL[kind], itemId);
    return { firmId, accountId: row.accountId, kind, itemId };
  }

  async function postMessage(firmId: string, actorId: string, threadId: string, input: { author: 'firm' | 'client'; body: string; contactId?: string; reminders?: ReminderInput }) {
    const thread = await db.chatThread.findFirst({ where: { id: threadId, firmId } });
    if (!thread) throw notFound('Chat thread', threadId);
    if (thread.status === 'archived') throw conflict('thread-archived', 'The thread is archived', 'Reopen the thread before posting to it.');
    if (input.author === 'client') {
      if (!input.contactId) throw invalid('body.contactId', 'a client message names the contact who wrote it');
      const link = await db.accountContact.findFirst({ where: { accountId: thread.accountId, contactId: input.contactId, contact: { firmId } } });
      if (!link) throw invalid('body.contactId', 'the contact is not linked to the thread’s account');
    } else if (input.contactId) throw invalid('body.contactId', 'only client messages name a contact');
    if (input.author === 'client' && input.reminders) throw invalid('body.reminders', 'only firm messages carry reminder settings');
    const message = await db.$transaction(async (tx) => {
      // Settings carry over from the thread's earlier messages unless this one changes them.
      if (input.author === 'firm' && input.reminders) await saveSettings(tx, firmId, 'chat', threadId, input.reminders);
      const m = await tx.chatMessage.create({
        data: { firmId, threadId, author: input.author, body: input.body, firmUserId: input.author === 'firm' ? actorId : null, contactId: input.contactId ?? null },
      });
      await tx.chatThread.update({ where: { id: threadId }, data: { updatedAt: new Date() } });
      if (input.author === 'client') await closeTodos(tx, 'chat', threadId);
      await audit(tx, {
        firmId,
        actorId: input.author === 'firm' ? actorId : input.contactId!,
        actorType: input.author === 'firm' ? 'firm_user' : 'client',
        action: input.author === 'firm' ? 'chat.message_posted' : 'chat.client_replied',
        accountId: thread.accountId,
        itemKind: 'chat',
        itemId: threadId,
        data: { messageId: m.id },
      });
      return m;
    });
    const ref: ItemRef = { firmId, accountId: thread.accountId, kind: 'chat', itemId: threadId };
    if (input.author === 'firm') await workflows.arm(ref, sig.firmMessagePostedSignal, { messageId: message.id });
    else await workflows.notify(ref, sig.clientRepliedSignal);
    return presentMessage(message);
  }

  /** What a route acts on, checked against the actor's rights on its account: 404 for another firm's id, 403 without the right. */
  async function requireAccess(firmId: string, actor: Actor, target: { accountId: string } | { documentId: string } | { kind: ItemKind; itemId: string }) {
    let accountId: string;
    if ('accountId' in target) accountId = target.accountId;
    else if ('documentId' in target) {
      const doc = await db.document.findFirst({ where: { id: target.documentId, firmId }, select: { accountId: true } });
      if (!doc) throw notFound('Document', target.documentId);
      accountId = doc.accountId;
    } else accountId = (await itemRef(firmId, target.kind, target.itemId)).accountId;
    await requireAccountAccess(db, firmId, actor, accountId);
  }

  return {
    itemRef,
    requireAccess,

    async createThread(firmId: string, actorId: string, accountId: string, input: { subject: string; message?: { body: string }; reminders?: ReminderInput }) {
      await requireAccount(db, firmId, accountId);
      if (input.reminders && !input.message) throw invalid('body.reminders', 'reminders need a first message');
      const thread = await db.$transaction(async (tx) => {
        const t = await tx.chatThread.create({ data: { firmId, accountId, subject: input.subject } });
        await audit(tx, { firmId, actorId, action: 'chat.thread_created', accountId, itemKind: 'chat', itemId: t.id, data: { subject: t.subject } });
        return t;
      });
      const message = input.message ? await postMessage(firmId, actorId, thread.id, { author: 'firm', body: input.message.body, reminders: input.reminders }) : null;
      return { ...presentThread(thread), lastMessage: message };
    },

    postMessage,

    async setThreadStatus(firmId: string, actorId: string, threadId: string, status: 'archived' | 'open') {
      const thread = await db.chatThread.findFirst({ where: { id: threadId, firmId } });
      if (!thread) throw notFound('Chat thread', threadId);
      if (thread.status === status) return presentThread(thread); // repeating the call changes nothing
      const updated = await db.$transaction(async (tx) => {
        const t = await tx.chatThread.update({
          where: { id: threadId },
          data: status === 'open' ? { status, reopenCount: { increment: 1 }, reopenedAt: new Date() } : { status },
        });
        if (status === 'archived') await closeTodos(tx, 'chat', threadId);
        await audit(tx, { firmId, actorId, action: status === 'archived' ? 'chat.thread_archived' : 'chat.thread_reopened', accountId: thread.accountId, itemKind: 'chat', itemId: threadId });
        return t;
      });
      const ref: ItemRef = { firmId, accountId: thread.accountId, kind: 'chat', itemId: threadId };
      if (status === 'archived') await workflows.notify(ref, sig.threadArchivedSignal);
      else if (!(await readItemSnapshot(db, ref)).doneReason) await workflows.arm(ref, sig.threadReopenedSignal);
      return presentThread(updated);
    },

    async createDocument(firmId: string, actorId: string, accountId: string, input: { name: string }) {
      await requireAccount(db, firmId, accountId);
      return db.$transaction(async (tx) => {
        const d = await tx.document.create({ data: { firmId, accountId, name: input.name } });
        await audit(tx, { firmId, actorId, action: 'document.created', accountId, data: { documentId: d.id, name: d.name } });
        return d;
      });
    },

    async requestSignatures(firmId: string, actorId: string, documentId: string, input: { signers: string[]; reminders?: ReminderInput }) {
      const doc = await db.document.findFirst({ where: { id: documentId, firmId } });
      if (!doc) throw notFound('Document', documentId);
      if (new Set(input.signers).size !== input.signers.length) throw invalid('body.signers', 'each signer may appear once');
      const links = await db.accountContact.findMany({ where: { accountId: doc.accountId, contactId: { in: input.signers } } });
      const missing = input.signers.find((c) => !links.some((l) => l.contactId === c));
      if (missing) throw invalid('body.signers', `contact ${missing} is not linked to the document’s account`);
      const request = await db.$transaction(async (tx) => {
        const r = await tx.signatureRequest.create({
          data: { firmId, accountId: doc.accountId, documentId, signers: { create: input.signers.map((contactId, position) => ({ contactId, position })) } },
          include: { signers: true },
        });
        await saveSettings(tx, firmId, 'signature', r.id, input.reminders);
        await audit(tx, { firmId, actorId, action: 'signature.requested', accountId: doc.accountId, itemKind: 'signature', itemId: r.id, data: { documentId, signers: input.signers } });
        return r;
      });
      await workflows.arm({ firmId, accountId: doc.accountId, kind: 'signature', itemId: request.id }, sig.itemRequestedSignal);
      return presentSignature(request);
    },

    async sign(firmId: string, requestId: string, contactId: string) {
      const request = await db.signatureRequest.findFirst({ where: { id: requestId, firmId }, include: { signers: true } });
      if (!request) throw notFound('Signature request', requestId);
      const signer = request.signers.find((s) => s.contactId === contactId);
      if (!signer) throw notFound('Signer', contactId);
      if (request.status !== 'pending' && !signer.signedAt) throw conflict('request-closed', `The signature request is ${request.status}`);
      if (signer.signedAt) return presentSignature(request); // signing twice changes nothing
      const updated = await db.$transaction(async (tx) => {
        await tx.signatureSigner.update({ where: { id: signer.id }, data: { signedAt: new Date() } });
        const left = await tx.signatureSigner.count({ where: { requestId, signedAt: null } });
        if (left === 0) {
          await tx.signatureRequest.update({ where: { id: requestId }, data: { status: 'signed', completedAt: new Date() } });
          await closeTodos(tx, 'signature', requestId);
        } else {
          const emails = await tx.contactEmail.findMany({ where: { contactId }, select: { id: true } });
          await tx.portalTodo.updateMany({ where: { itemKind: 'signature', itemId: requestId, contactEmailId: { in: emails.map((e) => e.id) } }, data: { status: 'done' } });
        }
        await audit(tx, { firmId, actorId: contactId, actorType: 'client', action: left === 0 ? 'signature.completed' : 'signature.signed', accountId: request.accountId, itemKind: 'signature', itemId: requestId, data: { contactId } });
        return tx.signatureRequest.findUniqueOrThrow({ where: { id: requestId }, include: { signers: true } });
      });
      await workflows.notify({ firmId, accountId: request.accountId, kind: 'signature', itemId: requestId }, sig.signerSignedSignal, { contactId, allSigned: updated.status === 'signed' });
      return presentSignature(updated);
    },

    async requestApproval(firmId: string, actorId: string, documentId: string, input: { message?: string; reminders?: ReminderInput }) {
      const doc = await db.document.findFirst({ where: { id: documentId, firmId } });
      if (!doc) throw notFound('Document', documentId);
      const request = await db.$transaction(async (tx) => {
        const r = await tx.approvalRequest.create({ data: { firmId, accountId: doc.accountId, documentId, message: input.message } });
        await saveSettings(tx, firmId, 'approval', r.id, input.reminders);
        await audit(tx, { firmId, actorId, action: 'approval.requested', accountId: doc.accountId, itemKind: 'approval', itemId: r.id, data: { documentId } });
        return r;
      });
      await workflows.arm({ firmId, accountId: doc.accountId, kind: 'approval', itemId: request.id }, sig.itemRequestedSignal);
      return presentApproval(request);
    },

    async approve(firmId: string, requestId: string, contactId: string) {
      const request = await db.approvalRequest.findFirst({ where: { id: requestId, firmId } });
      if (!request) throw notFound('Approval request', requestId);
      if (request.status === 'approved') return presentApproval(request);
      if (request.status !== 'pending') throw conflict('request-closed', `The approval request is ${request.status}`);
      const link = await db.accountContact.findFirst({ where: { accountId: request.accountId, contactId } });
      if (!link) throw invalid('body.contactId', 'the contact is not linked to the request’s account');
      const updated = await db.$transaction(async (tx) => {
        const r = await tx.approvalRequest.update({ where: { id: requestId }, data: { status: 'approved', approvedAt: new Date(), approvedBy: contactId } });
        await closeTodos(tx, 'approval', requestId);
        await audit(tx, { firmId, actorId: contactId, actorType: 'client', action: 'approval.approved', accountId: request.accountId, itemKind: 'approval', itemId: requestId });
        return r;
      });
      await workflows.notify({ firmId, accountId: request.accountId, kind: 'approval', itemId: requestId }, sig.approvedSignal);
      return presentApproval(updated);
    },

    /** Withdraws a pending signature or approval request; its reminders stop and its to-dos close. */
    async cancelRequest(firmId: string, actorId: string, kind: 'signature' | 'approval', requestId: string) {
      const ref = await itemRef(firmId, kind, requestId);
      const row = kind === 'signature'
        ? await db.signatureRequest.findUniqueOrThrow({ where: { id: requestId } })
        : await db.approvalRequest.findUniqueOrThrow({ where: { id: requestId } });
      if (row.status === 'cancelled') return { id: requestId, status: 'cancelled' };
      if (row.status !== 'pending') throw conflict('request-closed', `The request is already ${row.status}`);
      await db.$transaction(async (tx) => {
        if (kind === 'signature') await tx.signatureRequest.update({ where: { id: requestId }, data: { status: 'cancelled', completedAt: new Date() } });
        else await tx.approvalRequest.update({ where: { id: requestId }, data: { status: 'cancelled' } });
        await closeTodos(tx, kind, requestId);
        await audit(tx, { firmId, actorId, action: `${kind}.cancelled`, accountId: ref.accountId, itemKind: kind, itemId: requestId });
      });
      await workflows.notify(ref, sig.itemWithdrawnSignal);
      return { id: requestId, status: 'cancelled' };
    },

    /** Changes take effect on the running schedule; turning reminders on re-arms a finished one. */
    async updateReminderSettings(firmId: string, actorId: string, kind: ItemKind, itemId: string, input: ReminderInput) {
      const ref = await itemRef(firmId, kind, itemId);
      const settings = await db.$transaction(async (tx) => {
        const s = await saveSettings(tx, firmId, kind, itemId, input);
        await audit(tx, { firmId, actorId, action: 'reminders.settings_changed', accountId: ref.accountId, itemKind: kind, itemId, data: { ...s } });
        return s;
      });
      const pending = !(await readItemSnapshot(db, ref)).doneReason;
      if (pending && settings.enabled) await workflows.arm(ref, sig.settingsChangedSignal, settings);
      else await workflows.notify(ref, sig.settingsChangedSignal, settings);
      return settings;
    },

    /** One more email now, the portal to-do to the top, an audit entry; the automatic schedule is untouched. */
    async resend(firmId: string, actorId: string, kind: ItemKind, itemId: string, input: { message?: string }) {
      const ref = await itemRef(firmId, kind, itemId);
      const snapshot = await readItemSnapshot(db, ref);
      if (snapshot.doneReason) throw conflict('item-not-pending', 'Nothing to remind', `The client already acted or the item is closed (${snapshot.doneReason}).`);
      const resendId = randomUUID();
      await workflows.arm(ref, sig.manualResendSignal, { resendId, message: input.message, requestedBy: actorId });
      return { resendId, workflowId: `reminder-${kind}-${itemId}` };
    },

    /** "Request approval for all pending": a manual resend of every pending approval of an account or the firm. */
    async requestPendingApprovals(firmId: string, actorId: string, input: { accountId?: string; message?: string }, actor?: Actor) {
      if (input.accountId) await (actor ? requireAccountAccess(db, firmId, actor, input.accountId) : requireAccount(db, firmId, input.accountId));
      // Firm-wide, an employee reaches only the accounts they may see.
      const scope = actor ? accountScope(firmId, actor) : {};
      const pending = await db.approvalRequest.findMany({
        where: { firmId, status: 'pending', account: { ...scope, status: 'active' }, ...(input.accountId ? { accountId: input.accountId } : {}) },
        select: { id: true, accountId: true },
        orderBy: { createdAt: 'asc' },
      });
      const resends = [];
      for (const r of pending) {
        const resendId = randomUUID();
        await workflows.arm({ firmId, accountId: r.accountId, kind: 'approval', itemId: r.id }, sig.manualResendSignal, { resendId, message: input.message, requestedBy: actorId });
        resends.push({ approvalRequestId: r.id, resendId });
      }
      return { requested: resends.length, resends };
    },

    /** The item's reminder state: the workflow's view plus, per email, whether it receives them and why not. */
    async reminderState(firmId: string, kind: ItemKind, itemId: string) {
      const ref = await itemRef(firmId, kind, itemId);
      const [workflow, snapshot, candidates, dispatches] = await Promise.all([
        workflows.state(ref),
        readItemSnapshot(db, ref),
        loadCandidateEmails(db, ref),
        db.reminderDispatch.findMany({ where: { itemKind: kind, itemId }, orderBy: { createdAt: 'asc' } }),
      ]);
      const decision = selectRecipients(kind, candidates);
      const addresses = new Map((await db.contactEmail.findMany({ where: { id: { in: candidates.map((c) => c.contactEmailId) } }, select: { id: true, address: true } })).map((e) => [e.id, e.address]));
      return {
        item: { kind, id: itemId, accountId: ref.accountId },
        pending: !snapshot.doneReason,
        doneReason: snapshot.doneReason,
        settings: snapshot.settings,
        remindersSent: snapshot.remindersSent,
        workflow,
        recipients: [
          ...decision.recipients.map((r) => ({ contactEmailId: r.contactEmailId, contactId: r.contactId, address: addresses.get(r.contactEmailId)!, included: true, activationBanner: r.activationBanner, reason: null })),
          ...decision.excluded.map((r) => ({ contactEmailId: r.contactEmailId, contactId: r.contactId, address: addresses.get(r.contactEmailId)!, included: false, activationBanner: false, reason: r.reason })),
        ],
        ...(candidates.length === 0 ? { warning: 'no_linked_email' } : {}),
        dispatches: dispatches.map((d) => ({ kind: d.kind, seq: d.seq, cycleKey: d.cycleKey, recipients: d.recipients, at: d.createdAt.toISOString() })),
      };
    },
  };
}

export type ItemsService = ReturnType<typeof createItemsService>;

const KIND_LABEL: Record<ItemKind, string> = { chat: 'Chat thread', signature: 'Signature request', approval: 'Approval request' };

function presentThread(t: { id: string; accountId: string; subject: string; status: string; createdAt: Date }) {
  return { id: t.id, accountId: t.accountId, subject: t.subject, status: t.status, createdAt: t.createdAt.toISOString() };
}

function presentMessage(m: { id: string; threadId: string; author: string; body: string; createdAt: Date; contactId: string | null; firmUserId: string | null }) {
  return { id: m.id, threadId: m.threadId, author: m.author, body: m.body, contactId: m.contactId, firmUserId: m.firmUserId, createdAt: m.createdAt.toISOString() };
}

function presentSignature(r: { id: string; accountId: string; documentId: string; status: string; signers: { contactId: string; position: number; signedAt: Date | null }[] }) {
  return {
    id: r.id,
    accountId: r.accountId,
    documentId: r.documentId,
    status: r.status,
    signers: r.signers.sort((a, b) => a.position - b.position).map((s) => ({ contactId: s.contactId, signedAt: s.signedAt?.toISOString() ?? null })),
  };
}

function presentApproval(r: { id: string; accountId: string; documentId: string; status: string; message: string | null; approvedAt: Date | null }) {
  return { id: r.id, accountId: r.accountId, documentId: r.documentId, status: r.status, message: r.message, approvedAt: r.approvedAt?.toISOString() ?? null };
}

