// Signature and approval reminders, recipient rules and "request approval for all pending", end to end.
import { useStackWithFirm, remindersTo, eventually, sleep, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts, archiveAccount, firmUser, type ContactSpec } from './support/fixtures';
import { withAuditHeld } from './support/holds';

const ctx = useStackWithFirm({ daySeconds: 1 });
let stack: Stack;
let firm: FirmHandle;
beforeAll(() => ({ stack, firm } = ctx));

const reminders = (address: string) => remindersTo(stack.smtp, address);
/** A request's reminder state once its workflow ended: after that no reminder can go. */
const ended = (path: string) =>
  eventually(
    async () => {
      const res = await firm.call('GET', `${path}/reminders`);
      return res.body.workflow?.status === 'completed' && res.body;
    },
    10_000,
    `${path}: reminders ended`,
  );

async function document(specs: ContactSpec[] = [{}]) {
  const acc = await accountWithContacts(firm, specs);
  const doc = await firm.call('POST', `/v1/accounts/${acc.accountId}/documents`, { name: 'Tax return 2025' });
  expect(doc.status).toBe(201);
  return { ...acc, documentId: doc.body.id as string };
}

test('signatures: partial signing narrows the recipients, settings change after a signer signed, full signing stops', async () => {
  const d = await document([{}, {}]);
  const [a, b] = d.contacts;
  // Three reminder days between reminders: room on a loaded machine for a signature or a change to land
  // before the next one is due.
  const req = await firm.call('POST', `/v1/documents/${d.documentId}/signature-requests`, {
    signers: [a.id, b.id],
    reminders: { enabled: true, intervalDays: 3, count: 3 },
  });
  expect(req.status).toBe(201);
  await stack.smtp.waitFor((m) => m.to.includes(a.address) && /to sign/.test(m.subject));
  await stack.smtp.waitFor((m) => m.to.includes(b.address) && /to sign/.test(m.subject));

  expect((await firm.call('POST', `/v1/signature-requests/${req.body.id}/signers/${a.id}/sign`, {})).status).toBe(200);
  // Settings may change after some signers signed.
  expect((await firm.call('PUT', `/v1/signature-requests/${req.body.id}/reminder-settings`, { count: 2 })).status).toBe(
    200,
  );
  await eventually(async () => reminders(b.address).length === 2, 15_000, 'two reminders to the remaining signer');
  expect(reminders(a.address)).toHaveLength(0);

  const state = await ended(`/v1/signature-requests/${req.body.id}`);
  expect(state.recipients.find((r: any) => r.contactId === a.id)).toMatchObject({
    included: false,
    reason: 'already_signed',
  });
  expect(state.workflow).toMatchObject({ status: 'completed', stopReason: 'count_reached', remindersSent: 2 });

  // Raising the count re-arms; signing stops it for good.
  await firm.call('PUT', `/v1/signature-requests/${req.body.id}/reminder-settings`, { count: 5 });
  await eventually(async () => reminders(b.address).length === 3, 10_000, 'third reminder');
  const signed = await firm.call('POST', `/v1/signature-requests/${req.body.id}/signers/${b.id}/sign`, {});
  expect(signed.body.status).toBe('signed');
  const done = await ended(`/v1/signature-requests/${req.body.id}`);
  expect(reminders(b.address)).toHaveLength(3);
  expect(done.doneReason).toBe('signed');
});

test('approvals: approving stops reminders; a second approve changes nothing', async () => {
  const d = await document();
  const [c] = d.contacts;
  const req = await firm.call('POST', `/v1/documents/${d.documentId}/approval-requests`, {
    reminders: { enabled: true, intervalDays: 3, count: 5 }, // the approve lands within the 3 s to the next
  });
  await eventually(async () => reminders(c.address).length === 1, 15_000, 'first reminder');
  expect((await firm.call('POST', `/v1/approval-requests/${req.body.id}/approve`, { contactId: c.id })).status).toBe(
    200,
  );
  expect((await firm.call('POST', `/v1/approval-requests/${req.body.id}/approve`, { contactId: c.id })).status).toBe(
    200,
  );
  // Its workflow ended (at once, or at the next due time had the signal been lost): no reminder more.
  expect((await ended(`/v1/approval-requests/${req.body.id}`)).doneReason).toBe('approved');
  expect(reminders(c.address)).toHaveLength(1);
  const resend = await firm.call('POST', `/v1/approval-requests/${req.body.id}/resend`, {});
  expect(resend.status).toBe(409);
  expect(resend.body.type).toMatch(/item-not-pending/);
});

