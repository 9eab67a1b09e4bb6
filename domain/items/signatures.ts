// Signature requests (SPEC §2): request signatures from contacts linked to the document's account, and
// record each signature (the request completes when all have signed).
import type { Db } from '../../prisma/client';
import * as sig from '../../shared/contracts/item-reminder';
import { audit } from '../audit/audit';
import type { Actor } from '../access/access';
import { conflict, invalid, notFound } from '../errors';
import { requireDocumentAccess, requireItemAccess, saveSettings, type ReminderInput } from './item-refs';
import { closeTodos } from './portal-todos';
import { recordItemCompleted } from '../webhooks/item-events';
import { presentSignature } from './present';
import type { ItemWorkflows } from './reminder-workflows';

export function createSignatureService(db: Db, workflows: ItemWorkflows) {
  return {
    async requestSignatures(
      firmId: string,
      actor: Actor,
      documentId: string,
      input: { signers: string[]; reminders?: ReminderInput },
    ) {
      const doc = await requireDocumentAccess(db, firmId, actor, documentId);
      if (new Set(input.signers).size !== input.signers.length) {
        throw invalid('body.signers', 'each signer may appear once');
      }
      const links = await db.accountContact.findMany({
        where: { accountId: doc.accountId, contactId: { in: input.signers } },
      });
      const missing = input.signers.find((c) => !links.some((l) => l.contactId === c));
      if (missing) throw invalid('body.signers', `contact ${missing} is not linked to the document’s account`);
      const request = await workflows.transaction(async (tx, calls) => {
        const r = await tx.signatureRequest.create({
          data: {
            firmId,
            accountId: doc.accountId,
            documentId,
            signers: { create: input.signers.map((contactId, position) => ({ contactId, position })) },
          },
          include: { signers: true },
        });
        await saveSettings(tx, firmId, 'signature', r.id, input.reminders);
        await audit(tx, {
          firmId,
          actorId: actor.id,
          action: 'signature.requested',
          accountId: doc.accountId,
          itemKind: 'signature',
          itemId: r.id,
          data: { documentId, signers: input.signers },
        });
        calls.arm({ firmId, accountId: doc.accountId, kind: 'signature', itemId: r.id }, sig.itemRequestedSignal);
        return r;
      });
      return presentSignature(request);
    },

    async sign(firmId: string, actor: Actor, requestId: string, contactId: string) {
      await requireItemAccess(db, firmId, actor, 'signature', requestId);
      const request = await db.signatureRequest.findFirstOrThrow({
        where: { id: requestId, firmId },
        include: { signers: true },
      });
      const signer = request.signers.find((s) => s.contactId === contactId);
      if (!signer) throw notFound('Signer', contactId);
      if (request.status !== 'pending' && !signer.signedAt) {
        throw conflict('request-closed', `The signature request is ${request.status}`);
      }
      if (signer.signedAt) return presentSignature(request); // signing twice changes nothing
      const ref = { firmId, accountId: request.accountId, kind: 'signature' as const, itemId: requestId };
      const updated = await workflows.transaction(async (tx, calls) => {
        await tx.signatureSigner.update({ where: { id: signer.id }, data: { signedAt: new Date() } });
        const left = await tx.signatureSigner.count({ where: { requestId, signedAt: null } });
        if (left === 0) {
          await tx.signatureRequest.update({
            where: { id: requestId },
            data: { status: 'signed', completedAt: new Date() },
          });
          await closeTodos(tx, 'signature', requestId);
        } else {
          const emails = await tx.contactEmail.findMany({ where: { contactId }, select: { id: true } });
          await tx.portalTodo.updateMany({
            where: { itemKind: 'signature', itemId: requestId, contactEmailId: { in: emails.map((e) => e.id) } },
            data: { status: 'done' },
          });
        }
        await audit(tx, {
          firmId,
          actorId: contactId,
          actorType: 'client',
          action: left === 0 ? 'signature.completed' : 'signature.signed',
          accountId: request.accountId,
          itemKind: 'signature',
          itemId: requestId,
          data: { contactId },
        });
        const after = await tx.signatureRequest.findUniqueOrThrow({
          where: { id: requestId },
          include: { signers: true },
        });
        calls.notify(ref, sig.signerSignedSignal, { contactId, allSigned: after.status === 'signed' });
        if (after.status === 'signed') await recordItemCompleted(tx, ref, 'signed', 'signed');
        return after;
      });
      return presentSignature(updated);
    },
  };
}
