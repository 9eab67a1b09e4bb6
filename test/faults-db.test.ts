// Fault suite, the worker's database connections cut (issue 9): the worker reaches PostgreSQL through an
// in-test TCP proxy that resets every connection and then refuses new ones for a while. A bulk action rides
// the outage out with no account failed (the activity waits for the database instead of spending its
// attempts), and emails accepted by the mail server just before the cut are not sent again.
import { NativeConnection } from '@temporalio/worker';
import { createDb, type Db } from '../prisma/client';
import { createNudgeWorker, type NudgeWorker } from '../worker/worker';
import { startStack, eventually, sleep, workflowBundle, PORTAL_URL, type Stack } from './support/stack';
import { accountWithContacts } from './support/fixtures';
import { deliveryFigures } from './support/faults';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';

const DAY_SECONDS = 30; // no reminder falls due during a case
const ACCOUNTS = 150;
const OUTAGE_MS = 60_000;

let stack: Stack;
let proxy: TcpProxy;
let workerDb: Db;
let connection: NativeConnection;
let worker: NudgeWorker | undefined;
let running: Promise<void> | undefined;

beforeAll(async () => {
  stack = await startStack({
    daySeconds: DAY_SECONDS,
    worker: false,
    bulkPacing: { batchSize: 50, concurrentBatches: 1, accountConcurrency: 2 },
  });
  const db = new URL(stack.databaseUrl);
  proxy = await startTcpProxy({ host: db.hostname, port: Number(db.port || 5432) });
  // Short timeouts, as production's scaled down: a cut connection fails in about a second.
  workerDb = createDb(proxy.urlFor(stack.databaseUrl), 10, { connectTimeoutMs: 1000, queryTimeoutMs: 4000 });
  connection = await NativeConnection.connect({ address: stack.temporalAddress });
  worker = await createNudgeWorker({
    connection,
    namespace: 'default',
    taskQueue: stack.taskQueue,
    deps: { db: workerDb, mailer: stack.mailer, portalUrl: PORTAL_URL },
    workflowBundle: await workflowBundle(),
  });
  running = worker.run();
}, 90_000);

afterAll(async () => {
  proxy?.heal();
  worker?.shutdown();
  await running;
  await connection?.close();
  await workerDb?.$disconnect();
  await proxy?.close();
  await stack?.stop();
}, 60_000);

/** Cuts the worker off the database: open connections reset, new ones hang until their connect timeout. */
function cut() {
  proxy.blackhole();
  proxy.resetAll();
}

test('a bulk action across a one-minute cut of the worker’s database connections: 0 accounts failed', async () => {
  const firm = await stack.newFirm();
  const tag = await firm.call('POST', '/v1/tags', { name: 'Outage' });
  expect(tag.status).toBe(201);
  await stack.db.account.createMany({
    data: Array.from({ length: ACCOUNTS }, (_, i) => ({
      firmId: firm.firmId,
      name: `Outage ${String(i).padStart(3, '0')}`,
      type: 'company' as const,
    })),
  });
  const started = await firm.call('POST', '/v1/bulk-actions', {
    action: { kind: 'manage_tags', tags: [{ tagId: tag.body.id, action: 'assign' }] },
    selection: { filter: {} },
  });
  expect(started.status).toBe(202);
  const id = started.body.id as string;
  const done = () => stack.db.bulkActionOutcome.count({ where: { bulkActionId: id, outcome: { not: null } } });
  // Cut once the accounts are under way.
  await eventually(async () => (await done()) >= 10, 30_000, 'first accounts done');
  cut();
  const cutAt = Date.now();
  const doneAtCut = await done();
  await sleep(OUTAGE_MS);
  proxy.heal();
  const healedAt = Date.now();
  await eventually(
    async () => (await stack.db.bulkAction.findUniqueOrThrow({ where: { id } })).status === 'completed',
    60_000,
    'bulk action completed after the database came back',
  );
  const finishedAt = Date.now();
  const action = await firm.call('GET', `/v1/bulk-actions/${id}`);
  const failures = await stack.db.bulkActionOutcome.findMany({
    where: { bulkActionId: id, outcome: 'failed' },
    select: { detail: true },
  });
  console.log(
    `[faults] worker's database connections cut for ${OUTAGE_MS / 1000} s during a ${ACCOUNTS}-account bulk ` +
      `action (${doneAtCut} done at the cut): ${JSON.stringify(action.body.progress)}; completed ` +
      `${((finishedAt - healedAt) / 1000).toFixed(1)} s after the database came back ` +
      `(${((finishedAt - cutAt) / 1000).toFixed(1)} s after the cut)` +
      (failures.length ? `; failures: ${JSON.stringify(failures)}` : ''),
  );
  expect(action.body.progress).toMatchObject({ total: ACCOUNTS, done: ACCOUNTS, failed: 0, notReached: 0 });
  expect(await stack.db.accountTag.count({ where: { tagId: tag.body.id } })).toBe(ACCOUNTS);
}, 180_000);

test('the database cut right after the mail server accepted an email: nothing is sent twice or lost', async () => {
  const firm = await stack.newFirm();
  const THREADS = 5;
  const threads: { id: string; address: string }[] = [];
  for (let i = 0; i < THREADS; i++) {
    const acc = await accountWithContacts(firm, [{}]);
    const t = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, { subject: `Cut ${i}` });
    threads.push({ id: t.body.id as string, address: acc.contacts[0].address });
  }
  const before = stack.smtp.mails.length;
  let cutAt = 0;
  // The first mail accepted cuts the database before the server's 250 reaches the worker: its "sent" mark,
  // and every other email's claim, meet the outage.
  stack.smtp.onAccept(() => {
    if (cutAt) return;
    cutAt = Date.now();
    cut();
    setTimeout(() => proxy.heal(), 10_000);
  });
  try {
    for (const t of threads) {
      const res = await firm.call('POST', `/v1/chat-threads/${t.id}/messages`, {
        author: 'firm',
        body: 'Please confirm your bank details',
        reminders: { enabled: false },
      });
      expect(res.status).toBe(201);
    }
    await eventually(async () => cutAt > 0, 20_000, 'a mail accepted');
    await eventually(
      async () => (await stack.db.outboundEmail.count({ where: { firmId: firm.firmId, status: 'sent' } })) === THREADS,
      60_000,
      'every email marked sent after the database came back',
    ).catch(async (err: Error) => {
      const rows = await stack.db.outboundEmail.findMany({
        where: { firmId: firm.firmId },
        select: { status: true, attempts: true, lastError: true },
      });
      throw new Error(`${err.message}; ${stack.smtp.mails.length - before} mails; ${JSON.stringify(rows)}`);
    });
    const markedAt = Date.now();
    await sleep(5000); // a resend would come now
    const mails = stack.smtp.mails.slice(before);
    const figures = deliveryFigures(
      mails,
      threads.map((t) => t.address),
      1,
    );
    console.log(
      `[faults] worker's database cut for 10 s right after the mail server accepted the first of ${THREADS} ` +
        `notifications: lost ${figures.lost}, duplicates ${figures.duplicates}; all marked sent ` +
        `${((markedAt - cutAt) / 1000).toFixed(1)} s after the cut`,
    );
    expect(figures).toEqual({ lost: 0, duplicates: 0, repeatedKeys: 0 });
  } finally {
    stack.smtp.onAccept(null);
    proxy.heal();
  }
}, 120_000);
