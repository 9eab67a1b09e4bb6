// Webhook faults on the real stack (review webhooks2): a receiver asking for a pause with Retry-After (429,
// 503) gets it before the next attempt; disabling an endpoint, by DELETE or by a receiver's 410 Gone, fails its
// waiting deliveries at once, and a 410 leaves a system audit entry and an inbox notice to owners and admins;
// a secret a firm brings must be canonical padded base64, which every Standard Webhooks library decodes; a
// rotated secret keeps the replaced one signing for its grace; an endpoint's URL, event types and state change.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { createWebhookDelivery, MAX_RETRY_AFTER_MS, retryAfterMs, retryBackoffMs } from '../domain/webhooks/deliver';
import { FAILURE_NOTICE_EVERY_MS } from '../domain/webhooks/endpoints';
import { recordWebhookEvent } from '../domain/webhooks/events';
import { webhookDeliveryWorkflowId } from '../shared/contracts/webhook-delivery';
import { eventually, type ApiResponse, type FirmHandle, type Stack } from './support/stack';
import {
  callAllowing,
  startWebhookStack,
  type Answer,
  type Receiver,
  type WebhookStack,
} from './support/webhook-stack';
import { firmUser } from './support/fixtures';
import { expectRefused, rowCounter, type BadInputCase } from './support/bad-input';

/** How many requests /gone-together holds until it answers them all at once (or after a second). */
const TOGETHER = 5;

/**
 * /throttled answers 429 `Retry-After: 4` to the first request of each webhook-id, then 200; /unavailable 503
 * with a Retry-After date 5 s ahead, then 200; /gone-together holds requests until TOGETHER arrived, then
 * answers them all 410 at the same moment; /flaky 500 to the first request of each webhook-id, then 200; /ok
 * always 200.
 */
const held: http.ServerResponse[] = [];
const release = () => held.splice(0).forEach((r) => r.writeHead(410).end('gone'));
const answer: Answer = (req, res, received) => {
  const first = received.filter((r) => r.headers['webhook-id'] === req.headers['webhook-id']).length === 1;
  if (req.path === '/throttled' && first) return void res.writeHead(429, { 'retry-after': '4' }).end();
  if (req.path === '/flaky' && first) return void res.writeHead(500).end();
  if (req.path === '/unavailable' && first)
    return void res.writeHead(503, { 'retry-after': new Date(Date.now() + 5_000).toUTCString() }).end();
  if (req.path === '/gone-together') {
    held.push(res);
    if (held.length >= TOGETHER) release();
    else setTimeout(release, 1_000);
    return;
  }
  res.writeHead(200).end('ok');
};

let webhookStack: WebhookStack;
let stack: Stack;
let firm: FirmHandle;
let receiver: Receiver;
let allowing: WebhookStack['allowing'];

/** Calls the API that allows private targets (the receiver is on loopback), as the firm's owner by default. */
const api = (method: string, path: string, body?: unknown, as: FirmHandle = firm): Promise<ApiResponse> =>
  callAllowing(allowing, as, method, path, body);

const rowCounts = rowCounter(() => stack.db, ['webhookEndpoint', 'webhookDelivery', 'auditEvent'] as const);

beforeAll(async () => {
  webhookStack = await startWebhookStack(answer);
  ({ stack, firm, receiver, allowing } = webhookStack);
});
afterAll(() => webhookStack?.stop());

const register = async (path: string, as: FirmHandle = firm) => {
  const made = await api('POST', '/v1/webhooks', { url: `${receiver.url}${path}`, eventTypes: ['reminder.sent'] }, as);
  expect(made.status).toBe(201);
  return made.body as { id: string; secret: string };
};

/**
 * A reminder.sent event of the endpoint's firm, recorded as a dispatch records it (a delivery row for each of
 * the firm's endpoints, and its workflow start in the outbox); the endpoint's delivery id.
 */
async function sendEvent(endpointId: string, as: FirmHandle = firm): Promise<string> {
  const key = `fault-${randomUUID()}`;
  await recordWebhookEvent(stack.db, { firmId: as.firmId, type: 'reminder.sent', key, data: { key } });
  const d = await stack.db.webhookDelivery.findFirstOrThrow({ where: { endpointId, eventKey: key } });
  return d.id;
}

