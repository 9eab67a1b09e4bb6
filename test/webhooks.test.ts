// Signed webhooks on the real stack (issue 11): endpoints registered through the API, a reminder and a bulk
// action delivered to a local receiver (node:http on loopback) signed per Standard Webhooks and verified with
// the `standardwebhooks` library, a failed first attempt retried (seen in the delivery log), replay with the
// same webhook-id, private targets refused without the allow flag, bad input and employees refused.
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { eventually, sleep, type ApiResponse, type FirmHandle, type Stack } from './support/stack';
import {
  callAllowing,
  startWebhookStack,
  type Answer,
  type Received,
  type Receiver,
  type WebhookStack,
} from './support/webhook-stack';
import { accountWithContacts, firmUser } from './support/fixtures';
import { expectRefused, rowCounter, type BadInputCase } from './support/bad-input';
import { recordHistory } from './support/histories';
import { webhookDeliveryWorkflowId } from '../shared/contracts/webhook-delivery';

/** /flaky answers 500 to the first request of each webhook-id, then 200; /second-only 200 to the second request
 * of each webhook-id only, 500 to the others; /ok always 200; /gone always 410. */
const seen = new Set<string>();
const answer: Answer = (req, res, received) => {
  const id = req.headers['webhook-id'];
  const count = received.filter((r) => r.headers['webhook-id'] === id).length;
  const fail = (req.path === '/flaky' && !seen.has(id)) || (req.path === '/second-only' && count !== 2);
  seen.add(id);
  if (req.path === '/gone') return void res.writeHead(410).end('gone');
  res.writeHead(fail ? 500 : 200).end(fail ? 'not yet' : 'ok');
};

let webhookStack: WebhookStack;
let stack: Stack;
let firm: FirmHandle;
let receiver: Receiver;
let allowing: WebhookStack['allowing'];
let employeeId: string;

/** Calls the API that allows private targets (the tests' receiver is on loopback), as the firm's owner. */
const api = (method: string, path: string, body?: unknown, as?: string): Promise<ApiResponse> =>
  callAllowing(allowing, firm, method, path, body, { actingUser: as });

const rowCounts = rowCounter(() => stack.db, ['webhookEndpoint', 'webhookDelivery', 'auditEvent'] as const);

beforeAll(async () => {
  webhookStack = await startWebhookStack(answer);
  ({ stack, firm, receiver, allowing } = webhookStack);
  employeeId = await firmUser(firm, 'Emp');
});
afterAll(() => webhookStack?.stop());

/** Waits for a delivery of this event type on the endpoint that the predicate accepts. */
async function deliveryOf(webhookId: string, eventType: string, accept: (d: any) => boolean, what: string) {
  return eventually(
    async () => {
      const log = await api('GET', `/v1/webhooks/${webhookId}/deliveries`);
      return log.body.items.find((d: any) => d.eventType === eventType && accept(d));
    },
    60_000,
    what,
  );
}

const verify = (secret: string, r: Received) => new Webhook(secret).verify(r.body, r.headers) as any;

let flaky: { id: string; secret: string };
let reminderDelivery: any;