test('requesting approval: settings over the firm’s approval policy, one request per Idempotency-Key, refusals write nothing', async () => {
  const f = await stack.newFirm();
  const { accountId, contacts } = await accountWithContacts(f);
  const doc = await f.call('POST', `/v1/accounts/${accountId}/documents`, { name: 'Payroll 2025' });
  const policy = { enabled: false, intervalDays: 9, count: 4, sendWindow: 'anytime', apply: 'none' };
  expect((await f.call('PUT', '/v1/reminder-policy/approval', policy)).status).toBe(200);
  const request = (body: unknown, opts?: { idempotencyKey?: string; as?: string }) =>
    f.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, body, opts);
  const settingsOf = (itemId: string) =>
    stack.db.reminderSettings.findUniqueOrThrow({ where: { itemKind_itemId: { itemKind: 'approval', itemId } } });
  const approvals = () => stack.db.approvalRequest.count({ where: { documentId: doc.body.id } });

  // What the request leaves out comes from the policy, and the policy's send-window rule comes with it.
  const own = await request({ message: 'Please approve', reminders: { count: 2 } });
  expect(own.status).toBe(201);
  expect(own.body).toMatchObject({ accountId, documentId: doc.body.id, status: 'pending', message: 'Please approve' });
  expect(await settingsOf(own.body.id)).toMatchObject({
    enabled: false,
    intervalDays: 9,
    count: 2,
    source: 'own',
    sendWindow: 'anytime',
  });
  const following = await request({});
  expect(await settingsOf(following.body.id)).toMatchObject({ intervalDays: 9, count: 4, source: 'policy' });

  // A retried request under the same key answers the same request and writes no second one.
  const first = await request({}, { idempotencyKey: 'approve-payroll' });
  const again = await request({}, { idempotencyKey: 'approve-payroll' });
  expect([first.status, again.status, again.body.id]).toEqual([201, 201, first.body.id]);
  expect(await approvals()).toBe(3);
  const audited = await stack.db.auditEvent.count({ where: { action: 'approval.requested', itemId: first.body.id } });
  expect(audited).toBe(1);
  // One notification per request: three.
  await eventually(async () => stack.smtp.to(contacts[0].address).length >= 3, 15_000, 'the notifications');
  await sleep(1000);
  expect(stack.smtp.to(contacts[0].address)).toHaveLength(3);

  // No such document, no right to its account, bad settings: the usual refusals, nothing written.
  const employee = await firmUser(f, 'Erin Employee');
  const missing = await f.call('POST', `/v1/documents/${accountId}/approval-requests`, {});
  const forbidden = await request({}, { as: employee });
  const bad = await request({ reminders: { count: 0 } });
  expect([missing.status, forbidden.status, bad.status]).toEqual([404, 403, 422]);
  expect(await approvals()).toBe(3);
});

