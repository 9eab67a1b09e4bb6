// The API's edges: bad input answered 4xx as problem+json with nothing written; one firm never sees or
// touches another's data; health, OpenAPI and docs are served.
import { startStack, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts } from './support/fixtures';
import { rowCounter, expectRefused, type BadInputCase } from './support/bad-input';

let stack: Stack;
let a: FirmHandle;
let b: FirmHandle;
let acc: Awaited<ReturnType<typeof accountWithContacts>>;
let threadId: string;
let archivedThreadId: string;
let documentId: string;
let approvalId: string;
let otherFirmAccount: string;

beforeAll(async () => {
  stack = await startStack({ daySeconds: 1 });
  a = await stack.newFirm('Firm A');
  b = await stack.newFirm('Firm B');
  acc = await accountWithContacts(a, [{}]);
  threadId = (await a.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, { subject: 'T' })).body.id;
  archivedThreadId = (await a.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, { subject: 'Old' })).body.id;
  await a.call('POST', `/v1/chat-threads/${archivedThreadId}/archive`);
  documentId = (await a.call('POST', `/v1/accounts/${acc.accountId}/documents`, { name: 'D' })).body.id;
  approvalId = (await a.call('POST', `/v1/documents/${documentId}/approval-requests`, {})).body.id;
  await a.call('POST', `/v1/approval-requests/${approvalId}/approve`, { contactId: acc.contacts[0].id });
  // Let its workflow finish, so no background write lands while row counts are compared.
  await stack.client.workflow.getHandle(`reminder-approval-${approvalId}`).result();
  otherFirmAccount = (await b.call('POST', '/v1/accounts', { name: 'B acc', type: 'individual' })).body.id;
});
afterAll(() => stack?.stop());

const TABLES = [
  'account',
  'contact',
  'contactEmail',
  'accountContact',
  'chatThread',
  'chatMessage',
  'document',
  'signatureRequest',
  'approvalRequest',
  'reminderSettings',
  'auditEvent',
  'idempotencyRecord',
  'outboundEmail',
  'reminderDispatch',
  'firmUser',
] as const;
const rowCounts = rowCounter(() => stack.db, TABLES);

const plain = { headers: { 'content-type': 'text/plain' } };