/** The delivery's workflow has finished (it has started, and its attempts are over). */
const settled = (deliveryId: string) =>
  eventually(
    () =>
      stack.client.workflow
        .getHandle(webhookDeliveryWorkflowId(deliveryId))
        .result()
        .then(
          () => true,
          () => false,
        ),
    30_000,
    `workflow of ${deliveryId} finished`,
  );

const delivered = (deliveryId: string, as: FirmHandle = firm) =>
  eventually(
    async () => {
      const d = (await api('GET', `/v1/webhook-deliveries/${deliveryId}`, undefined, as)).body;
      return d.status === 'delivered' && d;
    },
    60_000,
    'delivered',
  );

const gap = (d: { attemptLog: { at: string }[] }) => Date.parse(d.attemptLog[1].at) - Date.parse(d.attemptLog[0].at);

/** A delivery row waiting with no workflow of its own (as one in a long backoff looks in the log). */
const waitingDelivery = (endpointId: string, status: 'pending' | 'retrying', as: FirmHandle = firm) =>
  stack.db.webhookDelivery.create({
    data: {
      firmId: as.firmId,
      endpointId,
      eventKey: `waiting-${randomUUID()}`,
      eventType: 'reminder.sent',
      payload: {},
      status,
      attempts: status === 'retrying' ? 3 : 0,
      lastStatusCode: status === 'retrying' ? 500 : null,
    },
  });

describe('Retry-After', () => {
  test('the delay it asks for: seconds or an HTTP date, on 429 and 503 only, at most an hour', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterMs(429, '4', now)).toBe(4_000);
    expect(retryAfterMs(503, ' 120 ', now)).toBe(120_000);
    expect(retryAfterMs(503, 'Tue, 01 Jan 2030 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs(429, '86400', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(MAX_RETRY_AFTER_MS).toBe(3_600_000);
    // Otherwise the retry policy's backoff.
    expect(retryAfterMs(500, '4', now)).toBeUndefined();
    expect(retryAfterMs(429, undefined, now)).toBeUndefined();
    expect(retryAfterMs(429, '0', now)).toBeUndefined();
    expect(retryAfterMs(429, 'Mon, 31 Dec 2029 23:59:00 GMT', now)).toBeUndefined();
    expect(retryAfterMs(429, 'soon', now)).toBeUndefined();
    expect(retryAfterMs(429, '-5', now)).toBeUndefined();
  });

  test('without it, the retry schedule spread by up to a quarter either way, never past its hour', () => {
    expect([0, 0.5, 1].map((r) => retryBackoffMs(1, () => r))).toEqual([1_500, 2_000, 2_500]);
    expect([0, 0.5, 1].map((r) => retryBackoffMs(4, () => r))).toEqual([12_000, 16_000, 20_000]);
    expect([0, 0.5, 1].map((r) => retryBackoffMs(30, () => r))).toEqual([2_700_000, 3_600_000, 3_600_000]);
  });

  test('deliveries failed together come back spread out, not all at once', async () => {
    const own = await stack.newFirm();
    const hook = await register('/flaky', own);
    const ids = await Promise.all(Array.from({ length: 6 }, () => sendEvent(hook.id, own)));
    const gaps = (await Promise.all(ids.map((id) => delivered(id, own)))).map(gap);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(1_400); // 2 s less a quarter, and a little slack
    // The retry policy alone retried each 2 s after its failure.
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeGreaterThan(100);
  });

  test('a 429 with Retry-After in seconds: the next attempt waits that long', async () => {
    const own = await stack.newFirm();
    const hook = await register('/throttled', own);
    const d = await delivered(await sendEvent(hook.id, own), own);
    expect(d.attemptLog).toEqual([
      expect.objectContaining({ attempt: 1, statusCode: 429, error: 'HTTP 429' }),
      expect.objectContaining({ attempt: 2, statusCode: 200 }),
    ]);
    // The retry policy alone would try again after 2 s.
    expect(gap(d)).toBeGreaterThanOrEqual(4_000);
  });

  test('a 503 with Retry-After as an HTTP date: the next attempt waits until then', async () => {
    const own = await stack.newFirm();
    const hook = await register('/unavailable', own);
    const d = await delivered(await sendEvent(hook.id, own), own);
    expect(d.attemptLog.map((a: { statusCode: number }) => a.statusCode)).toEqual([503, 200]);
    // The date is 5 s ahead, in whole seconds.
    expect(gap(d)).toBeGreaterThanOrEqual(3_000);
  });
});