test('requesting signatures: signers in their order, settings over the firm’s policy, an unlinked signer writes nothing', async () => {
  const f = await stack.newFirm();
  const { accountId, contacts } = await accountWithContacts(f, [{}, {}]);
  const other = await accountWithContacts(f);
  const doc = await f.call('POST', `/v1/accounts/${accountId}/documents`, { name: 'Engagement letter' });
  const policy = { enabled: false, intervalDays: 6, count: 2, sendWindow: 'firm', apply: 'none' };
  expect((await f.call('PUT', '/v1/reminder-policy/signature', policy)).status).toBe(200);
  const signers = [contacts[1].id, contacts[0].id];
  const req = await f.call('POST', `/v1/documents/${doc.body.id}/signature-requests`, { signers });
  expect(req.status).toBe(201);
  expect(req.body).toMatchObject({ accountId, documentId: doc.body.id, status: 'pending' });
  expect(req.body.signers).toEqual(signers.map((contactId) => ({ contactId, signedAt: null })));
  const rows = await stack.db.signatureSigner.findMany({
    where: { requestId: req.body.id },
    orderBy: { position: 'asc' },
  });
  expect(rows.map((r) => [r.contactId, r.position])).toEqual([
    [signers[0], 0],
    [signers[1], 1],
  ]);
  const settings = await stack.db.reminderSettings.findUniqueOrThrow({
    where: { itemKind_itemId: { itemKind: 'signature', itemId: req.body.id } },
  });
  expect(settings).toMatchObject({ enabled: false, intervalDays: 6, count: 2, source: 'policy' });
  const audit = await stack.db.auditEvent.findFirstOrThrow({ where: { itemId: req.body.id } });
  expect(audit).toMatchObject({ action: 'signature.requested', data: { documentId: doc.body.id, signers } });
  await stack.smtp.waitFor((m) => m.to.includes(contacts[0].address) && /to sign/.test(m.subject));

  const refused = await f.call('POST', `/v1/documents/${doc.body.id}/signature-requests`, {
    signers: [contacts[0].id, other.contacts[0].id],
  });
  expect(refused.status).toBe(422);
  expect(refused.body.errors).toEqual([{ field: 'body.signers', message: expect.stringMatching(/not linked/) }]);
  expect(await stack.db.signatureRequest.count({ where: { documentId: doc.body.id } })).toBe(1);
});

test('recipient rules: notify off and category off get nothing; a pending login gets the activation banner', async () => {
  const d = await document([
    { login: 'pending' },
    { notify: false },
    { preferences: { approvals: false } },
    { login: 'off' },
  ]);
  const [pending, notifyOff, categoryOff, noLogin] = d.contacts;
  const req = await firm.call('POST', `/v1/documents/${d.documentId}/approval-requests`, {
    reminders: { enabled: true, intervalDays: 1, count: 1 },
  });
  await eventually(
    async () => reminders(pending.address).length === 1 && reminders(noLogin.address).length === 1,
    8000,
    'reminders',
  );
  await sleep(500);
  expect(stack.smtp.to(notifyOff.address)).toHaveLength(0);
  expect(stack.smtp.to(categoryOff.address)).toHaveLength(0);
  const [mail] = reminders(pending.address);
  expect(mail.raw).toMatch(/Activate your account/);
  expect(reminders(noLogin.address)[0].raw).not.toMatch(/Activate your account/);

  const state = await firm.call('GET', `/v1/approval-requests/${req.body.id}/reminders`);
  const byId = Object.fromEntries(state.body.recipients.map((r: any) => [r.contactId, r]));
  expect(byId[pending.id]).toMatchObject({ included: true, activationBanner: true });
  expect(byId[notifyOff.id]).toMatchObject({ included: false, reason: 'notify_off' });
  expect(byId[categoryOff.id]).toMatchObject({ included: false, reason: 'category_off' });
  // Portal to-dos only for portal users (login pending or active).
  expect((await firm.call('GET', `/v1/contact-emails/${pending.emailId}/todos`)).body).toHaveLength(1);
  expect((await firm.call('GET', `/v1/contact-emails/${noLogin.emailId}/todos`)).body).toHaveLength(0);
});

