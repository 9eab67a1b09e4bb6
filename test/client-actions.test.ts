// Client actions on the real stack (SPEC §7): each lands on the contact's or account's timeline,
// participants are emailed about actions and later comments, a note can carry a calendar invitation, GDPR
// consent emails come from the firm's template, custom actions check their values, and bad input writes nothing.
import { randomUUID } from 'node:crypto';
import { startStack, eventually, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts, archiveAccount } from './support/fixtures';
import { rowCounter, expectRefused, type BadInputCase } from './support/bad-input';
import { header, textOf } from './support/mail-text';
import { createClientActionEmails } from '../domain/timeline/client-action-emails';

let stack: Stack;
let firm: FirmHandle;
let other: FirmHandle;
let colleague: { id: string; email: string };
let employee: { id: string; email: string };
let acc: Awaited<ReturnType<typeof accountWithContacts>>;

async function addUser(f: FirmHandle, role: 'admin' | 'employee') {
  const email = `${role}-${randomUUID()}@firm.test`;
  const res = await f.call('POST', '/v1/users', { email, name: `${role} user`, role });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return { id: res.body.id as string, email };
}

beforeAll(async () => {
  stack = await startStack();
  firm = await stack.newFirm('Rossi & Co');
  other = await stack.newFirm();
  colleague = await addUser(firm, 'admin');
  employee = await addUser(firm, 'employee');
  acc = await accountWithContacts(firm, [{}, {}]);
});
afterAll(() => stack?.stop());

const timeline = async (kind: 'contacts' | 'accounts', id: string) =>
  (await firm.call('GET', `/v1/${kind}/${id}/timeline`)).body.items as any[];
const owner = () => stack.db.firmUser.findUniqueOrThrow({ where: { id: firm.ownerId } });

test('a note emails its participants, invites the acting user to a calendar entry, and comments reach the others', async () => {
  const contactId = acc.contacts[0].id;
  const note = await firm.call(
    'POST',
    '/v1/notes',
    {
      contactId,
      body: 'Call about the 2025 return',
      participants: [colleague.id],
      calendar: { start: '2026-12-01T09:00:00Z', durationMinutes: 45 },
    },
    { idempotencyKey: randomUUID() },
  );
  expect(note.status).toBe(201);
  expect(note.body).toMatchObject({
    contactId,
    participants: [colleague.id],
    calendar: { start: '2026-12-01T09:00:00.000Z', durationMinutes: 45 },
  });

  const [toColleague] = await stack.smtp.waitFor((m) => m.key === `note-${note.body.id}:participant:${colleague.id}`);
  expect(toColleague.to).toEqual([colleague.email]);
  expect(toColleague.raw).toContain('Call about the 2025 return');
  const [invite] = await stack.smtp.waitFor((m) => m.key === `note-${note.body.id}:calendar:${firm.ownerId}`);
  expect(invite.to).toEqual([(await owner()).email]);
  expect(invite.raw).toMatch(/Content-Type: text\/calendar; (charset=utf-8; )?method=REQUEST/i);
  expect(invite.raw).toContain('DTSTART:20261201T090000Z');
  expect(invite.raw).toContain('DTEND:20261201T094500Z');

  const comment = await firm.call(
    'POST',
    `/v1/notes/${note.body.id}/comments`,
    { body: 'Booked the room' },
    { as: colleague.id },
  );
  expect(comment.status).toBe(201);
  // The note's author hears of it; the commenter does not.
  await stack.smtp.waitFor((m) => m.key === `note-comment-${comment.body.id}:participant:${firm.ownerId}`);
  await new Promise((r) => setTimeout(r, 300));
  expect(
    stack.smtp.mails.filter((m) => m.key === `note-comment-${comment.body.id}:participant:${colleague.id}`),
  ).toHaveLength(0);

  const got = await firm.call('GET', `/v1/notes/${note.body.id}`);
  expect(got.body.comments).toEqual([expect.objectContaining({ body: 'Booked the room', authorId: colleague.id })]);
  const actions = (await timeline('contacts', contactId)).map((e) => e.action);
  expect(actions.slice(0, 2)).toEqual(['note.commented', 'note.added']);
});

