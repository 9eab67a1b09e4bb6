// Reading views and who they answer: the overview's pending-request pages past a request that left the list,
// forged account-list and overview cursors, the accounts a team-limited reader's timeline and trail name, an
// Idempotency-Key reused by another user (a record of the earlier version too, past its retry time), and the audit
// entry of a new firm user.
import { createHash, randomUUID } from 'node:crypto';
import { startStack, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts, firmUser } from './support/fixtures';
import { Prisma } from '../prisma/client';
import { reminderWorkflowId } from '../shared/contracts/item-reminder';

let stack: Stack;
let firm: FirmHandle;
let employee: string;

beforeAll(async () => {
  // No worker: nothing here needs a workflow to run.
  stack = await startStack({ daySeconds: 1, worker: false });
  firm = await stack.newFirm();
  employee = await firmUser(firm, 'Eve Employee');
});
afterAll(() => stack?.stop());

const forged = (value: unknown[]) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('overview pages of pending requests', () => {
  let accountId: string;
  let all: string[];
  const page = (section: string, query: string) =>
    firm.call('GET', `/v1/accounts/${accountId}/overview/${section}?${query}`);

  beforeAll(async () => {
    const acc = await accountWithContacts(firm, [{}]);
    accountId = acc.accountId;
    for (const name of ['First', 'Second', 'Third']) {
      const doc = await firm.call('POST', `/v1/accounts/${accountId}/documents`, { name });
      expect((await firm.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, {})).status).toBe(201);
    }
    all = (await page('approval-requests', 'limit=50')).body.items.map((r: { id: string }) => r.id);
    expect(all).toHaveLength(3);
  });

  test('the request a page ended on, cancelled meanwhile, hides none of the next', async () => {
    const p1 = await page('approval-requests', 'limit=1');
    expect(p1.body.items.map((r: { id: string }) => r.id)).toEqual([all[0]]);
    expect((await firm.call('POST', `/v1/approval-requests/${all[0]}/cancel`)).status).toBe(200);
    const p2 = await page('approval-requests', `limit=1&cursor=${p1.body.nextCursor}`);
    expect(p2.status).toBe(200);
    expect(p2.body.items.map((r: { id: string }) => r.id)).toEqual([all[1]]);
    const p3 = await page('approval-requests', `limit=1&cursor=${p2.body.nextCursor}`);
    expect(p3.body).toMatchObject({ items: [expect.objectContaining({ id: all[2] })], nextCursor: null, total: 2 });
  });

  test.each(['approval-requests', 'signature-requests', 'documents'])(
    '%s: a cursor no page gave (a bare id) is refused',
    async (section) => {
      const res = await page(section, `cursor=${randomUUID()}`);
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'query.cursor' })]);
    },
  );
});

describe('account list cursors forged with a value PostgreSQL would refuse', () => {
  test.each([
    ['a 13th month', 'createdAt', '2026-13-01T00:00:00.000'],
    ['30 February', 'updatedAt', '2026-02-30T00:00:00.000'],
    ['hour 24', 'createdAt', '2026-02-28T24:00:00.000'],
    ['year 0', 'createdAt', '0000-01-01T00:00:00.000'],
    ['NUL in a name', 'name', 'a\u0000'],
  ])('%s: 422 query.cursor', async (_name, sort, value) => {
    const res = await firm.call('GET', `/v1/accounts?sort=${sort}&cursor=${forged([sort, value, randomUUID()])}`);
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'query.cursor' })]);
  });

  test('a real cursor still pages', async () => {
    for (let i = 0; i < 2; i++) await accountWithContacts(firm, []);
    const p1 = await firm.call('GET', '/v1/accounts?sort=createdAt&order=desc&limit=1');
    const p2 = await firm.call('GET', `/v1/accounts?sort=createdAt&order=desc&limit=1&cursor=${p1.body.nextCursor}`);
    expect(p2.status).toBe(200);
    expect(p2.body.items[0].id).not.toBe(p1.body.items[0].id);
  });
});

