// Who may see and change an account (SPEC §6): owner, admin, the account's team and employees with
// "view all accounts"; another firm gets 404, a same-firm user without the right 403, and nothing is written.
import { randomUUID } from 'node:crypto';
import { startStack, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts } from './support/fixtures';
import { rowCounter } from './support/bad-input';

let stack: Stack;
let firm: FirmHandle;
let other: FirmHandle;
const users = {} as Record<'owner' | 'admin' | 'onTeam' | 'offTeam' | 'viewAll', string>;
let accountId: string;
let threadId: string;
let approvalId: string;
let contactId: string;
let emailId: string;

async function addUser(role: 'admin' | 'employee', canViewAllAccounts = false) {
  const res = await firm.call('POST', '/v1/users', {
    email: `${role}-${randomUUID()}@firm.test`,
    name: `${role} ${randomUUID().slice(0, 4)}`,
    role,
    canViewAllAccounts,
  });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return res.body.id as string;
}

beforeAll(async () => {
  // No worker: workflows are signalled but never run, so no reminder email or dispatch lands during the row counts.
  stack = await startStack({ daySeconds: 1, worker: false });
  firm = await stack.newFirm();
  other = await stack.newFirm();
  users.owner = firm.ownerId;
  users.admin = await addUser('admin');
  users.onTeam = await addUser('employee');
  users.offTeam = await addUser('employee');
  users.viewAll = await addUser('employee', true);
  const acc = await accountWithContacts(firm, [{}]);
  accountId = acc.accountId;
  contactId = acc.contacts[0].id;
  emailId = acc.contacts[0].emailId;
  expect((await firm.call('POST', `/v1/accounts/${accountId}/team`, { firmUserId: users.onTeam })).status).toBe(200);
  threadId = (await firm.call('POST', `/v1/accounts/${accountId}/chat-threads`, { subject: 'Receipts' })).body.id;
  const documentId = (await firm.call('POST', `/v1/accounts/${accountId}/documents`, { name: 'Tax return' })).body.id;
  approvalId = (await firm.call('POST', `/v1/documents/${documentId}/approval-requests`, {})).body.id;
});
afterAll(() => stack?.stop());

const TABLES = [
  'account',
  'contact',
  'contactEmail',
  'accountContact',
  'accountTeamMember',
  'accountTeamChange',
  'chatMessage',
  'reminderSettings',
  'auditEvent',
  'reminderDispatch',
  'invitation',
] as const;
const rowCounts = rowCounter(() => stack.db, TABLES);

type Who = keyof typeof users;
type Send = (as: string, f?: FirmHandle) => Promise<{ status: number; body: any }>;
const op = (name: string, send: Send, ok = 200): [string, Send, number] => [name, send, ok];
const operations: [string, Send, number][] = [
  op('read', (as, f = firm) => f.call('GET', `/v1/accounts/${accountId}`, undefined, { as })),
  op('update', (as, f = firm) =>
    f.call('PATCH', `/v1/accounts/${accountId}`, { name: `Renamed by ${as.slice(0, 4)}` }, { as }),
  ),
  op('team change', (as, f = firm) =>
    f.call('POST', `/v1/accounts/${accountId}/team`, { firmUserId: users.viewAll }, { as }),
  ),
  op('overview', (as, f = firm) => f.call('GET', `/v1/accounts/${accountId}/overview`, undefined, { as })),
  op(
    'post a chat message',
    (as, f = firm) =>
      f.call('POST', `/v1/chat-threads/${threadId}/messages`, { author: 'firm', body: 'Any news?' }, { as }),
    201,
  ),
  op('reminder settings', (as, f = firm) =>
    f.call('PUT', `/v1/chat-threads/${threadId}/reminder-settings`, { enabled: false }, { as }),
  ),
  op('audit trail of the account', (as, f = firm) =>
    f.call('GET', `/v1/audit-events?accountId=${accountId}`, undefined, { as }),
  ),
  op(
    'request pending approvals of the account',
    (as, f = firm) => f.call('POST', '/v1/approval-requests/request-pending', { accountId }, { as }),
    202,
  ),
  op('read a contact of the account', (as, f = firm) => f.call('GET', `/v1/contacts/${contactId}`, undefined, { as })),
  op('portal to-dos of a contact email of the account', (as, f = firm) =>
    f.call('GET', `/v1/contact-emails/${emailId}/todos`, undefined, { as }),
  ),
  op('invitations of a contact email of the account', (as, f = firm) =>
    f.call('GET', `/v1/contact-emails/${emailId}/invitations`, undefined, { as }),
  ),
  op(
    'create a contact linked to the account',
    (as, f = firm) =>
      f.call(
        'POST',
        '/v1/contacts',
        { firstName: 'New', emails: [{ address: `new-${randomUUID()}@client.test` }], accounts: [{ accountId }] },
        { as },
      ),
    201,
  ),
];

