// Metrics on the real stack: the API's request durations by route pattern; the production worker process's
// /metrics (WORKER_METRICS_PORT) with Nudge's counters and the Temporal SDK's runtime metrics after a
// reminder; and the failure, bounce and bulk counters moving where those outcomes happen.
import { startStack, eventually, remindersTo, sleep, type Stack, type FirmHandle } from './support/stack';
import { lockAccounts, postThenLeave } from './support/holds';
import { accountWithContacts } from './support/fixtures';
import { freePort } from '../scripts/free-port';
import { killWorker, spawnWorker, type WorkerProcess } from './support/worker-process';

let stack: Stack;
let firm: FirmHandle;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  stack = await startStack({ daySeconds: 1, worker: false });
  firm = await stack.newFirm();
});
// A worker process left by a failed test would take the next test's work with its own mailer.
afterEach(async () => {
  await killWorker(worker);
  worker = undefined;
});
afterAll(async () => {
  await stack?.stop();
});

/** The sum of a metric's samples whose labels include `labels`, from Prometheus text. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

const apiMetrics = async () => {
  const res = await stack.request('GET', '/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return String(res.body);
};

test('the API times each request by route pattern and status, never by raw path', async () => {
  const acc = await accountWithContacts(firm, [{}]);
  expect((await firm.call('GET', `/v1/accounts/${acc.accountId}`)).status).toBe(200);
  expect((await firm.call('GET', `/v1/accounts/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  const before = await apiMetrics();
  const byRoute = { method: 'GET', route: '/v1/accounts/:accountId' };
  expect(metric(before, 'nudge_http_request_duration_seconds_count', { ...byRoute, status: '200' })).toBe(1);
  expect(metric(before, 'nudge_http_request_duration_seconds_count', { ...byRoute, status: '404' })).toBe(1);
  expect(metric(before, 'nudge_http_request_duration_seconds_count', { method: 'POST', route: '/v1/accounts' })).toBe(
    1,
  );
  // A route of a router mounted at a path keeps its full pattern, also when its answer is a refusal.
  const page = await stack.request('GET', `/portal/accounts/${acc.accountId}/chat/${acc.accountId}?t=forged`);
  expect(page.status).toBeGreaterThanOrEqual(400);
  const text = await apiMetrics();
  expect(
    metric(text, 'nudge_http_request_duration_seconds_count', {
      route: '/portal/accounts/:accountId/:kind/:itemId',
      status: String(page.status),
    }),
  ).toBe(1);
  expect(text).not.toContain(acc.accountId);
  expect(text).toMatch(/# TYPE nudge_http_request_duration_seconds histogram/);
  // The outbox's backlog, read from its table at the scrape.
  expect(text).toMatch(/^nudge_outbox_depth \d+$/m);
  expect(text).toMatch(/^nudge_outbox_oldest_age_seconds [\d.e+-]+$/m);
});

test('a request whose client left before its answer is counted once, with status 499', async () => {
  const creates = (text: string, status?: string) =>
    metric(text, 'nudge_http_request_duration_seconds_count', {
      method: 'POST',
      route: '/v1/accounts',
      ...(status ? { status } : {}),
    });
  const before = await apiMetrics();
  const name = `Left ${Date.now()}`;
  const unlock = await lockAccounts(stack.db);
  try {
    // The create waits on the held table until its client gives up.
    await postThenLeave(firm, `${stack.baseUrl}/v1/accounts`, { name, type: 'company' }, 500);
    await eventually(async () => creates(await apiMetrics(), '499') - creates(before, '499') === 1, 5_000, 'the 499');
  } finally {
    await unlock();
  }
  // Its handler finishes afterwards (the account is made) without a second sample.
  await eventually(() => stack.db.account.count({ where: { name } }), 10_000, 'the late create');
  await sleep(300);
  expect(creates(await apiMetrics()) - creates(before)).toBe(1);
});

test('the worker process serves its counters and the Temporal SDK metrics; a reminder moves them', async () => {
  const port = await freePort();
  worker = await spawnWorker(stack, { WORKER_METRICS_PORT: String(port) });
  const read = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };
  const before = await read();
  expect(metric(before, 'nudge_reminders_sent_total')).toBe(0);

  const acc = await accountWithContacts(firm, [{}]);
  const thread = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Receipts',
    message: { body: 'Please upload your receipts' },
    reminders: { enabled: true, intervalDays: 1, count: 1 },
  });
  expect(thread.status).toBe(201);
  await eventually(async () => remindersTo(stack.smtp, acc.contacts[0].address).length === 1, 30_000, 'the reminder');

  // The counts are taken after the send returns: poll until the process has counted both emails.
  const after = await eventually(async () => {
    const text = await read();
    // The reminder is counted when its dispatch returns, a moment after its email is counted.
    const counted =
      metric(text, 'nudge_emails_sent_total') >= 2 &&
      metric(text, 'nudge_reminders_sent_total', { kind: 'reminder', item_kind: 'chat' }) >= 1;
    return counted ? text : undefined;
  }, 10_000);
  expect(metric(after, 'nudge_reminders_sent_total', { kind: 'notification', item_kind: 'chat' })).toBe(1);
  expect(metric(after, 'nudge_reminders_sent_total', { kind: 'reminder', item_kind: 'chat' })).toBe(1);
  expect(metric(after, 'nudge_emails_sent_total')).toBe(2);
  expect(metric(after, 'nudge_emails_failed_total')).toBe(0);
  // The Temporal SDK's own metrics, Prometheus-named, on the same page; and the process's.
  expect(after).toMatch(/^temporal_\w+/m);
  // The notification goes from the run's first read (notifyItem, a local activity since
  // patched('local-notify')), the reminder from dispatchItemEmail (one since patched('local-dispatch')).
  const ran = (kind: 'activity' | 'local_activity', activity_type: string) =>
    metric(after, `temporal_${kind}_execution_latency_seconds_count`, { activity_type });
  expect([ran('local_activity', 'notifyItem'), ran('local_activity', 'dispatchItemEmail')]).toEqual([1, 1]);
  expect(after).toMatch(/^process_cpu_seconds_total/m);

  await killWorker(worker);
  worker = undefined;
});

test('failed sends, bounces and bulk accounts are counted where they happen', async () => {
  // The stack's own worker in this process shares the API's registry: /metrics of the API shows its counts.
  await stack.startWorker();
  const before = await apiMetrics();
  const acc = await accountWithContacts(firm, [{}, {}]);
  const [bouncing, fine] = acc.contacts;
  const send = stack.mailer.send.bind(stack.mailer);
  stack.mailer.send = async (m) => {
    if (m.to === bouncing.address) throw Object.assign(new Error('550 mailbox unavailable'), { responseCode: 550 });
    return send(m);
  };
  stack.smtp.failNext(1); // the first delivery to the other address: 451, retried
  try {
    const thread = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
      subject: 'Bank statements',
      message: { body: 'Please upload your statements' },
    });
    expect(thread.status).toBe(201);
    await stack.smtp.waitFor((m) => m.to.includes(fine.address), 1, 30_000);
    await eventually(
      () => stack.db.outboundEmail.count({ where: { contactEmailId: bouncing.emailId, status: 'failed' } }),
      15_000,
      'the bounce recorded',
    );
  } finally {
    stack.mailer.send = send;
  }
  const tag = await firm.call('POST', '/v1/tags', { name: 'metrics' });
  const bulk = await firm.call('POST', '/v1/bulk-actions', {
    action: { kind: 'manage_tags', tags: [{ tagId: tag.body.id, action: 'assign' }] },
    selection: { accountIds: [acc.accountId] },
  });
  expect(bulk.status).toBe(202);
  await eventually(
    async () => (await firm.call('GET', `/v1/bulk-actions/${bulk.body.id}`)).body.status === 'completed',
    30_000,
    'the bulk action',
  );

  const after = await apiMetrics();
  const moved = (name: string, labels?: Record<string, string>) =>
    metric(after, name, labels) - metric(before, name, labels);
  expect(moved('nudge_emails_bounced_total')).toBe(1);
  expect(moved('nudge_emails_failed_total')).toBe(1);
  expect(moved('nudge_emails_sent_total')).toBe(1);
  expect(moved('nudge_reminders_sent_total', { kind: 'notification' })).toBe(1);
  expect(moved('nudge_bulk_accounts_processed_total', { outcome: 'done' })).toBe(1);
});