describe('a team-limited reader’s timeline and trail name no account they may not open', () => {
  let teamA: string;
  let hiddenB: string;

  beforeAll(async () => {
    teamA = (await accountWithContacts(firm, [])).accountId;
    hiddenB = (await accountWithContacts(firm, [])).accountId;
    expect((await firm.call('POST', `/v1/accounts/${teamA}/team`, { firmUserId: employee })).status).toBe(200);
  });

  async function sharedContact() {
    const c = await firm.call('POST', '/v1/contacts', {
      firstName: 'Sam',
      lastName: 'Shared',
      emails: [{ address: `shared-${randomUUID()}@client.test` }],
      accounts: [{ accountId: teamA }, { accountId: hiddenB }],
    });
    expect(c.status).toBe(201);
    return c.body.id as string;
  }

  test('a change to a contact of A and B: its timeline lists A only', async () => {
    const contactId = await sharedContact();
    expect(
      (await firm.call('PATCH', `/v1/contacts/${contactId}`, { phone: '+39 02 1' }, { as: employee })).status,
    ).toBe(200);
    const limited = await firm.call('GET', `/v1/contacts/${contactId}/timeline`, undefined, { as: employee });
    expect(limited.status).toBe(200);
    const updated = limited.body.items.find((e: { action: string }) => e.action === 'contact.updated');
    expect(updated.data.accountIds).toEqual([teamA]);
    expect(JSON.stringify(limited.body)).not.toContain(hiddenB);
    // The owner sees both.
    const full = await firm.call('GET', `/v1/contacts/${contactId}/timeline`);
    const all = full.body.items.find((e: { action: string }) => e.action === 'contact.updated');
    expect([...all.data.accountIds].sort()).toEqual([teamA, hiddenB].sort());
  });

  test('a contact moved from B into A: the move names no B', async () => {
    const c = await firm.call('POST', '/v1/contacts', {
      firstName: 'Mo',
      lastName: 'Mover',
      emails: [{ address: `mover-${randomUUID()}@client.test` }],
      accounts: [{ accountId: hiddenB }],
    });
    expect(c.status).toBe(201);
    const moved = await firm.call('POST', `/v1/contacts/${c.body.id}/move`, { toAccountId: teamA });
    expect(moved.status).toBe(200);
    const limited = await firm.call('GET', `/v1/contacts/${c.body.id}/timeline`, undefined, { as: employee });
    expect(limited.status).toBe(200);
    const movedIn = limited.body.items.find((e: { action: string }) => e.action === 'contact.moved_in');
    expect(movedIn.data).toMatchObject({ fromAccountId: null, toAccountId: teamA });
    expect(JSON.stringify(limited.body)).not.toContain(hiddenB);
    // A's own timeline names no B either.
    const account = await firm.call('GET', `/v1/accounts/${teamA}/timeline`, undefined, { as: employee });
    expect(account.status).toBe(200);
    const inA = account.body.items.find((e: { action: string; contactId: string }) => e.contactId === c.body.id);
    expect(inA.data).toMatchObject({ fromAccountId: null, toAccountId: teamA });
    expect(JSON.stringify(account.body)).not.toContain(hiddenB);
  });

  test('a contact of A and B deleted: A’s audit trail names no B', async () => {
    const contactId = await sharedContact();
    expect((await firm.call('DELETE', `/v1/contacts/${contactId}`)).status).toBe(200);
    const trail = await firm.call('GET', `/v1/audit-events?accountId=${teamA}&action=contact.deleted`, undefined, {
      as: employee,
    });
    expect(trail.status).toBe(200);
    const deleted = trail.body.items.find((e: { contactId: string }) => e.contactId === contactId);
    expect(deleted.data.accountIds).toEqual([teamA]);
    expect(JSON.stringify(trail.body)).not.toContain(hiddenB);
  });
});