test('an owner registers an endpoint: the generated secret is shown once; list and get show its prefix only', async () => {
  const made = await api('POST', '/v1/webhooks', {
    url: `${receiver.url}/flaky`,
    eventTypes: ['reminder.sent', 'bulk_action.completed'],
    description: 'Billing app',
  });
  expect(made.status).toBe(201);
  expect(made.body).toMatchObject({ status: 'active', eventTypes: ['reminder.sent', 'bulk_action.completed'] });
  expect(made.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
  flaky = made.body;
  const list = await api('GET', '/v1/webhooks');
  expect(list.body.items.map((w: { id: string }) => w.id)).toContain(flaky.id);
  expect(JSON.stringify(list.body)).not.toContain(flaky.secret);
  const one = await api('GET', `/v1/webhooks/${flaky.id}`);
  expect(one.body).toMatchObject({ id: flaky.id, secretPrefix: flaky.secret.slice(0, 10) });
  expect(one.body.secret).toBeUndefined();
});

test('reminder.sent: signed, first attempt 500 then retried and delivered, ids only, once per reminder', async () => {
  const acc = await accountWithContacts(firm);
  const thread = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Receipts',
    message: { body: 'Please upload your receipts' },
    reminders: { enabled: true, intervalDays: 1, count: 1 },
  });
  expect(thread.status).toBe(201);
  const threadId = thread.body.id as string;
  reminderDelivery = await deliveryOf(
    flaky.id,
    'reminder.sent',
    (d) => d.payload.data.itemId === threadId && d.status === 'delivered',
    'reminder.sent delivered',
  );
  expect(reminderDelivery).toMatchObject({ attempts: 2, lastStatusCode: 200, lastError: null });
  expect(reminderDelivery.attemptLog).toEqual([
    expect.objectContaining({ attempt: 1, statusCode: 500, error: 'HTTP 500' }),
    expect.objectContaining({ attempt: 2, statusCode: 200, error: null }),
  ]);
  const requests = receiver.received.filter((r) => r.headers['webhook-id'] === reminderDelivery.id);
  expect(requests).toHaveLength(2);
  for (const r of requests) {
    const payload = verify(flaky.secret, r);
    expect(payload).toMatchObject({
      type: 'reminder.sent',
      timestamp: expect.any(String),
      data: {
        itemKind: 'chat',
        itemId: threadId,
        accountId: acc.accountId,
        reminderKind: 'automatic',
        reminderNumber: 1,
      },
    });
    expect(r.body).not.toContain(acc.contacts[0].address);
  }
  // Another secret does not verify it.
  expect(() =>
    new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(requests[1].body, requests[1].headers),
  ).toThrow();
  const rows = await stack.db.webhookDelivery.count({ where: { endpointId: flaky.id, eventType: 'reminder.sent' } });
  expect(rows).toBe(1);
  await recordHistory(stack.client, 'webhook-retried-delivered', webhookDeliveryWorkflowId(reminderDelivery.id));
});

test('bulk_action.completed goes to every subscribed endpoint once; an endpoint not subscribed gets nothing', async () => {
  const ok = await api('POST', '/v1/webhooks', {
    url: `${receiver.url}/ok`,
    eventTypes: ['bulk_action.completed'],
    secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
  });
  expect(ok.status).toBe(201);
  const remindersOnly = await api('POST', '/v1/webhooks', { url: `${receiver.url}/ok`, eventTypes: ['reminder.sent'] });
  const tag = (await firm.call('POST', '/v1/tags', { name: `T ${randomUUID().slice(0, 4)}` })).body.id;
  const account = (await firm.call('POST', '/v1/accounts', { name: 'Bulk one', type: 'company' })).body.id;
  const bulk = await firm.call('POST', '/v1/bulk-actions', {
    action: { kind: 'manage_tags', tags: [{ tagId: tag, action: 'assign' }] },
    selection: { accountIds: [account] },
  });
  expect(bulk.status).toBe(202);
  const mine = (d: any) => d.payload.data.bulkActionId === bulk.body.id && d.status === 'delivered';
  const viaOk = await deliveryOf(ok.body.id, 'bulk_action.completed', mine, 'bulk delivered to /ok');
  await deliveryOf(flaky.id, 'bulk_action.completed', mine, 'bulk delivered to /flaky');
  expect(viaOk).toMatchObject({ attempts: 1, lastStatusCode: 200 });
  const request = receiver.received.find((r) => r.headers['webhook-id'] === viaOk.id)!;
  expect(verify(ok.body.secret, request)).toMatchObject({
    type: 'bulk_action.completed',
    data: { bulkActionId: bulk.body.id, kind: 'manage_tags', status: 'completed', counts: { total: 1, done: 1 } },
  });
  const none = await api('GET', `/v1/webhooks/${remindersOnly.body.id}/deliveries`);
  expect(none.body.items.filter((d: any) => d.eventType === 'bulk_action.completed')).toEqual([]);
  const rows = await stack.db.webhookDelivery.count({ where: { eventKey: `bulk-${bulk.body.id}` } });
  expect(rows).toBe(2);
});

