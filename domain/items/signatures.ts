// Signature requests (SPEC §2): request signatures from contacts linked to the document's account, and
// record each signature (the request completes when all have signed).
import { randomUUID } from 'node:crypto';
import type { Db } from '../../prisma/client';
import * as sig from '../../shared/contracts/item-reminder';
import { audit } from '../audit/audit';
import { requireWritableAccount, type Actor } from '../access/access';
import { conflict, invalid, notFound } from '../errors';
import { requireDocumentAccess, requireItemAccess, saveSettings, type ReminderInput } from './item-refs';
import { closeTodos } from './portal-todos';
import { recordItemCompleted } from '../webhooks/item-events';
import { presentSignature } from './present';
import type { ItemWorkflows } from './reminder-workflows';
import { hotFragment } from '../outbox/hot-sql';
import { writeDocumentRequest } from './document-request-sql';
import { lockRequestStatus } from './request-lock';

type NewSignatures = { signers: string[]; reminders?: ReminderInput };

export function createSignatureService(db: Db, workflows: ItemWorkflows) {
  async function requestInTransaction(firmId: string, actor: Actor, documentId: string, input: NewSignatures) {
    const doc = await requireDocumentAccess(db, firmId, actor, documentId);
    if (new Set(input.signers).size !== input.signers.length) {
      throw invalid('body.signers', 'each signer may appear once');
    }
    const request = await workflows.transaction(async (tx, calls) => {
      // The signers' links are read under the account's lock, which an unlink takes too: none leaves meanwhile.
      await requireWritableAccount(tx, firmId, doc.accountId);
      // Then the signers themselves (account before contact, as every path takes them): a deletion under way is
      // waited for, and its contact then has no link (422 below).
      await tx.$executeRaw`
        SELECT 1 FROM "Contact" WHERE id = ANY(${input.signers}::uuid[]) AND "firmId" = ${firmId}::uuid
        ORDER BY id FOR SHARE`;
      const links = await tx.accountContact.findMany({
        where: { accountId: doc.accountId, contactId: { in: input.signers } },
      });
      const missing = input.signers.find((c) => !links.some((l) => l.contactId === c));
      if (missing) throw invalid('body.signers', `contact ${missing} is not linked to the document’s account`);
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
  }

  /** The API's create path (issue 10): one statement (document-request-sql.ts), or null for the usual path. */
  async function requestInOneStatement(firmId: string, actor: Actor, documentId: string, input: NewSignatures) {
    if (new Set(input.signers).size !== input.signers.length) return null;
    const id = randomUUID();
    const now = new Date();
    const accountId = await writeDocumentRequest(db, workflows, {
      firmId,
      actor,
      documentId,
      kind: 'signature',
      id,
      now,
      reminders: input.reminders,
      // The account (KEY SHARE, as the request's foreign key takes it anyway), then the signers, in the order a
      // bulk delete takes them (no deadlock): a contact deletion under way is waited for, and a contact it removed
      // is not counted. Then each signer's link to the account (after its contact: a move holds the contact while
      // it replaces the link): an unlink or a move under way is waited for, and a link it removed is not counted
      // (this statement's snapshot still shows it; its lock does not). An unlink or a move coming later waits for
      // this request and then refuses to leave its signer without the account. Referenced by onlyIf, so PostgreSQL
      // runs them.
      locks: hotFragment`la AS (
        SELECT a.id FROM "Account" a WHERE a.id = (SELECT "accountId" FROM d) AND a.status = 'active' FOR KEY SHARE
      ), lc AS (
        SELECT c.id FROM la, "Contact" c WHERE c.id = ANY(${input.signers}::uuid[]) AND c."firmId" = ${firmId}::uuid
        ORDER BY c.id FOR SHARE OF c
      ), ll AS (
        SELECT ac."contactId" FROM la, lc, "AccountContact" ac WHERE ac."accountId" = la.id AND ac."contactId" = lc.id
        ORDER BY ac."contactId" FOR KEY SHARE OF ac
      ),`,
      // Every signer is a contact of the document's account, both still there under their locks.
      onlyIf: hotFragment`${input.signers.length}::int = (SELECT count(*) FROM ll)`,
      item: hotFragment`
        INSERT INTO "SignatureRequest" (id, "firmId", "accountId", "documentId", status, "createdAt")
        SELECT ${id}::uuid, ${firmId}::uuid, ok."accountId", ${documentId}::uuid, 'pending'::"SignatureStatus",
          ${now}::timestamp(3)
        FROM ok
        RETURNING id`,
      rows: hotFragment`sg AS (
        INSERT INTO "SignatureSigner" (id, "requestId", "contactId", position)
        SELECT gen_random_uuid(), r.id, c.id, c.n - 1
        FROM r, unnest(${input.signers}::uuid[]) WITH ORDINALITY c(id, n)
      ),`,
      audit: { action: 'signature.requested', data: { documentId, signers: input.signers } },
    });
    const signers = input.signers.map((contactId, position) => ({ contactId, position, signedAt: null }));
    return accountId === null ? null : presentSignature({ id, accountId, documentId, status: 'pending', signers });
  }

  return {
    async requestSignatures(firmId: string, actor: Actor, documentId: string, given: NewSignatures) {
      // Ids in any case: stored and compared in lower case (a repeated signer is one whatever its case).
      const input = { ...given, signers: given.signers.map((id) => id.toLowerCase()) };
      return (
        (await requestInOneStatement(firmId, actor, documentId, input)) ??
        requestInTransaction(firmId, actor, documentId, input)
      );
    },

    async sign(firmId: string, actor: Actor, givenRequestId: string, givenContactId: string) {
      // Compared with the stored ids (lower case); the request's id also names its workflow.
      const requestId = givenRequestId.toLowerCase();
      const contactId = givenContactId.toLowerCase();
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
        // Decided again under the request's lock: a concurrent sign or cancel may have committed meanwhile.
        const status = await lockRequestStatus(tx, 'signature', requestId);
        const now = await tx.signatureSigner.findUniqueOrThrow({ where: { id: signer.id } });
        if (now.signedAt) return null;
        if (status !== 'pending') throw conflict('request-closed', `The signature request is ${status}`);
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
      return presentSignature(
        updated ??
          (await db.signatureRequest.findFirstOrThrow({
            where: { id: requestId, firmId },
            include: { signers: true },
          })),
      );
    },
  };
}