const bad: BadInputCase[] = [
  ['no API key', () => stack.request('GET', '/v1/users'), 401, 'unauthorized'],
  [
    'unknown API key',
    () =>
      stack.request(
        'POST',
        '/v1/accounts',
        { name: 'x', type: 'company' },
        { authorization: 'Bearer nk_nope', 'x-acting-user': a.ownerId },
      ),
    401,
    'unauthorized',
  ],
  [
    'no acting user',
    () =>
      stack.request('POST', '/v1/accounts', { name: 'x', type: 'company' }, { authorization: `Bearer ${a.apiKey}` }),
    400,
    'acting-user-required',
    'headers.x-acting-user',
  ],
  [
    'acting user of another firm',
    () => a.call('POST', '/v1/accounts', { name: 'x', type: 'company' }, { as: b.ownerId }),
    403,
    'unknown-acting-user',
  ],
  ['malformed JSON', () => a.call('POST', '/v1/accounts', '{"name": '), 400, 'malformed-json'],
  [
    'a gzip body that does not inflate',
    () =>
      a.call('POST', '/v1/accounts', '{"name": "x", "type": "company"}', { headers: { 'content-encoding': 'gzip' } }),
    400,
    'malformed-body',
  ],
  [
    'a NUL character in a name',
    () => a.call('POST', '/v1/accounts', { name: 'a\u0000b', type: 'company' }),
    422,
    'validation-error',
    'body.name',
  ],
  [
    'half of a UTF-16 pair in a name (JSON "\\ud800", which PostgreSQL cannot store)',
    () => a.call('POST', '/v1/accounts', { name: 'a\ud800b', type: 'company' }),
    422,
    'validation-error',
    'body.name',
  ],
  [
    'a NUL character in a search',
    () => a.call('GET', '/v1/accounts?search=%00'),
    422,
    'validation-error',
    'query.search',
  ],
  [
    'a NUL character in a nested value',
    () => a.call('POST', '/v1/users', { name: 'N', email: 'n@firm.test', role: 'employee', extra: { x: ['\u0000'] } }),
    422,
    'validation-error',
    'body.extra.x.0',
  ],
  [
    'an audit cursor beyond a bigint',
    () => a.call('GET', '/v1/audit-events?before=99999999999999999999'),
    422,
    'validation-error',
    'query.before',
  ],
  [
    'an inbox cursor whose id is not a UUID',
    () =>
      a.call(
        'GET',
        `/v1/inbox?before=${Buffer.from(`2026-01-01T00:00:00.000Z|${'a'.repeat(36)}`).toString('base64url')}`,
      ),
    422,
    'validation-error',
    'query.before',
  ],
  [
    'account without name',
    () => a.call('POST', '/v1/accounts', { type: 'company' }),
    422,
    'validation-error',
    'body.name',
  ],
  [
    'account with blank name',
    () => a.call('POST', '/v1/accounts', { name: '   ', type: 'company' }),
    422,
    'validation-error',
    'body.name',
  ],
  [
    'account of unknown type',
    () => a.call('POST', '/v1/accounts', { name: 'x', type: 'partnership' }),
    422,
    'validation-error',
    'body.type',
  ],
  [
    'account with an unknown field',
    () => a.call('POST', '/v1/accounts', { name: 'x', type: 'company', color: 'red' }),
    422,
    'validation-error',
  ],
  [
    'account photo that is not a URL',
    () => a.call('POST', '/v1/accounts', { name: 'x', type: 'company', photoUrl: 'me.png' }),
    422,
    'validation-error',
    'body.photoUrl',
  ],
  [
    'contact without emails',
    () => a.call('POST', '/v1/contacts', { firstName: 'N', emails: [] }),
    422,
    'validation-error',
    'body.emails',
  ],
  [
    'contact with an invalid email',
    () => a.call('POST', '/v1/contacts', { firstName: 'N', emails: [{ address: 'not-an-email' }] }),
    422,
    'validation-error',
    'body.emails.0.address',
  ],
  [
    'contact with the same email twice',
    () =>
      a.call('POST', '/v1/contacts', { firstName: 'N', emails: [{ address: 'x@y.test' }, { address: 'X@y.test' }] }),
    422,
    'validation-error',
    'body.emails',
  ],
  [
    'contact linked to another firm’s account',
    () =>
      a.call('POST', '/v1/contacts', {
        firstName: 'N',
        emails: [{ address: 'new@y.test' }],
        accounts: [{ accountId: otherFirmAccount }],
      }),
    404,
    'not-found',
  ],
  [
    'contact with an email already in use',
    () => a.call('POST', '/v1/contacts', { firstName: 'N', emails: [{ address: acc.contacts[0].address }] }),
    409,
    'email-taken',
  ],
  [
    'email patch with nothing to change',
    () => a.call('PATCH', `/v1/contact-emails/${acc.contacts[0].emailId}`, {}),
    422,
    'validation-error',
  ],
  [
    'email patch with an unknown login state',
    () => a.call('PATCH', `/v1/contact-emails/${acc.contacts[0].emailId}`, { login: 'maybe' }),
    422,
    'validation-error',
    'body.login',
  ],
  [
    'email patch with an unknown preference',
    () => a.call('PATCH', `/v1/contact-emails/${acc.contacts[0].emailId}`, { preferences: { newsletters: true } }),
    422,
    'validation-error',
    'body.preferences',
  ],
  [
    'notify given as a string',
    () => a.call('PATCH', `/v1/contact-emails/${acc.contacts[0].emailId}`, { notify: 'yes' }),
    422,
    'validation-error',
    'body.notify',
  ],
  [
    'thread with reminders but no message',
    () => a.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, { subject: 'S', reminders: { enabled: true } }),
    422,
    'validation-error',
    'body.reminders',
  ],
  [
    'reminders every 0 days',
    () =>
      a.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
        subject: 'S',
        message: { body: 'b' },
        reminders: { intervalDays: 0 },
      }),
    422,
    'validation-error',
    'body.reminders.intervalDays',
  ],
  [
    'reminders every 1.5 days',
    () =>
      a.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
        subject: 'S',
        message: { body: 'b' },
        reminders: { intervalDays: 1.5 },
      }),
    422,
    'validation-error',
    'body.reminders.intervalDays',
  ],
  [
    '51 reminders',
    () => a.call('PUT', `/v1/chat-threads/${threadId}/reminder-settings`, { count: 51 }),
    422,
    'validation-error',
    'body.count',
  ],
  [
    'client message without its contact',
    () => a.call('POST', `/v1/chat-threads/${threadId}/messages`, { author: 'client', body: 'hi' }),
    422,
    'validation-error',
    'body.contactId',
  ],
  [
    'client message from a contact not on the account',
    () =>
      a.call('POST', `/v1/chat-threads/${threadId}/messages`, {
        author: 'client',
        body: 'hi',
        contactId: '00000000-0000-4000-8000-000000000000',
      }),
    422,
    'validation-error',
    'body.contactId',
  ],
  [
    'message with an empty body',
    () => a.call('POST', `/v1/chat-threads/${threadId}/messages`, { author: 'firm', body: '' }),
    422,
    'validation-error',
    'body.body',
  ],
  [
    'message by an unknown author',
    () => a.call('POST', `/v1/chat-threads/${threadId}/messages`, { author: 'robot', body: 'x' }),
    422,
    'validation-error',
    'body.author',
  ],
  [
    'message to an archived thread',
    () => a.call('POST', `/v1/chat-threads/${archivedThreadId}/messages`, { author: 'firm', body: 'x' }),
    409,
    'thread-archived',
  ],
  [
    'signature from a contact not on the account',
    () =>
      a.call('POST', `/v1/documents/${documentId}/signature-requests`, {
        signers: ['00000000-0000-4000-8000-000000000000'],
      }),
    422,
    'validation-error',
    'body.signers',
  ],
  [
    'signature with the same signer twice',
    () =>
      a.call('POST', `/v1/documents/${documentId}/signature-requests`, {
        signers: [acc.contacts[0].id, acc.contacts[0].id],
      }),
    422,
    'validation-error',
    'body.signers',
  ],
  [
    'signature with no signers',
    () => a.call('POST', `/v1/documents/${documentId}/signature-requests`, { signers: [] }),
    422,
    'validation-error',
    'body.signers',
  ],
  [
    'signer id that is not a UUID',
    () => a.call('POST', `/v1/documents/${documentId}/signature-requests`, { signers: ['bob'] }),
    422,
    'validation-error',
    'body.signers.0',
  ],
  ['malformed id in the path', () => a.call('GET', '/v1/accounts/not-a-uuid'), 404, 'not-found'],
  [
    'unknown item kind in the path',
    () => a.call('PUT', `/v1/invoices/${threadId}/reminder-settings`, { enabled: true }),
    404,
    'not-found',
  ],
  [
    'resend of an approved request',
    () => a.call('POST', `/v1/approval-requests/${approvalId}/resend`, {}),
    409,
    'item-not-pending',
  ],
  ['audit page of size 0', () => a.call('GET', '/v1/audit-events?limit=0'), 422, 'validation-error', 'query.limit'],
  [
    'Idempotency-Key over 200 characters',
    () => a.call('POST', '/v1/accounts', { name: 'x', type: 'company' }, { idempotencyKey: 'k'.repeat(201) }),
    400,
    'invalid-idempotency-key',
  ],
  ['unknown route', () => a.call('POST', '/v1/unicorns', {}), 404, 'no-such-route'],
  // The body's media type: JSON only (the OpenAPI document declares application/json), refused before it is read.
  [
    'a JSON body sent as text/plain',
    () => a.call('POST', '/v1/accounts', JSON.stringify({ name: 'x', type: 'company' }), plain),
    415,
    'unsupported-media-type',
  ],
  [
    'a JSON body sent as a form',
    () =>
      a.call('POST', '/v1/accounts', JSON.stringify({ name: 'x', type: 'company' }), {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    415,
    'unsupported-media-type',
  ],
  [
    'a JSON body sent as text/plain to a client-action route',
    () => a.call('POST', '/v1/notes', JSON.stringify({ accountId: acc.accountId, body: 'A note' }), plain),
    415,
    'unsupported-media-type',
  ],
  [
    'a user sent as text/plain',
    () => a.call('POST', '/v1/users', JSON.stringify({ email: 'plain@firm.test', name: 'P', role: 'employee' }), plain),
    415,
    'unsupported-media-type',
  ],
  // Valid JSON that is not an object: bad input with its field, not "not valid JSON".
  ['a body of null', () => a.call('POST', '/v1/accounts', 'null'), 422, 'validation-error', 'body'],
  ['a body that is an array', () => a.call('POST', '/v1/accounts', '[]'), 422, 'validation-error', 'body'],
  ['a body that is a number', () => a.call('POST', '/v1/accounts', '42'), 422, 'validation-error', 'body'],
  ['a body that is a string', () => a.call('POST', '/v1/accounts', '"company"'), 422, 'validation-error', 'body'],
  ['a body of true', () => a.call('PATCH', `/v1/accounts/${acc.accountId}`, 'true'), 422, 'validation-error', 'body'],
  ['a null body to a client-action route', () => a.call('POST', '/v1/notes', 'null'), 422, 'validation-error', 'body'],
];

describe('bad input: 4xx problem+json, nothing written', () => {
  // Rest parameters: Jest would pass a `done` callback to a function declaring more parameters than a row has.
  test.each(bad)('%s', async (...c: BadInputCase) => expectRefused(rowCounts, c));

  test(`covers at least 20 kinds (${bad.length})`, () => expect(bad.length).toBeGreaterThanOrEqual(20));
});

describe('tenancy: another firm’s ids answer 404 and change nothing', () => {
  const cases: [string, () => Promise<{ status: number }>][] = [
    ['read an account', () => b.call('GET', `/v1/accounts/${acc.accountId}`)],
    ['read a contact', () => b.call('GET', `/v1/contacts/${acc.contacts[0].id}`)],
    ['read a thread’s reminders', () => b.call('GET', `/v1/chat-threads/${threadId}/reminders`)],
    ['read portal to-dos', () => b.call('GET', `/v1/contact-emails/${acc.contacts[0].emailId}/todos`)],
    ['post to a thread', () => b.call('POST', `/v1/chat-threads/${threadId}/messages`, { author: 'firm', body: 'hi' })],
    ['archive a thread', () => b.call('POST', `/v1/chat-threads/${threadId}/archive`)],
    [
      'change reminder settings',
      () => b.call('PUT', `/v1/chat-threads/${threadId}/reminder-settings`, { enabled: true }),
    ],
    ['resend', () => b.call('POST', `/v1/chat-threads/${threadId}/resend`, {})],
    [
      'switch an email’s toggles',
      () => b.call('PATCH', `/v1/contact-emails/${acc.contacts[0].emailId}`, { notify: false }),
    ],
    ['link a contact', () => b.call('PUT', `/v1/accounts/${otherFirmAccount}/contacts/${acc.contacts[0].id}`, {})],
    [
      'request a signature',
      () => b.call('POST', `/v1/documents/${documentId}/signature-requests`, { signers: [acc.contacts[0].id] }),
    ],
    ['approve', () => b.call('POST', `/v1/approval-requests/${approvalId}/approve`, { contactId: acc.contacts[0].id })],
    [
      'request pending approvals of an account',
      () => b.call('POST', '/v1/approval-requests/request-pending', { accountId: acc.accountId }),
    ],
    ['filter the audit trail by an account', () => b.call('GET', `/v1/audit-events?accountId=${acc.accountId}`)],
  ];
  test.each(cases)('%s', async (_name, send) => {
    const before = await rowCounts();
    expect((await send()).status).toBe(404);
    expect(await rowCounts()).toEqual(before);
  });

  test('the audit trail lists only the firm’s own events', async () => {
    const res = await b.call('GET', '/v1/audit-events?limit=200');
    expect(res.status).toBe(200);
    expect(res.body.items.every((e: { firmId: string }) => e.firmId === b.firmId)).toBe(true);
  });
});

test('GET /health reports the database, Temporal and SMTP', async () => {
  const res = await stack.request('GET', '/health');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    status: 'ok',
    checks: { database: { ok: true }, temporal: { ok: true }, smtp: { ok: true } },
  });
});

