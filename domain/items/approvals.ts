// Approval requests (SPEC §2): request approval of a document, record the client's approval, and
// "request approval for all pending" (a manual resend of each pending approval).
import { randomUUID } from 'node:crypto';
import type { Db } from '../../prisma/client';
import * as sig from '../../shared/contracts/item-reminder';
import { validateSettings } from '../../shared/reminder-policy';
import { DEFAULT_REMINDER_SETTINGS } from '../../shared/reminder-types';
import { audit } from '../audit/audit';
import { accountScope, requireAccountAccess, type Actor } from '../access/access';
import { mayOpenAccount } from '../access/access-sql';
import { conflict, invalid } from '../errors';
import { requireDocumentAccess, requireItemAccess, saveSettings, type ReminderInput } from './item-refs';
import { recordManualResend } from './manual-resends';
import { closeTodos } from './portal-todos';
import { recordItemCompleted } from '../webhooks/item-events';
import { presentApproval } from './present';
import type { ItemWorkflows } from './reminder-workflows';
import { hotQuery, hotSql } from '../outbox/hot-sql';
import { insertOutboxRow, markRequestKey, writtenRow } from '../outbox/one-statement';
import { currentRequestKey } from '../outbox/request-key';
import { currentTraceCarrier } from '../outbox/trace-carrier';

type NewApproval = { message?: string; reminders?: ReminderInput };