test('activate and deactivate contacts', async () => {
  const ids = acc.contacts.map((c) => c.id);
  const off = await firm.call('POST', '/v1/contacts/activation', { contactIds: ids, active: false });
  expect(off.status).toBe(200);
  expect(await stack.db.contact.count({ where: { id: { in: ids }, active: false } })).toBe(2);
  const on = await firm.call('POST', '/v1/contacts/activation', { contactIds: [ids[1]], active: true });
  expect(on.body.contacts).toEqual([{ id: ids[1], active: true }]);
  expect((await timeline('contacts', ids[1])).slice(0, 2).map((e) => e.action)).toEqual([
    'contact.activated',
    'contact.deactivated',
  ]);
});

test('status change for several contacts, with a description and participants', async () => {
  const ids = acc.contacts.map((c) => c.id);
  const res = await firm.call('POST', '/v1/contacts/status', {
    contactIds: ids,
    status: 'onboarding',
    description: 'Signed the engagement letter',
    participants: [colleague.id],
  });
  expect(res.status).toBe(200);
  expect(await stack.db.contact.count({ where: { id: { in: ids }, status: 'onboarding' } })).toBe(2);
  for (const id of ids) {
    const [entry] = await timeline('contacts', id);
    expect(entry).toMatchObject({
      action: 'contact.status_changed',
      actorId: firm.ownerId,
      data: { to: 'onboarding', description: 'Signed the engagement letter', noteId: res.body.noteId },
    });
  }
  const [mail] = await stack.smtp.waitFor((m) => m.key === `note-${res.body.noteId}:participant:${colleague.id}`);
  expect(mail.raw).toContain('onboarding');
});

test('assign an account and a contact to a firm user', async () => {
  const res = await firm.call('POST', '/v1/assignments', {
    userId: employee.id,
    accountIds: [acc.accountId],
    contactIds: [acc.contacts[0].id],
    description: 'Takes over',
  });
  expect(res.status).toBe(200);
  expect((await stack.db.account.findUniqueOrThrow({ where: { id: acc.accountId } })).assignedUserId).toBe(employee.id);
  expect((await stack.db.contact.findUniqueOrThrow({ where: { id: acc.contacts[0].id } })).assignedUserId).toBe(
    employee.id,
  );
  expect((await timeline('accounts', acc.accountId))[0]).toMatchObject({
    action: 'account.assigned',
    data: { to: employee.id, description: 'Takes over' },
  });
  expect((await timeline('contacts', acc.contacts[0].id))[0]).toMatchObject({
    action: 'contact.assigned',
    data: { to: employee.id },
  });
});

test('move a contact to another company, keeping its link description and signing fields', async () => {
  const from = await accountWithContacts(firm, [{}]);
  const contactId = from.contacts[0].id;
  await firm.call('PUT', `/v1/accounts/${from.accountId}/contacts/${contactId}`, {
    description: 'CFO',
    signerPriority: 2,
    signingAuthority: true,
  });
  const to = (await firm.call('POST', '/v1/accounts', { name: 'New Co', type: 'company' })).body.id;
  const res = await firm.call('POST', `/v1/contacts/${contactId}/move`, {
    toAccountId: to,
    description: 'Changed jobs',
  });
  expect(res.status).toBe(200);
  const links = await stack.db.accountContact.findMany({ where: { contactId } });
  expect(links).toEqual([
    expect.objectContaining({ accountId: to, description: 'CFO', signerPriority: 2, signingAuthority: true }),
  ]);
  expect((await timeline('accounts', from.accountId))[0]).toMatchObject({ action: 'contact.moved_out', contactId });
  expect((await timeline('accounts', to))[0]).toMatchObject({ action: 'contact.moved_in', contactId });
  expect(
    (await timeline('contacts', contactId))
      .slice(0, 2)
      .map((e) => e.action)
      .sort(),
  ).toEqual(['contact.moved_in', 'contact.moved_out']);
});