const allowed: Record<Who, boolean> = { owner: true, admin: true, onTeam: true, offTeam: false, viewAll: true };
const matrix = (Object.keys(allowed) as Who[]).flatMap((who) =>
  operations.map(([op, send, ok]) => [who, op, send, allowed[who] ? ok : 403] as const),
);

describe('permission matrix', () => {
  test.each(matrix)('%s: %s', async (who, _op, send, expected) => {
    const before = await rowCounts();
    const res = await send(users[who]);
    expect({ status: res.status, body: res.status >= 400 ? res.body.type : 'ok' }).toEqual({
      status: expected,
      body: expected >= 400 ? 'https://nudge.dev/problems/forbidden' : 'ok',
    });
    if (expected === 403) expect(await rowCounts()).toEqual(before);
  });

  test.each(operations)('another firm: %s is 404 and writes nothing', async (_op, send) => {
    const before = await rowCounts();
    expect((await send(other.ownerId, other)).status).toBe(404);
    expect(await rowCounts()).toEqual(before);
  });

  // Reading reminder state queries the workflow, which needs a worker; the refusals are decided before that.
  test('reminder state: 403 off the team, 404 for another firm', async () => {
    expect(
      (await firm.call('GET', `/v1/chat-threads/${threadId}/reminders`, undefined, { as: users.offTeam })).status,
    ).toBe(403);
    expect((await other.call('GET', `/v1/chat-threads/${threadId}/reminders`)).status).toBe(404);
  });

  test.each(Object.keys(allowed) as Who[])('list as %s shows the account only with the right', async (who) => {
    const res = await firm.call('GET', '/v1/accounts?limit=200', undefined, { as: users[who] });
    expect(res.status).toBe(200);
    expect(res.body.items.some((a: { id: string }) => a.id === accountId)).toBe(allowed[who]);
  });

  test('another firm’s list never shows the account', async () => {
    const res = await other.call('GET', '/v1/accounts?limit=200');
    expect(res.body.items.some((a: { id: string }) => a.id === accountId)).toBe(false);
  });
});