export function createApprovalService(db: Db, workflows: ItemWorkflows) {
  async function requestInTransaction(firmId: string, actor: Actor, documentId: string, input: NewApproval) {
    const doc = await requireDocumentAccess(db, firmId, actor, documentId);
    const request = await workflows.transaction(async (tx, calls) => {
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

  /**
   * The API's create path (issue 10) as ONE statement, as a firm message is (chat.ts): the access check of
   * requireDocumentAccess, the request, its reminder settings (the input over the firm's policy for approvals
   * over the defaults, as saveSettings merges them), the audit entry, the outbox row of the arm call and the
   * request's Idempotency-Key marked committed, the rows requestInTransaction writes. Null when it wrote
   * nothing (no such document, no right) or the settings are invalid: the usual path then gives the refusal.
   */
  async function requestInOneStatement(firmId: string, actor: Actor, documentId: string, input: NewApproval) {
    const given: ReminderInput = Object.fromEntries(
      Object.entries(input.reminders ?? {}).filter(([, v]) => v !== undefined),
    );
    if (validateSettings({ ...DEFAULT_REMINDER_SETTINGS, ...given })) return null;
    const id = randomUUID();
    const now = new Date();
    const direct = workflows.direct;
    const arm = (accountId: string) =>
      direct.arm({ firmId, accountId, kind: 'approval', itemId: id }, sig.itemRequestedSignal);
    const stand = randomUUID(); // the account id is known only inside the statement
    const workflowId = sig.reminderWorkflowId('approval', id);
    const trace = currentTraceCarrier();
    const defaults = DEFAULT_REMINDER_SETTINGS;
    const draft = arm(stand);
    const outboxRow = insertOutboxRow({
      firmId,
      workflowId,
      draft,
      stand,
      accountId: 'ok."accountId"',
      from: 'ok, r',
      now,
      trace,
      leaseMs: direct.leaseMs,
    });
    const [row] = await hotQuery<{ accountId: string; outboxId: bigint | string; claimed: boolean }>(
      db,
      hotSql`
      WITH d AS (
        SELECT doc."accountId", a.id IS NOT NULL AS "accountFound",
          ${mayOpenAccount(actor, 'doc."accountId"')} AS allowed
        FROM "Document" doc LEFT JOIN "Account" a ON a.id = doc."accountId" AND a."firmId" = ${firmId}::uuid
        WHERE doc.id = ${documentId}::uuid AND doc."firmId" = ${firmId}::uuid
      ), ok AS (
        SELECT "accountId" FROM d WHERE "accountFound" AND allowed
      ), r AS (
        INSERT INTO "ApprovalRequest" (id, "firmId", "accountId", "documentId", status, message, "createdAt")
        SELECT ${id}::uuid, ${firmId}::uuid, ok."accountId", ${documentId}::uuid, 'pending'::"ApprovalStatus",
          ${input.message ?? null}::text, ${now}::timestamp(3)
        FROM ok
        RETURNING id
      ), p AS (
        SELECT enabled, "intervalDays", count, "sendWindow" FROM "FirmReminderPolicy"
        WHERE "firmId" = ${firmId}::uuid AND "itemKind" = 'approval'::"ItemKind"
      ), s AS (
        INSERT INTO "ReminderSettings" ("firmId", "itemKind", "itemId", enabled, "intervalDays", count, source,
          "sendWindow", "updatedAt")
        SELECT ${firmId}::uuid, 'approval'::"ItemKind", r.id,
          COALESCE(${given.enabled ?? null}::boolean, p.enabled, ${defaults.enabled}::boolean),
          COALESCE(${given.intervalDays ?? null}::int, p."intervalDays", ${defaults.intervalDays}::int),
          COALESCE(${given.count ?? null}::int, p.count, ${defaults.count}::int),
          ${Object.keys(given).length ? 'own' : 'policy'}::"ReminderSettingsSource", COALESCE(p."sendWindow", 'firm'),
          ${now}::timestamp(3)
        FROM r LEFT JOIN p ON true
      ), au AS (
        INSERT INTO "AuditEvent" ("firmId", "accountId", "contactId", "actorType", "actorId", action, "itemKind",
          "itemId", data, "createdAt")
        SELECT ${firmId}::uuid, ok."accountId", NULL, 'firm_user', ${actor.id}, 'approval.requested',
          'approval'::"ItemKind", r.id, ${JSON.stringify({ documentId })}::jsonb, ${now}::timestamp(3)
        FROM ok, r
      ), o AS (${outboxRow}
      ), k AS (${markRequestKey(currentRequestKey(), now, 'r')})
      SELECT ok."accountId"::text AS "accountId", o.id AS "outboxId", o.claimed FROM ok, o`,
    );
    if (!row) return null;
    await direct.deliverSoon(...writtenRow(row, workflowId, arm(row.accountId), trace));
    const message = input.message ?? null;
    return presentApproval({ id, accountId: row.accountId, documentId, status: 'pending', message, approvedAt: null });
  }

  return {
    async requestApproval(firmId: string, actor: Actor, documentId: string, input: NewApproval) {
      return (
        (await requestInOneStatement(firmId, actor, documentId, input)) ??
        requestInTransaction(firmId, actor, documentId, input)
      );
    },

    async approve(firmId: string, actor: Actor, requestId: string, contactId: string) {
      await requireItemAccess(db, firmId, actor, 'approval', requestId);
      const request = await db.approvalRequest.findFirstOrThrow({ where: { id: requestId, firmId } });
      if (request.status === 'approved') return presentApproval(request);
      if (request.status !== 'pending') throw conflict('request-closed', `The approval request is ${request.status}`);
      const link = await db.accountContact.findFirst({ where: { accountId: request.accountId, contactId } });
      if (!link) throw invalid('body.contactId', 'the contact is not linked to the request’s account');
      const ref = { firmId, accountId: request.accountId, kind: 'approval' as const, itemId: requestId };
      const updated = await workflows.transaction(async (tx, calls) => {
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
      return presentApproval(updated);
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
      const resends = [];
      for (const r of pending) {
        const ref = { firmId, accountId: r.accountId, kind: 'approval' as const, itemId: r.id };
        const resend = await workflows.transaction(async (tx, calls) => {
          const recorded = await recordManualResend(tx, ref, actor.id, input.message);
          calls.arm(ref, sig.manualResendSignal, recorded);
          return recorded;
        });
        resends.push({ approvalRequestId: r.id, resendId: resend.resendId });
      }
      return { requested: resends.length, resends };
    },
  };
}
