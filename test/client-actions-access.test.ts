// Client actions and team changes under concurrency and changing rights, on the real stack: contacts are
// locked in id order (two actions in other orders both succeed, a contact deleted meanwhile is 404, each
// entry's `from` is the last change's `to`), comments reach only who may still open the note, a contact
// linked to no account is open to its timeline and actions as to its PATCH, ids are taken in any case (a move's
// company left, the participants on the entries), a team change re-checks its actor under the account's lock,
// and a GDPR status renamed while a contact is set to it: both succeed, one after the other.
import { randomUUID } from 'node:crypto';
import { startStack, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts } from './support/fixtures';
import { whileHeld, withAuditHeld } from './support/holds';
import { createClientActionEmails } from '../domain/timeline/client-action-emails';
import type { Tx } from '../prisma/client';

let stack: Stack;
let firm: FirmHandle;
let colleague: string;
let employee: string;

async function addUser(role: 'admin' | 'employee') {
  const res = await firm.call('POST', '/v1/users', { email: `${role}-${randomUUID()}@firm.test`, name: role, role });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return res.body.id as string;
}

beforeAll(async () => {
  stack = await startStack();
  firm = await stack.newFirm();
  colleague = await addUser('admin');
  employee = await addUser('employee');
});
afterAll(() => stack?.stop());

/** A call to the API: method, path and body. */
type Request = [method: string, path: string, body: unknown];

const entries = (contactId: string, action: string) =>
  stack.db.auditEvent
    .findMany({ where: { contactId, action }, orderBy: { id: 'asc' } })
    .then((rows) => rows.map((r) => r.data as Record<string, unknown>));

/** A contact linked to no account, made through the API (as `as`). */
async function looseContact(as = firm.ownerId) {
  const res = await firm.call(
    'POST',
    '/v1/contacts',
    { firstName: 'Loose', lastName: 'End', emails: [{ address: `loose-${randomUUID()}@client.test` }] },
    { as },
  );
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return res.body.id as string;
}

describe('contact actions lock their contacts in id order', () => {
  test.each<[string, (ids: string[], n: number) => Request]>([
    ['status', (ids, n) => ['POST', '/v1/contacts/status', { contactIds: ids, status: `S${n}` }]],
    ['activation', (ids, n) => ['POST', '/v1/contacts/activation', { contactIds: ids, active: n === 1 }]],
    ['assignment', (ids, n) => ['POST', '/v1/assignments', { contactIds: ids, userId: n ? colleague : employee }]],
  ])('two %s changes naming the same contacts in other orders both succeed', async (_name, request) => {
    const { contacts } = await accountWithContacts(firm, [{}, {}]);
    const [x, y] = contacts.map((c) => c.id);
    const send = (ids: string[], n: number) => firm.call(...request(ids, n));
    // Each updates its first contact, then waits on the held audit table: released, they would cross.
    const res = await withAuditHeld(stack.db, () => Promise.all([send([x, y], 0), send([y, x], 1)]));
    expect(res.map((r) => r.status)).toEqual([200, 200]);
  });

  test('two status changes at once chain their entries: the later `from` is the earlier `to`', async () => {
    const { contacts } = await accountWithContacts(firm, [{}]);
    const send = (status: string) => firm.call('POST', '/v1/contacts/status', { contactIds: [contacts[0].id], status });
    const res = await withAuditHeld(stack.db, () => Promise.all([send('A'), send('B')]));
    expect(res.map((r) => r.status)).toEqual([200, 200]);
    const [first, second] = await entries(contacts[0].id, 'contact.status_changed');
    expect(second.from).toBe(first.to);
  });

  test('two GDPR status changes at once chain their entries', async () => {
    const { contacts } = await accountWithContacts(firm, [{}]);
    const [a, b] = await Promise.all(
      ['A', 'B'].map(
        async (n) => (await firm.call('POST', '/v1/gdpr-statuses', { name: `${n} ${randomUUID()}` })).body,
      ),
    );
    const set = (statusId: string) => firm.call('PUT', `/v1/contacts/${contacts[0].id}/gdpr-status`, { statusId });
    const res = await withAuditHeld(stack.db, () => Promise.all([set(a.id), set(b.id)]));
    expect(res.map((r) => r.status)).toEqual([200, 200]);
    const [first, second] = await entries(contacts[0].id, 'contact.gdpr_status_set');
    expect(first.from).toBeNull();
    expect(second.from).toBe(first.to);
  });

  test.each<[string, (id: string, statusId: string, toAccountId: string) => Request]>([
    ['status', (id) => ['POST', '/v1/contacts/status', { contactIds: [id], status: 'x' }]],
    ['activation', (id) => ['POST', '/v1/contacts/activation', { contactIds: [id], active: false }]],
    ['assignment', (id) => ['POST', '/v1/assignments', { contactIds: [id], userId: colleague }]],
    ['GDPR status', (id, statusId) => ['PUT', `/v1/contacts/${id}/gdpr-status`, { statusId }]],
    ['move', (id, _s, toAccountId) => ['POST', `/v1/contacts/${id}/move`, { toAccountId }]],
  ])('a contact deleted while its %s change waits is not found', async (_name, request) => {
    const id = await looseContact();
    const statusId = (await firm.call('POST', '/v1/gdpr-statuses', { name: `S ${randomUUID()}` })).body.id;
    const { accountId } = await accountWithContacts(firm, []);
    const [method, url, body] = request(id, statusId, accountId);
    const res = await whileHeld(
      stack.db,
      (tx: Tx) => tx.contact.delete({ where: { id } }),
      () => firm.call(method, url, body),
    );
    expect(res.status).toBe(404);
    expect(res.body.type).toMatch(/not-found$/);
    expect(await stack.db.auditEvent.count({ where: { contactId: id, NOT: { action: 'contact.created' } } })).toBe(0);
  });
});