test('item.reminders_exhausted and email.bounced, each once, ids only', async () => {
  const all = await api('POST', '/v1/webhooks', {
    url: `${receiver.url}/ok`,
    eventTypes: ['item.reminders_exhausted', 'email.bounced'],
  });
  expect(all.status).toBe(201);
  const acc = await accountWithContacts(firm, [{}, {}]);
  const [bouncing] = acc.contacts;
  // The mail server refuses one mailbox for good.
  const send = stack.mailer.send.bind(stack.mailer);
  stack.mailer.send = async (m) => {
    if (m.to === bouncing.address)
      throw Object.assign(new Error('550 5.1.1 mailbox unavailable'), { responseCode: 550 });
    return send(m);
  };
  try {
    const thread = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
      subject: 'Bank statements',
      message: { body: 'Please upload your statements' },
      reminders: { enabled: true, intervalDays: 1, count: 1 },
    });
    const itemId = thread.body.id as string;
    const ofThread = (d: any) => d.payload.data.itemId === itemId && d.status === 'delivered';
    const bounced = await deliveryOf(all.body.id, 'email.bounced', ofThread, 'email.bounced');
    expect(bounced.payload.data).toEqual({
      itemKind: 'chat',
      itemId,
      accountId: acc.accountId,
      contactEmailId: bouncing.emailId,
    });
    const exhausted = await deliveryOf(all.body.id, 'item.reminders_exhausted', ofThread, 'reminders exhausted');
    expect(exhausted.payload.data).toMatchObject({ itemId, remindersSent: 1 });
    for (const d of [bounced, exhausted]) {
      const r = receiver.received.find((x) => x.headers['webhook-id'] === d.id)!;
      expect(verify(all.body.secret, r).type).toBe(d.eventType);
      expect(r.body).not.toContain(bouncing.address);
    }
    const rows = await stack.db.webhookDelivery.findMany({ where: { endpointId: all.body.id } });
    const types = rows.filter((d: any) => d.payload.data.itemId === itemId).map((d) => d.eventType);
    expect(types.sort()).toEqual(['email.bounced', 'item.reminders_exhausted']);
  } finally {
    stack.mailer.send = send;
  }
});

test('item.completed: once when the client replies, with how the item was completed', async () => {
  const hook = await api('POST', '/v1/webhooks', { url: `${receiver.url}/ok`, eventTypes: ['item.completed'] });
  expect(hook.status).toBe(201);
  const acc = await accountWithContacts(firm, [{}]);
  const thread = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Payslips',
    message: { body: 'Please confirm the payslips' },
  });
  const itemId = thread.body.id as string;
  const reply = await firm.call('POST', `/v1/chat-threads/${itemId}/messages`, {
    author: 'client',
    contactId: acc.contacts[0].id,
    body: 'Confirmed, thanks',
  });
  expect(reply.status).toBe(201);
  const done = await deliveryOf(
    hook.body.id,
    'item.completed',
    (d) => d.payload.data.itemId === itemId && d.status === 'delivered',
    'item.completed',
  );
  expect(done.payload.data).toEqual({ itemKind: 'chat', itemId, accountId: acc.accountId, completion: 'replied' });
  const r = receiver.received.find((x) => x.headers['webhook-id'] === done.id)!;
  expect(verify(hook.body.secret, r).type).toBe('item.completed');
  expect(await stack.db.webhookDelivery.count({ where: { endpointId: hook.body.id } })).toBe(1);
});

test('a replay delivers again with the same webhook-id, as a new attempt in the log', async () => {
  const before = receiver.received.filter((r) => r.headers['webhook-id'] === reminderDelivery.id).length;
  const replay = await api('POST', `/v1/webhook-deliveries/${reminderDelivery.id}/replay`, undefined);
  expect(replay.status).toBe(202);
  expect(replay.body.replays).toBe(1);
  const after = await eventually(
    async () => {
      const d = (await api('GET', `/v1/webhook-deliveries/${reminderDelivery.id}`)).body;
      return d.attempts === 3 && d.status === 'delivered' && d;
    },
    30_000,
    'replayed',
  );
  expect(after.attemptLog[2]).toMatchObject({ attempt: 3, statusCode: 200 });
  const requests = receiver.received.filter((r) => r.headers['webhook-id'] === reminderDelivery.id);
  expect(requests).toHaveLength(before + 1);
  expect(verify(flaky.secret, requests[requests.length - 1]).data).toEqual(reminderDelivery.payload.data);
});

