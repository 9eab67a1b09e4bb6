// The worker process is killed (SIGKILL) while reminders sleep, and restarted: every reminder still goes
// out exactly once, because timers live in Temporal and every email is keyed by its business key.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startStack, eventually, sleep, PORTAL_URL, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts } from './support/fixtures';

let stack: Stack;
let firm: FirmHandle;
let worker: ChildProcess | undefined;
let workerLog = '';

const root = path.join(__dirname, '..');

function spawnWorker(): Promise<ChildProcess> {
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'worker', 'main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(stack.smtp.port),
      PORTAL_URL,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: tsx runs the worker in a child node process, and the kill must reach both.
    detached: true,
  });
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      workerLog += d.toString();
      if (workerLog.includes('worker listening')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${workerLog}`)));
  });
}

async function kill(child: ChildProcess) {
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
}

beforeAll(async () => {
  stack = await startStack({ daySeconds: 1, worker: false });
  firm = await stack.newFirm();
});
afterAll(async () => {
  if (worker && worker.exitCode === null) await kill(worker);
  await stack?.stop();
});

test('a worker killed while reminders sleep, then restarted, sends each reminder exactly once', async () => {
  worker = await spawnWorker();
  const acc = await accountWithContacts(firm, [{}, {}]);
  const threads = [];
  for (let i = 0; i < 3; i++) {
    const t = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, { subject: `T${i}`, message: { body: 'Please reply' }, reminders: { enabled: true, intervalDays: 2, count: 3 } });
    threads.push(t.body.id as string);
  }
  // 3 threads × 2 emails: notifications out, then the worker dies mid-sleep.
  await stack.smtp.waitFor(() => true, 6, 20_000);
  await kill(worker);
  await sleep(3000); // the first reminders fall due with no worker running
  expect(stack.smtp.mails.filter((m) => /^Reminder/.test(m.subject))).toHaveLength(0);

  worker = await spawnWorker();
  const expected = 3 * 2 * 3; // threads × emails × reminders
  await eventually(async () => stack.smtp.mails.filter((m) => /^Reminder/.test(m.subject)).length >= expected, 45_000, `${expected} reminders`).catch((err) => {
    throw new Error(`${err.message}; got ${stack.smtp.mails.filter((m) => /^Reminder/.test(m.subject)).length}\n${workerLog.slice(-3000)}`);
  });
  await sleep(2500);
  const reminders = stack.smtp.mails.filter((m) => /^Reminder/.test(m.subject));
  expect(reminders).toHaveLength(expected);
  expect(new Set(reminders.map((m) => m.key)).size).toBe(expected);
  for (const id of threads) {
    const state = await firm.call('GET', `/v1/chat-threads/${id}/reminders`);
    expect(state.body.workflow).toMatchObject({ status: 'completed', remindersSent: 3 });
  }
});