describe('notes reach only who may open them', () => {
  test('a participant taken off the team hears of no later comment', async () => {
    const acc = await accountWithContacts(firm, [{}]);
    expect((await firm.call('POST', `/v1/accounts/${acc.accountId}/team`, { firmUserId: employee })).status).toBe(200);
    const note = await firm.call('POST', '/v1/notes', {
      accountId: acc.accountId,
      body: 'Plan',
      participants: [employee, colleague],
    });
    expect(note.status).toBe(201);
    await stack.smtp.waitFor((m) => m.key === `note-${note.body.id}:participant:${employee}`);
    expect((await firm.call('DELETE', `/v1/accounts/${acc.accountId}/team/${employee}`)).status).toBe(204);
    expect((await firm.call('GET', `/v1/notes/${note.body.id}`, undefined, { as: employee })).status).toBe(403);

    const c = await firm.call(
      'POST',
      `/v1/notes/${note.body.id}/comments`,
      { body: 'Confidential' },
      { as: colleague },
    );
    expect(c.status).toBe(201);
    await stack.smtp.waitFor((m) => m.key === `note-comment-${c.body.id}:participant:${firm.ownerId}`);
    await new Promise((r) => setTimeout(r, 300));
    expect(stack.smtp.mails.filter((m) => m.key === `note-comment-${c.body.id}:participant:${employee}`)).toHaveLength(
      0,
    );
  });

  test('an email about a note its recipient may no longer open is skipped when it comes to be sent', async () => {
    const acc = await accountWithContacts(firm, [{}]);
    await firm.call('POST', `/v1/accounts/${acc.accountId}/team`, { firmUserId: employee });
    const note = await firm.call('POST', '/v1/notes', { contactId: acc.contacts[0].id, body: 'Plan' });
    expect(note.status).toBe(201);
    // As if queued while the employee was on the team, sent after they were taken off it.
    expect((await firm.call('DELETE', `/v1/accounts/${acc.accountId}/team/${employee}`)).status).toBe(204);
    const sender = createClientActionEmails({ db: stack.db, mailer: stack.mailer });
    const send = (userId: string) =>
      sender.sendClientActionEmail({ kind: 'note', firmId: firm.firmId, noteId: note.body.id, userId });
    expect(await send(employee)).toBe('skipped');
    expect(await send(colleague)).toBe('sent');
  });
});

test('a contact linked to no account is open to its timeline and actions, as to its PATCH', async () => {
  const id = await looseContact(employee);
  const as = { as: employee };
  expect((await firm.call('PATCH', `/v1/contacts/${id}`, { phone: '1' }, as)).status).toBe(200);
  const timeline = await firm.call('GET', `/v1/contacts/${id}/timeline`, undefined, as);
  expect(timeline.status).toBe(200);
  expect(timeline.body.items.map((e: { action: string }) => e.action)).toContain('contact.created');
  expect((await firm.call('POST', '/v1/contacts/activation', { contactIds: [id], active: false }, as)).status).toBe(
    200,
  );
  expect((await firm.call('POST', '/v1/notes', { contactId: id, body: 'Met them' }, as)).status).toBe(201);
});