test('OpenAPI 3.1 is served from the same schemas, with a docs page', async () => {
  const spec = await stack.request('GET', '/openapi.json');
  expect(spec.body.openapi).toBe('3.1.0');
  const post = spec.body.paths['/v1/chat-threads/{threadId}/messages'].post;
  expect(post.requestBody.content['application/json'].schema.properties.author.enum).toEqual(['firm', 'client']);
  expect(post.parameters.map((p: { name: string }) => p.name)).toEqual(
    expect.arrayContaining(['threadId', 'X-Acting-User', 'Idempotency-Key']),
  );
  const docs = await stack.request('GET', '/docs/');
  expect(docs.status).toBe(200);
  expect(String(docs.body)).toMatch(/swagger/i);
});

test('every operation has a unique camelCase operationId and documents its problem responses', async () => {
  const spec = (await stack.request('GET', '/openapi.json')).body;
  const operations = Object.values(spec.paths as Record<string, Record<string, any>>).flatMap((p) => Object.values(p));
  const ids = operations.map((o) => o.operationId);
  expect(ids.every((id) => /^[a-z][a-zA-Z0-9]*$/.test(id))).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
  // Derived from the route (method and nouns of the path), or declared by it where the derived name reads badly.
  expect(spec.paths['/v1/accounts'].get.operationId).toBe('listAccounts');
  expect(spec.paths['/v1/accounts/{accountId}/chat-threads'].post.operationId).toBe('createAccountChatThread');
  expect(spec.paths['/v1/bulk-actions/{bulkActionId}/cancel'].post.operationId).toBe('cancelBulkAction');
  expect(spec.paths['/v1/accounts/{accountId}/team'].post.operationId).toBe('addAccountTeamMember');
  for (const o of operations) {
    const codes = Object.keys(o.responses);
    expect(codes).toContain('503');
    if (o.security?.length !== 0) expect(codes).toEqual(expect.arrayContaining(['401', '403', '429']));
    if (o.requestBody) expect(codes).toEqual(expect.arrayContaining(['400', '415', '422']));
  }
  const post = spec.paths['/v1/chat-threads/{threadId}/messages'].post;
  expect(Object.keys(post.responses)).toEqual(
    expect.arrayContaining(['201', '400', '401', '403', '404', '409', '415', '422', '429', '503']),
  );
  expect(post.responses['429']).toEqual({ $ref: '#/components/responses/RateLimited' });
  expect(spec.components.responses.RateLimited.headers['Retry-After']).toBeDefined();
  // What the document promises is what the API answers: no key is a 401 problem.
  const anonymous = await stack.request('GET', '/v1/accounts');
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get('content-type')).toMatch(/application\/problem\+json/);
});

