// Contacts on the real stack: edit, several emails, per-email toggles and preferences, links to several
// accounts, unlink (never the last contact), permanent delete (reminders to it stop), permissions, and
// bad input answered 4xx with nothing written.
import { randomUUID } from 'node:crypto';
import { useStackWithFirm, eventually, remindersTo, sleep, type FirmHandle } from './support/stack';
import { accountWithContacts, firmUser } from './support/fixtures';
import { holdInTransaction, untilWaitingForLocks } from './support/holds';
import { rowCounter, expectRefused, type BadInputCase } from './support/bad-input';
import { reminderWorkflowId } from '../shared/contracts/item-reminder';

const ctx = useStackWithFirm({ daySeconds: 1 });

const TABLES = [
  'contact',
  'contactEmail',
  'accountContact',
  'invitation',
  'portalTodo',
  'loginEvent',
  'auditEvent',
  'outboundEmail',
  'idempotencyRecord',
] as const;
const rowCounts = rowCounter(() => ctx.stack.db, TABLES);
const addr = (tag: string) => `${tag}-${randomUUID()}@client.test`;

test('a contact’s name, phone, address and custom fields can be changed', async () => {
  const { contacts } = await accountWithContacts(ctx.firm);
  await ctx.stack.db.customFieldDefinition.create({
    data: {
      firmId: ctx.firm.firmId,
      entity: 'contact',
      key: `taxCode${contacts[0].id.slice(0, 4)}`,
      label: 'Tax code',
      type: 'text',
    },
  });
  const key = `taxCode${contacts[0].id.slice(0, 4)}`;
  const res = await ctx.firm.call('PATCH', `/v1/contacts/${contacts[0].id}`, {
    firstName: 'Carlotta',
    phone: '+39 02 1234',
    address: { line1: 'Via Roma 1', city: 'Milano', country: 'IT' },
    customFields: { [key]: 'RSSMRA80A01F205X' },
  });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    firstName: 'Carlotta',
    lastName: 'Client 0',
    phone: '+39 02 1234',
    address: { city: 'Milano' },
    customFields: { [key]: 'RSSMRA80A01F205X' },
  });
  const cleared = await ctx.firm.call('PATCH', `/v1/contacts/${contacts[0].id}`, {
    phone: null,
    address: null,
    customFields: { [key]: null },
  });
  expect(cleared.body).toMatchObject({ phone: null, address: null, customFields: {} });
  const trail = await ctx.stack.db.auditEvent.count({
    where: { contactId: contacts[0].id, action: 'contact.updated' },
  });
  expect(trail).toBe(2);
});

test('emails are added, toggled one by one, changed and removed; the last one stays', async () => {
  const { contacts } = await accountWithContacts(ctx.firm, [{ login: 'off' }]);
  const c = contacts[0];
  const second = await ctx.firm.call('POST', `/v1/contacts/${c.id}/emails`, {
    address: addr('Second').toUpperCase(),
    notify: false,
  });
  expect(second.status).toBe(201);
  expect(second.body).toMatchObject({ contactId: c.id, login: 'off', notify: false, emailSync: false });
  expect(second.body.address).toBe(second.body.address.toLowerCase());

  const toggled = await ctx.firm.call('PATCH', `/v1/contact-emails/${second.body.id}`, {
    notify: true,
    emailSync: true,
    preferences: { signatures: false, invoices: false },
  });
  expect(toggled.status).toBe(200);
  expect(toggled.body).toMatchObject({ notify: true, emailSync: true });
  expect(toggled.body.preferences).toEqual({
    documentUploads: true,
    signatures: false,
    approvals: true,
    messages: true,
    proposals: true,
    questionnaires: true,
    invoices: false,
    clientRequests: true,
  });
  // The other email keeps its own toggles.
  const contact = await ctx.firm.call('GET', `/v1/contacts/${c.id}`);
  const first = contact.body.emails.find((e: { id: string }) => e.id === c.emailId);
  expect(first).toMatchObject({ notify: true, emailSync: false, preferences: { signatures: true } });

  const renamed = addr('renamed');
  const changed = await ctx.firm.call('PATCH', `/v1/contact-emails/${second.body.id}`, { address: renamed });
  expect(changed.body).toMatchObject({ address: renamed, notify: true });
  expect(changed.body.invitationId).toBeUndefined(); // login off: nothing to re-send

  expect((await ctx.firm.call('DELETE', `/v1/contact-emails/${c.emailId}`)).status).toBe(204);
  const last = await ctx.firm.call('DELETE', `/v1/contact-emails/${second.body.id}`);
  expect(last.status).toBe(409);
  expect(last.body.type).toBe('https://nudge.dev/problems/last-email');
  expect((await ctx.firm.call('GET', `/v1/contacts/${c.id}`)).body.emails.map((e: { id: string }) => e.id)).toEqual([
    second.body.id,
  ]);
});

