// Signature requests against the changes that would leave a signer behind: a contact deleted while a request
// naming it is written (either order, either path of the request), unlinked or moved off the account meanwhile
// (either order), a pending signer moved to another company;
// an archived account's requests withdrawn; ids in any case.
import { useStackWithFirm, eventually, sleep, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts, archiveAccount } from './support/fixtures';
import { holdInTransaction, untilWaitingForLocks } from './support/holds';

const ctx = useStackWithFirm({ daySeconds: 1 });
let stack: Stack;
let firm: FirmHandle;
beforeAll(() => ({ stack, firm } = ctx));

const PENDING_SIGNATURE = 'https://nudge.dev/problems/pending-signature';

async function document(contacts = 2) {
  const acc = await accountWithContacts(
    firm,
    Array.from({ length: contacts }, () => ({})),
  );
  const doc = await firm.call('POST', `/v1/accounts/${acc.accountId}/documents`, { name: 'Deed' });
  expect(doc.status).toBe(201);
  return { ...acc, documentId: doc.body.id as string };
}

const requestSignatures = (documentId: string, signers: string[]) =>
  firm.call('POST', `/v1/documents/${documentId}/signature-requests`, { signers, reminders: { enabled: false } });

/** A contact deletion that has passed its pending-signature check and waits on its next write until released
 * (`waiting`: the statements that wait for a lock once it does, itself included). */
async function deletionUnderWay(contactId: string, waiting = 1) {
  const release = await holdInTransaction(stack.db, (tx) =>
    tx.$executeRawUnsafe('LOCK TABLE "PortalTodo" IN EXCLUSIVE MODE'),
  );
  const deleted = firm.call('DELETE', `/v1/contacts/${contactId}`);
  await untilWaitingForLocks(stack.db, waiting);
  return { release, deleted };
}

/** A request whose statement has locked its signers and their links, and waits on its document's foreign-key check
 * until released. */
async function requestUnderWay(documentId: string, signers: string[]) {
  const release = await holdInTransaction(
    stack.db,
    (tx) => tx.$executeRaw`SELECT 1 FROM "Document" WHERE id = ${documentId}::uuid FOR UPDATE`,
  );
  const request = requestSignatures(documentId, signers);
  await untilWaitingForLocks(stack.db, 1);
  return { release, request };
}

const signersOf = async (requestId: string) =>
  (await stack.db.signatureSigner.findMany({ where: { requestId }, select: { contactId: true } }))
    .map((s) => s.contactId)
    .sort();

test('a contact deleted while a request names it: the request waits, then finds it gone (422), nothing written', async () => {
  const d = await document();
  const [c, other] = d.contacts;
  const { release, deleted } = await deletionUnderWay(c.id);
  const request = requestSignatures(d.documentId, [c.id, other.id]);
  await untilWaitingForLocks(stack.db, 2); // the request waits for the deletion's lock on the contact
  await release();
  const [del, req] = await Promise.all([deleted, request]);
  // Before: the request was written at once (201), and the deletion then took its signer away (200).
  expect([del.status, req.status]).toEqual([200, 422]);
  expect(req.body.errors).toEqual([{ field: 'body.signers', message: expect.stringContaining(c.id) }]);
  expect(await stack.db.signatureRequest.count({ where: { documentId: d.documentId } })).toBe(0);
});

test('a request written while a contact deletion starts: the deletion waits, then refuses 409 pending-signature', async () => {
  const d = await document();
  const [c, other] = d.contacts;
  const { release, request } = await requestUnderWay(d.documentId, [c.id, other.id]);
  const deleted = firm.call('DELETE', `/v1/contacts/${c.id}`);
  await untilWaitingForLocks(stack.db, 2); // the deletion waits for the request's lock on its signer
  await release();
  const [req, del] = await Promise.all([request, deleted]);
  // Before: the deletion went first (200) and the request's own foreign-key check then failed (500).
  expect([req.status, del.status, del.body.type]).toEqual([201, 409, PENDING_SIGNATURE]);
  expect(del.body.detail).toContain(req.body.id);
  expect(await signersOf(req.body.id)).toEqual([c.id, other.id].sort());
  expect(await stack.db.contact.count({ where: { id: c.id } })).toBe(1);
});

/** A change of the contact's links (an unlink, a move) that has removed the link and waits on its next write. */
async function linkChangeUnderWay(change: () => Promise<{ status: number; body: any }>) {
  const release = await holdInTransaction(stack.db, (tx) =>
    tx.$executeRawUnsafe('LOCK TABLE "PortalTodo" IN EXCLUSIVE MODE'),
  );
  const changed = change();
  await untilWaitingForLocks(stack.db, 1);
  return { release, changed };
}