describe('disabling an endpoint', () => {
  test('DELETE fails its waiting deliveries at once; delivered ones and other endpoints’ stay as they were', async () => {
    const own = await stack.newFirm();
    const hook = await register('/ok', own);
    const other = await register('/ok', own);
    const retrying = await waitingDelivery(hook.id, 'retrying', own);
    const pending = await waitingDelivery(hook.id, 'pending', own);
    const done = await delivered(await sendEvent(hook.id, own), own);
    const elsewhere = await waitingDelivery(other.id, 'retrying', own);
    expect((await api('DELETE', `/v1/webhooks/${hook.id}`, undefined, own)).status).toBe(200);
    const read = async (id: string) => (await api('GET', `/v1/webhook-deliveries/${id}`, undefined, own)).body;
    for (const d of [retrying, pending])
      expect(await read(d.id)).toMatchObject({
        status: 'failed',
        lastError: 'the endpoint is disabled',
        attempts: d.attempts,
      });
    const log = await api('GET', `/v1/webhooks/${hook.id}/deliveries?status=retrying`, undefined, own);
    expect(log.body.items).toEqual([]);
    expect(await read(done.id)).toMatchObject({ status: 'delivered' });
    expect(await read(elsewhere.id)).toMatchObject({ status: 'retrying' });
  });

  test('a 410 disables it once: waiting deliveries fail, a system audit entry, an inbox notice to owners and admins', async () => {
    const own = await stack.newFirm();
    const adminId = await firmUser(own, 'Ada Admin', 'admin');
    const employeeId = await firmUser(own, 'Eve Employee');
    const hook = await register('/gone-together', own);
    const waiting = await waitingDelivery(hook.id, 'retrying', own);
    // Several deliveries answered 410 at the same moment: one disable, and no attempt lost to a deadlock.
    const ids = await Promise.all(Array.from({ length: TOGETHER }, () => sendEvent(hook.id, own)));
    for (const id of ids) await settled(id);
    const rows = await stack.db.webhookDelivery.findMany({ where: { id: { in: ids } }, include: { attemptLog: true } });
    expect(rows.map((d) => d.status)).toEqual(ids.map(() => 'failed'));
    // Every request the receiver got is in the log (a transaction rolled back would have lost its attempt).
    for (const d of rows)
      expect(d.attemptLog).toHaveLength(receiver.received.filter((r) => r.headers['webhook-id'] === d.id).length);
    expect(rows.some((d) => d.lastStatusCode === 410)).toBe(true);
    expect((await api('GET', `/v1/webhooks/${hook.id}`, undefined, own)).body.status).toBe('disabled');
    expect((await api('GET', `/v1/webhook-deliveries/${waiting.id}`, undefined, own)).body).toMatchObject({
      status: 'failed',
      lastError: 'the endpoint is disabled',
    });
    const entries = await stack.db.auditEvent.findMany({
      where: { firmId: own.firmId, action: 'webhook.disabled', data: { path: ['webhookId'], equals: hook.id } },
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorType: 'system', actorId: null, data: { reason: 'gone' } });
    expect(ids).toContain((entries[0].data as { deliveryId: string }).deliveryId);
    const notices = await stack.db.inboxNotification.findMany({
      where: { firmId: own.firmId, kind: 'webhook.disabled' },
    });
    expect(notices.map((n) => n.firmUserId).sort()).toEqual([own.ownerId, adminId].sort());
    expect(notices.map((n) => n.firmUserId)).not.toContain(employeeId);
    expect(notices[0]).toMatchObject({
      title: expect.stringContaining(`${receiver.url}/gone-together`),
      body: expect.stringContaining('410 Gone'),
      data: { webhookId: hook.id },
    });
  });
});