describe('scoped reach', () => {
  test('request-pending without an account reaches only the employee’s accounts', async () => {
    const off = await firm.call('POST', '/v1/approval-requests/request-pending', {}, { as: users.offTeam });
    expect(off.status).toBe(202);
    expect(off.body.resends.map((r: { approvalRequestId: string }) => r.approvalRequestId)).not.toContain(approvalId);
    const on = await firm.call('POST', '/v1/approval-requests/request-pending', {}, { as: users.onTeam });
    expect(on.body.resends.map((r: { approvalRequestId: string }) => r.approvalRequestId)).toContain(approvalId);
  });

  test('the firm-wide audit trail is refused to a team-limited employee', async () => {
    expect((await firm.call('GET', '/v1/audit-events', undefined, { as: users.offTeam })).status).toBe(403);
    expect((await firm.call('GET', '/v1/audit-events', undefined, { as: users.viewAll })).status).toBe(200);
  });

  test('an employee who creates an account joins its team and may open it', async () => {
    const created = await firm.call(
      'POST',
      '/v1/accounts',
      { name: 'Made by an employee', type: 'other' },
      { as: users.offTeam },
    );
    expect(created.status).toBe(201);
    const read = await firm.call('GET', `/v1/accounts/${created.body.id}`, undefined, { as: users.offTeam });
    expect(read.status).toBe(200);
    expect(read.body.team.map((m: { id: string }) => m.id)).toEqual([users.offTeam]);
  });

  test('removing an employee from the team takes their access away', async () => {
    const acc = await accountWithContacts(firm, [{}]);
    await firm.call('POST', `/v1/accounts/${acc.accountId}/team`, { firmUserId: users.onTeam });
    expect((await firm.call('GET', `/v1/accounts/${acc.accountId}`, undefined, { as: users.onTeam })).status).toBe(200);
    expect((await firm.call('DELETE', `/v1/accounts/${acc.accountId}/team/${users.onTeam}`)).status).toBe(204);
    expect((await firm.call('GET', `/v1/accounts/${acc.accountId}`, undefined, { as: users.onTeam })).status).toBe(403);
  });

  test('custom field definitions are managed by the owner and admins only', async () => {
    const body = { entity: 'account', key: `f${randomUUID().slice(0, 6)}`, label: 'F', type: 'text' };
    expect((await firm.call('POST', '/v1/custom-fields', body, { as: users.viewAll })).status).toBe(403);
    expect((await firm.call('POST', '/v1/custom-fields', body, { as: users.admin })).status).toBe(201);
  });

  test('an employee may create a tag but not rename or delete one: it is on accounts across the firm', async () => {
    const made = await firm.call('POST', '/v1/tags', { name: `t-${randomUUID().slice(0, 6)}` }, { as: users.offTeam });
    expect(made.status).toBe(201);
    expect((await firm.call('PATCH', `/v1/accounts/${accountId}`, { tags: [made.body.id] })).status).toBe(200);
    for (const as of [users.offTeam, users.viewAll]) {
      const renamed = await firm.call('PATCH', `/v1/tags/${made.body.id}`, { name: 'Renamed' }, { as });
      expect(renamed.status).toBe(403);
      expect((await firm.call('DELETE', `/v1/tags/${made.body.id}`, undefined, { as })).status).toBe(403);
    }
    expect(await stack.db.accountTag.count({ where: { tagId: made.body.id } })).toBe(1);
    expect((await stack.db.tag.findUniqueOrThrow({ where: { id: made.body.id } })).name).toBe(made.body.name);
    expect((await firm.call('DELETE', `/v1/tags/${made.body.id}`, undefined, { as: users.admin })).status).toBe(204);
  });
});

// Only owners and admins manage users, and nobody grants a role above their own (owner > admin > employee).
describe('portal invitations of a contact email', () => {
  let offLogin: string;
  beforeAll(async () => {
    const c = await firm.call('POST', '/v1/contacts', {
      firstName: 'Ivo',
      emails: [{ address: `invitee-${randomUUID()}@client.test`, login: 'off' }],
      accounts: [{ accountId }],
    });
    expect(c.status).toBe(201);
    offLogin = c.body.emails[0].id;
  });

  test('an employee off the contact’s accounts may neither invite nor resend: 403, nothing written', async () => {
    const before = await rowCounts();
    for (const path of [
      `/v1/contact-emails/${offLogin}/invitation`,
      `/v1/contact-emails/${offLogin}/invitation/resend`,
    ]) {
      const res = await firm.call('POST', path, {}, { as: users.offTeam });
      expect({ path, status: res.status, type: res.body.type }).toEqual({
        path,
        status: 403,
        type: 'https://nudge.dev/problems/forbidden',
      });
    }
    expect(await rowCounts()).toEqual(before);
    expect((await stack.db.contactEmail.findUniqueOrThrow({ where: { id: offLogin } })).login).toBe('off');
  });

  test('another firm gets 404; the account’s team may invite', async () => {
    const invite = `/v1/contact-emails/${offLogin}/invitation`;
    expect((await other.call('POST', invite, {})).status).toBe(404);
    expect((await other.call('POST', `${invite}/resend`, {})).status).toBe(404);
    expect((await firm.call('POST', invite, {}, { as: users.onTeam })).status).toBe(201);
    expect(
      (await firm.call('GET', `/v1/contact-emails/${offLogin}/invitations`, undefined, { as: users.onTeam })).body
        .items,
    ).toHaveLength(1);
  });
});

