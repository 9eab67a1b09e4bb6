// A bulk "send message" whose worker process is killed (SIGKILL) mid-action and restarted: the action
// finishes with every account processed exactly once — one thread, one message, one email per recipient.
import { randomUUID } from 'node:crypto';
import { startStack, eventually, sleep, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts } from './support/fixtures';
import { killWorker, spawnWorker, type WorkerProcess } from './support/worker-process';

let stack: Stack;
let firm: FirmHandle;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  stack = await startStack({
    daySeconds: 1,
    worker: false,
    bulkPacing: { batchSize: 10, concurrentBatches: 2, accountConcurrency: 3 },
  });
  firm = await stack.newFirm();
});
afterAll(async () => {
  await killWorker(worker);
  await stack?.db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS nudge_test_slow_message ON "ChatMessage"`);
  await stack?.stop();
});

test('a worker killed mid-action, then restarted, finishes it with each account processed exactly once', async () => {
  const accounts = [];
  for (let i = 0; i < 30; i++) accounts.push(await accountWithContacts(firm, [{}]));
  const template = await firm.call('POST', '/v1/chat-templates', {
    name: `Deadline ${randomUUID().slice(0, 4)}`,
    body: 'Hello {{accountName}}',
  });
  // Each message takes 300 ms to write, so the kill lands while accounts are in flight.
  await stack.db.$executeRawUnsafe(
    `CREATE OR REPLACE FUNCTION nudge_test_slow_message() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END $$ LANGUAGE plpgsql`,
  );
  await stack.db.$executeRawUnsafe(
    `CREATE TRIGGER nudge_test_slow_message BEFORE INSERT ON "ChatMessage" FOR EACH ROW EXECUTE FUNCTION nudge_test_slow_message()`,
  );

  worker = await spawnWorker(stack);
  const started = await firm.call('POST', '/v1/bulk-actions', {
    action: { kind: 'send_message', chatTemplateId: template.body.id },
    selection: { accountIds: accounts.map((a) => a.accountId) },
  });
  expect(started.status).toBe(202);
  const id = started.body.id;
  const progress = async () => (await firm.call('GET', `/v1/bulk-actions/${id}`)).body.progress;
  await eventually(async () => (await progress()).done >= 6, 30_000, 'some accounts done');
  await killWorker(worker);
  const atKill = await progress();
  expect(atKill.done).toBeLessThan(30);

  await sleep(1000);
  worker = await spawnWorker(stack);
  const end = await eventually(
    async () => {
      const res = await firm.call('GET', `/v1/bulk-actions/${id}`);
      return res.body.status !== 'running' && res.body;
    },
    90_000,
    'the action to finish after the restart',
  ).catch((err) => {
    throw new Error(`${err.message}\n${worker?.log().slice(-3000)}`);
  });
  expect(end).toMatchObject({
    status: 'completed',
    progress: { total: 30, done: 30, skipped: 0, failed: 0, notReached: 0 },
  });

  for (const a of accounts) {
    const threads = await stack.db.chatThread.findMany({
      where: { accountId: a.accountId },
      include: { messages: true },
    });
    expect(threads).toHaveLength(1);
    expect(threads[0].messages).toHaveLength(1);
  }
  const addresses = accounts.map((a) => a.contacts[0].address);
  // An email whose SMTP send the kill interrupted is claimed for 90 s before another attempt may send it
  // (a send is never repeated while it might still be under way), so allow for that.
  await eventually(
    async () => addresses.every((addr) => stack.smtp.to(addr).length >= 1),
    120_000,
    'one email per recipient',
  );
  await sleep(2000);
  for (const addr of addresses)
    expect(stack.smtp.to(addr).filter((m) => /sent you a message/.test(m.subject))).toHaveLength(1);
  expect(
    await stack.db.auditEvent.count({
      where: { action: 'chat.message_posted', accountId: { in: accounts.map((a) => a.accountId) } },
    }),
  ).toBe(30);
}, 240_000); // the run, the restart, and up to 90 s of an interrupted email's claim