test('a participant must be able to open what the note is about: an employee off its team is refused, nothing sent', async () => {
  const before = await stack.db.note.count({ where: { firmId: firm.firmId } });
  const res = await firm.call('POST', '/v1/notes', {
    accountId: acc.accountId,
    body: 'The audit plan',
    participants: [colleague.id, employee.id],
  });
  expect(res.status).toBe(422);
  expect(res.body.errors).toEqual([{ field: 'body.participants', message: expect.stringContaining(employee.id) }]);
  const moved = await firm.call('POST', '/v1/contacts/status', {
    contactIds: [acc.contacts[0].id],
    status: 'prospect',
    participants: [employee.id],
  });
  expect(moved.status).toBe(422);
  expect(await stack.db.note.count({ where: { firmId: firm.firmId } })).toBe(before);
  // On the account's team, the same employee may take part.
  await firm.call('POST', `/v1/accounts/${acc.accountId}/team`, { firmUserId: employee.id });
  const ok = await firm.call('POST', '/v1/notes', {
    accountId: acc.accountId,
    body: 'Plan',
    participants: [employee.id],
  });
  expect(ok.status).toBe(201);
  await stack.smtp.waitFor((m) => m.key === `note-${ok.body.id}:participant:${employee.id}`);
  await firm.call('DELETE', `/v1/accounts/${acc.accountId}/team/${employee.id}`);
});

test('a move takes the contact’s portal to-dos of the account it leaves; the same move twice at once: 200 and 409', async () => {
  const from = await accountWithContacts(firm, [{}, {}]);
  const [mover] = from.contacts;
  const doc = await firm.call('POST', `/v1/accounts/${from.accountId}/documents`, { name: 'Engagement letter' });
  expect((await firm.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, {})).status).toBe(201);
  const todos = () => firm.call('GET', `/v1/contact-emails/${mover.emailId}/todos`).then((r) => r.body as unknown[]);
  await eventually(async () => (await todos()).length === 1, 10_000, 'a to-do');
  const to = (await firm.call('POST', '/v1/accounts', { name: 'Next Co', type: 'company' })).body.id;
  // A double submit: the second finds the contact moved already.
  const moves = await Promise.all(
    [to, to].map((toAccountId) => firm.call('POST', `/v1/contacts/${mover.id}/move`, { toAccountId })),
  );
  expect(moves.map((m) => m.status).sort()).toEqual([200, 409]);
  expect(await stack.db.accountContact.count({ where: { contactId: mover.id } })).toBe(1);
  expect(await todos()).toEqual([]);
});

test('an archived account takes no assignment and no contact moved in or out: 409, nothing changed', async () => {
  const archived = await accountWithContacts(firm, [{}, {}]);
  await archiveAccount(firm, stack.db, archived.accountId);
  const assign = await firm.call('POST', '/v1/assignments', { userId: colleague.id, accountIds: [archived.accountId] });
  expect([assign.status, assign.body.type]).toEqual([409, 'https://nudge.dev/problems/account-archived']);
  expect((await stack.db.account.findUniqueOrThrow({ where: { id: archived.accountId } })).assignedUserId).toBeNull();
  const to = (await firm.call('POST', '/v1/accounts', { name: 'Live Co', type: 'company' })).body.id;
  const out = await firm.call('POST', `/v1/contacts/${archived.contacts[0].id}/move`, { toAccountId: to });
  expect([out.status, out.body.type]).toEqual([409, 'https://nudge.dev/problems/account-archived']);
  const live = await accountWithContacts(firm, [{}]);
  const into = await firm.call('POST', `/v1/contacts/${live.contacts[0].id}/move`, { toAccountId: archived.accountId });
  expect(into.status).toBe(409);
  expect(await stack.db.accountContact.count({ where: { accountId: archived.accountId } })).toBe(2);
});