describe('an Idempotency-Key reused by another user', () => {
  let accountId: string;
  const addToTeam = (as: string, key: string) =>
    firm.call('POST', `/v1/accounts/${accountId}/team`, { firmUserId: employee }, { as, idempotencyKey: key });

  beforeAll(async () => {
    accountId = (await accountWithContacts(firm, [])).accountId;
  });

  test('gets no replay of the first user’s answer: 422, as a different request', async () => {
    const key = randomUUID();
    const outsider = await firmUser(firm, 'Otto Outsider');
    expect((await addToTeam(firm.ownerId, key)).status).toBe(200);
    const res = await addToTeam(outsider, key);
    expect(res.status).toBe(422);
    expect(res.body.type).toBe('https://nudge.dev/problems/idempotency-key-reused');
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    // The first user's own retry is still a replay.
    const retry = await addToTeam(firm.ownerId, key);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  test('a record stored before the hash named the user still replays its retry', async () => {
    const key = randomUUID();
    expect((await addToTeam(firm.ownerId, key)).status).toBe(200);
    // As the earlier version stored it: method, path and body, no acting user.
    const where = { firmId_key: { firmId: firm.firmId, key } };
    const record = await stack.db.idempotencyRecord.findUniqueOrThrow({ where });
    const legacy = createHash('sha256')
      .update(JSON.stringify([record.method, record.path, { firmUserId: employee }]))
      .digest('hex');
    await stack.db.idempotencyRecord.update({ where, data: { requestHash: legacy } });
    const retry = await addToTeam(firm.ownerId, key);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });
});

test('adding a firm user is on the audit trail, naming who did it', async () => {
  const admin = await firmUser(firm, 'Ada Admin', 'admin');
  const res = await firm.call(
    'POST',
    '/v1/users',
    { email: `new-admin-${randomUUID()}@firm.test`, name: 'New Admin', role: 'admin' },
    { as: admin },
  );
  expect(res.status).toBe(201);
  const trail = await firm.call('GET', '/v1/audit-events?action=firm_user.created');
  expect(
    trail.body.items.find((e: { data: { firmUserId: string } }) => e.data.firmUserId === res.body.id),
  ).toMatchObject({
    actorId: admin,
    actorType: 'firm_user',
    accountId: null,
    data: { firmUserId: res.body.id, role: 'admin', canViewAllAccounts: false },
  });
  // No personal data of the new user on the trail.
  expect(JSON.stringify(trail.body)).not.toContain('New Admin');
});

describe('overview time cursors forged with a time PostgreSQL would refuse', () => {
  let accountId: string;
  const timeCursor = (at: string) => Buffer.from(`${at}|${randomUUID()}`).toString('base64url');

  beforeAll(async () => {
    accountId = (await accountWithContacts(firm, [])).accountId;
  });

  const sections = [
    'documents',
    'approval-requests',
    'signature-requests',
    'notes',
    'emails',
    'logins',
    'chat-threads',
  ];
  test.each(
    sections.flatMap((section) =>
      [
        ['year 0', '0000-01-01T00:00:00.000Z'],
        ['a signed year', '-000001-01-01T00:00:00.000Z'],
        ['30 February', '2026-02-30T00:00:00.000Z'],
        ['no time zone', '2026-01-01T00:00:00.000'],
      ].map(([name, at]) => [section, name, at]),
    ),
  )('%s, %s: 422 query.cursor', async (section, _name, at) => {
    const res = await firm.call('GET', `/v1/accounts/${accountId}/overview/${section}?cursor=${timeCursor(at)}`);
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'query.cursor' })]);
  });

  test('a cursor a page gave still pages', async () => {
    for (const name of ['One', 'Two']) await firm.call('POST', `/v1/accounts/${accountId}/documents`, { name });
    const p1 = await firm.call('GET', `/v1/accounts/${accountId}/overview/documents?limit=1`);
    const p2 = await firm.call(
      'GET',
      `/v1/accounts/${accountId}/overview/documents?limit=1&cursor=${p1.body.nextCursor}`,
    );
    expect(p2.status).toBe(200);
    expect(p2.body.items).toHaveLength(1);
    expect(p2.body.items[0].id).not.toBe(p1.body.items[0].id);
  });
});

describe('an Idempotency-Key record stored before the hash named the user, once its retry time is past', () => {
  let accountId: string;
  const body = () => ({ firmUserId: employee });
  const addToTeam = (as: string, key: string) =>
    firm.call('POST', `/v1/accounts/${accountId}/team`, body(), { as, idempotencyKey: key });
  const where = (key: string) => ({ firmId_key: { firmId: firm.firmId, key } });
  const legacyHash = (method: string, path: string) =>
    createHash('sha256')
      .update(JSON.stringify([method, path, body()]))
      .digest('hex');
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

  beforeAll(async () => {
    accountId = (await accountWithContacts(firm, [])).accountId;
  });

  test('is no longer replayed to another user: 422', async () => {
    const key = randomUUID();
    expect((await addToTeam(firm.ownerId, key)).status).toBe(200);
    const record = await stack.db.idempotencyRecord.findUniqueOrThrow({ where: where(key) });
    await stack.db.idempotencyRecord.update({
      where: where(key),
      data: { requestHash: legacyHash(record.method, record.path), createdAt: hoursAgo(48) },
    });
    const outsider = await firmUser(firm, 'Olga Outsider');
    const res = await addToTeam(outsider, key);
    expect(res.status).toBe(422);
    expect(res.body.type).toBe('https://nudge.dev/problems/idempotency-key-reused');
    expect(res.headers.get('idempotent-replayed')).toBeNull();
  });

  test('one taken over by a retry becomes that user’s: another user’s is not replayed its answer', async () => {
    const key = randomUUID();
    // An unanswered record of the earlier version, left by a request that died (no answer, not committed).
    expect((await addToTeam(firm.ownerId, key)).status).toBe(200);
    const record = await stack.db.idempotencyRecord.findUniqueOrThrow({ where: where(key) });
    await stack.db.idempotencyRecord.update({
      where: where(key),
      data: {
        requestHash: legacyHash(record.method, record.path),
        status: null,
        body: Prisma.DbNull,
        committedAt: null,
        createdAt: hoursAgo(1),
      },
    });
    const admin = await firmUser(firm, 'Arno Admin', 'admin');
    const taken = await addToTeam(admin, key);
    expect(taken.status).toBe(200);
    expect(taken.headers.get('idempotent-replayed')).toBeNull();
    const outsider = await firmUser(firm, 'Oscar Outsider');
    const res = await addToTeam(outsider, key);
    expect(res.status).toBe(422);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    // The user who took it over still gets their own answer again.
    const retry = await addToTeam(admin, key);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });
});