test('a delivered attempt whose record fails once is recorded by trying again, not by POSTing again', async () => {
  const own = await stack.newFirm();
  const hook = await register('/recorded-late', own);
  const delivery = await waitingDelivery(hook.id, 'pending', own);
  // The database refuses the attempt's log row once, as a connection lost after the receiver's 2xx would.
  const fn = `fail_attempt_${randomUUID().replace(/-/g, '')}`;
  await stack.db.$executeRawUnsafe(`CREATE SEQUENCE ${fn}_n`);
  await stack.db.$executeRawUnsafe(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW."deliveryId" = '${delivery.id}' AND nextval('${fn}_n') = 1 THEN RAISE EXCEPTION 'record refused';
    END IF; RETURN NEW; END $$`);
  await stack.db.$executeRawUnsafe(
    `CREATE TRIGGER ${fn} BEFORE INSERT ON "WebhookDeliveryAttempt" FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
  );
  try {
    const { attemptDelivery } = createWebhookDelivery({ db: stack.db, allowPrivateTargets: true });
    // Before: the attempt failed, and its activity's retry POSTed the event a second time.
    await expect(attemptDelivery(own.firmId, delivery.id)).resolves.toMatchObject({ outcome: 'delivered' });
  } finally {
    await stack.db.$executeRawUnsafe(`DROP TRIGGER ${fn} ON "WebhookDeliveryAttempt"`);
    await stack.db.$executeRawUnsafe(`DROP FUNCTION ${fn}()`);
    await stack.db.$executeRawUnsafe(`DROP SEQUENCE ${fn}_n`);
  }
  expect(receiver.received.filter((r) => r.headers['webhook-id'] === delivery.id)).toHaveLength(1);
  expect(await stack.db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).toMatchObject({
    status: 'delivered',
    attempts: 1,
  });
});

describe('a delivery failing for good', () => {
  test('its retries spent, owners and admins are told once a day per endpoint, however many fail at once', async () => {
    const own = await stack.newFirm();
    const adminId = await firmUser(own, 'Ada Admin', 'admin');
    const employeeId = await firmUser(own, 'Eve Employee');
    const hook = await register('/down-for-days', own);
    const deliveries = await Promise.all([1, 2, 3].map(() => waitingDelivery(hook.id, 'retrying', own)));
    const { markDeliveryFailed } = createWebhookDelivery({ db: stack.db });
    const fail = (id: string) => markDeliveryFailed(own.firmId, id);
    const notices = () =>
      stack.db.inboxNotification.findMany({ where: { firmId: own.firmId, kind: 'webhook.failing' } });

    // Two give up at the same moment (an outage fails every event of its day): one notice each for the owner and
    // the admin; the activity's retry of one of them tells no one again.
    await Promise.all([fail(deliveries[0].id), fail(deliveries[1].id)]);
    await fail(deliveries[0].id);
    const first = await notices();
    expect(first.map((n) => n.firmUserId).sort()).toEqual([own.ownerId, adminId].sort());
    expect(first.map((n) => n.firmUserId)).not.toContain(employeeId);
    expect(first[0]).toMatchObject({
      title: expect.stringContaining(`${receiver.url}/down-for-days`),
      body: expect.stringContaining('replay'),
      data: { webhookId: hook.id },
    });

    // A day later the next one tells them again.
    await stack.db.webhookEndpoint.update({
      where: { id: hook.id },
      data: { failureNoticeAt: new Date(Date.now() - FAILURE_NOTICE_EVERY_MS - 1000) },
    });
    await fail(deliveries[2].id);
    expect(await notices()).toHaveLength(4);
    const statuses = await stack.db.webhookDelivery.findMany({ where: { id: { in: deliveries.map((d) => d.id) } } });
    expect(statuses.map((d) => d.status)).toEqual(['failed', 'failed', 'failed']);
  });
});

