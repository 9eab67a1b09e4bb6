// Honest status (issue 9): liveness and readiness (SMTP reported, not failing readiness), 503 with
// Retry-After instead of 500 or a hang when the database refuses, when more requests come than the API
// admits, and when a request outlives its deadline; a connection broken inside a transaction leaves the pool.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { eventually, serveApp, startStack, type Stack, type FirmHandle } from './support/stack';
import { lockAccounts, postThenLeave } from './support/holds';
import { accountWithContacts } from './support/fixtures';
import type { AppDeps } from '../api/app';
import { createDb, type Db } from '../prisma/client';
import { createMailer } from '../domain/email/mailer';
import { unavailableDependency } from '../api/dependency-errors';

let stack: Stack;
let firm: FirmHandle;
let threadId: string;
const cleanups: (() => Promise<unknown> | void)[] = [];

beforeAll(async () => {
  stack = await startStack({ worker: false });
  firm = await stack.newFirm('Overload & Co');
  const acc = await accountWithContacts(firm, [{}]);
  threadId = (await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, { subject: 'Load' })).body.id;
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await stack?.stop();
});

/** Another API instance over the test stack, with some of its dependencies replaced. */
async function startApp(over: Partial<AppDeps>) {
  const { baseUrl: base, close } = await serveApp(stack, over);
  cleanups.push(close);
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const started = Date.now();
    const res = await fetch(base + path, {
      method,
      headers: {
        authorization: `Bearer ${firm.apiKey}`,
        'x-acting-user': firm.ownerId,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers, ms: Date.now() - started };
  };
  return Object.assign(call, { baseUrl: base });
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

const message = (i: number) => ({ author: 'firm', body: `Message ${i}` });

test('GET /health/live answers 200 while the process runs', async () => {
  const res = await stack.request('GET', '/health/live');
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ status: 'ok' });
});

test('GET /health/ready answers 200 when the database and Temporal answer', async () => {
  // Readiness waits at most 300 ms for SMTP (api/health.ts): on a loaded machine its first check may answer later.
  await eventually(async () => (await stack.request('GET', '/health/ready')).body.checks.smtp.ok, 10_000, 'SMTP');
  const res = await stack.request('GET', '/health/ready');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    status: 'ok',
    checks: { database: { ok: true }, temporal: { ok: true }, smtp: { ok: true } },
    load: { maxInFlight: 20 },
  });
});

test('SMTP down: /health/ready stays 200 (SMTP reported), /health reports degraded', async () => {
  const mailer = createMailer({ host: '127.0.0.1', port: await closedPort(), secure: false, from: 'x <x@x.test>' });
  cleanups.push(() => mailer.close());
  const call = await startApp({ mailer });
  const ready = await call('GET', '/health/ready');
  expect(ready.status).toBe(200);
  expect(ready.body).toMatchObject({
    status: 'degraded',
    checks: { database: { ok: true }, temporal: { ok: true }, smtp: { ok: false } },
  });
  const health = await call('GET', '/health');
  expect(health.status).toBe(503);
  expect(health.body).toMatchObject({ status: 'degraded', checks: { smtp: { ok: false } } });
});

test('Temporal down: /health/ready answers 503, /health/live still 200', async () => {
  const connection = Connection.lazy({ address: `127.0.0.1:${await closedPort()}` });
  cleanups.push(() => connection.close());
  const call = await startApp({ temporal: new Client({ connection }) });
  const ready = await call('GET', '/health/ready');
  expect(ready.status).toBe(503);
  expect(ready.body).toMatchObject({
    status: 'unavailable',
    checks: { database: { ok: true }, temporal: { ok: false } },
  });
  expect(ready.ms).toBeLessThan(6_000);
  expect((await call('GET', '/health/live')).status).toBe(200);
});

test('a database that refuses: 503 service-unavailable with Retry-After, fast, never 500', async () => {
  const db: Db = createDb('postgresql://postgres@127.0.0.1:1/nope');
  cleanups.push(() => db.$disconnect());
  const call = await startApp({ db });
  for (const [method, path, body] of [
    ['GET', '/v1/accounts', undefined],
    ['POST', '/v1/accounts', { name: 'x', type: 'company' }],
    ['POST', `/v1/chat-threads/${threadId}/messages`, message(0)],
  ] as const) {
    const res = await call(method, path, body);
    expect({ path, status: res.status, type: res.body.type }).toEqual({
      path,
      status: 503,
      type: 'https://nudge.dev/problems/service-unavailable',
    });
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.ms).toBeLessThan(6_000);
    console.log(`refused database: ${method} ${path} → 503 in ${res.ms} ms`);
  }
  const ready = await call('GET', '/health/ready');
  expect(ready.status).toBe(503);
  expect(ready.body.checks.database.ok).toBe(false);
  expect((await call('GET', '/health/live')).status).toBe(200);
});