describe('the body: JSON objects only, requests without a body as before', () => {
  test('a non-object body is answered with what is wrong, not "not valid JSON"', async () => {
    const res = await a.call('POST', '/v1/accounts', 'null');
    expect(res.body.errors).toEqual([{ field: 'body', message: 'must be a JSON object, not null' }]);
    expect((await a.call('POST', '/v1/accounts', '[1]')).body.errors).toEqual([
      { field: 'body', message: 'must be a JSON object, not an array' },
    ]);
  });

  test('415 says which media type to send', async () => {
    const res = await a.call('POST', '/v1/accounts', '{"name":"x","type":"company"}', plain);
    expect(res.body).toMatchObject({
      type: 'https://nudge.dev/problems/unsupported-media-type',
      status: 415,
      detail: expect.stringMatching(/application\/json.*text\/plain/),
    });
  });

  test('application/*+json and a charset are accepted', async () => {
    const vendor = await a.call('POST', '/v1/accounts', JSON.stringify({ name: 'Vendor JSON', type: 'company' }), {
      headers: { 'content-type': 'application/vnd.nudge+json' },
    });
    expect(vendor.status).toBe(201);
    const charset = await a.call('POST', '/v1/accounts', JSON.stringify({ name: 'UTF-8 JSON', type: 'company' }), {
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(charset.status).toBe(201);
  });

  test('a request without a body needs no Content-Type, whatever it says', async () => {
    const thread = (await a.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, { subject: 'No body' })).body.id;
    // Content-Length 0 with another media type: nothing to read, so nothing to refuse.
    const archived = await a.call('POST', `/v1/chat-threads/${thread}/archive`, '', plain);
    expect(archived.status).toBeLessThan(300);
    expect((await a.call('POST', `/v1/chat-threads/${thread}/reopen`)).status).toBeLessThan(300);
    expect((await a.call('GET', '/v1/users', undefined, plain)).status).toBe(200);
  });
});