describe('user management', () => {
  const userRows = rowCounter(() => stack.db, ['firmUser', 'auditEvent']);
  const grant = (who: Who, role: 'owner' | 'admin' | 'employee') =>
    firm.call(
      'POST',
      '/v1/users',
      { email: `${role}-by-${who}-${randomUUID()}@firm.test`, name: `${role} by ${who}`, role },
      { as: users[who] },
    );
  const rows: [Who, 'owner' | 'admin' | 'employee', number][] = [
    ['onTeam', 'admin', 403],
    ['onTeam', 'employee', 403],
    ['viewAll', 'employee', 403],
    ['admin', 'owner', 403],
    ['admin', 'admin', 201],
    ['admin', 'employee', 201],
    ['owner', 'owner', 201],
    ['owner', 'admin', 201],
  ];
  test.each(rows)('%s creating an %s: %d', async (who, role, expected) => {
    const before = await userRows();
    const res = await grant(who, role);
    expect(res.status).toBe(expected);
    if (expected === 403) {
      expect(res.body.type).toBe('https://nudge.dev/problems/forbidden');
      expect(await userRows()).toEqual(before);
    } else {
      expect(res.body).toMatchObject({ role });
      expect((await userRows()).firmUser).toBe(before.firmUser + 1);
    }
  });

  test.each(Object.keys(allowed) as Who[])('listing users is open to %s', async (who) => {
    const res = await firm.call('GET', '/v1/users', undefined, { as: users[who] });
    expect(res.status).toBe(200);
    expect(res.body.map((u: { id: string }) => u.id)).toEqual(expect.arrayContaining(Object.values(users)));
  });
});

