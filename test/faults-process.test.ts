// Fault suite (issue 9), process and network faults on the real stack:
// - a worker restart storm: the worker process SIGKILLed five times, each at a random moment while it sends
//   (0.3–1.5 s after the mail server accepted its first email since the start), while waves of chat threads
//   are posted and their notifications and reminders go out: nothing lost; an email
//   whose SMTP send a kill interrupted goes again after its claim lease (90 s), so a kill between the mail
//   server's acceptance and the "sent" mark may resend it — at most one copy per kill, same Message-ID.
// - a silent network partition between an API instance and PostgreSQL (an in-test TCP proxy that keeps
//   every connection open and moves nothing): every request answers 503 with Retry-After within the request
//   deadline, never a hang or a 500; liveness stays up while readiness fails; after healing the same
//   instance serves again, and a POST retried under its Idempotency-Key creates exactly one row (one caught in
//   flight by the cut is refused 409 "in progress" until its record goes stale, then runs once).
// Each case prints its figures with a `[faults]` line.
import { randomUUID } from 'node:crypto';
import { eventually, serveApp, startStack, sleep, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts } from './support/fixtures';
import { deliveryFigures } from './support/faults';
import { messageIdOf, resentCopies } from './support/mail-copies';
import { killWorker, spawnWorker, type WorkerProcess } from './support/worker-process';
import { messageIdFor } from '../domain/email/outbound-email';
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