test('overload: 30 concurrent message posts on 2 slots and no queue answer only 2xx and 503 with Retry-After', async () => {
  const call = await startApp({ admission: { maxInFlight: 2, maxQueued: 0 } });
  const results = await Promise.all(
    Array.from({ length: 30 }, (_, i) => call('POST', `/v1/chat-threads/${threadId}/messages`, message(i))),
  );
  const statuses = results.map((r) => r.status);
  expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
  const refused = results.filter((r) => r.status === 503);
  expect(refused.length).toBeGreaterThan(0);
  expect(results.some((r) => r.status === 201)).toBe(true);
  for (const r of refused) {
    expect(r.body.type).toBe('https://nudge.dev/problems/overloaded');
    expect(r.headers.get('retry-after')).toBe('1');
  }
  const worst = Math.max(...refused.map((r) => r.ms));
  console.log(
    `overload (2 slots, no queue): ${statuses.filter((s) => s === 201).length} × 201, ${refused.length} × 503 (slowest 503 ${worst} ms)`,
  );
  // Every accepted post is stored, and only those.
  const stored = await stack.db.chatMessage.count({ where: { threadId, body: { startsWith: 'Message ' } } });
  expect(stored).toBeGreaterThanOrEqual(statuses.filter((s) => s === 201).length);
});

test('overload with a short queue: waiting requests are served or refused within the wait, never 500', async () => {
  const call = await startApp({ admission: { maxInFlight: 2, maxQueued: 5, queueWaitMs: 500 } });
  const results = await Promise.all(
    Array.from({ length: 30 }, (_, i) => call('POST', `/v1/chat-threads/${threadId}/messages`, message(100 + i))),
  );
  const statuses = results.map((r) => r.status);
  expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
  expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(2);
  for (const r of results.filter((x) => x.status === 503)) expect(r.headers.get('retry-after')).toBe('1');
  console.log(
    `overload (2 slots, queue 5): ${statuses.filter((s) => s === 201).length} × 201, ${statuses.filter((s) => s === 503).length} × 503`,
  );
});

test('200 concurrent message posts on the default limits end with only 2xx and 503', async () => {
  const call = await startApp({});
  const started = Date.now();
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) => call('POST', `/v1/chat-threads/${threadId}/messages`, message(1000 + i))),
  );
  const statuses = results.map((r) => r.status);
  expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
  const refused = results.filter((r) => r.status === 503);
  for (const r of refused) expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  console.log(
    `200 concurrent posts (defaults): ${200 - refused.length} × 201, ${refused.length} × 503` +
      (refused.length ? ` (slowest 503 ${Math.max(...refused.map((r) => r.ms))} ms)` : '') +
      `, all answered in ${Date.now() - started} ms`,
  );
});

test('the request deadline answers 503 once; the late result is kept for an idempotent retry', async () => {
  const call = await startApp({ admission: { requestTimeoutMs: 400 } });
  const key = `deadline-${Date.now()}`;
  const name = `Slow ${key}`;
  // Hold the account table so the create waits well past the deadline, then let it finish.
  const unlock = await lockAccounts(stack.db);
  const first = await call('POST', '/v1/accounts', { name, type: 'company' }, { 'idempotency-key': key });
  expect(first.status).toBe(503);
  expect(first.body.type).toBe('https://nudge.dev/problems/deadline-exceeded');
  expect(first.headers.get('retry-after')).toBe('5');
  expect(first.ms).toBeLessThan(2_000);
  console.log(`deadline 400 ms: 503 in ${first.ms} ms`);
  await unlock();
  // The handler finished after the deadline: its answer went nowhere, and the retry replays it.
  let retry = await call('POST', '/v1/accounts', { name, type: 'company' }, { 'idempotency-key': key });
  for (let i = 0; retry.status === 409 && i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    retry = await call('POST', '/v1/accounts', { name, type: 'company' }, { 'idempotency-key': key });
  }
  expect(retry.status).toBe(201);
  expect(retry.headers.get('idempotent-replayed')).toBe('true');
  expect(await stack.db.account.count({ where: { name } })).toBe(1);
  // The instance still serves.
  expect((await call('GET', '/v1/accounts')).status).toBe(200);
});