describe('a secret the firm brings', () => {
  const post = (secret: string) =>
    api('POST', '/v1/webhooks', { url: `${receiver.url}/ok`, eventTypes: ['reminder.sent'], secret });
  const b64 = (n: number, fill = 1) => Buffer.alloc(n, fill).toString('base64');

  test('must be canonical padded base64 (as Go, Rust and C# decode it), else 422 naming the field', async () => {
    const cases: BadInputCase[] = [
      // 32 bytes without the padding many tools leave out: Node decodes it, Go's StdEncoding does not.
      ['unpadded', () => post(`whsec_${'A'.repeat(43)}`), 422, 'validation-error', 'body.secret'],
      ['length not a multiple of 4', () => post(`whsec_${'A'.repeat(41)}=`), 422, 'validation-error', 'body.secret'],
      // The last character carries bits that are not part of any byte: it does not re-encode to itself.
      ['non-canonical last character', () => post(`whsec_${'A'.repeat(42)}B=`), 422, 'validation-error', 'body.secret'],
      ['23 bytes', () => post(`whsec_${b64(23)}`), 422, 'validation-error', 'body.secret'],
      ['65 bytes', () => post(`whsec_${b64(65)}`), 422, 'validation-error', 'body.secret'],
    ];
    for (const c of cases) await expectRefused(rowCounts, c);
  });

  test('canonical secrets of 24 to 64 bytes are taken, and sign what the receiver verifies', async () => {
    for (const secret of [`whsec_${b64(24, 2)}`, `whsec_${b64(32, 3)}`, `whsec_${b64(64, 4)}`]) {
      const made = await post(secret);
      expect(made.status).toBe(201);
      expect(made.body.secret).toBe(secret);
      const d = await delivered(await sendEvent(made.body.id));
      const r = receiver.received.find((x) => x.headers['webhook-id'] === d.id)!;
      expect(new Webhook(secret).verify(r.body, r.headers)).toMatchObject({ type: 'reminder.sent' });
    }
  });
});

describe('rotating the secret', () => {
  const rotate = (id: string, body: unknown, as: FirmHandle = firm, headers: Record<string, string> = {}) =>
    callAllowing(allowing, as, 'POST', `/v1/webhooks/${id}/rotate-secret`, body, { headers });
  const received = (deliveryId: string) => receiver.received.find((x) => x.headers['webhook-id'] === deliveryId)!;

  test('the replaced secret signs alongside the new one for the grace, so either verifies; shown once', async () => {
    const own = await stack.newFirm();
    const hook = await register('/ok', own);
    const key = { 'idempotency-key': `rotate-${randomUUID()}` };
    const rotated = await rotate(hook.id, {}, own, key);
    expect(rotated.status).toBe(200);
    const { secret } = rotated.body;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(hook.secret);
    const graceEnds = Date.parse(rotated.body.previousSecretExpiresAt) - Date.now();
    expect(graceEnds).toBeGreaterThan(23.9 * 3_600_000);
    expect(graceEnds).toBeLessThanOrEqual(24 * 3_600_000);
    // A retry under the same key rotates nothing more and does not show the secret again.
    const retry = await rotate(hook.id, {}, own, key);
    expect(retry.status).toBe(409);
    expect(retry.body.type).toBe('https://nudge.dev/problems/secret-shown-once');
    expect(JSON.stringify(retry.body)).not.toContain(secret);
    const read = (await api('GET', `/v1/webhooks/${hook.id}`, undefined, own)).body;
    expect(read).toMatchObject({ secretPrefix: secret.slice(0, 10), previousSecretExpiresAt: expect.any(String) });
    const r = received((await delivered(await sendEvent(hook.id, own), own)).id);
    expect(r.headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const s of [secret, hook.secret])
      expect(new Webhook(s).verify(r.body, r.headers)).toMatchObject({ type: 'reminder.sent' });
    const entries = await stack.db.auditEvent.findMany({
      where: { firmId: own.firmId, action: 'webhook.secret_rotated' },
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorId: own.ownerId, data: { webhookId: hook.id } });
  });

  test('with keepPreviousForHours 0 (a leaked secret) and a secret the firm brings, the old one stops at once', async () => {
    const own = await stack.newFirm();
    const hook = await register('/ok', own);
    const first = await rotate(hook.id, {}, own);
    const mine = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const rotated = await rotate(hook.id, { secret: mine, keepPreviousForHours: 0 }, own);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ secret: mine, previousSecretExpiresAt: null });
    const r = received((await delivered(await sendEvent(hook.id, own), own)).id);
    expect(r.headers['webhook-signature'].split(' ')).toHaveLength(1);
    expect(new Webhook(mine).verify(r.body, r.headers)).toMatchObject({ type: 'reminder.sent' });
    for (const old of [hook.secret, first.body.secret])
      expect(() => new Webhook(old).verify(r.body, r.headers)).toThrow();
  });

  test('bad input, another firm’s endpoint and employees: a precise 4xx, the secret unchanged', async () => {
    const own = await stack.newFirm();
    const hook = await register('/ok', own);
    const employee = { ...own, ownerId: await firmUser(own, 'Eve Employee') };
    const foreign = await register('/ok');
    const cases: BadInputCase[] = [
      [
        'grace over a week',
        () => rotate(hook.id, { keepPreviousForHours: 169 }, own),
        422,
        'validation-error',
        'body.keepPreviousForHours',
      ],
      [
        'negative grace',
        () => rotate(hook.id, { keepPreviousForHours: -1 }, own),
        422,
        'validation-error',
        'body.keepPreviousForHours',
      ],
      [
        'fractional grace',
        () => rotate(hook.id, { keepPreviousForHours: 1.5 }, own),
        422,
        'validation-error',
        'body.keepPreviousForHours',
      ],
      [
        'grace as text',
        () => rotate(hook.id, { keepPreviousForHours: '24' }, own),
        422,
        'validation-error',
        'body.keepPreviousForHours',
      ],
      [
        'unpadded secret',
        () => rotate(hook.id, { secret: `whsec_${'A'.repeat(43)}` }, own),
        422,
        'validation-error',
        'body.secret',
      ],
      [
        'the current secret',
        () => rotate(hook.id, { secret: hook.secret }, own),
        422,
        'validation-error',
        'body.secret',
      ],
      ['unknown field', () => rotate(hook.id, { grace: 1 }, own), 422, 'validation-error'],
      ['another firm’s endpoint', () => rotate(foreign.id, {}, own), 404, 'not-found'],
      ['an employee', () => rotate(hook.id, {}, employee), 403, 'forbidden'],
    ];
    for (const c of cases) await expectRefused(rowCounts, c);
    for (const [id, secret] of [
      [hook.id, hook.secret],
      [foreign.id, foreign.secret],
    ])
      expect(await stack.db.webhookEndpoint.findUniqueOrThrow({ where: { id } })).toMatchObject({
        secret,
        previousSecret: null,
      });
  });
});