test('one contact links to several accounts with per-account description, priority and signing authority', async () => {
  const a = await accountWithContacts(ctx.firm);
  const b = await accountWithContacts(ctx.firm);
  const c = a.contacts[0];
  const link = await ctx.firm.call('PUT', `/v1/accounts/${b.accountId}/contacts/${c.id}`, {
    description: 'Director',
    signerPriority: 1,
    signingAuthority: true,
  });
  expect(link.status).toBe(200);
  const updated = await ctx.firm.call('PUT', `/v1/accounts/${b.accountId}/contacts/${c.id}`, {
    description: 'Managing director',
  });
  expect(updated.body).toMatchObject({ description: 'Managing director', signerPriority: 1, signingAuthority: true });
  const contact = await ctx.firm.call('GET', `/v1/contacts/${c.id}`);
  expect(contact.body.accounts.map((l: { accountId: string }) => l.accountId).sort()).toEqual(
    [a.accountId, b.accountId].sort(),
  );

  // Unlink from b works (b keeps its own contact); a's only contact cannot be unlinked.
  expect((await ctx.firm.call('DELETE', `/v1/accounts/${b.accountId}/contacts/${c.id}`)).status).toBe(204);
  const before = await rowCounts();
  const refused = await ctx.firm.call('DELETE', `/v1/accounts/${a.accountId}/contacts/${c.id}`);
  expect(refused.status).toBe(409);
  expect(refused.body).toMatchObject({
    type: 'https://nudge.dev/problems/last-contact',
    title: 'Cannot unlink the last contact',
  });
  expect(refused.body.detail).toMatch(/at least one contact/);
  expect(await rowCounts()).toEqual(before);
  expect(
    await ctx.stack.db.auditEvent.count({
      where: { accountId: b.accountId, contactId: c.id, action: 'contact.unlinked' },
    }),
  ).toBe(1);
});

test('deleting a contact removes its links, emails, to-dos and invitations, and its reminders stop', async () => {
  const acc = await accountWithContacts(ctx.firm, [{}, {}]);
  const [keep, gone] = acc.contacts;
  const other = await accountWithContacts(ctx.firm);
  await ctx.firm.call('PUT', `/v1/accounts/${other.accountId}/contacts/${gone.id}`, {});
  const extra = await ctx.firm.call('POST', `/v1/contacts/${gone.id}/emails`, { address: addr('extra'), login: 'off' });
  const invite = await ctx.firm.call('POST', `/v1/contact-emails/${extra.body.id}/invitation`, {
    sendAt: new Date(Date.now() + 60_000).toISOString(),
  });

  const thread = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Receipts',
    message: { body: 'Please upload' },
    reminders: { enabled: true, intervalDays: 3, count: 1 },
  });
  expect(thread.status).toBe(201);
  await ctx.stack.smtp.waitFor((m) => m.to.includes(gone.address) && /sent you/.test(m.subject));
  await eventually(
    async () => (await ctx.stack.db.portalTodo.count({ where: { contactEmailId: gone.emailId } })) === 1,
    10_000,
    'to-do',
  );

  const del = await ctx.firm.call('DELETE', `/v1/contacts/${gone.id}`);
  expect(del.status).toBe(200);
  expect(del.body).toMatchObject({ contactId: gone.id, portalTodosRemoved: 2 }); // both emails are portal users (active; pending by invitation)
  expect(del.body.accountIds.sort()).toEqual([acc.accountId, other.accountId].sort());
  const db = ctx.stack.db;
  expect(await db.contact.count({ where: { id: gone.id } })).toBe(0);
  expect(await db.accountContact.count({ where: { contactId: gone.id } })).toBe(0);
  expect(await db.contactEmail.count({ where: { contactId: gone.id } })).toBe(0);
  expect(await db.portalTodo.count({ where: { contactEmailId: { in: [gone.emailId, extra.body.id] } } })).toBe(0);
  expect(await db.invitation.count({ where: { id: invite.body.id } })).toBe(0);
  expect(await ctx.stack.client.workflow.getHandle(`invitation-${invite.body.id}`).result()).toBe('revoked');
  expect(await db.auditEvent.count({ where: { contactId: gone.id, action: 'contact.deleted' } })).toBe(2);
  expect((await ctx.firm.call('GET', `/v1/contacts/${gone.id}`)).status).toBe(404);

  // The remaining contact gets its reminders; the deleted one gets none.
  await eventually(
    async () => remindersTo(ctx.stack.smtp, keep.address).length >= 1,
    15_000,
    'reminder to the remaining contact',
  );
  await sleep(300);
  expect(remindersTo(ctx.stack.smtp, gone.address)).toHaveLength(0);
  // Its reminders over, the thread sends nothing more while later tests count rows ("nothing written").
  await ctx.stack.client.workflow.getHandle(reminderWorkflowId('chat', thread.body.id)).result();
});