test('a preference switched off mid-flight takes effect on the next reminder', async () => {
  const d = await document([{}]);
  const [c] = d.contacts;
  const req = await firm.call('POST', `/v1/documents/${d.documentId}/approval-requests`, {
    reminders: { enabled: true, intervalDays: 3, count: 3 }, // the change lands within the 3 s to the next
  });
  await eventually(async () => reminders(c.address).length === 1, 15_000, 'first reminder');
  expect(
    (await firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, { preferences: { approvals: false } })).status,
  ).toBe(200);
  // Once the next reminder went (to nobody), not before a fixed time that a slow machine might not reach.
  await eventually(
    async () =>
      (await firm.call('GET', `/v1/approval-requests/${req.body.id}/reminders`)).body.workflow?.remindersSent >= 2,
    10_000,
    'the second reminder',
  );
  expect(reminders(c.address)).toHaveLength(1);
});

test('a contact the firm marked inactive gets no notification or reminder; made active again, the next', async () => {
  const d = await document([{}, {}]);
  const [active, inactive] = d.contacts;
  const activation = (on: boolean) =>
    firm.call('POST', '/v1/contacts/activation', { contactIds: [inactive.id], active: on });
  expect((await activation(false)).status).toBe(200);
  const req = await firm.call('POST', `/v1/documents/${d.documentId}/approval-requests`, {
    reminders: { enabled: true, intervalDays: 3, count: 3 },
  });
  await eventually(async () => reminders(active.address).length === 1, 15_000, 'first reminder');
  expect(stack.smtp.to(inactive.address)).toHaveLength(0);
  const state = await firm.call('GET', `/v1/approval-requests/${req.body.id}/reminders`);
  const byId = Object.fromEntries(state.body.recipients.map((r: any) => [r.contactId, r]));
  expect(byId[active.id]).toMatchObject({ included: true, reason: null });
  expect(byId[inactive.id]).toMatchObject({ included: false, reason: 'contact_inactive' });
  expect((await activation(true)).status).toBe(200);
  await eventually(async () => reminders(inactive.address).length === 1, 15_000, 'the next reminder');
  expect(stack.smtp.to(inactive.address)).toHaveLength(1);
});

test('an account with no linked email says so in its reminder state', async () => {
  const acc = await firm.call('POST', '/v1/accounts', { name: 'Lonely Ltd', type: 'company' });
  const doc = await firm.call('POST', `/v1/accounts/${acc.body.id}/documents`, { name: 'Contract' });
  const req = await firm.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, {});
  const state = await eventually(
    async () => {
      const s = await firm.call('GET', `/v1/approval-requests/${req.body.id}/reminders`);
      return s.body.workflow?.status === 'completed' && s;
    },
    5000,
    'workflow end',
  );
  expect(state.body).toMatchObject({ warning: 'no_linked_email', recipients: [] });
  expect(state.body.dispatches).toEqual([expect.objectContaining({ kind: 'notification', recipients: 0 })]);
});

test('request approval for all pending: one manual reminder per pending approval of the account', async () => {
  const d = await document([{}]);
  const [c] = d.contacts;
  const r1 = await firm.call('POST', `/v1/documents/${d.documentId}/approval-requests`, {});
  const r2 = await firm.call('POST', `/v1/documents/${d.documentId}/approval-requests`, {});
  const r3 = await firm.call('POST', `/v1/documents/${d.documentId}/approval-requests`, {});
  await eventually(async () => stack.smtp.to(c.address).length === 3, 5000, 'notifications');
  await firm.call('POST', `/v1/approval-requests/${r3.body.id}/approve`, { contactId: c.id });
  const res = await firm.call(
    'POST',
    '/v1/approval-requests/request-pending',
    { accountId: d.accountId, message: 'Please approve before Friday' },
    { idempotencyKey: `pending-${d.accountId}` },
  );
  expect(res.status).toBe(202);
  expect(res.body.requested).toBe(2);
  await eventually(async () => reminders(c.address).length === 2, 5000, 'two manual reminders');
  expect(reminders(c.address).every((m) => m.raw.includes('Please approve before Friday'))).toBe(true);
  // A retry with the same key sends nothing more.
  await firm.call(
    'POST',
    '/v1/approval-requests/request-pending',
    { accountId: d.accountId, message: 'Please approve before Friday' },
    { idempotencyKey: `pending-${d.accountId}` },
  );
  await sleep(1000);
  expect(reminders(c.address)).toHaveLength(2);
  const audit = await firm.call('GET', `/v1/audit-events?accountId=${d.accountId}&action=item.manual_resend`);
  expect(audit.body.items.map((e: any) => e.itemId).sort()).toEqual([r1.body.id, r2.body.id].sort());
});