test('GDPR consent status emails the contact from the firm’s template', async () => {
  const template = await firm.call('POST', '/v1/email-templates', {
    name: 'Consent given',
    subject: 'Thank you {{firstName}}',
    body: 'Dear {{firstName}} {{lastName}}, {{firmName}} has recorded your consent.',
  });
  expect(template.status).toBe(201);
  const status = await firm.call('POST', '/v1/gdpr-statuses', {
    name: 'Consent given',
    emailTemplateId: template.body.id,
  });
  expect(status.status).toBe(201);
  const contact = acc.contacts[1];
  const res = await firm.call('PUT', `/v1/contacts/${contact.id}/gdpr-status`, {
    statusId: status.body.id,
    sendEmail: true,
  });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ gdprStatus: 'Consent given', emailed: 1 });
  const [mail] = await stack.smtp.waitFor((m) => m.key === `gdpr-${res.body.changeId}:email:${contact.emailId}`);
  expect(mail.to).toEqual([contact.address]);
  expect(mail.subject).toBe('Thank you Carla');
  expect(mail.raw).toContain('Dear Carla Client 1, Rossi & Co has recorded your consent.');
  // Like every email to a client: the one-click link at its foot too, the header's (category `all`).
  const footer = /\n-- \nDon’t want these emails\? Unsubscribe: (\S+)$/.exec(textOf(mail))?.[1];
  expect(footer).toMatch(/^http:\/\/localhost:3000\/unsubscribe\?token=/);
  expect(header(mail, 'List-Unsubscribe')).toBe(`<${footer}>`);
  expect((await timeline('contacts', contact.id))[0]).toMatchObject({
    action: 'contact.gdpr_status_set',
    data: { to: 'Consent given', emailed: 1 },
  });
  const row = await stack.db.contact.findUniqueOrThrow({ where: { id: contact.id } });
  expect(row.gdprStatus).toBe('Consent given');
  expect(row.gdprUpdatedAt).not.toBeNull();
});