test('a contact deleted for good takes its notes alone, its send log’s addresses and subjects, its login events', async () => {
  const acc = await accountWithContacts(ctx.firm, [{}, {}]);
  const gone = acc.contacts[1];
  const db = ctx.stack.db;
  const thread = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Payslips of Mrs Rossi',
    message: { body: 'Please upload' },
    reminders: { enabled: false, intervalDays: 3, count: 1 },
  });
  expect(thread.status).toBe(201);
  await eventually(
    async () => (await db.outboundEmail.count({ where: { contactEmailId: gone.emailId, status: 'sent' } })) === 1,
    15_000,
    'the notification sent',
  );
  const alone = await ctx.firm.call('POST', '/v1/notes', { contactId: gone.id, body: 'Prefers phone calls' });
  const shared = await ctx.firm.call('POST', '/v1/notes', {
    contactId: gone.id,
    accountId: acc.accountId,
    body: 'Signed for the company',
  });
  expect([alone.status, shared.status]).toEqual([201, 201]);
  await db.loginEvent.create({
    data: { firmId: ctx.firm.firmId, contactEmailId: gone.emailId, accountId: acc.accountId },
  });

  expect((await ctx.firm.call('DELETE', `/v1/contacts/${gone.id}`)).status).toBe(200);
  const log = await db.outboundEmail.findMany({ where: { contactEmailId: gone.emailId } });
  expect(log.map((e) => [e.toAddress, e.subject, e.status])).toEqual([['', '', 'sent']]);
  expect(await db.note.count({ where: { id: alone.body.id } })).toBe(0);
  expect(await db.note.count({ where: { id: shared.body.id } })).toBe(1); // on the account's timeline
  expect(await db.loginEvent.count({ where: { contactEmailId: gone.emailId } })).toBe(0);
});

test('linking and unlinking need access to the account', async () => {
  const acc = await accountWithContacts(ctx.firm, [{}, {}]);
  const as = { as: await firmUser(ctx.firm, 'Eve Employee') };
  const before = await rowCounts();
  const link = await ctx.firm.call(
    'PUT',
    `/v1/accounts/${acc.accountId}/contacts/${acc.contacts[0].id}`,
    { description: 'x' },
    as,
  );
  expect(link.status).toBe(403);
  const unlink = await ctx.firm.call(
    'DELETE',
    `/v1/accounts/${acc.accountId}/contacts/${acc.contacts[0].id}`,
    undefined,
    as,
  );
  expect(unlink.status).toBe(403);
  const del = await ctx.firm.call('DELETE', `/v1/contacts/${acc.contacts[0].id}`, undefined, as);
  expect(del.status).toBe(403);
  expect(await rowCounts()).toEqual(before);
});

// Each check below counts or reads, then writes: without a lock two requests at once both pass it.
const ROUNDS = 5;

test('of two unlinks at once, one keeps the account’s last contact: exactly one 409 each round', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const acc = await accountWithContacts(ctx.firm, [{}, {}]);
    const results = await Promise.all(
      acc.contacts.map((c) => ctx.firm.call('DELETE', `/v1/accounts/${acc.accountId}/contacts/${c.id}`)),
    );
    expect({ round, statuses: results.map((r) => r.status).sort() }).toEqual({ round, statuses: [204, 409] });
    expect(results.find((r) => r.status === 409)!.body.type).toBe('https://nudge.dev/problems/last-contact');
    expect(await ctx.stack.db.accountContact.count({ where: { accountId: acc.accountId } })).toBe(1);
  }
});

