// API keys through the API: owners and admins create (shown once), list (prefix, last use) and revoke
// them; a revoked key stops working; the firm's last key cannot be revoked; bad input writes nothing.
import { randomUUID } from 'node:crypto';
import { startStack, eventually, type Stack, type FirmHandle } from './support/stack';
import { rowCounter, expectRefused, type BadInputCase } from './support/bad-input';
import { firmUser } from './support/fixtures';

let stack: Stack;
let firm: FirmHandle;
let other: FirmHandle;
let adminId: string;
let employeeId: string;

const rowCounts = rowCounter(() => stack.db, ['apiKey', 'auditEvent'] as const);

beforeAll(async () => {
  stack = await startStack({ worker: false });
  firm = await stack.newFirm();
  other = await stack.newFirm();
  adminId = await firmUser(firm, 'admin', 'admin');
  employeeId = await firmUser(firm, 'employee');
});
afterAll(() => stack?.stop());

/** Calls the API with another key of the firm, as its owner. */
const withKey = (key: string, method: string, path: string) =>
  stack.request(method, path, undefined, { authorization: `Bearer ${key}`, 'x-acting-user': firm.ownerId });

test('a new key is shown once, works at once, and the list shows its prefix and last use, never the key', async () => {
  const made = await firm.call('POST', '/v1/api-keys', { name: 'Billing app' });
  expect(made.status).toBe(201);
  expect(made.body).toMatchObject({ name: 'Billing app', prefix: made.body.key.slice(0, 10), revokedAt: null });
  expect(made.body.key).toMatch(/^nk_/);
  expect((await withKey(made.body.key, 'GET', '/v1/users')).status).toBe(200);
  const listed = await eventually(
    async () => {
      const list = await firm.call('GET', '/v1/api-keys');
      const k = list.body.items.find((i: { id: string }) => i.id === made.body.id);
      return k?.lastUsedAt && list;
    },
    10_000,
    'last use recorded',
  );
  expect(JSON.stringify(listed.body)).not.toContain(made.body.key);
  expect(listed.body.items.map((i: { name: string }) => i.name)).toEqual(
    expect.arrayContaining(['default', 'Billing app']),
  );
});

test('a retried create under its Idempotency-Key makes no second key and shows no key: the kept answer has none', async () => {
  const idempotencyKey = randomUUID();
  const made = await firm.call('POST', '/v1/api-keys', { name: 'Retried' }, { idempotencyKey });
  expect(made.status).toBe(201);
  const kept = await stack.db.idempotencyRecord.findUniqueOrThrow({
    where: { firmId_key: { firmId: firm.firmId, key: idempotencyKey } },
  });
  expect(kept.status).toBe(201);
  expect(JSON.stringify(kept.body)).not.toContain(made.body.key);
  const retry = await firm.call('POST', '/v1/api-keys', { name: 'Retried' }, { idempotencyKey });
  expect(retry.status).toBe(409);
  expect(retry.body.type).toBe('https://nudge.dev/problems/secret-shown-once');
  expect(retry.body.detail).toContain(made.body.id);
  expect(JSON.stringify(retry.body)).not.toContain(made.body.key);
  expect(await stack.db.apiKey.count({ where: { firmId: firm.firmId, name: 'Retried' } })).toBe(1);
});

test('an admin manages keys too; a revoked key stops working; revoking again changes nothing', async () => {
  const made = await firm.call('POST', '/v1/api-keys', { name: 'Old integration' }, { as: adminId });
  expect(made.status).toBe(201);
  const revoked = await firm.call('POST', `/v1/api-keys/${made.body.id}/revoke`, undefined, { as: adminId });
  expect(revoked.status).toBe(200);
  expect(revoked.body.revokedAt).toEqual(expect.any(String));
  await eventually(
    async () => (await withKey(made.body.key, 'GET', '/v1/users')).status === 401,
    10_000,
    'key refused',
  );
  const again = await firm.call('POST', `/v1/api-keys/${made.body.id}/revoke`);
  expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
  const actions = await stack.db.auditEvent.findMany({
    where: { firmId: firm.firmId, action: { startsWith: 'api_key.' } },
  });
  expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['api_key.created', 'api_key.revoked']));
});

test('the last working key cannot be revoked', async () => {
  const lone = await stack.newFirm();
  const [key] = (await lone.call('GET', '/v1/api-keys')).body.items;
  await expectRefused(rowCounts, [
    'last key',
    () => lone.call('POST', `/v1/api-keys/${key.id}/revoke`),
    409,
    'last-api-key',
  ]);
});

const bad: BadInputCase[] = [
  [
    'an employee creating a key',
    () => firm.call('POST', '/v1/api-keys', { name: 'x' }, { as: employeeId }),
    403,
    'forbidden',
  ],
  ['an employee listing keys', () => firm.call('GET', '/v1/api-keys', undefined, { as: employeeId }), 403, 'forbidden'],
  ['a key without a name', () => firm.call('POST', '/v1/api-keys', {}), 422, 'validation-error', 'body.name'],
  ['a blank name', () => firm.call('POST', '/v1/api-keys', { name: '  ' }), 422, 'validation-error', 'body.name'],
  [
    'a name too long',
    () => firm.call('POST', '/v1/api-keys', { name: 'x'.repeat(101) }),
    422,
    'validation-error',
    'body.name',
  ],
  [
    'an unknown field',
    () => firm.call('POST', '/v1/api-keys', { name: 'x', scopes: ['all'] }),
    422,
    'validation-error',
  ],
  ['revoking an unknown key', () => firm.call('POST', `/v1/api-keys/${randomUUID()}/revoke`), 404, 'not-found'],
  ['revoking a malformed id', () => firm.call('POST', '/v1/api-keys/not-an-id/revoke'), 404, 'not-found'],
  [
    'revoking another firm’s key',
    async () => {
      const [key] = (await other.call('GET', '/v1/api-keys')).body.items;
      return firm.call('POST', `/v1/api-keys/${key.id}/revoke`);
    },
    404,
    'not-found',
  ],
  [
    'an employee revoking a key',
    async () => {
      const [key] = (await firm.call('GET', '/v1/api-keys')).body.items;
      return firm.call('POST', `/v1/api-keys/${key.id}/revoke`, undefined, { as: employeeId });
    },
    403,
    'forbidden',
  ],
];

test.each(bad)('bad input: %s', async (...c: BadInputCase) => expectRefused(rowCounts, c));