describe('GDPR emails are category `all`: the one-click link, and who no longer receives them', () => {
  let templateId: string;
  let statusId: string;
  beforeAll(async () => {
    const name = `Consent ${randomUUID().slice(0, 8)}`;
    templateId = (
      await firm.call('POST', '/v1/email-templates', { name, subject: 'Consent', body: 'Dear {{firstName}}.' })
    ).body.id;
    statusId = (await firm.call('POST', '/v1/gdpr-statuses', { name, emailTemplateId: templateId })).body.id;
  });
  const setStatus = (contactId: string) =>
    firm.call('PUT', `/v1/contacts/${contactId}/gdpr-status`, { statusId, sendEmail: true });

  /** A contact of the account with three addresses, in address order. */
  async function threeAddresses() {
    const tag = randomUUID();
    const addresses = ['a', 'b', 'c'].map((x) => `gdpr-${x}-${tag}@client.test`);
    const res = await firm.call('POST', '/v1/contacts', {
      firstName: 'Gina',
      lastName: 'Gdpr',
      emails: addresses.map((address) => ({ address })),
      accounts: [{ accountId: acc.accountId }],
    });
    expect(res.status).toBe(201);
    const id = (address: string) => res.body.emails.find((e: { address: string }) => e.address === address).id;
    return { contactId: res.body.id as string, emails: addresses.map((address) => ({ address, id: id(address) })) };
  }

  test('an unsubscribed or bouncing address is left out and listed on the timeline; the rest get the footer link', async () => {
    const { contactId, emails } = await threeAddresses();
    const [a, b, c] = emails;
    // c bounced earlier: the mail server refused an email to it for good.
    await stack.db.contactEmail.update({
      where: { id: c.id },
      data: { bouncedAt: new Date(), bounceReason: '550 no such user' },
    });
    const first = await setStatus(contactId);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      emailed: 2,
      excluded: [{ contactEmailId: c.id, contactId, reason: 'bounced' }],
    });
    const sent = await stack.smtp.waitFor((m) => m.key?.startsWith(`gdpr-${first.body.changeId}:`) ?? false, 2);
    expect(sent.map((m) => m.to[0]).sort()).toEqual([a.address, b.address]);
    // The one-click link in the header and at the foot of the firm's own text.
    for (const mail of sent) {
      const inHeader = /^<(.+)>$/.exec(header(mail, 'List-Unsubscribe') ?? '')?.[1];
      expect(inHeader).toMatch(/^http:\/\/localhost:3000\/unsubscribe\?token=/);
      expect(textOf(mail)).toMatch(/^Dear Gina\.\n\n-- \nDon’t want these emails\? Unsubscribe: (\S+)$/);
      expect(/Unsubscribe: (\S+)$/.exec(textOf(mail))![1]).toBe(inHeader);
    }
    // a's client uses the link at the foot: all of that address's emails stop (category `all`).
    const mailA = sent.find((m) => m.to.includes(a.address))!;
    const link = new URL(/Unsubscribe: (\S+)$/.exec(textOf(mailA))![1]);
    const click = await stack.request('POST', `${link.pathname}${link.search}`, 'List-Unsubscribe=One-Click', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(click.status).toBe(200);

    const second = await setStatus(contactId);
    expect(second.body).toMatchObject({
      emailed: 1,
      excluded: [
        { contactEmailId: a.id, reason: 'unsubscribed' },
        { contactEmailId: c.id, reason: 'bounced' },
      ],
    });
    const [toB] = await stack.smtp.waitFor((m) => m.key === `gdpr-${second.body.changeId}:email:${b.id}`);
    expect(toB.to).toEqual([b.address]);
    await new Promise((r) => setTimeout(r, 500));
    expect(stack.smtp.mails.filter((m) => m.key?.startsWith(`gdpr-${second.body.changeId}:`))).toHaveLength(1);
    expect(stack.smtp.to(a.address)).toHaveLength(1);
    expect(stack.smtp.to(c.address)).toHaveLength(0);
    // The timeline entry says who was left out and why, like a reminder's.
    const [entry] = await timeline('contacts', contactId);
    expect(entry).toMatchObject({
      action: 'contact.gdpr_status_set',
      data: {
        changeId: second.body.changeId,
        emailed: 1,
        excluded: [
          { contactEmailId: a.id, reason: 'unsubscribed' },
          { contactEmailId: c.id, reason: 'bounced' },
        ],
      },
    });
  });

  test('an address that opts out or bounces after the status was set is checked again just before sending', async () => {
    const { emails } = await threeAddresses();
    const [optedOut, bounced, fine] = emails;
    // As a one-click from all emails leaves it (the firm's notify toggle alone would not hold a GDPR email).
    await stack.db.contactEmail.update({ where: { id: optedOut.id }, data: { notify: false } });
    await stack.db.emailUnsubscribe.create({
      data: { firmId: firm.firmId, contactEmailId: optedOut.id, category: 'all' },
    });
    await stack.db.contactEmail.update({ where: { id: bounced.id }, data: { bouncedAt: new Date() } });
    const sender = createClientActionEmails({ db: stack.db, mailer: stack.mailer });
    const changeId = randomUUID();
    const send = (contactEmailId: string) =>
      sender.sendClientActionEmail({ kind: 'gdpr', firmId: firm.firmId, changeId, templateId, contactEmailId });
    expect(await send(optedOut.id)).toBe('skipped');
    expect(await send(bounced.id)).toBe('skipped');
    expect(await send(fine.id)).toBe('sent');
    expect(
      (await stack.db.outboundEmail.findMany({ where: { idempotencyKey: { startsWith: `gdpr-${changeId}:` } } })).map(
        (r) => r.contactEmailId,
      ),
    ).toEqual([fine.id]);
    expect(stack.smtp.to(optedOut.address)).toHaveLength(0);
    expect(stack.smtp.to(bounced.address)).toHaveLength(0);
  });
});

