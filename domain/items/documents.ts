// Documents and what concerns both kinds of request on them (SPEC §2): add a document to an account,
// withdraw a pending signature or approval request.
import type { Db } from '../../prisma/client';
import * as sig from '../../shared/contracts/item-reminder';
import { audit } from '../audit/audit';
import { requireAccountAccess, requireWritableAccount, type Actor } from '../access/access';
import { conflict } from '../errors';
import { requireItemAccess } from './item-refs';
import { closeTodos } from './portal-todos';
import { lockRequestStatus } from './request-lock';
import type { ItemWorkflows } from './reminder-workflows';

export function createDocumentService(db: Db, workflows: ItemWorkflows) {
  return {
    async createDocument(firmId: string, actor: Actor, accountId: string, input: { name: string }) {
      await requireAccountAccess(db, firmId, actor, accountId);
      return db.$transaction(async (tx) => {
        await requireWritableAccount(tx, firmId, accountId);
        const d = await tx.document.create({ data: { firmId, accountId, name: input.name } });
        await audit(tx, {
          firmId,
          actorId: actor.id,
          action: 'document.created',
          accountId,
          data: { documentId: d.id, name: d.name },
        });
        return d;
      });
    },

    /** Withdraws a pending signature or approval request; its reminders stop and its to-dos close. */
    async cancelRequest(firmId: string, actor: Actor, kind: 'signature' | 'approval', givenId: string) {
      const requestId = givenId.toLowerCase(); // the stored id, which also names the request's workflow
      const ref = await requireItemAccess(db, firmId, actor, kind, requestId);
      const row =
        kind === 'signature'
          ? await db.signatureRequest.findUniqueOrThrow({ where: { id: requestId } })
          : await db.approvalRequest.findUniqueOrThrow({ where: { id: requestId } });
      if (row.status === 'cancelled') return { id: requestId, status: 'cancelled' };
      if (row.status !== 'pending') throw conflict('request-closed', `The request is already ${row.status}`);
      await workflows.transaction(async (tx, calls) => {
        // The account's lock before the request's (requireWritableAccount says why); an archived account is
        // read-only for the firm, so its requests are withdrawn only once it is restored.
        await requireWritableAccount(tx, firmId, ref.accountId);
        // Decided again under the request's lock: a concurrent sign, approve or cancel may have committed.
        const status = await lockRequestStatus(tx, kind, requestId);
        if (status === 'cancelled') return;
        if (status !== 'pending') throw conflict('request-closed', `The request is already ${status}`);
        if (kind === 'signature') {
          await tx.signatureRequest.update({
            where: { id: requestId },
            data: { status: 'cancelled', completedAt: new Date() },
          });
        } else await tx.approvalRequest.update({ where: { id: requestId }, data: { status: 'cancelled' } });
        await closeTodos(tx, kind, requestId);
        await audit(tx, {
          firmId,
          actorId: actor.id,
          action: `${kind}.cancelled`,
          accountId: ref.accountId,
          itemKind: kind,
          itemId: requestId,
        });
        calls.notify(ref, sig.itemWithdrawnSignal);
      });
      return { id: requestId, status: 'cancelled' };
    },
  };
}