describe('a worker restart storm while notifications and reminders go out', () => {
  const KILLS = 5;
  const WAVE = 5; // threads posted before the first start and during each restart
  const THREADS = WAVE * (KILLS + 1);
  const COUNT = 2; // reminders per thread
  const DAY_SECONDS = 2;
  let stack: Stack | undefined;
  let worker: WorkerProcess | undefined;
  let smtpHop: TcpProxy | undefined;

  beforeAll(async () => {
    stack = await startStack({ daySeconds: DAY_SECONDS, worker: false });
    // The worker reaches the capturing SMTP server through a TCP hop: a process killed mid-transaction resets
    // its socket, and the SMTP server library raises such a reset as an unhandled 'error' event in this
    // process; through the hop the server sees a plain close instead.
    smtpHop = await startTcpProxy({ host: '127.0.0.1', port: stack.smtp.port });
  }, 60_000);
  afterAll(async () => {
    await killWorker(worker);
    await smtpHop?.close();
    await stack?.stop();
  }, 60_000);

  test('every email arrives; a kill during sends resends at most one copy, with the same Message-ID', async () => {
    const s = stack!;
    const firm = await s.newFirm();
    const accounts: Awaited<ReturnType<typeof accountWithContacts>>[] = [];
    for (let i = 0; i < THREADS; i++) accounts.push(await accountWithContacts(firm, [{}]));
    const addresses = accounts.map((a) => a.contacts[0].address);
    const threadIds: string[] = [];
    const kills: { at: number; claimsOrphaned: number; mailsLastSecond: number; upMs: number }[] = [];
    const startsMs: number[] = [];

    const start = async () => {
      const t = Date.now();
      worker = await spawnWorker(s, { SMTP_PORT: String(smtpHop!.port) });
      startsMs.push(Date.now() - t);
      return Date.now();
    };
    /** One wave of threads with reminders: their notifications are due when the worker comes up. */
    const postWave = async (wave: number) => {
      for (const [i, a] of accounts.slice(wave * WAVE, (wave + 1) * WAVE).entries()) {
        const t = await firm.call('POST', `/v1/accounts/${a.accountId}/chat-threads`, {
          subject: `Storm ${wave}.${i}`,
          message: { body: 'Please upload your receipts' },
          reminders: { enabled: true, intervalDays: 1, count: COUNT },
        });
        if (t.status !== 201) throw new Error(`thread: ${t.status} ${JSON.stringify(t.body)}`);
        threadIds.push(t.body.id as string);
      }
    };
    await postWave(0);
    const stormStartedAt = Date.now();
    let upAt = await start();
    for (let k = 0; k < KILLS; k++) {
      // While it sends, at a random moment as an operator's restart would land: 0.3–1.5 s after the mail
      // server accepted the first email of this start (or 15 s after the start without one).
      const seen = s.smtp.mails.length;
      const latest = Date.now() + 15_000;
      while (s.smtp.mails.length === seen && Date.now() < latest) await sleep(5);
      await sleep(300 + Math.random() * 1_200);
      await killWorker(worker);
      const at = Date.now();
      // Claims the dead process left: emails whose send it started (since the last kill) and did not mark.
      const claimsOrphaned = await s.db.outboundEmail.count({
        where: { firmId: firm.firmId, status: 'sending', claimedAt: { gt: new Date(kills.at(-1)?.at ?? 0) } },
      });
      const mailsLastSecond = s.smtp.mails.filter((m) => m.receivedAt > at - 1_000).length;
      kills.push({ at, claimsOrphaned, mailsLastSecond, upMs: at - upAt });
      // The next wave is posted while the worker is down and starting again.
      const restarted = sleep(500).then(start);
      await postWave(k + 1);
      upAt = await restarted;
    }
    const stormEndedAt = Date.now();

    const expected = THREADS * (1 + COUNT);
    const settled = async () => {
      if (deliveryFigures(s.smtp.mails, addresses, 1 + COUNT).lost > 0) return false;
      const open = await s.db.outboundEmail.count({ where: { firmId: firm.firmId, status: { not: 'sent' } } });
      return open === 0;
    };
    // An email a kill interrupted waits out its claim lease (90 s) and the activity's retry backoff.
    await eventually(settled, 200_000, `${expected} emails delivered and marked sent`).catch((err: Error) => {
      throw new Error(
        `${err.message}; got ${s.smtp.mails.length}, ${JSON.stringify(deliveryFigures(s.smtp.mails, addresses, 1 + COUNT))}\n${worker?.log().slice(-3000)}`,
      );
    });
    const settledAt = Date.now();
    for (const id of threadIds) {
      await eventually(
        async () => (await firm.call('GET', `/v1/chat-threads/${id}/reminders`)).body.workflow?.status === 'completed',
        30_000,
        `thread ${id} completed`,
      );
    }
    await sleep(2 * DAY_SECONDS * 1000); // anything extra would come within a day or two

    const figures = deliveryFigures(s.smtp.mails, addresses, 1 + COUNT);
    const copies = resentCopies(s.smtp.mails);
    // SMTP never fails here, so a second attempt on a row is a claim taken over after its lease.
    const takenOver = await s.db.outboundEmail.count({ where: { firmId: firm.firmId, attempts: { gt: 1 } } });
    const duringSends = kills.filter((k) => k.claimsOrphaned > 0 || k.mailsLastSecond > 0).length;
    console.log(
      `[faults] worker restart storm: ${KILLS} SIGKILLs ${kills.map((k) => (k.upMs / 1000).toFixed(1)).join(', ')} s ` +
        `after each start (starts took ${startsMs.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s; storm ` +
        `${((stormEndedAt - stormStartedAt) / 1000).toFixed(0)} s), ${THREADS} threads × (1 notification + ${COUNT} ` +
        `reminders) = ${expected} emails expected: lost ${figures.lost}, duplicates ${copies.extraCopies} ` +
        `(${copies.resent.length} emails resent, Message-ID ${copies.mismatchedMessageIds ? 'DIFFERENT' : 'the same'} ` +
        `on every copy); ${duringSends} kills during sends (claims orphaned per kill: ` +
        `${kills.map((k) => k.claimsOrphaned).join(', ')}; mails in the second before: ` +
        `${kills.map((k) => k.mailsLastSecond).join(', ')}) → ` +
        `${duringSends ? (copies.extraCopies / duringSends).toFixed(2) : '0'} duplicates per SIGKILL during sends; ` +
        `${takenOver} claims taken over after the lease; all delivered and marked ` +
        `${((settledAt - stormEndedAt) / 1000).toFixed(1)} s after the last restart`,
    );

    expect(figures.lost).toBe(0);
    expect(s.smtp.mails.length).toBe(expected + copies.extraCopies);
    expect(copies.keys).toBe(expected);
    // SMTP has no idempotency: a kill between acceptance and the mark may resend, once per kill at most, and
    // only an email whose claim the kill left behind.
    expect(copies.extraCopies).toBeLessThanOrEqual(KILLS);
    expect(copies.extraCopies).toBeLessThanOrEqual(kills.reduce((n, k) => n + k.claimsOrphaned, 0));
    expect(copies.mismatchedMessageIds).toBe(0);
    for (const m of s.smtp.mails) expect(messageIdOf(m)).toBe(messageIdFor(m.key!, 'nudge.test'));
    for (const id of threadIds) {
      const state = await firm.call('GET', `/v1/chat-threads/${id}/reminders`);
      expect(state.body.workflow).toMatchObject({ status: 'completed', remindersSent: COUNT });
    }
  }, 330_000);
});

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
    // A thread to post messages to (a write in a transaction with its outbox row), made before the fault.
    const account = await accountWithContacts(firm, [{}]);
    const thread = await firm.call('POST', `/v1/accounts/${account.accountId}/chat-threads`, { subject: 'Partition' });
    expect(thread.status).toBe(201);
    const messagePath = `/v1/chat-threads/${thread.body.id}/messages`;
    const messageKey = `partition-message-${randomUUID()}`;
    const messageBody = { author: 'firm', body: `Posted across a partition ${messageKey}` };

    const key = `partition-${randomUUID()}`;
    const name = `Partitioned ${key}`;
    const v1: { what: string; answer: Answer }[] = [];
    const live: Answer[] = [];
    const ready: Answer[] = [];

    // One POST in flight when the partition starts (it may land before or after the cut).
    const cutKey = `partition-cut-${randomUUID()}`;
    const cutBody = { author: 'firm', body: `Posted at the cut ${cutKey}` };
    const atCut = call('POST', messagePath, { body: cutBody, idempotencyKey: cutKey });
    await sleep(10);
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
      lane('POST /v1/chat-threads/:id/messages', () =>
        call('POST', messagePath, { body: messageBody, idempotencyKey: messageKey }),
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
    const messageRetry = await call('POST', messagePath, { body: messageBody, idempotencyKey: messageKey });
    const messageAgain = await call('POST', messagePath, { body: messageBody, idempotencyKey: messageKey });
    const readyAfter = await call('GET', '/health/ready');
    const rows = await s.db.account.count({ where: { firmId: firm.firmId, name } });
    const cut = await atCut;
    // Its outcome is unknown to the API: what it sent before the cut reaches PostgreSQL once the partition
    // heals, and may commit then. Its key reads "in progress" (the record's removal after the 503 could not be
    // written during the partition): the retry answers 409 until the record goes stale (60 s), then either
    // runs (nothing had committed) or answers 409 idempotency-key-committed (the message's transaction marked
    // the key committed with it).
    const retryCut = () => call('POST', messagePath, { body: cutBody, idempotencyKey: cutKey });
    const cutRetryStarted = Date.now();
    let cutRetry = await retryCut();
    const cutRetries: Answer[] = [cutRetry];
    while (cutRetry.type?.endsWith('/idempotency-key-in-use') && Date.now() - cutRetryStarted < 75_000) {
      await sleep(2_000);
      cutRetries.push((cutRetry = await retryCut()));
    }
    const cutRetryMs = Date.now() - cutRetryStarted;
    const cutRows = await s.db.chatMessage.count({ where: { threadId: thread.body.id, body: cutBody.body } });
    const messages = await s.db.chatMessage.count({ where: { threadId: thread.body.id, body: messageBody.body } });

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
        `accounts created ${rows}; the message POST in flight at the cut → ${cut.status} in ${cut.ms} ms, retried after ` +
        `healing: ${summary(cutRetries)}, ${cutRetry.status} after ${(cutRetryMs / 1000).toFixed(1)} s, rows ` +
        `${cutRows} (${cutRetry.type ?? 'no problem type'}); the other message POST retried → ${messageRetry.status}, again → ` +
        `${messageAgain.status}${messageAgain.replayed ? ' (replayed)' : ''}, messages stored ${messages}; ` +
        `/health/ready → ${readyAfter.status}`,
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
    expect([201, 503]).toContain(cut.status);
    expect(cut.ms).toBeLessThan(REQUEST_TIMEOUT_MS + 1_500);
    expect(
      cutRetry.status === 201 || (cutRetry.status === 409 && cutRetry.type?.endsWith('/idempotency-key-committed')),
    ).toBe(true);
    expect(cutRetries.slice(0, -1).every((a) => a.status === 409 && a.type?.endsWith('/idempotency-key-in-use'))).toBe(
      true,
    );
    expect(cutRows).toBe(1);
    expect(messageRetry.status).toBe(201);
    expect(messageAgain).toMatchObject({ status: 201, replayed: true });
    expect(messages).toBe(1);
    expect(readyAfter.status).toBe(200);
  }, 150_000);
});