test('custom actions check their values and land on the timeline', async () => {
  const def = await firm.call('POST', '/v1/custom-actions', {
    name: 'Qualification meeting',
    fields: [
      { key: 'date', label: 'Date', type: 'date', required: true },
      { key: 'outcome', label: 'Outcome', type: 'select', options: ['qualified', 'not qualified'], required: true },
      { key: 'fee', label: 'Fee', type: 'number' },
    ],
  });
  expect(def.status).toBe(201);
  const run = await firm.call('POST', `/v1/custom-actions/${def.body.id}/runs`, {
    accountId: acc.accountId,
    values: { date: '2026-11-30', outcome: 'qualified', fee: 1200 },
    participants: [colleague.id],
  });
  expect(run.status).toBe(201);
  expect((await timeline('accounts', acc.accountId))[0]).toMatchObject({
    action: 'custom_action.run',
    data: { name: 'Qualification meeting', values: { date: '2026-11-30', outcome: 'qualified', fee: 1200 } },
  });
  await stack.smtp.waitFor((m) => m.key === `note-${run.body.noteId}:participant:${colleague.id}`);

  const before = await stack.db.auditEvent.count({ where: { actorType: { not: 'system' } } });
  const bad = await firm.call('POST', `/v1/custom-actions/${def.body.id}/runs`, {
    contactId: acc.contacts[0].id,
    values: { date: '30/11/2026', outcome: 'maybe', extra: 1 },
  });
  expect(bad.status).toBe(422);
  expect(bad.body.errors.map((e: any) => e.field).sort()).toEqual([
    'body.values',
    'body.values.date',
    'body.values.outcome',
  ]);
  const missing = await firm.call('POST', `/v1/custom-actions/${def.body.id}/runs`, {
    contactId: acc.contacts[0].id,
    values: { fee: 3 },
  });
  expect(missing.status).toBe(422);
  expect(missing.body.errors.map((e: any) => e.field).sort()).toEqual(['body.values.date', 'body.values.outcome']);
  expect(await stack.db.auditEvent.count({ where: { actorType: { not: 'system' } } })).toBe(before);
});

test('an optional custom-action field keyed like an Object method may be left out', async () => {
  const def = await firm.call('POST', '/v1/custom-actions', {
    name: `Keys ${randomUUID().slice(0, 6)}`,
    fields: [{ key: 'toString', label: 'Note', type: 'text' }],
  });
  expect(def.status).toBe(201);
  const run = await firm.call('POST', `/v1/custom-actions/${def.body.id}/runs`, {
    accountId: acc.accountId,
    values: {},
  });
  expect(run.status).toBe(201);
});

test('timelines page newest first with a cursor', async () => {
  const contactId = acc.contacts[0].id;
  const all = await timeline('contacts', contactId);
  expect(all.length).toBeGreaterThan(3);
  const first = await firm.call('GET', `/v1/contacts/${contactId}/timeline?limit=2`);
  expect(first.body.items.map((e: any) => e.id)).toEqual(all.slice(0, 2).map((e) => e.id));
  const second = await firm.call('GET', `/v1/contacts/${contactId}/timeline?limit=2&before=${first.body.nextCursor}`);
  expect(second.body.items.map((e: any) => e.id)).toEqual(all.slice(2, 4).map((e) => e.id));
  expect(all.every((e) => e.contactId === contactId)).toBe(true);
});

test('an employee without access to the contact’s accounts is refused', async () => {
  const contactId = acc.contacts[0].id;
  const read = await firm.call('GET', `/v1/contacts/${contactId}/timeline`, undefined, { as: employee.id });
  expect(read.status).toBe(403);
  const write = await firm.call(
    'POST',
    '/v1/contacts/status',
    { contactIds: [contactId], status: 'x' },
    { as: employee.id },
  );
  expect(write.status).toBe(403);
  const settings = await firm.call(
    'POST',
    '/v1/email-templates',
    { name: 'Nope', subject: 's', body: 'b' },
    { as: employee.id },
  );
  expect(settings.status).toBe(403);
});