// A contact shared by two accounts: a team-limited employee reads only the links to accounts they may see.
describe('contact reads show only the account links the reader may see', () => {
  let teamA: string;
  let hiddenB: string;
  let shared: string;
  beforeAll(async () => {
    const a = await accountWithContacts(firm, [{}]);
    const b = await accountWithContacts(firm, [{}]);
    teamA = a.accountId;
    hiddenB = b.accountId;
    shared = a.contacts[0].id;
    expect((await firm.call('POST', `/v1/accounts/${teamA}/team`, { firmUserId: users.offTeam })).status).toBe(200);
    expect(
      (await firm.call('PUT', `/v1/accounts/${teamA}/contacts/${shared}`, { description: 'Director of A' })).status,
    ).toBe(200);
    expect(
      (await firm.call('PUT', `/v1/accounts/${hiddenB}/contacts/${shared}`, { description: 'Secret role at B' }))
        .status,
    ).toBe(200);
  });

  test('an employee on A’s team only: A’s link, nothing of B', async () => {
    const res = await firm.call('GET', `/v1/contacts/${shared}`, undefined, { as: users.offTeam });
    expect(res.status).toBe(200);
    expect(res.body.accounts).toEqual([expect.objectContaining({ accountId: teamA, description: 'Director of A' })]);
    expect(JSON.stringify(res.body)).not.toContain(hiddenB);
    expect(JSON.stringify(res.body)).not.toContain('Secret role at B');
  });

  test('the contact a change answers with shows the same links only', async () => {
    const res = await firm.call('PATCH', `/v1/contacts/${shared}`, { phone: '+39 02 1234' }, { as: users.offTeam });
    expect(res.status).toBe(200);
    expect(res.body.accounts.map((l: { accountId: string }) => l.accountId)).toEqual([teamA]);
    expect(JSON.stringify(res.body)).not.toContain('Secret role at B');
  });

  test.each(['owner', 'admin', 'viewAll'] as Who[])('%s sees both links', async (who) => {
    const res = await firm.call('GET', `/v1/contacts/${shared}`, undefined, { as: users[who] });
    expect(res.status).toBe(200);
    expect(res.body.accounts.map((l: { accountId: string }) => l.accountId).sort()).toEqual([teamA, hiddenB].sort());
  });

  test('an employee on neither team is still refused the contact', async () => {
    const res = await firm.call('GET', `/v1/contacts/${shared}`, undefined, { as: users.onTeam });
    expect(res.status).toBe(403);
  });

  test('the contact’s timeline shows A’s entries and none of B’s', async () => {
    const entries = async (who: Who) => {
      const res = await firm.call('GET', `/v1/contacts/${shared}/timeline`, undefined, { as: users[who] });
      expect(res.status).toBe(200);
      return res.body.items as { accountId: string | null; action: string }[];
    };
    const limited = await entries('offTeam');
    expect(limited.filter((e) => e.accountId === teamA).length).toBeGreaterThan(0);
    expect(limited.filter((e) => e.accountId !== null && e.accountId !== teamA)).toEqual([]);
    expect(JSON.stringify(limited)).not.toContain('Secret role at B');
    expect((await entries('owner')).some((e) => e.accountId === hiddenB)).toBe(true);
  });

  test('the portal to-dos of the contact’s email: A’s only', async () => {
    const emailOf = (await firm.call('GET', `/v1/contacts/${shared}`)).body.emails[0].id as string;
    // To-dos are written by the reminder dispatch (no worker here): two, one per account.
    for (const [acc, title] of [
      [teamA, 'Approve A’s accounts'],
      [hiddenB, 'Approve B’s secret accounts'],
    ]) {
      await stack.db.portalTodo.create({
        data: {
          firmId: firm.firmId,
          accountId: acc,
          contactEmailId: emailOf,
          itemKind: 'approval',
          itemId: randomUUID(),
          title,
        },
      });
    }
    const todos = async (who: Who) =>
      (await firm.call('GET', `/v1/contact-emails/${emailOf}/todos`, undefined, { as: users[who] })).body as {
        accountId: string;
      }[];
    expect((await todos('offTeam')).map((t) => t.accountId)).toEqual([teamA]);
    expect((await todos('owner')).map((t) => t.accountId).sort()).toEqual([teamA, hiddenB].sort());
  });

  test('a note about the contact and B: refused to the employee on A’s team only', async () => {
    const note = await firm.call('POST', '/v1/notes', {
      contactId: shared,
      accountId: hiddenB,
      body: 'B’s audit plan',
    });
    expect(note.status).toBe(201);
    const read = await firm.call('GET', `/v1/notes/${note.body.id}`, undefined, { as: users.offTeam });
    expect(read.status).toBe(403);
    const comment = await firm.call(
      'POST',
      `/v1/notes/${note.body.id}/comments`,
      { body: 'Seen' },
      { as: users.offTeam },
    );
    expect(comment.status).toBe(403);
    expect(await stack.db.noteComment.count({ where: { noteId: note.body.id } })).toBe(0);
    expect((await firm.call('GET', `/v1/notes/${note.body.id}`)).status).toBe(200);
  });
});

