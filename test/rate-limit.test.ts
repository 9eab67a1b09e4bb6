// Rate limit per API key (issue 9): a token bucket per key once the key is known (whatever the acting
// user), 429 problem+json with Retry-After and the RateLimit headers, independent buckets per key, a refused
// change writes nothing and leaves its Idempotency-Key free; logs redact the Authorization header and mask
// email addresses.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { serveApp, startStack, sleep, type Stack, type FirmHandle } from './support/stack';
import { clientBucket, tokenBuckets, type RateLimitOptions } from '../api/rate-limit';
import { apiLoggerOptions, maskEmails } from '../api/log-redaction';

let stack: Stack;
let firm: FirmHandle;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  stack = await startStack({ worker: false });
  firm = await stack.newFirm('Limits & Co');
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await stack?.stop();
});

/** Another API instance over the test stack with its own rate limit; calls it with a given key. */
async function startApp(rateLimit: Partial<RateLimitOptions>) {
  const { baseUrl: base, close } = await serveApp(stack, { rateLimit });
  cleanups.push(close);
  return async (
    key: { apiKey: string; ownerId: string },
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(base + path, {
      method,
      headers: {
        authorization: `Bearer ${key.apiKey}`,
        'x-acting-user': key.ownerId,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
}

/** A second API key of the same firm. */
async function secondKey() {
  const made = await firm.call('POST', '/v1/api-keys', { name: `Second ${Date.now()}` });
  expect(made.status).toBe(201);
  return { apiKey: made.body.key as string, ownerId: firm.ownerId };
}

test('a burst of N + 5 with burst N: exactly N pass, 5 get 429 with Retry-After and the RateLimit headers', async () => {
  const call = await startApp({ burst: 8, perSecond: 0.5 });
  const results = await Promise.all(Array.from({ length: 13 }, () => call(firm, 'GET', '/v1/accounts')));
  const ok = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status === 429);
  expect(ok).toHaveLength(8);
  expect(refused).toHaveLength(5);
  for (const r of results) {
    expect(r.headers.get('ratelimit-policy')).toBe('"burst";q=8;w=16');
    expect(r.headers.get('ratelimit')).toMatch(/^"burst";r=\d+;t=\d+$/);
  }
  expect(ok.map((r) => r.headers.get('ratelimit')).sort()).toContain('"burst";r=0;t=16');
  for (const r of refused) {
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({
      type: 'https://nudge.dev/problems/rate-limited',
      status: 429,
      title: 'Too many requests',
    });
    expect(r.headers.get('retry-after')).toBe('2');
    expect(r.headers.get('ratelimit')).toBe('"burst";r=0;t=16');
  }
});

test('after Retry-After the bucket has refilled and requests pass again; the client-action routes share it', async () => {
  const call = await startApp({ burst: 3, perSecond: 1 });
  const acc = await call(firm, 'POST', '/v1/accounts', { name: 'Timeline', type: 'individual' });
  expect(acc.status).toBe(201);
  expect(acc.headers.get('ratelimit')).toBe('"burst";r=2;t=1');
  // The timeline lives in the client-action router: same bucket.
  const timeline = await call(firm, 'GET', `/v1/accounts/${acc.body.id}/timeline`);
  expect(timeline.status).toBe(200);
  expect(timeline.headers.get('ratelimit-policy')).toBe('"burst";q=3;w=3');
  expect((await call(firm, 'GET', '/v1/accounts')).status).toBe(200);
  const refused = await call(firm, 'GET', `/v1/accounts/${acc.body.id}/timeline`);
  expect(refused.status).toBe(429);
  const retryAfter = Number(refused.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  await sleep(retryAfter * 1000);
  expect((await call(firm, 'GET', '/v1/accounts')).status).toBe(200);
  await sleep(3000); // full again
  const again = await Promise.all([1, 2, 3, 4].map(() => call(firm, 'GET', '/v1/accounts')));
  expect(again.map((r) => r.status).sort()).toEqual([200, 200, 200, 429]);
});

test('two API keys have independent buckets; a request without a valid key is not counted', async () => {
  const other = await secondKey();
  const otherFirm = await stack.newFirm('Other firm');
  const call = await startApp({ burst: 2, perSecond: 0.1 });
  expect((await call(firm, 'GET', '/v1/accounts')).status).toBe(200);
  expect((await call(firm, 'GET', '/v1/accounts')).status).toBe(200);
  expect((await call(firm, 'GET', '/v1/accounts')).status).toBe(429);
  // The same firm's second key, and another firm's key, still have their whole burst.
  for (const key of [other, otherFirm]) {
    const first = await call(key, 'GET', '/v1/accounts');
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit')).toBe('"burst";r=1;t=10');
    expect((await call(key, 'GET', '/v1/accounts')).status).toBe(200);
    expect((await call(key, 'GET', '/v1/accounts')).status).toBe(429);
  }
  // Unknown keys answer 401 (no RateLimit headers: no bucket is made for them).
  const unknown = await call({ apiKey: 'nk_unknown', ownerId: firm.ownerId }, 'GET', '/v1/accounts');
  expect(unknown.status).toBe(401);
  expect(unknown.headers.get('ratelimit')).toBeNull();
  // Public routes are not limited.
  const health = await fetch(`${stack.baseUrl}/health/live`);
  expect(health.headers.get('ratelimit')).toBeNull();
});

test('a valid key with a random X-Acting-User per request is limited all the same: 429 after the burst', async () => {
  const key = await secondKey();
  const call = await startApp({ burst: 2, perSecond: 0.1 });
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++)
    statuses.push((await call({ ...key, ownerId: randomUUID() }, 'GET', '/v1/accounts')).status);
  expect(statuses).toEqual([403, 403, ...Array(18).fill(429)]);
  // A missing acting user counts as well, and the bucket is the key's, whoever acts.
  const missing = await call({ ...key, ownerId: 'nobody' }, 'GET', '/v1/accounts');
  expect(missing.status).toBe(429);
  expect(missing.headers.get('ratelimit')).toBe('"burst";r=0;t=20');
  expect((await call(key, 'GET', '/v1/accounts')).status).toBe(429);
});

test('a 429 POST writes nothing and leaves its Idempotency-Key free: a later retry works normally', async () => {
  const key = await secondKey();
  const call = await startApp({ burst: 1, perSecond: 1 });
  const accounts = () => stack.db.account.count({ where: { firmId: firm.firmId } });
  const records = () => stack.db.idempotencyRecord.count({ where: { firmId: firm.firmId, key: 'rl-create-1' } });
  expect((await call(key, 'GET', '/v1/accounts')).status).toBe(200); // the one token
  const before = await accounts();
  const body = { name: 'Limited account', type: 'individual' };
  const refused = await call(key, 'POST', '/v1/accounts', body, { 'idempotency-key': 'rl-create-1' });
  expect(refused.status).toBe(429);
  expect(refused.headers.get('retry-after')).toBe('1');
  expect(await accounts()).toBe(before);
  expect(await records()).toBe(0);
  await sleep(1000);
  const created = await call(key, 'POST', '/v1/accounts', body, { 'idempotency-key': 'rl-create-1' });
  expect(created.status).toBe(201);
  expect(created.headers.get('idempotent-replayed')).toBeNull();
  expect(await accounts()).toBe(before + 1);
  await sleep(1000);
  const replayed = await call(key, 'POST', '/v1/accounts', body, { 'idempotency-key': 'rl-create-1' });
  expect(replayed.status).toBe(201);
  expect(replayed.headers.get('idempotent-replayed')).toBe('true');
  expect(replayed.body.id).toBe(created.body.id);
  expect(await accounts()).toBe(before + 1);
});

test('the public routes (client pages, unsubscribe, the portal’s accept) are limited per client address', async () => {
  const { baseUrl, close } = await serveApp(stack, { publicRateLimit: { burst: 4, perSecond: 0.1 } });
  cleanups.push(close);
  const get = (path: string, headers: Record<string, string> = {}) => fetch(baseUrl + path, { headers });
  // Four pages from this address (forged links: refused, but they count), then 429 with Retry-After.
  const pages = [];
  for (let i = 0; i < 4; i++) pages.push(await get(`/portal/accounts/${randomUUID()}/chat/${randomUUID()}?token=x.y`));
  expect(pages.map((r) => r.status < 429)).toEqual([true, true, true, true]);
  const limited = await get('/unsubscribe?token=x.y');
  expect(limited.status).toBe(429);
  expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(((await limited.json()) as { detail: string }).detail).toMatch(/^This address may send 4 requests at once/);
  const accept = await fetch(`${baseUrl}/v1/invitations/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: 'x' }),
  });
  expect(accept.status).toBe(429);
  // The keyed API is not counted against it.
  const api = await fetch(`${baseUrl}/v1/accounts`, {
    headers: { authorization: `Bearer ${firm.apiKey}`, 'x-acting-user': firm.ownerId },
  });
  expect(api.status).toBe(200);
  // Security headers on every answer (helmet); the pages keep their own stricter ones.
  expect(api.headers.get('x-content-type-options')).toBe('nosniff');
  expect(pages[0].headers.get('x-frame-options')).toBe('DENY');
});

test('behind a trusted proxy each client has its own bucket, named by X-Forwarded-For', async () => {
  const { baseUrl, close } = await serveApp(stack, {
    publicRateLimit: { burst: 1, perSecond: 0.1 },
    trustProxy: 'loopback',
  });
  cleanups.push(close);
  const from = (client: string) =>
    fetch(`${baseUrl}/unsubscribe?token=x.y`, { headers: { 'x-forwarded-for': client } }).then((r) => r.status);
  expect(await from('203.0.113.7')).not.toBe(429);
  expect(await from('203.0.113.7')).toBe(429);
  expect(await from('198.51.100.9')).not.toBe(429);
});

test('behind a proxy API_TRUST_PROXY does not name, requests it forwarded are not limited (all would share one bucket)', async () => {
  const { baseUrl, close } = await serveApp(stack, { publicRateLimit: { burst: 1, perSecond: 0.1 } });
  cleanups.push(close);
  const forwarded = () =>
    fetch(`${baseUrl}/unsubscribe?token=x.y`, { headers: { 'x-forwarded-for': '203.0.113.7' } }).then((r) => r.status);
  expect([await forwarded(), await forwarded(), await forwarded()]).not.toContain(429);
  // A client reaching it directly is limited as ever.
  const direct = () => fetch(`${baseUrl}/unsubscribe?token=x.y`).then((r) => r.status);
  expect([await direct(), await direct()]).toEqual([expect.any(Number), 429]);
});

test('an IPv6 client is limited by its /64', () => {
  expect(clientBucket('2001:db8:1:2:3:4:5:6')).toBe(clientBucket('2001:db8:1:2::9'));
  expect(clientBucket('2001:db8:1:3::9')).not.toBe(clientBucket('2001:db8:1:2::9'));
  expect(clientBucket('::ffff:203.0.113.7')).toBe(clientBucket('203.0.113.7'));
});

test('rate limit 0 disables it: no headers, no 429', async () => {
  const call = await startApp({ burst: 0 });
  const results = await Promise.all(Array.from({ length: 10 }, () => call(firm, 'GET', '/v1/accounts')));
  expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
  expect(results[0].headers.get('ratelimit')).toBeNull();
});

test('token buckets refill at the rate up to the burst, drop idle full buckets and keep at most maxKeys', () => {
  let now = 0;
  const b = tokenBuckets({ burst: 2, perSecond: 4, maxKeys: 3 }, () => now);
  expect(b.take('a')).toMatchObject({ allowed: true, remaining: 1 });
  expect(b.take('a')).toMatchObject({ allowed: true, remaining: 0, resetSeconds: 1 });
  expect(b.take('a')).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
  now = 250; // one token back
  expect(b.take('a')).toMatchObject({ allowed: true, remaining: 0 });
  expect(b.take('b').allowed).toBe(true);
  expect(b.take('c').allowed).toBe(true);
  expect(b.take('d').allowed).toBe(true);
  expect(b.size()).toBe(3); // 'a', the least recently used, dropped
  now = 10_000; // all full again: swept on the next call
  b.take('e');
  expect(b.size()).toBe(1);
});

describe('logs', () => {
  test('maskEmails replaces every email-like string', () => {
    expect(maskEmails('Key (address)=(anna.bianchi+tax@example.test) already exists')).toBe(
      'Key (address)=([email]) already exists',
    );
    expect(maskEmails('"to":"a@b.co", cc <Bob.O\'Neil@mail.example.com>; none here @ all')).toBe(
      '"to":"[email]", cc <[email]>; none here @ all',
    );
    expect(maskEmails('P2002 Unique constraint failed on the fields: (`address`)')).toBe(
      'P2002 Unique constraint failed on the fields: (`address`)',
    );
  });

  test('the API logger redacts the Authorization header and masks addresses in errors and messages', () => {
    const lines: string[] = [];
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = pino(apiLoggerOptions('info'), out);
    // What a unique violation through the pg driver adapter looks like: the values in message and meta.
    class PrismaClientKnownRequestError extends Error {
      code = 'P2002';
      meta = { driverAdapterError: { cause: { originalMessage: 'duplicate key anna@example.test', kind: 'unique' } } };
    }
    const err = new PrismaClientKnownRequestError(
      'Unique constraint failed: Key (address)=(anna@example.test) already exists',
    );
    log.error({ err, requestId: 'r-1', req: { headers: { authorization: 'Bearer nk_secret123' } } }, 'unhandled error');
    log.warn('sending to bob@example.test failed');
    const text = lines.join('');
    expect(text).not.toContain('@example.test');
    expect(text).not.toContain('nk_secret123');
    const [first, second] = lines.map((l) => JSON.parse(l));
    expect(first).toMatchObject({
      requestId: 'r-1',
      msg: 'unhandled error',
      err: { type: 'PrismaClientKnownRequestError', code: 'P2002' },
      req: { headers: { authorization: '[redacted]' } },
    });
    expect(first.err.message).toContain('Key (address)=([email]) already exists');
    expect(first.err.stack).toBeDefined();
    expect(second.msg).toBe('sending to [email] failed');
  });
});