test.each([
  [
    'unlinked',
    (d: { accountId: string }, c: string) => firm.call('DELETE', `/v1/accounts/${d.accountId}/contacts/${c}`),
  ],
  [
    'moved',
    async (_d: unknown, c: string) => {
      const to = (await firm.call('POST', '/v1/accounts', { name: 'New Co', type: 'company' })).body.id;
      return firm.call('POST', `/v1/contacts/${c}/move`, { toAccountId: to });
    },
  ],
])('a contact %s while a request names it: the request waits, then finds it gone (422)', async (_how, change) => {
  const d = await document(3);
  const [c, other] = d.contacts;
  const { release, changed } = await linkChangeUnderWay(() => change(d, c.id));
  const request = requestSignatures(d.documentId, [c.id, other.id]);
  await untilWaitingForLocks(stack.db, 2); // the request waits for the unlink's lock on the link, or the move's on the contact
  await release();
  const [change_, req] = await Promise.all([changed, request]);
  // Before: the request was written from its statement's snapshot (201), naming a signer no longer of the account.
  expect([change_.status < 300, req.status]).toEqual([true, 422]);
  expect(req.body.errors).toEqual([{ field: 'body.signers', message: expect.stringContaining(c.id) }]);
  expect(await stack.db.signatureRequest.count({ where: { documentId: d.documentId } })).toBe(0);
});

test('a request written while an unlink of its signer starts: the unlink waits, then refuses 409 pending-signature', async () => {
  const d = await document(3);
  const [c, other] = d.contacts;
  const { release, request } = await requestUnderWay(d.documentId, [c.id, other.id]);
  const unlinked = firm.call('DELETE', `/v1/accounts/${d.accountId}/contacts/${c.id}`);
  await untilWaitingForLocks(stack.db, 2); // the unlink waits for the request's lock on the link
  await release();
  const [req, unlink] = await Promise.all([request, unlinked]);
  // Before: the unlink went at once (200), and the request then named a signer no longer of the account.
  expect([req.status, unlink.status, unlink.body.type]).toEqual([201, 409, PENDING_SIGNATURE]);
  expect(await stack.db.accountContact.count({ where: { accountId: d.accountId, contactId: c.id } })).toBe(1);
});

test('the request’s usual transaction also waits for a contact deletion under way, and refuses the contact it removed', async () => {
  const d = await document();
  const [c] = d.contacts;
  const elsewhere = await accountWithContacts(firm);
  const newcomer = elsewhere.contacts[0].id;
  // The newcomer's link to the account is being written (under the account's lock, as a link is): the request's
  // one statement does not see it yet and writes nothing, and its transaction waits for the account.
  const linked = await holdInTransaction(stack.db, async (tx) => {
    await tx.$executeRaw`SELECT 1 FROM "Account" WHERE id = ${d.accountId}::uuid FOR NO KEY UPDATE`;
    await tx.accountContact.create({ data: { accountId: d.accountId, contactId: newcomer } });
  });
  const request = requestSignatures(d.documentId, [c.id, newcomer]);
  await untilWaitingForLocks(stack.db, 1); // its transaction waits for the account
  const { release, deleted } = await deletionUnderWay(c.id, 2);
  await linked();
  await sleep(300);
  await release();
  const [req, del] = await Promise.all([request, deleted]);
  // Before: the transaction read c's link before the deletion committed (201), which then took the signer away.
  expect([del.status, req.status]).toEqual([200, 422]);
  expect(req.body.errors).toEqual([{ field: 'body.signers', message: expect.stringContaining(c.id) }]);
  expect(await stack.db.signatureRequest.count({ where: { documentId: d.documentId } })).toBe(0);
});

test('a signer still to sign cannot be moved off the request’s account (409 pending-signature), nothing written', async () => {
  const d = await document();
  const [c, other] = d.contacts;
  const req = await requestSignatures(d.documentId, [c.id, other.id]);
  expect(req.status).toBe(201);
  const to = (await firm.call('POST', '/v1/accounts', { name: 'New Co', type: 'company' })).body.id;
  const moved = await firm.call('POST', `/v1/contacts/${c.id}/move`, { toAccountId: to });
  expect([moved.status, moved.body.type]).toEqual([409, PENDING_SIGNATURE]);
  expect(moved.body.detail).toContain(req.body.id);
  const links = await stack.db.accountContact.findMany({ where: { contactId: c.id }, select: { accountId: true } });
  expect(links).toEqual([{ accountId: d.accountId }]);
  expect(await stack.db.auditEvent.count({ where: { contactId: c.id, action: { startsWith: 'contact.moved' } } })).toBe(
    0,
  );
  // Once it has signed, it moves.
  expect((await firm.call('POST', `/v1/signature-requests/${req.body.id}/signers/${c.id}/sign`, {})).status).toBe(200);
  expect((await firm.call('POST', `/v1/contacts/${c.id}/move`, { toAccountId: to })).status).toBe(200);
});