// A link opens the contact (its emails, its address) to whoever may open the account: linking takes the right to
// change the contact already, as PATCH /v1/contacts and the CSV import do.
describe('linking a contact needs the right to change it', () => {
  let employee: string;
  let teamA: string;
  let ofB: { id: string; emailId: string; address: string };
  beforeAll(async () => {
    employee = await addUser('employee');
    const a = await accountWithContacts(firm, [{}]);
    const b = await accountWithContacts(firm, [{}]);
    teamA = a.accountId;
    ofB = b.contacts[0];
    expect((await firm.call('POST', `/v1/accounts/${teamA}/team`, { firmUserId: employee })).status).toBe(200);
  });

  test('a contact only of an account the employee may not open: 403, nothing written, emails shut', async () => {
    const before = await rowCounts();
    const link = await firm.call('PUT', `/v1/accounts/${teamA}/contacts/${ofB.id}`, {}, { as: employee });
    expect({ status: link.status, type: link.body.type }).toEqual({
      status: 403,
      type: 'https://nudge.dev/problems/forbidden',
    });
    expect(await rowCounts()).toEqual(before);
    const redirect = await firm.call(
      'PATCH',
      `/v1/contact-emails/${ofB.emailId}`,
      { address: `attacker-${randomUUID()}@evil.test` },
      { as: employee },
    );
    expect(redirect.status).toBe(403);
    expect((await stack.db.contactEmail.findUniqueOrThrow({ where: { id: ofB.emailId } })).address).toBe(ofB.address);
  });

  test('a contact of no account, or of one the employee may open, may be linked', async () => {
    const free = await firm.call('POST', '/v1/contacts', {
      firstName: 'Free',
      emails: [{ address: `free-${randomUUID()}@client.test` }],
    });
    expect(
      (await firm.call('PUT', `/v1/accounts/${teamA}/contacts/${free.body.id}`, {}, { as: employee })).status,
    ).toBe(200);
    const c = await accountWithContacts(firm, [{}]);
    expect((await firm.call('POST', `/v1/accounts/${c.accountId}/team`, { firmUserId: employee })).status).toBe(200);
    const shared = await firm.call('PUT', `/v1/accounts/${teamA}/contacts/${c.contacts[0].id}`, {}, { as: employee });
    expect(shared.status).toBe(200);
  });

  test('whoever may open both accounts may link it', async () => {
    expect((await firm.call('PUT', `/v1/accounts/${teamA}/contacts/${ofB.id}`, {}, { as: users.viewAll })).status).toBe(
      200,
    );
    expect((await firm.call('GET', `/v1/contacts/${ofB.id}`, undefined, { as: employee })).status).toBe(200);
  });
});