test('a client that leaves does not free its slot while its handler still runs: the next request is refused', async () => {
  const call = await startApp({ admission: { maxInFlight: 1, maxQueued: 0, requestTimeoutMs: 5_000 } });
  const name = `Left ${Date.now()}`;
  const unlock = await lockAccounts(stack.db);
  try {
    // Client A's create waits on the lock; then A gives up (a client timeout) while its handler runs on.
    const left = postThenLeave(firm, `${call.baseUrl}/v1/accounts`, { name, type: 'company' }, 800);
    await eventually(async () => (await call('GET', '/health/ready')).body.load.inFlight === 1, 5_000, 'A admitted');
    await left;
    await new Promise((r) => setTimeout(r, 300));
    // A's handler still holds the one slot: B is refused at once, not admitted onto the stuck pool.
    expect((await call('GET', '/health/ready')).body.load.inFlight).toBe(1);
    const b = await call('GET', '/v1/accounts');
    expect({ status: b.status, type: b.body.type }).toEqual({
      status: 503,
      type: 'https://nudge.dev/problems/overloaded',
    });
    expect(b.ms).toBeLessThan(2_500); // refused at once: one admitted would wait out the 5 s deadline
  } finally {
    await unlock();
  }
  // A's handler ends once the lock goes: its slot is free again, and its account was made once.
  await eventually(async () => (await call('GET', '/health/ready')).body.load.inFlight === 0, 10_000, 'the slot');
  expect((await call('GET', '/v1/accounts')).status).toBe(200);
  expect(await stack.db.account.count({ where: { name } })).toBe(1);
});

test('a connection killed inside a transaction leaves the pool (no leak, the pool keeps serving)', async () => {
  const db = createDb(stack.databaseUrl, 2, { connectTimeoutMs: 2_000 });
  cleanups.push(() => db.$disconnect());
  for (let k = 0; k < 3; k++) {
    const tag = `victim_${k}_${Date.now()}`;
    const tx = db
      .$transaction(async (t) => t.$queryRawUnsafe(`SELECT 1 AS x FROM pg_sleep(3) /*${tag}*/`))
      .then(
        () => 'committed',
        (err: unknown) => err,
      );
    await new Promise((r) => setTimeout(r, 300));
    await stack.db.$queryRawUnsafe(
      `SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE query LIKE '%${tag}*/' AND pid <> pg_backend_pid()`,
    );
    const outcome = await tx;
    expect(outcome).not.toBe('committed');
    expect(unavailableDependency(outcome)).toMatchObject({ dependency: 'database' });
  }
  // Three connections broke in a pool of two: both slots are still usable, in and out of transactions.
  const started = Date.now();
  await expect(db.$queryRaw`SELECT 1 AS x`).resolves.toEqual([{ x: 1 }]);
  await expect(
    Promise.all([
      db.$transaction((t) => t.$queryRaw`SELECT 2 AS x`),
      db.$transaction((t) => t.$queryRaw`SELECT 3 AS x`),
    ]),
  ).resolves.toHaveLength(2);
  // Two reconnections at most; a leaked slot would wait out the pool's 2 s connect timeout, then fail.
  expect(Date.now() - started).toBeLessThan(1_900);
});

test('a malformed %-escape in the path answers 400 malformed-path, never 500', async () => {
  const answers = [
    // The client-action routes match the path before their authentication runs: no key needed.
    ['/v1/contacts/%ZZ/timeline', await stack.request('GET', '/v1/contacts/%ZZ/timeline')],
    ['/v1/accounts/%E0%A4%A', await firm.call('GET', '/v1/accounts/%E0%A4%A')],
    ['/v1/accounts/%ZZ/chat-threads', await firm.call('POST', '/v1/accounts/%ZZ/chat-threads', { subject: 'x' })],
  ] as const;
  for (const [path, res] of answers) {
    expect({ path, status: res.status, type: res.body.type }).toEqual({
      path,
      status: 400,
      type: 'https://nudge.dev/problems/malformed-path',
    });
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  }
});

test('dependency errors are told apart from bugs', () => {
  const grpc = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
    code: 14,
    details: 'x',
    metadata: {},
  });
  const serviceError = Object.assign(new Error('Failed to signal Workflow', { cause: grpc }), { name: 'ServiceError' });
  expect(unavailableDependency(serviceError)).toMatchObject({ dependency: 'temporal' });
  expect(unavailableDependency(new Error('timeout exceeded when trying to connect'))).toMatchObject({
    dependency: 'database',
  });
  expect(
    unavailableDependency(Object.assign(new Error('x'), { name: 'PrismaClientKnownRequestError', code: 'P2028' })),
  ).toMatchObject({ dependency: 'database' });
  expect(
    unavailableDependency(Object.assign(new Error('dup'), { name: 'PrismaClientKnownRequestError', code: 'P2002' })),
  ).toBeUndefined();
  expect(unavailableDependency(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBeUndefined();
});
