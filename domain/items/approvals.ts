// Approval requests (SPEC §2): request approval of a document, record the client's approval, and
// "request approval for all pending" (a manual resend of each pending approval).
import { randomUUID } from 'node:crypto';
import type { Db } from '../../prisma/client';
import * as sig from '../../shared/contracts/item-reminder';
import { audit } from '../audit/audit';
import { accountScope, requireAccountAccess, requireWritableAccount, type Actor } from '../access/access';
import { conflict, invalid } from '../errors';
import { requireDocumentAccess, requireItemAccess, saveSettings, type ReminderInput } from './item-refs';
import { recordManualResends } from './manual-resends';
import { closeTodos } from './portal-todos';
import { lockRequestStatus } from './request-lock';
import { recordItemCompleted } from '../webhooks/item-events';
import { presentApproval } from './present';
import type { ItemWorkflows } from './reminder-workflows';
import { hotFragment } from '../outbox/hot-sql';
import { writeDocumentRequest } from './document-request-sql';

type NewApproval = { message?: string; reminders?: ReminderInput };

export function createApprovalService(db: Db, workflows: ItemWorkflows) {
  async function requestInTransaction(firmId: string, actor: Actor, documentId: string, input: NewApproval) {
    const doc = await requireDocumentAccess(db, firmId, actor, documentId);
    const request = await workflows.transaction(async (tx, calls) => {
      await requireWritableAccount(tx, firmId, doc.accountId);
      const r = await tx.approvalRequest.create({
        data: { firmId, accountId: doc.accountId, documentId, message: input.message },
      });
      await saveSettings(tx, firmId, 'approval', r.id, input.reminders);
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: 'approval.requested',
        accountId: doc.accountId,
        itemKind: 'approval',
        itemId: r.id,
        data: { documentId },
      });
      calls.arm({ firmId, accountId: doc.accountId, kind: 'approval', itemId: r.id }, sig.itemRequestedSignal);
      return r;
    });
    return presentApproval(request);
  }

  /** The API's create path (issue 10): one statement (document-request-sql.ts), or null for the usual path. */
  async function requestInOneStatement(firmId: string, actor: Actor, documentId: string, input: NewApproval) {
    const id = randomUUID();
    const now = new Date();
    const message = input.message ?? null;
    const accountId = await writeDocumentRequest(db, workflows, {
      firmId,
      actor,
      documentId,
      kind: 'approval',
      id,
      now,
      reminders: input.reminders,
      item: hotFragment`
        INSERT INTO "ApprovalRequest" (id, "firmId", "accountId", "documentId", status, message, "createdAt")
        SELECT ${id}::uuid, ${firmId}::uuid, ok."accountId", ${documentId}::uuid, 'pending'::"ApprovalStatus",
          ${message}::text, ${now}::timestamp(3)
        FROM ok
        RETURNING id`,
      audit: { action: 'approval.requested', data: { documentId } },
    });
    return accountId === null
      ? null
      : presentApproval({ id, accountId, documentId, status: 'pending', message, approvedAt: null });
  }

  return {
    async requestApproval(firmId: string, actor: Actor, documentId: string, input: NewApproval) {
      return (
        (await requestInOneStatement(firmId, actor, documentId, input)) ??
        requestInTransaction(firmId, actor, documentId, input)
      );
    },

    async approve(firmId: string, actor: Actor, givenRequestId: string, givenContactId: string) {
      // Stored as the approver and compared in lower case; the request's id also names its workflow.
      const requestId = givenRequestId.toLowerCase();
      const contactId = givenContactId.toLowerCase();
      await requireItemAccess(db, firmId, actor, 'approval', requestId);
      const request = await db.approvalRequest.findFirstOrThrow({ where: { id: requestId, firmId } });
      if (request.status === 'approved') return presentApproval(request);
      if (request.status !== 'pending') throw conflict('request-closed', `The approval request is ${request.status}`);
      const link = await db.accountContact.findFirst({ where: { accountId: request.accountId, contactId } });
      if (!link) throw invalid('body.contactId', 'the contact is not linked to the request’s account');
      const ref = { firmId, accountId: request.accountId, kind: 'approval' as const, itemId: requestId };
      const updated = await workflows.transaction(async (tx, calls) => {
        // Decided again under the request's lock: a concurrent approve or cancel may have committed meanwhile.
        const status = await lockRequestStatus(tx, 'approval', requestId);
        if (status === 'approved') return null;
        if (status !== 'pending') throw conflict('request-closed', `The approval request is ${status}`);
        const r = await tx.approvalRequest.update({
          where: { id: requestId },
          data: { status: 'approved', approvedAt: new Date(), approvedBy: contactId },
        });
        await closeTodos(tx, 'approval', requestId);
        await audit(tx, {
          firmId,
          actorId: contactId,
          actorType: 'client',
          action: 'approval.approved',
          accountId: request.accountId,
          itemKind: 'approval',
          itemId: requestId,
        });
        calls.notify(ref, sig.approvedSignal);
        await recordItemCompleted(tx, ref, 'approved', 'approved');
        return r;
      });
      return presentApproval(
        updated ?? (await db.approvalRequest.findFirstOrThrow({ where: { id: requestId, firmId } })),
      );
    },

    /** "Request approval for all pending": a manual resend of every pending approval of an account or the firm. */
    async requestPendingApprovals(firmId: string, actor: Actor, input: { accountId?: string; message?: string }) {
      if (input.accountId) await requireAccountAccess(db, firmId, actor, input.accountId);
      // Firm-wide, an employee reaches only the accounts they may see.
      const pending = await db.approvalRequest.findMany({
        where: {
          firmId,
          status: 'pending',
          account: { ...accountScope(firmId, actor), status: 'active' },
          ...(input.accountId ? { accountId: input.accountId } : {}),
        },
        select: { id: true, accountId: true },
        orderBy: { createdAt: 'asc' },
      });
      // One transaction: a failure part-way writes nothing, so a retry under the same Idempotency-Key does it
      // all once (each its own transaction, the first marked the key committed and the rest were never asked).
      const resends = await workflows.transaction(async (tx, calls) => {
        const refs = pending.map((r) => ({ firmId, accountId: r.accountId, kind: 'approval' as const, itemId: r.id }));
        const recorded = await recordManualResends(tx, refs, actor.id, input.message);
        refs.forEach((ref, i) => calls.arm(ref, sig.manualResendSignal, recorded[i]));
        return refs.map((ref, i) => ({ approvalRequestId: ref.itemId, resendId: recorded[i].resendId }));
      });
      return { requested: resends.length, resends };
    },
  };
}