test('a replay that delivers ends the first run’s retries: no further request, and the delivery stays delivered', async () => {
  const hook = await api('POST', '/v1/webhooks', {
    url: `${receiver.url}/second-only`,
    eventTypes: ['bulk_action.completed'],
  });
  const account = (await firm.call('POST', '/v1/accounts', { name: 'Replayed', type: 'company' })).body.id;
  const bulk = await firm.call('POST', '/v1/bulk-actions', {
    action: { kind: 'archive' },
    selection: { accountIds: [account] },
  });
  const retrying = await deliveryOf(
    hook.body.id,
    'bulk_action.completed',
    (d) => d.payload.data.bulkActionId === bulk.body.id && d.status === 'retrying',
    'the first attempt failed',
  );
  expect((await api('POST', `/v1/webhook-deliveries/${retrying.id}/replay`)).status).toBe(202);
  await eventually(
    async () => (await api('GET', `/v1/webhook-deliveries/${retrying.id}`)).body.status === 'delivered',
    15_000,
    'the replay delivered',
  );
  // The first run's next attempt was due 2 s after its first, then 4 s later.
  await sleep(7_000);
  const after = (await api('GET', `/v1/webhook-deliveries/${retrying.id}`)).body;
  expect(after).toMatchObject({ status: 'delivered', attempts: 2 });
  expect(receiver.received.filter((r) => r.headers['webhook-id'] === retrying.id)).toHaveLength(2);
});

test('a receiver answering 410 Gone disables its endpoint at once: no retries', async () => {
  const gone = await api('POST', '/v1/webhooks', {
    url: `${receiver.url}/gone`,
    eventTypes: ['bulk_action.completed'],
  });
  expect(gone.status).toBe(201);
  const account = (await firm.call('POST', '/v1/accounts', { name: 'Bulk two', type: 'company' })).body.id;
  const bulk = await firm.call('POST', '/v1/bulk-actions', {
    action: { kind: 'archive' },
    selection: { accountIds: [account] },
  });
  expect(bulk.status).toBe(202);
  const failed = await deliveryOf(
    gone.body.id,
    'bulk_action.completed',
    (d) => d.payload.data.bulkActionId === bulk.body.id && d.status === 'failed',
    'a 410 delivery failed',
  );
  expect(failed).toMatchObject({ attempts: 1, lastStatusCode: 410 });
  expect((await api('GET', `/v1/webhooks/${gone.body.id}`)).body.status).toBe('disabled');
});

test('a retried registration under its Idempotency-Key registers once and does not show the secret again', async () => {
  const headers = {
    authorization: `Bearer ${firm.apiKey}`,
    'x-acting-user': firm.ownerId,
    'content-type': 'application/json',
    'idempotency-key': `hook-${Date.now()}`,
  };
  const body = JSON.stringify({ url: `${receiver.url}/ok?retried`, eventTypes: ['reminder.sent'] });
  const post = () => fetch(allowing.baseUrl + '/v1/webhooks', { method: 'POST', headers, body });
  const first = await post();
  expect(first.status).toBe(201);
  const { secret } = (await first.json()) as { secret: string };
  const retry = await post();
  expect(retry.status).toBe(409);
  const text = await retry.text();
  expect(JSON.parse(text).type).toBe('https://nudge.dev/problems/secret-shown-once');
  expect(text).not.toContain(secret);
  expect(await stack.db.webhookEndpoint.count({ where: { url: `${receiver.url}/ok?retried` } })).toBe(1);
});