describe('changing and deactivating firm users', () => {
  let f: FirmHandle;
  let admin: string;
  let account: string;
  const add = async (role: 'owner' | 'admin' | 'employee', as = f.ownerId) => {
    const res = await f.call(
      'POST',
      '/v1/users',
      { email: `${role}-${randomUUID()}@firm.test`, name: `${role} ${randomUUID().slice(0, 4)}`, role },
      { as },
    );
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const patch = (userId: string, body: unknown, as = f.ownerId) => f.call('PATCH', `/v1/users/${userId}`, body, { as });
  const updates = async () =>
    (await f.call('GET', '/v1/audit-events?action=firm_user.updated')).body.items as { data: any; actorId: string }[];
  /** Auth remembers a user up to 5 s: a change shows within that. */
  const eventuallyStatus = async (send: () => Promise<{ status: number; body: any }>, status: number) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await send();
      if (res.status === status || Date.now() > deadline) return res;
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  beforeAll(async () => {
    f = await stack.newFirm();
    admin = await add('admin');
    account = (await accountWithContacts(f, [{}])).accountId;
  });

  test('an admin grants “view all accounts”: the employee reads the account within 5 s; one audit entry', async () => {
    const emp = await add('employee', admin);
    const read = () => f.call('GET', `/v1/accounts/${account}`, undefined, { as: emp });
    expect((await read()).status).toBe(403);
    const res = await patch(emp, { canViewAllAccounts: true }, admin);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: emp, role: 'employee', canViewAllAccounts: true, deactivatedAt: null });
    expect((await eventuallyStatus(read, 200)).status).toBe(200);
    const [entry] = await updates();
    expect(entry).toMatchObject({
      actorId: admin,
      data: {
        firmUserId: emp,
        changed: ['canViewAllAccounts'],
        role: 'employee',
        canViewAllAccounts: true,
        active: true,
      },
    });
    // The same value again writes nothing.
    const before = (await updates()).length;
    expect((await patch(emp, { canViewAllAccounts: true }, admin)).status).toBe(200);
    expect((await updates()).length).toBe(before);
  });

  test('employees change nobody; an admin neither changes an owner nor grants owner; nothing written', async () => {
    const emp = await add('employee');
    const other = await add('employee');
    const before = (await updates()).length;
    const refused = [
      await patch(other, { name: 'Renamed' }, emp),
      await patch(f.ownerId, { name: 'Renamed' }, admin),
      await patch(other, { role: 'owner' }, admin),
    ];
    expect(refused.map((r) => [r.status, r.body.type])).toEqual(
      refused.map(() => [403, 'https://nudge.dev/problems/forbidden']),
    );
    expect((await updates()).length).toBe(before);
    expect((await patch(other, { role: 'admin', name: 'Ada Admin' })).body).toMatchObject({
      role: 'admin',
      name: 'Ada Admin',
    });
    expect((await updates())[0].data.changed.sort()).toEqual(['name', 'role']);
  });

  test('a deactivated user may no longer act, take part or join a team; made active again, they act', async () => {
    const emp = await add('employee');
    const act = () => f.call('GET', '/v1/accounts', undefined, { as: emp });
    expect((await act()).status).toBe(200);
    const off = await patch(emp, { active: false }, admin);
    expect(off.status).toBe(200);
    expect(off.body.deactivatedAt).toEqual(expect.any(String));
    const refused = await eventuallyStatus(act, 403);
    expect([refused.status, refused.body.type]).toEqual([403, 'https://nudge.dev/problems/acting-user-deactivated']);
    const team = await f.call('POST', `/v1/accounts/${account}/team`, { firmUserId: emp });
    expect([team.status, team.body.errors]).toEqual([
      422,
      [{ field: 'body.firmUserId', message: expect.stringContaining('deactivated') }],
    ]);
    const note = await f.call('POST', '/v1/notes', { accountId: account, body: 'Plan', participants: [emp] });
    expect([note.status, note.body.errors]).toEqual([
      422,
      [{ field: 'body.participants', message: expect.stringContaining('deactivated') }],
    ]);
    const listed = (await f.call('GET', '/v1/users')).body.find((u: { id: string }) => u.id === emp);
    expect(listed.deactivatedAt).toEqual(off.body.deactivatedAt);
    expect((await updates())[0].data).toMatchObject({ firmUserId: emp, changed: ['active'], active: false });
    expect((await patch(emp, { active: true }, admin)).body.deactivatedAt).toBeNull();
    expect((await eventuallyStatus(act, 200)).status).toBe(200);
  });

  test('a deactivated member stays on a team whose other members change; a deactivated user is not added', async () => {
    const [stays, leaves, newcomer] = [await add('employee'), await add('employee'), await add('employee')];
    const acc = (await accountWithContacts(f, [{}])).accountId;
    expect((await f.call('PATCH', `/v1/accounts/${acc}`, { team: [stays, leaves] })).status).toBe(200);
    expect((await patch(stays, { active: false })).status).toBe(200);
    expect((await patch(newcomer, { active: false })).status).toBe(200);
    expect((await f.call('PATCH', `/v1/accounts/${acc}`, { team: [stays] })).status).toBe(200);
    const refused = await f.call('PATCH', `/v1/accounts/${acc}`, { team: [stays, newcomer] });
    expect([refused.status, refused.body.errors]).toEqual([
      422,
      [{ field: 'body.team', message: expect.stringContaining(`${newcomer} is deactivated`) }],
    ]);
    const team = await stack.db.accountTeamMember.findMany({ where: { accountId: acc }, select: { firmUserId: true } });
    expect(team).toEqual([{ firmUserId: stays }]);
  });

  test('the last active owner stays (409 last-owner); of two owners demoting each other at once, one wins', async () => {
    // The second sees itself demoted by the first (403: an admin changes no owner), before it would be the last.
    for (const body of [{ role: 'admin' }, { active: false }]) {
      const res = await patch(f.ownerId, body);
      expect([res.status, res.body.type]).toEqual([409, 'https://nudge.dev/problems/last-owner']);
    }
    const second = await add('owner');
    const both = await Promise.all([
      patch(second, { role: 'admin' }, f.ownerId),
      patch(f.ownerId, { role: 'admin' }, second),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 403]);
    const owners = (await f.call('GET', '/v1/users')).body.filter((u: { role: string }) => u.role === 'owner');
    expect(owners).toHaveLength(1);
    // Whoever is owner now makes the other one owner again, for the tests after.
    await patch(owners[0].id === second ? f.ownerId : second, { role: 'owner' }, owners[0].id);
  });

  test('rights just lost are not used, though authentication still remembers them; nothing written', async () => {
    const [lost, demoted] = [await add('admin'), await add('owner')];
    // Each acts once, so that authentication remembers them as they were (up to 5 s).
    for (const id of [lost, demoted])
      expect((await f.call('GET', '/v1/users', undefined, { as: id })).status).toBe(200);
    expect((await patch(lost, { active: false })).status).toBe(200);
    expect((await patch(demoted, { role: 'admin' })).status).toBe(200);
    const before = (await updates()).length;
    const count = (await f.call('GET', '/v1/users')).body.length;
    const back = await patch(lost, { active: true }, lost);
    expect([back.status, back.body.type]).toEqual([403, 'https://nudge.dev/problems/acting-user-deactivated']);
    const added = await f.call(
      'POST',
      '/v1/users',
      { email: `x-${randomUUID()}@firm.test`, name: 'X', role: 'employee' },
      { as: lost },
    );
    expect(added.status).toBe(403);
    const owner = await patch(demoted, { role: 'owner' }, demoted);
    expect([owner.status, owner.body.type]).toEqual([403, 'https://nudge.dev/problems/forbidden']);
    expect((await updates()).length).toBe(before);
    const users = (await f.call('GET', '/v1/users')).body as { id: string; role: string; deactivatedAt: unknown }[];
    expect(users.find((u) => u.id === lost)?.deactivatedAt).not.toBeNull();
    expect(users.find((u) => u.id === demoted)?.role).toBe('admin');
    expect(users).toHaveLength(count);
  });

  test('of two owners demoting each other at once while a third stays, only the first demotes', async () => {
    const [a, b] = [await add('owner'), await add('owner')];
    for (const id of [a, b]) expect((await f.call('GET', '/v1/users', undefined, { as: id })).status).toBe(200);
    const both = await Promise.all([patch(b, { role: 'admin' }, a), patch(a, { role: 'admin' }, b)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 403]);
    const roles = ((await f.call('GET', '/v1/users')).body as { id: string; role: string }[])
      .filter((u) => u.id === a || u.id === b)
      .map((u) => u.role)
      .sort();
    expect(roles).toEqual(['admin', 'owner']);
  });

  test('bad input: 422 naming the field; another firm’s user or a malformed id: 404; nothing written', async () => {
    const emp = await add('employee');
    const before = (await updates()).length;
    for (const [body, field] of [
      [{}, 'body'],
      [{ role: 'boss' }, 'body.role'],
      [{ active: 'no' }, 'body.active'],
      [{ name: '' }, 'body.name'],
      [{ email: 'x@firm.test', name: 'Y' }, 'body'],
    ] as const) {
      const res = await patch(emp, body);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 422]);
      expect(res.body.errors).toEqual([expect.objectContaining({ field })]);
    }
    expect((await patch(other.ownerId, { name: 'X' })).status).toBe(404);
    expect((await f.call('PATCH', '/v1/users/not-a-uuid', { name: 'X' })).status).toBe(404);
    expect((await updates()).length).toBe(before);
  });
});