test('withdrawing a request stops its reminders and closes its to-dos', async () => {
  const d = await document([{}]);
  const [c] = d.contacts;
  const req = await firm.call('POST', `/v1/documents/${d.documentId}/approval-requests`, {
    reminders: { enabled: true, intervalDays: 3, count: 3 }, // the cancel lands within the 3 s to the first
  });
  await stack.smtp.waitFor((m) => m.to.includes(c.address));
  const cancel = await firm.call('POST', `/v1/approval-requests/${req.body.id}/cancel`, {});
  expect(cancel.body).toEqual({ id: req.body.id, status: 'cancelled' });
  // Its workflow ended (at once, or at the first due time had the signal been lost): no reminder went.
  await ended(`/v1/approval-requests/${req.body.id}`);
  expect(reminders(c.address)).toHaveLength(0);
  expect((await firm.call('GET', `/v1/contact-emails/${c.emailId}/todos`)).body).toHaveLength(0);
  expect((await firm.call('GET', `/v1/approval-requests/${req.body.id}/reminders`)).body).toMatchObject({
    pending: false,
    doneReason: 'cancelled',
    workflow: { status: 'completed' },
  });
});

test('the last two signers signing at once complete the request once', async () => {
  const d = await document([{}, {}]);
  const [a, b] = d.contacts;
  const req = await firm.call('POST', `/v1/documents/${d.documentId}/signature-requests`, { signers: [a.id, b.id] });
  expect(req.status).toBe(201);
  const signs = await withAuditHeld(stack.db, () =>
    Promise.all([a, b].map((c) => firm.call('POST', `/v1/signature-requests/${req.body.id}/signers/${c.id}/sign`, {}))),
  );
  expect(signs.map((s) => s.status)).toEqual([200, 200]);
  const after = await stack.db.signatureRequest.findUniqueOrThrow({ where: { id: req.body.id } });
  expect(after.status).toBe('signed');
  const actions = await stack.db.auditEvent.findMany({
    where: { itemId: req.body.id, action: { startsWith: 'signature.' } },
    select: { action: true },
  });
  expect(actions.map((e) => e.action).sort()).toEqual([
    'signature.completed',
    'signature.requested',
    'signature.signed',
  ]);
});

test('approve and cancel at once: one wins, the other is refused and writes nothing', async () => {
  const d = await document([{}]);
  const [c] = d.contacts;
  const req = await firm.call('POST', `/v1/documents/${d.documentId}/approval-requests`, {});
  const [approve, cancel] = await withAuditHeld(stack.db, () =>
    Promise.all([
      firm.call('POST', `/v1/approval-requests/${req.body.id}/approve`, { contactId: c.id }),
      sleep(150).then(() => firm.call('POST', `/v1/approval-requests/${req.body.id}/cancel`, {})),
    ]),
  );
  expect(approve.status).toBe(200);
  expect(cancel.status).toBe(409);
  expect(cancel.body.type).toMatch(/request-closed/);
  expect((await stack.db.approvalRequest.findUniqueOrThrow({ where: { id: req.body.id } })).status).toBe('approved');
  const actions = await stack.db.auditEvent.findMany({
    where: { itemId: req.body.id, action: { startsWith: 'approval.' } },
    select: { action: true },
  });
  expect(actions.map((e) => e.action).sort()).toEqual(['approval.approved', 'approval.requested']);
  // Two approves at once: one entry.
  const d2 = await document([{}]);
  const req2 = await firm.call('POST', `/v1/documents/${d2.documentId}/approval-requests`, {});
  const approves = await withAuditHeld(stack.db, () =>
    Promise.all(
      [0, 1].map(() =>
        firm.call('POST', `/v1/approval-requests/${req2.body.id}/approve`, { contactId: d2.contacts[0].id }),
      ),
    ),
  );
  expect(approves.map((r) => r.status)).toEqual([200, 200]);
  const approvedEntries = await stack.db.auditEvent.count({
    where: { itemId: req2.body.id, action: 'approval.approved' },
  });
  expect(approvedEntries).toBe(1);
});

