// Fault suite (issue 9), process and network faults on the real stack:
// - a silent network partition between an API instance and PostgreSQL (an in-test TCP proxy that keeps
//   every connection open and moves nothing): every request answers 503 with Retry-After within the request
//   deadline, never a hang or a 500; liveness stays up while readiness fails; after healing the same
//   instance serves again, and a POST retried under its Idempotency-Key creates exactly one row.
// Each case prints its figures with a `[faults]` line.
import { randomUUID } from 'node:crypto';
import { serveApp, startStack, sleep, type Stack, type FirmHandle } from './support/stack';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';
import { createDb, type Db } from '../prisma/client';

interface Answer {
  status: number | 'hang';
  ms: number;
  type?: string;
  contentType?: string | null;
  retryAfter?: string | null;
  replayed?: boolean;
}

/** One HTTP call to `baseUrl` as the firm's owner; a call unanswered after `hangAfterMs` counts as a hang. */
async function timedCall(
  baseUrl: string,
  firm: FirmHandle,
  method: string,
  path: string,
  opts: { body?: unknown; idempotencyKey?: string; hangAfterMs: number },
): Promise<Answer> {
  const started = Date.now();
  try {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${firm.apiKey}`,
        'x-acting-user': firm.ownerId,
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {}),
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(opts.hangAfterMs),
    });
    const text = await res.text();
    let type: string | undefined;
    try {
      type = (JSON.parse(text) as { type?: string }).type;
    } catch {
      /* not JSON */
    }
    return {
      status: res.status,
      ms: Date.now() - started,
      type,
      contentType: res.headers.get('content-type'),
      retryAfter: res.headers.get('retry-after'),
      replayed: res.headers.get('idempotent-replayed') === 'true',
    };
  } catch {
    return { status: 'hang', ms: Date.now() - started };
  }
}

/** "503 × 12 (120–3012 ms)" per status. */
function summary(answers: Answer[]): string {
  const by = new Map<string, number[]>();
  for (const a of answers) by.set(String(a.status), [...(by.get(String(a.status)) ?? []), a.ms]);
  return [...by]
    .map(([status, ms]) => `${status} × ${ms.length} (${Math.min(...ms)}–${Math.max(...ms)} ms)`)
    .join(', ');
}

describe('a silent network partition between the API and PostgreSQL', () => {
  // Production's pool and deadline defaults scaled down: connect 2 s, statement 2 s, query 3 s, deadline 5 s.
  const REQUEST_TIMEOUT_MS = 5_000;
  const PARTITION_MS = 15_000;
  let stack: Stack | undefined;
  let proxy: TcpProxy | undefined;
  let db: Db | undefined;
  let api: { baseUrl: string; close: () => Promise<void> } | undefined;

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    const target = new URL(stack.databaseUrl);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    db = createDb(proxy.urlFor(stack.databaseUrl), 5, {
      connectTimeoutMs: 2_000,
      statementTimeoutMs: 2_000,
      queryTimeoutMs: 3_000,
    });
    api = await serveApp(stack, { db, admission: { requestTimeoutMs: REQUEST_TIMEOUT_MS } });
  }, 60_000);
  afterAll(async () => {
    proxy?.heal();
    await api?.close();
    await db?.$disconnect().catch(() => undefined);
    await proxy?.close();
    await stack?.stop();
  }, 60_000);

  test('503 with Retry-After within the deadline during the partition, 2xx soon after healing, one row per key', async () => {
    const s = stack!;
    const p = proxy!;
    const firm = await s.newFirm();
    const call = (method: string, path: string, o: { body?: unknown; idempotencyKey?: string } = {}) =>
      timedCall(api!.baseUrl, firm, method, path, { ...o, hangAfterMs: REQUEST_TIMEOUT_MS + 10_000 });

    // Through the proxy, before the fault: the instance serves (and its pool holds open connections).
    expect((await call('GET', '/v1/accounts')).status).toBe(200);
    expect((await call('GET', '/health/ready')).status).toBe(200);

    const key = `partition-${randomUUID()}`;
    const name = `Partitioned ${key}`;
    const v1: { what: string; answer: Answer }[] = [];
    const live: Answer[] = [];
    const ready: Answer[] = [];

    p.blackhole();
    const cutAt = Date.now();
    // New requests until there is still a whole deadline left, so each is answered before the partition ends.
    const issuing = () => Date.now() < cutAt + PARTITION_MS - REQUEST_TIMEOUT_MS - 2_000;
    const lane = async (what: string, fn: () => Promise<Answer>) => {
      while (issuing()) v1.push({ what, answer: await fn() });
    };
    await Promise.all([
      lane('GET /v1/accounts', () => call('GET', '/v1/accounts')),
      lane('GET /v1/accounts/:id', () => call('GET', `/v1/accounts/${randomUUID()}`)),
      lane('POST /v1/accounts', () =>
        call('POST', '/v1/accounts', { body: { name, type: 'company' }, idempotencyKey: key }),
      ),
      (async () => {
        while (issuing()) {
          live.push(await call('GET', '/health/live'));
          ready.push(await call('GET', '/health/ready'));
          await sleep(500);
        }
      })(),
    ]);
    await sleep(Math.max(0, cutAt + PARTITION_MS - Date.now()));
    p.heal();
    const healedAt = Date.now();

    // After healing: the same instance, polled until it serves.
    let recovered: Answer | undefined;
    const after: Answer[] = [];
    while (Date.now() - healedAt < 30_000) {
      const a = await call('GET', '/v1/accounts');
      after.push(a);
      if (a.status === 200) {
        recovered = a;
        break;
      }
      await sleep(200);
    }
    const recoveryMs = Date.now() - healedAt;
    const retry = await call('POST', '/v1/accounts', { body: { name, type: 'company' }, idempotencyKey: key });
    const again = await call('POST', '/v1/accounts', { body: { name, type: 'company' }, idempotencyKey: key });
    const readyAfter = await call('GET', '/health/ready');
    const rows = await s.db.account.count({ where: { firmId: firm.firmId, name } });

    const answers = v1.map((x) => x.answer);
    const lines = [...new Set(v1.map((x) => x.what))].map(
      (what) => `${what}: ${summary(v1.filter((x) => x.what === what).map((x) => x.answer))}`,
    );
    console.log(
      `[faults] silent partition API ↔ PostgreSQL for ${(PARTITION_MS / 1000).toFixed(0)} s (pool: connect 2 s, ` +
        `statement 2 s, query 3 s; request deadline ${REQUEST_TIMEOUT_MS / 1000} s): ${answers.length} /v1 requests ` +
        `during the fault — ${lines.join('; ')}; types ${[...new Set(answers.map((a) => a.type))].join(', ')}; ` +
        `/health/live ${summary(live)}; /health/ready ${summary(ready)}. After healing: first 2xx ` +
        `${(recoveryMs / 1000).toFixed(1)} s later (${after.length} tries: ${summary(after)}), the POST retried ` +
        `under its key → ${retry.status}, again → ${again.status}${again.replayed ? ' (replayed)' : ''}, ` +
        `rows created ${rows}; /health/ready → ${readyAfter.status}`,
    );

    // During the partition: only 503 problem+json with Retry-After, each within the deadline (plus slack).
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.status !== 503)).toEqual([]);
    for (const a of answers) {
      expect(a.contentType).toMatch(/application\/problem\+json/);
      expect(Number(a.retryAfter)).toBeGreaterThan(0);
      expect(a.ms).toBeLessThan(REQUEST_TIMEOUT_MS + 1_500);
    }
    expect(live.every((a) => a.status === 200)).toBe(true);
    expect(ready.length).toBeGreaterThan(0);
    expect(ready.every((a) => a.status === 503)).toBe(true);
    // After: the same instance serves, the retried POST created its row once, a second retry replays it.
    expect(recovered?.status).toBe(200);
    expect(after.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
    expect(retry.status).toBe(201);
    expect(again).toMatchObject({ status: 201, replayed: true });
    expect(rows).toBe(1);
    expect(readyAfter.status).toBe(200);
  }, 90_000);
});