test('a disabled endpoint stays listed as disabled and its deliveries cannot be replayed', async () => {
  const made = await api('POST', '/v1/webhooks', { url: `${receiver.url}/ok`, eventTypes: ['reminder.sent'] });
  const gone = await api('DELETE', `/v1/webhooks/${made.body.id}`);
  expect(gone.status).toBe(200);
  expect(gone.body).toMatchObject({ status: 'disabled', disabledAt: expect.any(String) });
  await stack.db.webhookDelivery.create({
    data: {
      firmId: firm.firmId,
      endpointId: made.body.id,
      eventKey: 'test',
      eventType: 'reminder.sent',
      payload: {},
    },
  });
  const [d] = (await api('GET', `/v1/webhooks/${made.body.id}/deliveries`)).body.items;
  await expectRefused(rowCounts, [
    'replay of a disabled endpoint',
    () => api('POST', `/v1/webhook-deliveries/${d.id}/replay`),
    409,
    'webhook-disabled',
  ]);
});

test('two disables at once write one audit entry; the log shows the latest 100 attempts', async () => {
  const made = await api('POST', '/v1/webhooks', { url: `${receiver.url}/ok?twice`, eventTypes: ['reminder.sent'] });
  const disables = await Promise.all([0, 1].map(() => api('DELETE', `/v1/webhooks/${made.body.id}`)));
  expect(disables.map((d) => d.status)).toEqual([200, 200]);
  expect(disables[0].body.disabledAt).toBe(disables[1].body.disabledAt);
  expect(
    await stack.db.auditEvent.count({
      where: { action: 'webhook.disabled', data: { path: ['webhookId'], equals: made.body.id } },
    }),
  ).toBe(1);
  const d = await stack.db.webhookDelivery.create({
    data: { firmId: firm.firmId, endpointId: made.body.id, eventKey: 'many', eventType: 'reminder.sent', payload: {} },
  });
  await stack.db.webhookDeliveryAttempt.createMany({
    data: Array.from({ length: 105 }, (_, i) => ({ deliveryId: d.id, attempt: i + 1, at: new Date(), durationMs: 1 })),
  });
  const log = (await api('GET', `/v1/webhook-deliveries/${d.id}`)).body.attemptLog;
  expect(log.map((a: { attempt: number }) => a.attempt)).toEqual(Array.from({ length: 100 }, (_, i) => i + 6));
});

test('private, loopback and link-local targets are refused without the allow flag (the default API)', async () => {
  for (const url of [
    `${receiver.url}/ok`,
    'http://localhost:8080/hook',
    'http://[::1]/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://10.1.2.3/hook',
    'http://192.168.1.10/hook',
    'http://[::ffff:127.0.0.1]/hook',
  ])
    await expectRefused(rowCounts, [
      url,
      () => firm.call('POST', '/v1/webhooks', { url, eventTypes: ['reminder.sent'] }),
      422,
      'validation-error',
      'body.url',
    ]);
});

test('a firm has at most 20 enabled endpoints: a 21st, or enabling one beyond, 409 with nothing written', async () => {
  const own = await stack.newFirm();
  const call = (method: string, path: string, body?: unknown) => callAllowing(allowing, own, method, path, body);
  const add = () => call('POST', '/v1/webhooks', { url: `${receiver.url}/ok`, eventTypes: ['reminder.sent'] });
  const ids: string[] = [];
  for (let i = 0; i < 19; i++) {
    const made = await add();
    expect(made.status).toBe(201);
    ids.push(made.body.id);
  }
  // Two at once at 19: they wait for each other, so one is the 20th and the other is refused.
  const both = await Promise.all([add(), add()]);
  expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
  const refused = both.find((r) => r.status === 409)!;
  expect(refused.body.type).toBe('https://nudge.dev/problems/webhook-endpoint-limit');
  expect(refused.body.detail).toMatch(/20 enabled webhook endpoints, and this one has 20/);
  const endpoints = () => stack.db.webhookEndpoint.count({ where: { firmId: own.firmId } });
  expect(await endpoints()).toBe(20);
  await expectRefused(rowCounts, ['a 21st endpoint', add, 409, 'webhook-endpoint-limit']);

  // A disabled one leaves room; enabling it again once the room is taken is refused, while other changes pass.
  expect((await call('DELETE', `/v1/webhooks/${ids[0]}`)).status).toBe(200);
  expect((await add()).status).toBe(201);
  await expectRefused(rowCounts, [
    'enabling a 21st',
    () => call('PATCH', `/v1/webhooks/${ids[0]}`, { enabled: true }),
    409,
    'webhook-endpoint-limit',
  ]);
  expect((await call('PATCH', `/v1/webhooks/${ids[0]}`, { description: 'spare' })).status).toBe(200);
  expect((await call('GET', '/v1/webhooks')).body.items).toHaveLength(21);
});