test('an archived account is read-only for the firm: no new thread, message, document or request; a client reply is kept', async () => {
  const d = await document([{}]);
  const [c] = d.contacts;
  const thread = await firm.call('POST', `/v1/accounts/${d.accountId}/chat-threads`, { subject: 'Before' });
  expect(thread.status).toBe(201);
  await archiveAccount(firm, stack.db, d.accountId);
  const counts = async () =>
    Promise.all([
      stack.db.chatThread.count({ where: { accountId: d.accountId } }),
      stack.db.document.count({ where: { accountId: d.accountId } }),
      stack.db.approvalRequest.count({ where: { accountId: d.accountId } }),
      stack.db.signatureRequest.count({ where: { accountId: d.accountId } }),
      stack.db.chatMessage.count({ where: { threadId: thread.body.id } }),
    ]);
  const before = await counts();
  const refused = [
    await firm.call('POST', `/v1/accounts/${d.accountId}/chat-threads`, { subject: 'After' }),
    await firm.call('POST', `/v1/chat-threads/${thread.body.id}/messages`, { author: 'firm', body: 'Hello?' }),
    await firm.call('POST', `/v1/accounts/${d.accountId}/documents`, { name: 'Late' }),
    await firm.call('POST', `/v1/documents/${d.documentId}/approval-requests`, {}),
    await firm.call('POST', `/v1/documents/${d.documentId}/signature-requests`, { signers: [c.id] }),
  ];
  expect(refused.map((r) => [r.status, r.body.type])).toEqual(
    refused.map(() => [409, 'https://nudge.dev/problems/account-archived']),
  );
  expect(await counts()).toEqual(before);
  const reply = await firm.call('POST', `/v1/chat-threads/${thread.body.id}/messages`, {
    author: 'client',
    contactId: c.id,
    body: 'Sent by post',
  });
  expect(reply.status).toBe(201);
});

test('request approval for all pending failing part-way writes nothing; its retry under the key requests each once', async () => {
  const d = await document([{}]);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++)
    ids.push((await firm.call('POST', `/v1/documents/${d.documentId}/approval-requests`, {})).body.id);
  // The second resend fails inside the database, as a constraint or a lost connection would.
  await stack.db.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION fail_second_resend() RETURNS trigger AS $$
    BEGIN IF NEW."itemId" = '${ids[1]}'::uuid THEN RAISE EXCEPTION 'injected'; END IF; RETURN NEW; END $$
    LANGUAGE plpgsql`);
  await stack.db.$executeRawUnsafe(
    'CREATE TRIGGER fail_second_resend BEFORE INSERT ON "ManualResend" FOR EACH ROW EXECUTE FUNCTION fail_second_resend()',
  );
  const call = () =>
    firm.call(
      'POST',
      '/v1/approval-requests/request-pending',
      { accountId: d.accountId },
      { idempotencyKey: `part-way-${d.accountId}` },
    );
  try {
    expect((await call()).status).toBeGreaterThanOrEqual(500);
    expect(await stack.db.manualResend.count({ where: { accountId: d.accountId } })).toBe(0);
  } finally {
    await stack.db.$executeRawUnsafe('DROP TRIGGER fail_second_resend ON "ManualResend"');
  }
  const retry = await call();
  expect(retry.status).toBe(202);
  expect(retry.body.requested).toBe(3);
  const resends = await stack.db.manualResend.findMany({ where: { accountId: d.accountId }, select: { itemId: true } });
  expect(resends.map((r) => r.itemId).sort()).toEqual([...ids].sort());
});