describe('changing an endpoint', () => {
  /** A reminder.sent event of the firm; the delivery the endpoint got for it, or null. */
  const eventFor = async (endpointId: string, as: FirmHandle) => {
    const key = `change-${randomUUID()}`;
    await recordWebhookEvent(stack.db, { firmId: as.firmId, type: 'reminder.sent', key, data: { key } });
    return stack.db.webhookDelivery.findFirst({ where: { endpointId, eventKey: key } });
  };

  test('URL, event types and description change; disabled by PATCH it gets nothing, enabled again it does', async () => {
    const own = await stack.newFirm();
    const hook = await register('/ok', own);
    const changed = await api(
      'PATCH',
      `/v1/webhooks/${hook.id}`,
      { url: `${receiver.url}/ok?moved`, eventTypes: ['item.completed', 'item.completed'], description: 'CRM' },
      own,
    );
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ url: `${receiver.url}/ok?moved`, eventTypes: ['item.completed'] });
    expect(await eventFor(hook.id, own)).toBeNull();
    const back = await api(
      'PATCH',
      `/v1/webhooks/${hook.id}`,
      { eventTypes: ['reminder.sent'], description: null },
      own,
    );
    expect(back.body).toMatchObject({ eventTypes: ['reminder.sent'], description: null, status: 'active' });
    const d = await delivered((await eventFor(hook.id, own))!.id, own);
    expect(receiver.received.find((x) => x.headers['webhook-id'] === d.id)!.path).toBe('/ok?moved');

    const waiting = await waitingDelivery(hook.id, 'retrying', own);
    const off = await api('PATCH', `/v1/webhooks/${hook.id}`, { enabled: false }, own);
    expect(off.body).toMatchObject({ status: 'disabled', disabledAt: expect.any(String) });
    expect(await stack.db.webhookDelivery.findUniqueOrThrow({ where: { id: waiting.id } })).toMatchObject({
      status: 'failed',
      lastError: 'the endpoint is disabled',
    });
    expect(await eventFor(hook.id, own)).toBeNull();
    const on = await api('PATCH', `/v1/webhooks/${hook.id}`, { enabled: true }, own);
    expect(on.body).toMatchObject({ status: 'active', disabledAt: null });
    await delivered((await eventFor(hook.id, own))!.id, own);
    // Once per change that changed something (the same value again writes nothing).
    expect((await api('PATCH', `/v1/webhooks/${hook.id}`, { enabled: true }, own)).status).toBe(200);
    const actions = await stack.db.auditEvent.findMany({
      where: { firmId: own.firmId, action: { startsWith: 'webhook.' } },
      orderBy: { id: 'asc' },
    });
    expect(actions.map((a) => a.action)).toEqual([
      'webhook.created',
      'webhook.updated',
      'webhook.updated',
      'webhook.disabled',
      'webhook.enabled',
    ]);
    expect(actions[1].data).toMatchObject({ changed: ['url', 'eventTypes', 'description'] });
  });

  test('bad input, private targets, another firm’s endpoint and employees: a precise 4xx, nothing changed', async () => {
    const own = await stack.newFirm();
    const hook = await register('/ok', own);
    const employee = { ...own, ownerId: await firmUser(own, 'Eve Employee') };
    const foreign = await register('/ok');
    const patch = (body: unknown, as = own, id = hook.id) => api('PATCH', `/v1/webhooks/${id}`, body, as);
    const cases: BadInputCase[] = [
      ['empty', () => patch({}), 422, 'validation-error', 'body'],
      ['no event types', () => patch({ eventTypes: [] }), 422, 'validation-error', 'body.eventTypes'],
      ['unknown event type', () => patch({ eventTypes: ['item.sent'] }), 422, 'validation-error', 'body.eventTypes.0'],
      ['not a URL', () => patch({ url: 'crm' }), 422, 'validation-error', 'body.url'],
      ['enabled as text', () => patch({ enabled: 'yes' }), 422, 'validation-error', 'body.enabled'],
      ['secret (rotate it instead)', () => patch({ secret: hook.secret }), 422, 'validation-error'],
      ['another firm’s endpoint', () => patch({ enabled: false }, own, foreign.id), 404, 'not-found'],
      ['an employee', () => patch({ enabled: false }, employee), 403, 'forbidden'],
      [
        'a loopback URL where private targets are refused',
        // The stack's own API, not the one allowing private targets.
        () => own.call('PATCH', `/v1/webhooks/${hook.id}`, { url: 'http://127.0.0.1:9/hook' }),
        422,
        'validation-error',
        'body.url',
      ],
    ];
    for (const c of cases) await expectRefused(rowCounts, c);
    expect(await stack.db.webhookEndpoint.findUniqueOrThrow({ where: { id: hook.id } })).toMatchObject({
      url: `${receiver.url}/ok`,
      eventTypes: ['reminder.sent'],
      disabledAt: null,
    });
    expect((await stack.db.webhookEndpoint.findUniqueOrThrow({ where: { id: foreign.id } })).disabledAt).toBeNull();
  });
});