describe('reading items: a chat thread and its messages, a signature and an approval request', () => {
  let acc: Awaited<ReturnType<typeof accountWithContacts>>;
  let threadId: string;
  let signatureId: string;
  let approvalId: string;
  /** Longer than the overview's 200-character preview: the reply reads back in full. */
  const reply = `Here they are.${' The March receipts are in the shared folder.'.repeat(8)}`;

  beforeAll(async () => {
    acc = await accountWithContacts(firm, [{}]);
    const thread = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
      subject: 'Receipts',
      message: { body: 'Please send your receipts' },
      reminders: { enabled: false },
    });
    expect(thread.status).toBe(201);
    threadId = thread.body.id;
    const post = (body: unknown) => firm.call('POST', `/v1/chat-threads/${threadId}/messages`, body);
    expect((await post({ author: 'client', contactId: acc.contacts[0].id, body: reply })).status).toBe(201);
    expect((await post({ author: 'firm', body: 'Thank you!' })).status).toBe(201);
    const doc = await firm.call('POST', `/v1/accounts/${acc.accountId}/documents`, { name: 'Engagement letter' });
    const signature = await firm.call('POST', `/v1/documents/${doc.body.id}/signature-requests`, {
      signers: [acc.contacts[0].id],
      reminders: { enabled: false },
    });
    expect(signature.status).toBe(201);
    signatureId = signature.body.id;
    const approval = await firm.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, {
      reminders: { enabled: false },
    });
    expect(approval.status).toBe(201);
    approvalId = approval.body.id;
  });

  test('the thread, then its messages newest first, paged, the client’s reply in full', async () => {
    const thread = await firm.call('GET', `/v1/chat-threads/${threadId}`);
    expect(thread.status).toBe(200);
    expect(thread.body).toEqual({
      id: threadId,
      accountId: acc.accountId,
      subject: 'Receipts',
      status: 'open',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      messages: 3,
      lastMessageAt: expect.any(String),
    });
    const first = await firm.call('GET', `/v1/chat-threads/${threadId}/messages?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items).toEqual([
      expect.objectContaining({ threadId, author: 'firm', body: 'Thank you!', firmUserId: firm.ownerId }),
      expect.objectContaining({ threadId, author: 'client', body: reply, contactId: acc.contacts[0].id }),
    ]);
    const rest = await firm.call(
      'GET',
      `/v1/chat-threads/${threadId}/messages?limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(rest.body).toEqual({
      items: [expect.objectContaining({ author: 'firm', body: 'Please send your receipts' })],
      nextCursor: null,
    });
    expect(thread.body.lastMessageAt).toBe(first.body.items[0].createdAt);
    // Archived: the thread changes, its latest message does not.
    expect((await firm.call('POST', `/v1/chat-threads/${threadId}/archive`)).status).toBe(200);
    const archived = await firm.call('GET', `/v1/chat-threads/${threadId}`);
    expect(archived.body).toMatchObject({ status: 'archived', lastMessageAt: thread.body.lastMessageAt });
  });

  test('a signature and an approval request read back with their signers and status', async () => {
    const signature = await firm.call('GET', `/v1/signature-requests/${signatureId}`);
    expect(signature.body).toEqual({
      id: signatureId,
      accountId: acc.accountId,
      documentId: expect.any(String),
      status: 'pending',
      signers: [{ contactId: acc.contacts[0].id, signedAt: null }],
      createdAt: expect.any(String),
      completedAt: null,
    });
    const signed = await firm.call(
      'POST',
      `/v1/signature-requests/${signatureId}/signers/${acc.contacts[0].id}/sign`,
      {},
    );
    expect(signed.status).toBe(200);
    const after = await firm.call('GET', `/v1/signature-requests/${signatureId}`);
    expect(after.body).toMatchObject({ status: 'signed', signers: [{ signedAt: expect.any(String) }] });
    expect(after.body.completedAt).toEqual(expect.any(String));
    const approval = await firm.call('GET', `/v1/approval-requests/${approvalId}`);
    expect(approval.body).toEqual({
      id: approvalId,
      accountId: acc.accountId,
      documentId: expect.any(String),
      status: 'pending',
      message: null,
      approvedAt: null,
      createdAt: expect.any(String),
    });
  });

  test('another firm’s item is not found, an employee off the account’s team is refused, on it they read', async () => {
    const paths = () => [
      `/v1/chat-threads/${threadId}`,
      `/v1/chat-threads/${threadId}/messages`,
      `/v1/signature-requests/${signatureId}`,
      `/v1/approval-requests/${approvalId}`,
    ];
    const other = await stack.newFirm();
    for (const path of paths()) {
      const res = await other.call('GET', path);
      expect([path, res.status, res.body.type]).toEqual([path, 404, 'https://nudge.dev/problems/not-found']);
    }
    for (const path of paths())
      expect([path, (await firm.call('GET', path, undefined, { as: employee })).status]).toEqual([path, 403]);
    await firm.call('POST', `/v1/accounts/${acc.accountId}/team`, { firmUserId: employee });
    try {
      for (const path of paths())
        expect([path, (await firm.call('GET', path, undefined, { as: employee })).status]).toEqual([path, 200]);
    } finally {
      await firm.call('DELETE', `/v1/accounts/${acc.accountId}/team/${employee}`);
    }
  });

  test('bad page parameters: 422 naming the field; an id that is no UUID: not found', async () => {
    const cases: [string, string][] = [
      [`/v1/chat-threads/${threadId}/messages?cursor=${randomUUID()}`, 'query.cursor'],
      [`/v1/chat-threads/${threadId}/messages?limit=0`, 'query.limit'],
      [`/v1/chat-threads/${threadId}/messages?limit=201`, 'query.limit'],
      [`/v1/chat-threads/${threadId}/messages?order=asc`, 'query'],
    ];
    for (const [path, field] of cases) {
      const res = await firm.call('GET', path);
      expect([path, res.status, res.headers.get('content-type')]).toEqual([
        path,
        422,
        expect.stringContaining('problem+json'),
      ]);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: expect.stringContaining(field) })]);
    }
    for (const path of ['/v1/chat-threads/not-a-uuid/messages', '/v1/signature-requests/not-a-uuid'])
      expect([path, (await firm.call('GET', path)).status]).toEqual([path, 404]);
  });
});

