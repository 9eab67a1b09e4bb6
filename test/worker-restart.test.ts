// The worker process is killed (SIGKILL) while reminders sleep, and restarted: every reminder still goes
// out exactly once, because timers live in Temporal and every email is keyed by its business key. And a
// SIGTERM stops the worker process at once.
import { startStack, eventually, sleep, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts } from './support/fixtures';
import { killWorker, spawnWorker, type WorkerProcess } from './support/worker-process';

let stack: Stack;
let firm: FirmHandle;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  stack = await startStack({ daySeconds: 1, worker: false });
  firm = await stack.newFirm();
});
afterAll(async () => {
  await killWorker(worker);
  await stack?.stop();
});

test('a worker killed while reminders sleep, then restarted, sends each reminder exactly once', async () => {
  // Long enough that the kill comes before the first thread's first reminder falls due, on a loaded machine
  // too (its three threads, six notifications and their "sent" marks come first).
  const INTERVAL_DAYS = 4;
  worker = await spawnWorker(stack);
  const acc = await accountWithContacts(firm, [{}, {}]);
  const threads = [];
  for (let i = 0; i < 3; i++) {
    const t = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
      subject: `T${i}`,
      message: { body: 'Please reply' },
      reminders: { enabled: true, intervalDays: INTERVAL_DAYS, count: 2 },
    });
    threads.push(t.body.id as string);
  }
  // 3 threads × 2 emails: notifications out, then the worker dies mid-sleep.
  const notifications = await stack.smtp.waitFor(() => true, 6, 20_000);
  // Mid-sleep means after the sends are recorded: the SMTP server has a mail a moment before its log row
  // is marked sent, and a kill in that moment leaves the claim to expire (90 s) before anything resends.
  await eventually(
    async () => (await stack.db.outboundEmail.count({ where: { firmId: firm.firmId, status: 'sent' } })) >= 6,
    10_000,
    'notifications marked sent',
  );
  const sentBeforeKill = stack.smtp.mails.filter((m) => /^Reminder/.test(m.subject)).length;
  await killWorker(worker);
  // Reminders that went before the kill would not test the restart: the interval was too short for this machine.
  expect({ sentBeforeKill }).toEqual({ sentBeforeKill: 0 });
  // Every thread's first reminder falls due with no worker running.
  const lastNotified = Math.max(...notifications.map((m) => m.receivedAt));
  await sleep(lastNotified + INTERVAL_DAYS * 1000 + 500 - Date.now());
  expect(stack.smtp.mails.filter((m) => /^Reminder/.test(m.subject))).toHaveLength(0);

  worker = await spawnWorker(stack);
  const expected = 3 * 2 * 2; // threads × emails × reminders
  await eventually(
    async () => stack.smtp.mails.filter((m) => /^Reminder/.test(m.subject)).length >= expected,
    45_000,
    `${expected} reminders`,
  ).catch((err) => {
    throw new Error(
      `${err.message}; got ${stack.smtp.mails.filter((m) => /^Reminder/.test(m.subject)).length}\n${worker?.log().slice(-3000)}`,
    );
  });
  await sleep(2500);
  const reminders = stack.smtp.mails.filter((m) => /^Reminder/.test(m.subject));
  expect(reminders).toHaveLength(expected);
  expect(new Set(reminders.map((m) => m.key)).size).toBe(expected);
  for (const id of threads) {
    const state = await firm.call('GET', `/v1/chat-threads/${id}/reminders`);
    expect(state.body.workflow).toMatchObject({ status: 'completed', remindersSent: 2 });
  }
});

test('SIGTERM stops the worker process within docker stop’s 10 s, idle or after work', async () => {
  for (const busy of [false, true]) {
    const w = await spawnWorker(stack);
    if (busy) {
      // The notification's statements use the database pool directly; nothing went through Prisma's own path.
      const acc = await accountWithContacts(firm, [{}]);
      const t = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
        subject: 'Stop',
        message: { body: 'Please reply' },
      });
      await stack.smtp.waitFor((m) => m.subject.includes('Stop'), 1, 20_000);
      expect(t.status).toBe(201);
    }
    const started = Date.now();
    const exited = new Promise<number | null>((r) => w.child.once('exit', (code) => r(code)));
    w.child.kill('SIGTERM'); // to tsx, which passes it on to the worker (as npm start stops it)
    const code = await Promise.race([exited, sleep(10_000).then(() => 'still running' as const)]);
    if (code === 'still running') await killWorker(w);
    console.log(
      `[worker-restart] SIGTERM (${busy ? 'after work' : 'idle'}): exit ${code} after ${Date.now() - started} ms`,
    );
    expect({ busy, code }).toEqual({ busy, code: 0 });
  }
});