describe('ids are taken in any case', () => {
  test('tags and team of an account', async () => {
    const tag = await firm.call('POST', '/v1/tags', { name: `Tag ${randomUUID()}` });
    const { accountId } = await accountWithContacts(firm, []);
    const res = await firm.call('PATCH', `/v1/accounts/${accountId}`, {
      tags: [tag.body.id.toUpperCase()],
      team: [employee.toUpperCase()],
    });
    expect(res.status).toBe(200);
    expect(await stack.db.accountTag.findMany({ where: { accountId }, select: { tagId: true } })).toEqual([
      { tagId: tag.body.id },
    ]);
    // The same team again, in lower case: nothing changes, nothing is recorded.
    expect((await firm.call('PATCH', `/v1/accounts/${accountId}`, { team: [employee] })).status).toBe(200);
    const added = await firm.call('POST', `/v1/accounts/${accountId}/team`, { firmUserId: colleague.toUpperCase() });
    expect(added.status).toBe(200);
    expect(added.body.added).toBe(true);
    expect(
      (await stack.db.accountTeamChange.findMany({ where: { accountId }, orderBy: { createdAt: 'asc' } })).map((c) => [
        c.firmUserId,
        c.added,
      ]),
    ).toEqual([
      [employee, true],
      [colleague, true],
    ]);
    const made = await firm.call('POST', '/v1/accounts', {
      name: 'Upper',
      type: 'company',
      tags: [tag.body.id.toUpperCase()],
      team: [colleague.toUpperCase()],
    });
    expect(made.status).toBe(201);
  });

  test('note participants and an assignment’s user', async () => {
    const { accountId, contacts } = await accountWithContacts(firm, [{}]);
    const note = await firm.call('POST', '/v1/notes', {
      accountId,
      body: 'Upper',
      participants: [colleague.toUpperCase(), colleague],
    });
    expect(note.status).toBe(201);
    expect(note.body.participants).toEqual([colleague]);
    const assigned = await firm.call('POST', '/v1/assignments', {
      contactIds: [contacts[0].id.toUpperCase()],
      userId: colleague.toUpperCase(),
      participants: [colleague.toUpperCase()],
    });
    expect(assigned.status).toBe(200);
    expect((await stack.db.contact.findUniqueOrThrow({ where: { id: contacts[0].id } })).assignedUserId).toBe(
      colleague,
    );
  });
});

describe('a team change re-checks its actor under the account’s lock', () => {
  test.each<[string, (accountId: string) => Request]>([
    ['replacing the team', (accountId) => ['PATCH', `/v1/accounts/${accountId}`, { team: [employee] }]],
    ['adding a member', (accountId) => ['POST', `/v1/accounts/${accountId}/team`, { firmUserId: employee }]],
  ])('a member removed while %s waits is refused', async (_name, request) => {
    const { accountId } = await accountWithContacts(firm, []);
    await firm.call('POST', `/v1/accounts/${accountId}/team`, { firmUserId: employee });
    const [method, url, body] = request(accountId);
    const res = await whileHeld(
      stack.db,
      async (tx: Tx) => {
        // As the admin's removal does: the account locked, the member gone.
        await tx.$executeRaw`SELECT 1 FROM "Account" WHERE id = ${accountId}::uuid FOR UPDATE`;
        await tx.accountTeamMember.deleteMany({ where: { accountId, firmUserId: employee } });
      },
      () => firm.call(method, url, body, { as: employee }),
    );
    expect(res.status).toBe(403);
    expect(await stack.db.accountTeamMember.count({ where: { accountId, firmUserId: employee } })).toBe(0);
  });
});

describe('a GDPR status renamed while a contact is set to it', () => {
  test('both answer 200: the set waits for the rename and stores the new name', async () => {
    const { contacts } = await accountWithContacts(firm, [{}]);
    const contactId = contacts[0].id;
    const name = `Consent ${randomUUID().slice(0, 8)}`;
    const template = await firm.call('POST', '/v1/email-templates', { name, subject: 'Consent', body: 'Dear.' });
    const status = await firm.call('POST', '/v1/gdpr-statuses', { name });
    const set = () => firm.call('PUT', `/v1/contacts/${contactId}/gdpr-status`, { statusId: status.body.id });
    expect((await set()).status).toBe(200);
    const renamed = `${name} 2026`;
    const pause = () => new Promise((r) => setTimeout(r, 200));
    const [rename, again] = await whileHeld(
      stack.db,
      // The template held: the rename locks the status, then waits on its template.
      (tx: Tx) => tx.$executeRaw`SELECT 1 FROM "EmailTemplate" WHERE id = ${template.body.id}::uuid FOR UPDATE`,
      async () => {
        const first = firm.call('PATCH', `/v1/gdpr-statuses/${status.body.id}`, {
          name: renamed,
          emailTemplateId: template.body.id,
        });
        await pause();
        return Promise.all([first, set()]);
      },
      600,
    );
    expect([rename.status, again.status]).toEqual([200, 200]);
    expect(again.body.gdprStatus).toBe(renamed);
    expect((await stack.db.contact.findUniqueOrThrow({ where: { id: contactId } })).gdprStatus).toBe(renamed);
  });
});