test('an archived account’s requests are not withdrawn by the firm (409 account-archived); restored, they are', async () => {
  const d = await document(1);
  const [c] = d.contacts;
  const approval = await firm.call('POST', `/v1/documents/${d.documentId}/approval-requests`, {});
  const signature = await requestSignatures(d.documentId, [c.id]);
  await archiveAccount(firm, stack.db, d.accountId);
  const cancels = [
    await firm.call('POST', `/v1/approval-requests/${approval.body.id}/cancel`, {}),
    await firm.call('POST', `/v1/signature-requests/${signature.body.id}/cancel`, {}),
  ];
  expect(cancels.map((r) => [r.status, r.body.type])).toEqual(
    cancels.map(() => [409, 'https://nudge.dev/problems/account-archived']),
  );
  expect((await stack.db.approvalRequest.findUniqueOrThrow({ where: { id: approval.body.id } })).status).toBe(
    'pending',
  );
  expect((await stack.db.signatureRequest.findUniqueOrThrow({ where: { id: signature.body.id } })).status).toBe(
    'pending',
  );
  expect(
    await stack.db.auditEvent.count({ where: { accountId: d.accountId, action: { endsWith: '.cancelled' } } }),
  ).toBe(0);
  const restore = await firm.call('POST', '/v1/bulk-actions', {
    action: { kind: 'restore' },
    selection: { accountIds: [d.accountId] },
  });
  expect(restore.status).toBe(202);
  await eventually(
    async () => (await stack.db.account.findUniqueOrThrow({ where: { id: d.accountId } })).status === 'active',
    20_000,
    'restored',
  );
  const cancelled = await firm.call('POST', `/v1/approval-requests/${approval.body.id}/cancel`, {});
  expect(cancelled.body).toEqual({ id: approval.body.id, status: 'cancelled' });
  // Both actions finished (the restore re-arms the requests after the account is active): none left running.
  await eventually(
    async () => (await stack.db.bulkAction.count({ where: { firmId: firm.firmId, finishedAt: null } })) === 0,
    20_000,
    'the bulk actions finished',
  );
});

test('ids are taken in any case: signers, the signer who signs, the approver and the request withdrawn', async () => {
  const d = await document();
  const [a, b] = d.contacts;
  const upper = (id: string) => id.toUpperCase();
  const dup = await requestSignatures(d.documentId, [a.id, upper(a.id)]);
  expect(dup.status).toBe(422);
  expect(dup.body.errors).toEqual([{ field: 'body.signers', message: 'each signer may appear once' }]);

  const req = await requestSignatures(d.documentId, [upper(a.id), upper(b.id)]);
  expect(req.status).toBe(201);
  expect(req.body.signers.map((s: any) => s.contactId)).toEqual([a.id, b.id]);
  const requested = await stack.db.auditEvent.findFirstOrThrow({
    where: { itemId: req.body.id, action: 'signature.requested' },
  });
  expect(requested.data).toMatchObject({ signers: [a.id, b.id] });
  for (const c of [a, b]) {
    const signed = await firm.call(
      'POST',
      `/v1/signature-requests/${upper(req.body.id)}/signers/${upper(c.id)}/sign`,
      {},
    );
    expect(signed.status).toBe(200);
  }
  expect((await stack.db.signatureRequest.findUniqueOrThrow({ where: { id: req.body.id } })).status).toBe('signed');
  const signedBy = await stack.db.auditEvent.findMany({
    where: { itemId: req.body.id, action: { in: ['signature.signed', 'signature.completed'] } },
    select: { actorId: true },
  });
  expect(signedBy.map((e) => e.actorId).sort()).toEqual([a.id, b.id].sort());

  const approval = await firm.call('POST', `/v1/documents/${d.documentId}/approval-requests`, {});
  const approved = await firm.call('POST', `/v1/approval-requests/${upper(approval.body.id)}/approve`, {
    contactId: upper(a.id),
  });
  expect([approved.status, approved.body.status]).toEqual([200, 'approved']);
  const entry = await stack.db.auditEvent.findFirstOrThrow({
    where: { itemId: approval.body.id, action: 'approval.approved' },
  });
  expect(entry.actorId).toBe(a.id);

  // The withdrawn request's workflow (named by the stored id) hears of it and stops.
  const other = await firm.call('POST', `/v1/documents/${d.documentId}/approval-requests`, {
    reminders: { enabled: true, intervalDays: 1, count: 5 },
  });
  const cancel = await firm.call('POST', `/v1/approval-requests/${upper(other.body.id)}/cancel`, {});
  expect(cancel.body).toEqual({ id: other.body.id, status: 'cancelled' });
  await eventually(
    async () =>
      (await firm.call('GET', `/v1/approval-requests/${other.body.id}/reminders`)).body.workflow?.status ===
      'completed',
    10_000,
    'the withdrawn request’s workflow completed',
  );
  // Every workflow call delivered before the stack closes its Temporal connection: the last signature's signal,
  // sent as its workflow closes, is retried after a pause, and would fire on the closed connection.
  await eventually(
    async () => (await stack.db.outboxMessage.count({ where: { firmId: firm.firmId } })) === 0,
    15_000,
    'the workflow calls delivered',
  );
});