test('an API that died after registering or rotating, before storing its answer: a retry does neither again', async () => {
  const own = await stack.newFirm();
  const post = (path: string, body: unknown, key: string) =>
    callAllowing(allowing, own, 'POST', path, body, { headers: { 'idempotency-key': key } });
  /** What a process killed between its commit and storing the answer leaves: no answer, long stale. */
  const loseAnswer = async (key: string) => {
    const where = { firmId_key: { firmId: own.firmId, key } };
    expect((await stack.db.idempotencyRecord.findUniqueOrThrow({ where })).committedAt).not.toBeNull();
    await stack.db.idempotencyRecord.update({
      where,
      data: { status: null, body: undefined, createdAt: new Date(Date.now() - 10 * 60_000) },
    });
  };
  const hook = { url: `${receiver.url}/ok?lost`, eventTypes: ['reminder.sent'] };
  const made = await post('/v1/webhooks', hook, 'lost-register');
  expect(made.status).toBe(201);
  await loseAnswer('lost-register');
  const again = await post('/v1/webhooks', hook, 'lost-register');
  expect(again.status).toBe(409);
  expect(again.body.type).toMatch(/idempotency-key-committed$/);
  expect(await stack.db.webhookEndpoint.count({ where: { firmId: own.firmId } })).toBe(1);

  const rotated = await post(`/v1/webhooks/${made.body.id}/rotate-secret`, {}, 'lost-rotate');
  expect(rotated.status).toBe(200);
  await loseAnswer('lost-rotate');
  expect((await post(`/v1/webhooks/${made.body.id}/rotate-secret`, {}, 'lost-rotate')).status).toBe(409);
  // Rotated once: the secret the firm had still signs for the grace.
  expect(await stack.db.webhookEndpoint.findUniqueOrThrow({ where: { id: made.body.id } })).toMatchObject({
    previousSecret: made.body.secret,
  });
});