test('employees may not manage webhooks', async () => {
  const as = employeeId;
  const cases: BadInputCase[] = [
    [
      'create',
      () => api('POST', '/v1/webhooks', { url: `${receiver.url}/ok`, eventTypes: ['reminder.sent'] }, as),
      403,
      'forbidden',
    ],
    ['list', () => api('GET', '/v1/webhooks', undefined, as), 403, 'forbidden'],
    ['deliveries', () => api('GET', `/v1/webhooks/${flaky.id}/deliveries`, undefined, as), 403, 'forbidden'],
    [
      'replay',
      () => api('POST', `/v1/webhook-deliveries/${reminderDelivery.id}/replay`, undefined, as),
      403,
      'forbidden',
    ],
    ['disable', () => api('DELETE', `/v1/webhooks/${flaky.id}`, undefined, as), 403, 'forbidden'],
  ];
  for (const c of cases) await expectRefused(rowCounts, c);
});

test('bad input answers 4xx problem+json and writes nothing', async () => {
  const post = (body: unknown) => api('POST', '/v1/webhooks', body);
  const url = `${receiver.url}/ok`;
  const cases: BadInputCase[] = [
    ['no url', () => post({ eventTypes: ['reminder.sent'] }), 422, 'validation-error', 'body.url'],
    ['not a URL', () => post({ url: 'nope', eventTypes: ['reminder.sent'] }), 422, 'validation-error', 'body.url'],
    [
      'ftp URL',
      () => post({ url: 'ftp://example.com/x', eventTypes: ['reminder.sent'] }),
      422,
      'validation-error',
      'body.url',
    ],
    ['no event types', () => post({ url, eventTypes: [] }), 422, 'validation-error', 'body.eventTypes'],
    [
      'unknown event type',
      () => post({ url, eventTypes: ['item.deleted'] }),
      422,
      'validation-error',
      'body.eventTypes.0',
    ],
    [
      'secret not whsec_',
      () => post({ url, eventTypes: ['reminder.sent'], secret: 'hunter2' }),
      422,
      'validation-error',
      'body.secret',
    ],
    [
      'secret too short',
      () => post({ url, eventTypes: ['reminder.sent'], secret: 'whsec_c2hvcnQ=' }),
      422,
      'validation-error',
      'body.secret',
    ],
    ['unknown field', () => post({ url, eventTypes: ['reminder.sent'], extra: 1 }), 422, 'validation-error'],
    ['unknown webhook', () => api('GET', `/v1/webhooks/${randomUUID()}/deliveries`), 404, 'not-found'],
    ['malformed id', () => api('DELETE', '/v1/webhooks/nope'), 404, 'not-found'],
    ['unknown delivery', () => api('POST', `/v1/webhook-deliveries/${randomUUID()}/replay`), 404, 'not-found'],
    [
      'bad status filter',
      () => api('GET', `/v1/webhooks/${flaky.id}/deliveries?status=lost`),
      422,
      'validation-error',
      'query.status',
    ],
    [
      'bad cursor',
      () => api('GET', `/v1/webhooks/${flaky.id}/deliveries?cursor=xyz`),
      422,
      'validation-error',
      'query.cursor',
    ],
  ];
  for (const c of cases) await expectRefused(rowCounts, c);
  // Another firm's webhook is "not found".
  const other = await stack.newFirm();
  const theirs = await other.call('GET', `/v1/webhooks/${flaky.id}`);
  expect(theirs.status).toBe(404);
});