test('an item id typed in upper case names the same item: one workflow, and a pause the item’s reads find', async () => {
  const acc = await accountWithContacts(firm, [{}]);
  const thread = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Case',
    message: { body: 'Your documents, please' },
    reminders: { enabled: true, intervalDays: 1, count: 1 },
  });
  expect(thread.status).toBe(201);
  const upper = (thread.body.id as string).toUpperCase();
  const posted = await firm.call('POST', `/v1/chat-threads/${upper}/messages`, { author: 'firm', body: 'Any news?' });
  expect(posted.status).toBe(201);
  // Its call went to the thread's workflow, not to a second one under the typed id.
  await stack.client.workflow.getHandle(reminderWorkflowId('chat', thread.body.id)).describe();
  await expect(stack.client.workflow.getHandle(reminderWorkflowId('chat', upper)).describe()).rejects.toThrow(
    /not found/i,
  );
  expect(posted.body.threadId).toBe(thread.body.id);
  const until = new Date(Date.now() + 7 * 86_400_000).toISOString();
  expect((await firm.call('PUT', `/v1/chat-threads/${upper}/reminder-pause`, { until })).status).toBe(200);
  const pause = await firm.call('GET', `/v1/chat-threads/${thread.body.id}/reminder-pause`);
  expect(pause.body).toMatchObject({ pause: { until } });
});