describe('bad input: 4xx problem+json and nothing written', () => {
  const TABLES = [
    'contact',
    'accountContact',
    'auditEvent',
    'note',
    'noteParticipant',
    'noteComment',
    'emailTemplate',
    'gdprStatusDefinition',
    'customActionDefinition',
    'outboundEmail',
    'idempotencyRecord',
  ] as const;
  const rowCounts = rowCounter(() => stack.db, TABLES);
  const c0 = () => acc.contacts[0].id;
  const unknown = randomUUID();
  let statusId: string;
  let noTemplateStatusId: string;
  let actionId: string;
  let noteId: string;
  let otherContactId: string;
  let individualId: string;
  beforeAll(async () => {
    statusId = (await firm.call('POST', '/v1/gdpr-statuses', { name: `S ${randomUUID()}` })).body.id;
    noTemplateStatusId = statusId;
    actionId = (
      await firm.call('POST', '/v1/custom-actions', {
        name: `A ${randomUUID()}`,
        fields: [{ key: 'n', label: 'N', type: 'number', required: true }],
      })
    ).body.id;
    noteId = (await firm.call('POST', '/v1/notes', { contactId: c0(), body: 'n' })).body.id;
    individualId = (await firm.call('POST', '/v1/accounts', { name: 'Family', type: 'individual' })).body.id;
    otherContactId = (
      await other.call('POST', '/v1/contacts', { firstName: 'O', emails: [{ address: `o-${randomUUID()}@x.test` }] })
    ).body.id;
  });

  const cases: BadInputCase[] = [
    [
      'activation without contacts',
      () => firm.call('POST', '/v1/contacts/activation', { contactIds: [], active: false }),
      422,
      'validation-error',
      'body.contactIds',
    ],
    [
      'activation with active as a string',
      () => firm.call('POST', '/v1/contacts/activation', { contactIds: [c0()], active: 'no' }),
      422,
      'validation-error',
      'body.active',
    ],
    [
      'activation of another firm’s contact',
      () => firm.call('POST', '/v1/contacts/activation', { contactIds: [c0(), otherContactId], active: false }),
      404,
      'not-found',
    ],
    [
      'status blank',
      () => firm.call('POST', '/v1/contacts/status', { contactIds: [c0()], status: '  ' }),
      422,
      'validation-error',
      'body.status',
    ],
    [
      'status with an unknown participant',
      () => firm.call('POST', '/v1/contacts/status', { contactIds: [c0()], status: 'lead', participants: [unknown] }),
      422,
      'validation-error',
      'body.participants',
    ],
    [
      'status with a participant of another firm',
      () =>
        firm.call('POST', '/v1/contacts/status', { contactIds: [c0()], status: 'lead', participants: [other.ownerId] }),
      422,
      'validation-error',
      'body.participants',
    ],
    [
      'assignment to nobody in the firm',
      () => firm.call('POST', '/v1/assignments', { userId: other.ownerId, contactIds: [c0()] }),
      422,
      'validation-error',
      'body.userId',
    ],
    [
      'assignment of nothing',
      () => firm.call('POST', '/v1/assignments', { userId: colleague.id }),
      422,
      'validation-error',
      'body.accountIds',
    ],
    [
      'move to the company it is already in',
      () => firm.call('POST', `/v1/contacts/${c0()}/move`, { toAccountId: acc.accountId }),
      409,
      'already-linked',
    ],
    [
      'move to an individual account',
      () => firm.call('POST', `/v1/contacts/${c0()}/move`, { toAccountId: individualId }),
      422,
      'validation-error',
      'body.toAccountId',
    ],
    [
      'move to an unknown account',
      () => firm.call('POST', `/v1/contacts/${c0()}/move`, { toAccountId: unknown }),
      404,
      'not-found',
    ],
    [
      'move a contact of another firm',
      () => firm.call('POST', `/v1/contacts/${otherContactId}/move`, { toAccountId: acc.accountId }),
      404,
      'not-found',
    ],
    [
      'note about nothing',
      () => firm.call('POST', '/v1/notes', { body: 'floating' }),
      422,
      'validation-error',
      'body.contactId',
    ],
    [
      'note with an empty body',
      () => firm.call('POST', '/v1/notes', { contactId: c0(), body: '' }),
      422,
      'validation-error',
      'body.body',
    ],
    [
      'note with a calendar date that is not a date',
      () => firm.call('POST', '/v1/notes', { contactId: c0(), body: 'b', calendar: { start: 'tomorrow' } }),
      422,
      'validation-error',
      'body.calendar.start',
    ],
    [
      'note with an unknown field',
      () => firm.call('POST', '/v1/notes', { contactId: c0(), body: 'b', color: 'red' }),
      422,
      'validation-error',
    ],
    [
      'comment on an unknown note',
      () => firm.call('POST', `/v1/notes/${unknown}/comments`, { body: 'c' }),
      404,
      'not-found',
    ],
    [
      'comment without a body',
      () => firm.call('POST', `/v1/notes/${noteId}/comments`, {}),
      422,
      'validation-error',
      'body.body',
    ],
    ['malformed JSON', () => firm.call('POST', '/v1/notes', '{"body": '), 400, 'malformed-json'],
    [
      'GDPR status of another firm’s definition',
      () => firm.call('PUT', `/v1/contacts/${c0()}/gdpr-status`, { statusId: unknown }),
      422,
      'validation-error',
      'body.statusId',
    ],
    [
      'GDPR email asked without any template',
      () => firm.call('PUT', `/v1/contacts/${c0()}/gdpr-status`, { statusId: noTemplateStatusId, sendEmail: true }),
      422,
      'validation-error',
      'body.emailTemplateId',
    ],
    [
      'GDPR status with an unknown template',
      () => firm.call('POST', '/v1/gdpr-statuses', { name: 'X', emailTemplateId: unknown }),
      422,
      'validation-error',
      'body.emailTemplateId',
    ],
    [
      'template without a subject',
      () => firm.call('POST', '/v1/email-templates', { name: 'T', body: 'b' }),
      422,
      'validation-error',
      'body.subject',
    ],
    [
      'custom action with a select without options',
      () => firm.call('POST', '/v1/custom-actions', { name: 'S', fields: [{ key: 'k', label: 'K', type: 'select' }] }),
      422,
      'validation-error',
      'body.fields.0.options',
    ],
    [
      'custom action with an unknown field type',
      () => firm.call('POST', '/v1/custom-actions', { name: 'S', fields: [{ key: 'k', label: 'K', type: 'colour' }] }),
      422,
      'validation-error',
      'body.fields.0.type',
    ],
    [
      'custom action run on both a contact and an account',
      () =>
        firm.call('POST', `/v1/custom-actions/${actionId}/runs`, {
          contactId: c0(),
          accountId: acc.accountId,
          values: { n: 1 },
        }),
      422,
      'validation-error',
      'body.contactId',
    ],
    [
      'custom action run with a wrong value type',
      () => firm.call('POST', `/v1/custom-actions/${actionId}/runs`, { contactId: c0(), values: { n: 'one' } }),
      422,
      'validation-error',
      'body.values.n',
    ],
    [
      'custom action unknown',
      () => firm.call('POST', `/v1/custom-actions/${unknown}/runs`, { contactId: c0(), values: {} }),
      404,
      'not-found',
    ],
    [
      'timeline of another firm’s contact',
      () => firm.call('GET', `/v1/contacts/${otherContactId}/timeline`),
      404,
      'not-found',
    ],
    [
      'timeline with a bad cursor',
      () => firm.call('GET', `/v1/contacts/${c0()}/timeline?before=abc`),
      422,
      'validation-error',
      'query.before',
    ],
    ['timeline with a malformed id', () => firm.call('GET', '/v1/accounts/not-a-uuid/timeline'), 404, 'not-found'],
  ];
  // Rest parameters: a case without a field must not make Jest pass a done callback in its place.
  test.each(cases)('%s', async (...c: BadInputCase) => expectRefused(rowCounts, c));
});