describe('ids are taken in any case: a move’s company left, and the participants on the entries', () => {
  test('a move naming the company it leaves in upper case', async () => {
    const { accountId, contacts } = await accountWithContacts(firm, [{}]);
    const target = await accountWithContacts(firm, []);
    const res = await firm.call('POST', `/v1/contacts/${contacts[0].id}/move`, {
      toAccountId: target.accountId,
      fromAccountId: accountId.toUpperCase(),
    });
    expect(res.status).toBe(200);
    expect(res.body.fromAccountId).toBe(accountId);
    expect(
      await stack.db.accountContact.findMany({ where: { contactId: contacts[0].id }, select: { accountId: true } }),
    ).toEqual([{ accountId: target.accountId }]);
  });

  test.each<[string, string, (contactId: string, accountId: string, custom: string) => Request]>([
    [
      'status change',
      'contact.status_changed',
      (id) => ['POST', '/v1/contacts/status', { contactIds: [id], status: 'x' }],
    ],
    ['assignment', 'contact.assigned', (id) => ['POST', '/v1/assignments', { contactIds: [id], userId: colleague }]],
    ['move', 'contact.moved_in', (id, to) => ['POST', `/v1/contacts/${id}/move`, { toAccountId: to }]],
    [
      'custom action',
      'custom_action.run',
      (id, _to, custom) => ['POST', `/v1/custom-actions/${custom}/runs`, { contactId: id, values: {} }],
    ],
  ])('%s: its entry lists its participants in lower case, once each', async (_name, action, request) => {
    const { contacts } = await accountWithContacts(firm, [{}]);
    const target = await accountWithContacts(firm, []);
    const custom = await firm.call('POST', '/v1/custom-actions', { name: `Call ${randomUUID()}`, fields: [] });
    const [method, url, body] = request(contacts[0].id, target.accountId, custom.body.id);
    const participants = [colleague.toUpperCase(), colleague];
    const res = await firm.call(method, url, { ...(body as object), participants });
    expect(res.status).toBe(action === 'custom_action.run' ? 201 : 200);
    const [entry] = await entries(contacts[0].id, action);
    expect(entry.participants).toEqual([colleague]);
  });
});

test('a move’s note names the company the contact goes to: its participants must be able to open that one too', async () => {
  const a = await accountWithContacts(firm, [{}, {}]);
  const c = await accountWithContacts(firm, [{}]);
  const b = await accountWithContacts(firm, []);
  const contactId = a.contacts[0].id;
  expect((await firm.call('PUT', `/v1/accounts/${c.accountId}/contacts/${contactId}`, {})).status).toBe(200);
  // On C's team only: the contact is open to them (through C), the company it goes to is not.
  const reader = await addUser('employee');
  expect((await firm.call('POST', `/v1/accounts/${c.accountId}/team`, { firmUserId: reader })).status).toBe(200);
  const move = () =>
    firm.call('POST', `/v1/contacts/${contactId}/move`, {
      toAccountId: b.accountId,
      fromAccountId: a.accountId,
      participants: [reader],
    });
  const refused = await move();
  expect([refused.status, refused.body.errors]).toEqual([
    422,
    [{ field: 'body.participants', message: expect.stringContaining(reader) }],
  ]);
  expect(await stack.db.accountContact.count({ where: { contactId, accountId: a.accountId } })).toBe(1);
  expect((await firm.call('POST', `/v1/accounts/${b.accountId}/team`, { firmUserId: reader })).status).toBe(200);
  const moved = await move();
  expect(moved.status).toBe(200);
  const note = await firm.call('GET', `/v1/notes/${moved.body.noteId}`, undefined, { as: reader });
  expect(note.body).toMatchObject({ contactId, accountId: b.accountId });
});