test('of two email removals at once, one keeps the contact’s last email: exactly one 409 each round', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const { contacts } = await accountWithContacts(ctx.firm, [{ login: 'off' }]);
    const second = await ctx.firm.call('POST', `/v1/contacts/${contacts[0].id}/emails`, { address: addr('second') });
    const results = await Promise.all(
      [contacts[0].emailId, second.body.id].map((id) => ctx.firm.call('DELETE', `/v1/contact-emails/${id}`)),
    );
    expect({ round, statuses: results.map((r) => r.status).sort() }).toEqual({ round, statuses: [204, 409] });
    expect(results.find((r) => r.status === 409)!.body.type).toBe('https://nudge.dev/problems/last-email');
    expect(await ctx.stack.db.contactEmail.count({ where: { contactId: contacts[0].id } })).toBe(1);
  }
});

test('two PATCHes of different custom fields at once both land', async () => {
  const keys = ['a', 'b'].map((k) => `${k}${randomUUID().slice(0, 6)}`);
  for (const key of keys)
    expect(
      (await ctx.firm.call('POST', '/v1/custom-fields', { entity: 'contact', key, label: key, type: 'text' })).status,
    ).toBe(201);
  const { contacts } = await accountWithContacts(ctx.firm);
  for (let round = 0; round < ROUNDS; round++) {
    const results = await Promise.all(
      keys.map((key) =>
        ctx.firm.call('PATCH', `/v1/contacts/${contacts[0].id}`, { customFields: { [key]: `${key}-${round}` } }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    const stored = (await ctx.firm.call('GET', `/v1/contacts/${contacts[0].id}`)).body.customFields;
    expect({ round, stored }).toEqual({ round, stored: Object.fromEntries(keys.map((k) => [k, `${k}-${round}`])) });
  }
});

test('two invitations of one email at once leave one open invitation', async () => {
  const { contacts } = await accountWithContacts(ctx.firm, [{ login: 'off' }]);
  const emailId = contacts[0].emailId;
  const sendAt = new Date(Date.now() + 3_600_000).toISOString(); // scheduled: no email goes meanwhile
  for (let round = 0; round < ROUNDS; round++) {
    const results = await Promise.all(
      [0, 1].map(() => ctx.firm.call('POST', `/v1/contact-emails/${emailId}/invitation`, { sendAt })),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201]);
    const open = await ctx.stack.db.invitation.findMany({
      where: { contactEmailId: emailId, status: { in: ['scheduled', 'sent'] } },
    });
    expect({ round, open: open.length }).toEqual({ round, open: 1 });
  }
  expect(await ctx.stack.db.invitation.count({ where: { contactEmailId: emailId } })).toBe(2 * ROUNDS);
});

test('a signer who has not signed a pending request can be neither deleted nor unlinked from its account', async () => {
  const a = await accountWithContacts(ctx.firm, [{}, {}]);
  const b = await accountWithContacts(ctx.firm, [{}]);
  const signer = a.contacts[1];
  expect((await ctx.firm.call('PUT', `/v1/accounts/${b.accountId}/contacts/${signer.id}`, {})).status).toBe(200);
  const doc = await ctx.firm.call('POST', `/v1/accounts/${b.accountId}/documents`, { name: 'Engagement letter' });
  const request = await ctx.firm.call('POST', `/v1/documents/${doc.body.id}/signature-requests`, {
    signers: [signer.id, b.contacts[0].id],
    reminders: { enabled: false },
  });
  expect(request.status).toBe(201);
  // Its first emails sent, the request writes nothing more in the background (the row counts below stay true).
  for (const { address } of [signer, b.contacts[0]])
    await ctx.stack.smtp.waitFor((m) => m.to.includes(address) && /to sign/.test(m.subject));
  const db = ctx.stack.db;
  const unchanged = async () => ({
    contact: await db.contact.count({ where: { id: signer.id } }),
    links: await db.accountContact.count({ where: { contactId: signer.id } }),
    signers: await db.signatureSigner.count({ where: { requestId: request.body.id } }),
    removals: await db.auditEvent.count({
      where: { contactId: signer.id, action: { in: ['contact.deleted', 'contact.unlinked'] } },
    }),
  });
  const before = await unchanged();
  expect(before).toEqual({ contact: 1, links: 2, signers: 2, removals: 0 });

  for (const [method, path] of [
    ['DELETE', `/v1/contacts/${signer.id}`], // the request is of another account: delete checks them all
    ['DELETE', `/v1/accounts/${b.accountId}/contacts/${signer.id}`],
  ]) {
    const res = await ctx.firm.call(method, path);
    expect({ path, status: res.status, type: res.body?.type }).toEqual({
      path,
      status: 409,
      type: 'https://nudge.dev/problems/pending-signature',
    });
    expect(res.body.detail).toContain(request.body.id);
  }
  expect(await unchanged()).toEqual(before);
  expect((await db.signatureRequest.findUniqueOrThrow({ where: { id: request.body.id } })).status).toBe('pending');

  // Its request of account b does not hold its link to a; once signed, nothing holds the contact.
  expect((await ctx.firm.call('DELETE', `/v1/accounts/${a.accountId}/contacts/${signer.id}`)).status).toBe(204);
  const sign = `/v1/signature-requests/${request.body.id}/signers/${signer.id}/sign`;
  expect((await ctx.firm.call('POST', sign, {})).status).toBe(200);
  expect((await ctx.firm.call('DELETE', `/v1/contacts/${signer.id}`)).status).toBe(200);
});

test('an archived account’s contacts can be neither linked nor unlinked: 409, nothing written', async () => {
  const acc = await accountWithContacts(ctx.firm, [{}, {}]);
  const free = await ctx.firm.call('POST', '/v1/contacts', { firstName: 'Free', emails: [{ address: addr('free') }] });
  const bulk = await ctx.firm.call('POST', '/v1/bulk-actions', {
    action: { kind: 'archive' },
    selection: { accountIds: [acc.accountId] },
  });
  expect(bulk.status).toBe(202);
  await eventually(
    async () => (await ctx.firm.call('GET', `/v1/accounts/${acc.accountId}`)).body.status === 'archived',
    30_000,
    'the account archived',
  );
  // And its report written, so the bulk action writes nothing more in the background.
  await eventually(
    async () =>
      ['completed', 'failed'].includes((await ctx.firm.call('GET', `/v1/bulk-actions/${bulk.body.id}`)).body.status),
    30_000,
    'the bulk action finished',
  );
  const links = () =>
    ctx.stack.db.accountContact.findMany({ where: { accountId: acc.accountId }, orderBy: { contactId: 'asc' } });
  const linkAudit = () =>
    ctx.stack.db.auditEvent.count({
      where: { accountId: acc.accountId, action: { in: ['contact.linked', 'contact.unlinked'] } },
    });
  const [linksBefore, auditBefore] = [await links(), await linkAudit()];
  for (const [method, path, body] of [
    ['PUT', `/v1/accounts/${acc.accountId}/contacts/${free.body.id}`, {}],
    ['PUT', `/v1/accounts/${acc.accountId}/contacts/${acc.contacts[0].id}`, { description: 'Changed' }],
    ['DELETE', `/v1/accounts/${acc.accountId}/contacts/${acc.contacts[0].id}`, undefined],
  ] as const) {
    const res = await ctx.firm.call(method, path, body);
    expect({ method, path, status: res.status, type: res.body?.type }).toEqual({
      method,
      path,
      status: 409,
      type: 'https://nudge.dev/problems/account-archived',
    });
  }
  expect(await links()).toEqual(linksBefore);
  expect(await linkAudit()).toBe(auditBefore);
});

describe('bad input is refused with 4xx and nothing written', () => {
  let acc: Awaited<ReturnType<typeof accountWithContacts>>;
  let other: FirmHandle;
  let otherAccount: string;
  let activeEmail: string;
  let offEmail: string;
  beforeAll(async () => {
    acc = await accountWithContacts(ctx.firm, [{ login: 'active' }, { login: 'off' }]);
    activeEmail = acc.contacts[0].emailId;
    offEmail = acc.contacts[1].emailId;
    other = await ctx.stack.newFirm();
    otherAccount = (await other.call('POST', '/v1/accounts', { name: 'Other', type: 'company' })).body.id;
  });

  const c = () => acc.contacts[0];
  const cases: BadInputCase[] = [
    [
      'contact patch with nothing to change',
      () => ctx.firm.call('PATCH', `/v1/contacts/${c().id}`, {}),
      422,
      'validation-error',
    ],
    [
      'contact patch with an unknown field',
      () => ctx.firm.call('PATCH', `/v1/contacts/${c().id}`, { nickname: 'x' }),
      422,
      'validation-error',
    ],
    [
      'contact patch with a blank first name',
      () => ctx.firm.call('PATCH', `/v1/contacts/${c().id}`, { firstName: '  ' }),
      422,
      'validation-error',
      'body.firstName',
    ],
    [
      'address with a three-letter country',
      () => ctx.firm.call('PATCH', `/v1/contacts/${c().id}`, { address: { country: 'ITA' } }),
      422,
      'validation-error',
      'body.address.country',
    ],
    [
      'undefined custom field',
      () => ctx.firm.call('PATCH', `/v1/contacts/${c().id}`, { customFields: { shoeSize: 42 } }),
      422,
      'validation-error',
      'body.customFields.shoeSize',
    ],
    [
      'patch of another firm’s contact',
      () => other.call('PATCH', `/v1/contacts/${c().id}`, { firstName: 'X' }),
      404,
      'not-found',
    ],
    ['delete with a malformed id', () => ctx.firm.call('DELETE', '/v1/contacts/not-a-uuid'), 404, 'not-found'],
    ['delete of another firm’s contact', () => other.call('DELETE', `/v1/contacts/${c().id}`), 404, 'not-found'],
    [
      'new email that is not an address',
      () => ctx.firm.call('POST', `/v1/contacts/${c().id}/emails`, { address: 'nope' }),
      422,
      'validation-error',
      'body.address',
    ],
    [
      'new email already in use',
      () => ctx.firm.call('POST', `/v1/contacts/${c().id}/emails`, { address: acc.contacts[1].address }),
      409,
      'email-taken',
    ],
    [
      'address change to one in use',
      () => ctx.firm.call('PATCH', `/v1/contact-emails/${activeEmail}`, { address: acc.contacts[1].address }),
      409,
      'email-taken',
    ],
    [
      'invitation options without login pending',
      () => ctx.firm.call('PATCH', `/v1/contact-emails/${offEmail}`, { notify: false, invitation: { message: 'hi' } }),
      422,
      'validation-error',
      'body.invitation',
    ],
    [
      'login pending on an active email',
      () => ctx.firm.call('PATCH', `/v1/contact-emails/${activeEmail}`, { login: 'pending' }),
      409,
      'login-already-active',
    ],
    [
      'invitation to an active email',
      () => ctx.firm.call('POST', `/v1/contact-emails/${activeEmail}/invitation`, {}),
      409,
      'login-already-active',
    ],
    [
      'invitation sendAt in the past',
      () => ctx.firm.call('POST', `/v1/contact-emails/${offEmail}/invitation`, { sendAt: '2020-01-01T00:00:00Z' }),
      422,
      'validation-error',
      'body.sendAt',
    ],
    [
      'invitation sendAt that is not a date',
      () => ctx.firm.call('POST', `/v1/contact-emails/${offEmail}/invitation`, { sendAt: 'tomorrow' }),
      422,
      'validation-error',
      'body.sendAt',
    ],
    [
      'invitation expiring in 0 days',
      () => ctx.firm.call('POST', `/v1/contact-emails/${offEmail}/invitation`, { expiresInDays: 0 }),
      422,
      'validation-error',
      'body.expiresInDays',
    ],
    [
      'invitation message too long',
      () => ctx.firm.call('POST', `/v1/contact-emails/${offEmail}/invitation`, { message: 'x'.repeat(5001) }),
      422,
      'validation-error',
      'body.message',
    ],
    [
      'invitation for another firm’s email',
      () => other.call('POST', `/v1/contact-emails/${offEmail}/invitation`, {}),
      404,
      'not-found',
    ],
    [
      'resend with no invitation',
      () => ctx.firm.call('POST', `/v1/contact-emails/${offEmail}/invitation/resend`),
      409,
      'no-open-invitation',
    ],
    [
      'removing a contact’s only email',
      () => ctx.firm.call('DELETE', `/v1/contact-emails/${offEmail}`),
      409,
      'last-email',
    ],
    [
      'new contact naming one account twice',
      () =>
        ctx.firm.call('POST', '/v1/contacts', {
          firstName: 'Twice',
          emails: [{ address: addr('twice') }],
          accounts: [{ accountId: acc.accountId }, { accountId: acc.accountId, description: 'again' }],
        }),
      422,
      'validation-error',
      'body.accounts',
    ],
    [
      'unlinking a contact that is not linked',
      () => ctx.firm.call('DELETE', `/v1/accounts/${acc.accountId}/contacts/${randomUUID()}`),
      404,
      'not-found',
    ],
    [
      'linking to another firm’s account',
      () => ctx.firm.call('PUT', `/v1/accounts/${otherAccount}/contacts/${c().id}`, {}),
      404,
      'not-found',
    ],
    [
      'link with a negative signer priority',
      () => ctx.firm.call('PUT', `/v1/accounts/${acc.accountId}/contacts/${c().id}`, { signerPriority: -1 }),
      422,
      'validation-error',
      'body.signerPriority',
    ],
    [
      'link with signing authority as text',
      () => ctx.firm.call('PUT', `/v1/accounts/${acc.accountId}/contacts/${c().id}`, { signingAuthority: 'yes' }),
      422,
      'validation-error',
      'body.signingAuthority',
    ],
    [
      'preferences with an unknown category',
      () => ctx.firm.call('PATCH', `/v1/contact-emails/${offEmail}`, { preferences: { newsletters: true } }),
      422,
      'validation-error',
      'body.preferences',
    ],
  ];

  // Rest parameters: Jest would pass a `done` callback to a function declaring more parameters than a row has.
  test.each(cases)('%s', async (...c: BadInputCase) => expectRefused(rowCounts, c));
});

describe('changes meeting each other', () => {
  const holdContact = (contactId: string) =>
    holdInTransaction(
      ctx.stack.db,
      (tx) => tx.$executeRaw`SELECT 1 FROM "Contact" WHERE id = ${contactId}::uuid FOR NO KEY UPDATE`,
    );

  test('one email removed twice at once: one removal, the other 404 (was a 500 with three emails)', async () => {
    const acc = await accountWithContacts(ctx.firm, [{}]);
    const contactId = acc.contacts[0].id;
    for (const n of [2, 3])
      expect(
        (
          await ctx.firm.call('POST', `/v1/contacts/${contactId}/emails`, {
            address: `third-${n}-${randomUUID()}@x.test`,
          })
        ).status,
      ).toBe(201);
    const release = await holdContact(contactId);
    const removals = [1, 2].map(() => ctx.firm.call('DELETE', `/v1/contact-emails/${acc.contacts[0].emailId}`));
    await untilWaitingForLocks(ctx.stack.db, 2);
    await release();
    const statuses = (await Promise.all(removals)).map((r) => r.status).sort();
    expect(statuses).toEqual([204, 404]);
    expect(await ctx.stack.db.contactEmail.count({ where: { contactId } })).toBe(2);
  });

  test('two contacts created naming the same accounts in opposite orders: both 201, no deadlock', async () => {
    const [a, b] = [await accountWithContacts(ctx.firm), await accountWithContacts(ctx.firm)];
    const first = [a.accountId, b.accountId].sort()[0];
    // Both reach their account locks while the first account is held, as two requests meeting would.
    const release = await holdInTransaction(
      ctx.stack.db,
      (tx) => tx.$executeRaw`SELECT 1 FROM "Account" WHERE id = ${first}::uuid FOR NO KEY UPDATE`,
    );
    const create = (accountIds: string[]) =>
      ctx.firm.call('POST', '/v1/contacts', {
        firstName: 'Ada',
        lastName: 'Both',
        emails: [{ address: `both-${randomUUID()}@x.test` }],
        accounts: accountIds.map((accountId) => ({ accountId })),
      });
    const created = [create([a.accountId, b.accountId]), create([b.accountId, a.accountId])];
    await untilWaitingForLocks(ctx.stack.db, 2);
    await release();
    // Before: each held one account and waited for the other; PostgreSQL ended one (500).
    expect((await Promise.all(created)).map((r) => r.status)).toEqual([201, 201]);
  });
});
