// Chat reminders end to end: API → Temporal workflow → SMTP, with a 1-second "day".
import {
  useStackWithFirm,
  remindersTo as remindersIn,
  eventually,
  sleep,
  type Stack,
  type FirmHandle,
  type ApiResponse,
} from './support/stack';
import { accountWithContacts, archiveAccount } from './support/fixtures';
import { holdInTransaction, whileHeld, withAuditHeld } from './support/holds';

const ctx = useStackWithFirm({ daySeconds: 1 });
let stack: Stack;
let firm: FirmHandle;
beforeAll(() => ({ stack, firm } = ctx));

const subjectIs = (re: RegExp) => (m: { subject: string }) => re.test(m.subject);

/** Until a statement whose text is `like` waits for a lock (one a test transaction holds). */
const waitingForLock = (like: string, what: string) =>
  eventually(
    async () =>
      (
        await stack.db.$queryRaw<unknown[]>`SELECT 1 FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND query LIKE ${like}`
      ).length > 0,
    5000,
    what,
  );

async function thread(reminders: Record<string, unknown>, contacts = [{}]) {
  const acc = await accountWithContacts(firm, contacts);
  const t = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Missing receipts',
    message: { body: 'Please upload your receipts' },
    reminders,
  });
  expect(t.status).toBe(201);
  return { ...acc, threadId: t.body.id as string, address: acc.contacts[0].address };
}

test('notifies, reminds up to the count, then stops', async () => {
  const t = await thread({ enabled: true, intervalDays: 1, count: 2 });
  await stack.smtp.waitFor((m) => m.to.includes(t.address) && /sent you a message/.test(m.subject));
  await eventually(async () => remindersIn(stack.smtp, t.address).length === 2, 15_000, 'two reminders');
  await sleep(2500);
  expect(remindersIn(stack.smtp, t.address)).toHaveLength(2);
  const state = await firm.call('GET', `/v1/chat-threads/${t.threadId}/reminders`);
  expect(state.body.workflow).toMatchObject({ status: 'completed', remindersSent: 2, stopReason: 'count_reached' });
  const audit = await firm.call('GET', `/v1/audit-events?itemId=${t.threadId}`);
  expect(audit.body.items.filter((e: { action: string }) => e.action === 'item.reminder_sent')).toHaveLength(2);
});

test('a client reply stops reminders', async () => {
  const t = await thread({ enabled: true, intervalDays: 2, count: 3 });
  await stack.smtp.waitFor((m) => m.to.includes(t.address));
  const reply = await firm.call('POST', `/v1/chat-threads/${t.threadId}/messages`, {
    author: 'client',
    body: 'Done!',
    contactId: t.contacts[0].id,
  });
  expect(reply.status).toBe(201);
  await eventually(
    async () =>
      (await firm.call('GET', `/v1/chat-threads/${t.threadId}/reminders`)).body.workflow?.status === 'completed',
    10_000,
    'workflow end',
  );
  await sleep(2500);
  expect(remindersIn(stack.smtp, t.address)).toHaveLength(0);
  const state = await firm.call('GET', `/v1/chat-threads/${t.threadId}/reminders`);
  expect(state.body.doneReason).toBe('replied');
});

test('archiving stops reminders; reopening re-arms them for the latest message', async () => {
  const t = await thread({ enabled: true, intervalDays: 2, count: 1 });
  await stack.smtp.waitFor((m) => m.to.includes(t.address));
  expect((await firm.call('POST', `/v1/chat-threads/${t.threadId}/archive`)).status).toBe(200);
  await sleep(2500);
  expect(remindersIn(stack.smtp, t.address)).toHaveLength(0);
  expect((await firm.call('GET', `/v1/chat-threads/${t.threadId}/reminders`)).body.doneReason).toBe('archived');

  const reopenedAt = Date.now();
  expect((await firm.call('POST', `/v1/chat-threads/${t.threadId}/reopen`)).status).toBe(200);
  const [reminder] = await stack.smtp.waitFor(
    (m) => m.to.includes(t.address) && /^Reminder/.test(m.subject),
    1,
    10_000,
  );
  // Counted from the reopen, as if the message were new: about 2 "days" later.
  expect(reminder.receivedAt - reopenedAt).toBeGreaterThanOrEqual(1900);
  await sleep(2500);
  expect(remindersIn(stack.smtp, t.address)).toHaveLength(1);
  // No second notification for the same message.
  expect(stack.smtp.to(t.address).filter(subjectIs(/sent you a message/))).toHaveLength(1);
});

test('a new firm message restarts the cycle for that message', async () => {
  const t = await thread({ enabled: true, intervalDays: 1, count: 1 });
  await eventually(async () => remindersIn(stack.smtp, t.address).length === 1, 10_000, 'first reminder');
  await sleep(1500);
  const second = await firm.call('POST', `/v1/chat-threads/${t.threadId}/messages`, {
    author: 'firm',
    body: 'One more thing',
  });
  expect(second.status).toBe(201);
  await eventually(
    async () => stack.smtp.to(t.address).filter(subjectIs(/sent you a message/)).length === 2,
    10_000,
    'second notification',
  );
  await eventually(async () => remindersIn(stack.smtp, t.address).length === 2, 10_000, 'reminder for the new message');
  await sleep(2000);
  expect(remindersIn(stack.smtp, t.address)).toHaveLength(2);
});

test('settings changed mid-flight: a shorter interval past the due time sends one reminder now, never a backlog', async () => {
  const t = await thread({ enabled: true, intervalDays: 30, count: 5 });
  await stack.smtp.waitFor((m) => m.to.includes(t.address));
  await sleep(4200); // two intervals of the new 2 "days" since the notification
  const changedAt = Date.now();
  const put = await firm.call('PUT', `/v1/chat-threads/${t.threadId}/reminder-settings`, { intervalDays: 2, count: 5 });
  expect(put.status).toBe(200);
  expect(put.body).toEqual({ enabled: true, intervalDays: 2, count: 5 });
  const isReminder = (m: { to: string[]; subject: string }) => m.to.includes(t.address) && /^Reminder/.test(m.subject);
  const [first] = await stack.smtp.waitFor(isReminder, 1, 5000);
  // Now, not a new interval after the change (2000 ms): room for a loaded machine's API, workflow and SMTP.
  expect(first.receivedAt - changedAt).toBeLessThan(1800);
  // The next one a whole interval after it: one now, not a backlog of two at once.
  const [, second] = await stack.smtp.waitFor(isReminder, 2, 8000);
  expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(1000);
  await firm.call('PUT', `/v1/chat-threads/${t.threadId}/reminder-settings`, { enabled: false });
});

test('reminders off, then on again, resume from the last notification', async () => {
  const t = await thread({ enabled: true, intervalDays: 2, count: 1 });
  await stack.smtp.waitFor((m) => m.to.includes(t.address));
  expect((await firm.call('PUT', `/v1/chat-threads/${t.threadId}/reminder-settings`, { enabled: false })).status).toBe(
    200,
  );
  await eventually(
    async () =>
      (await firm.call('GET', `/v1/chat-threads/${t.threadId}/reminders`)).body.workflow?.stopReason === 'off',
    5000,
    'stop on off',
  );
  await sleep(2500);
  expect(remindersIn(stack.smtp, t.address)).toHaveLength(0);
  const onAt = Date.now();
  expect((await firm.call('PUT', `/v1/chat-threads/${t.threadId}/reminder-settings`, { enabled: true })).status).toBe(
    200,
  );
  const [r] = await stack.smtp.waitFor((m) => m.to.includes(t.address) && /^Reminder/.test(m.subject), 1, 5000);
  expect(r.receivedAt - onAt).toBeLessThan(1800); // already overdue: one reminder now, not 2000 ms after "on"
  await sleep(2500);
  expect(remindersIn(stack.smtp, t.address)).toHaveLength(1);
});

test('manual resend while automatic reminders run: one extra email, to-do on top, audit entry, schedule unchanged', async () => {
  const t = await thread({ enabled: true, intervalDays: 5, count: 1 });
  await stack.smtp.waitFor((m) => m.to.includes(t.address));
  // A second item so that the to-do order is visible.
  const other = await firm.call('POST', `/v1/accounts/${t.accountId}/chat-threads`, {
    subject: 'Other',
    message: { body: 'Hi' },
  });
  await eventually(
    async () => (await firm.call('GET', `/v1/contact-emails/${t.contacts[0].emailId}/todos`)).body.length === 2,
    5000,
    'two to-dos',
  );
  expect((await firm.call('GET', `/v1/contact-emails/${t.contacts[0].emailId}/todos`)).body[0].itemId).toBe(
    other.body.id,
  );

  // Shown once the workflow waits (not while its first task, which sent the notification, is still open).
  const before = await eventually(
    async () => (await firm.call('GET', `/v1/chat-threads/${t.threadId}/reminders`)).body.workflow?.nextReminderAt,
    5000,
    'the next reminder',
  );
  const resend = await firm.call(
    'POST',
    `/v1/chat-threads/${t.threadId}/resend`,
    { message: 'Friendly nudge' },
    { idempotencyKey: `resend-${t.threadId}` },
  );
  expect(resend.status).toBe(202);
  await stack.smtp.waitFor(
    (m) => m.to.includes(t.address) && /^Reminder/.test(m.subject) && m.raw.includes('Friendly nudge'),
    1,
    5000,
  );
  // The schedule as the workflow holds it once the resend went, read before the reminder falls due (5 s).
  const state = await eventually(
    async () => {
      const w = (await firm.call('GET', `/v1/chat-threads/${t.threadId}/reminders`)).body.workflow;
      return w?.manualResendsSent === 1 && w;
    },
    5000,
    'the resend counted',
  );
  expect(state.nextReminderAt).toBe(before);
  expect(state.remindersSent).toBe(0);
  const again = await firm.call(
    'POST',
    `/v1/chat-threads/${t.threadId}/resend`,
    { message: 'Friendly nudge' },
    { idempotencyKey: `resend-${t.threadId}` },
  );
  expect(again.body).toEqual(resend.body);

  const todos = await firm.call('GET', `/v1/contact-emails/${t.contacts[0].emailId}/todos`);
  expect(todos.body[0].itemId).toBe(t.threadId);
  const audit = await firm.call('GET', `/v1/audit-events?itemId=${t.threadId}&action=item.manual_resend`);
  expect(audit.body.items).toHaveLength(1);
  expect(audit.body.items[0]).toMatchObject({ actorType: 'firm_user', actorId: firm.ownerId });
  // The automatic reminder still comes, once.
  await eventually(async () => remindersIn(stack.smtp, t.address).length === 2, 9000, 'automatic reminder');
  await sleep(500);
  expect(remindersIn(stack.smtp, t.address)).toHaveLength(2);
});

test('a retried message with the same Idempotency-Key starts one workflow and sends one email', async () => {
  const acc = await accountWithContacts(firm);
  const t = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, { subject: 'Q' });
  const send = () =>
    firm.call(
      'POST',
      `/v1/chat-threads/${t.body.id}/messages`,
      { author: 'firm', body: 'Hello' },
      { idempotencyKey: 'msg-1' },
    );
  const [a, b] = [await send(), await send()];
  expect(a.status).toBe(201);
  expect(b.body).toEqual(a.body);
  expect(b.headers.get('idempotent-replayed')).toBe('true');
  await stack.smtp.waitFor((m) => m.to.includes(acc.contacts[0].address));
  await sleep(1000);
  expect(stack.smtp.to(acc.contacts[0].address)).toHaveLength(1);
  expect(await stack.db.chatMessage.count({ where: { threadId: t.body.id } })).toBe(1);
  const runs = [];
  for await (const w of stack.client.workflow.list({ query: `WorkflowId = "reminder-chat-${t.body.id}"` }))
    runs.push(w);
  expect(runs).toHaveLength(1);
  // The same key with a different body is refused.
  const clash = await firm.call(
    'POST',
    `/v1/chat-threads/${t.body.id}/messages`,
    { author: 'firm', body: 'Other' },
    { idempotencyKey: 'msg-1' },
  );
  expect(clash.status).toBe(422);
  expect(clash.body.type).toMatch(/idempotency-key-reused/);
});

test('a new thread whose first message fails is not created; its retry under the same key creates it once', async () => {
  const acc = await accountWithContacts(firm);
  // The message's insert fails inside the database, as a constraint or a lost connection would.
  await stack.db.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION fail_boom_message() RETURNS trigger AS $$
    BEGIN IF NEW.body = 'boom' THEN RAISE EXCEPTION 'injected'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
  await stack.db.$executeRawUnsafe(
    'CREATE TRIGGER fail_boom_message BEFORE INSERT ON "ChatMessage" FOR EACH ROW EXECUTE FUNCTION fail_boom_message()',
  );
  const create = () =>
    firm.call(
      'POST',
      `/v1/accounts/${acc.accountId}/chat-threads`,
      { subject: 'Boom', message: { body: 'boom' } },
      { idempotencyKey: `boom-${acc.accountId}` },
    );
  const threads = () => stack.db.chatThread.count({ where: { accountId: acc.accountId } });
  try {
    expect((await create()).status).toBeGreaterThanOrEqual(500);
    expect(await threads()).toBe(0);
  } finally {
    await stack.db.$executeRawUnsafe('DROP TRIGGER fail_boom_message ON "ChatMessage"');
    await stack.db.$executeRawUnsafe('DROP FUNCTION fail_boom_message()');
  }
  const retry = await create();
  expect(retry.status).toBe(201);
  expect(retry.body.lastMessage).toMatchObject({ threadId: retry.body.id, body: 'boom' });
  expect(await threads()).toBe(1);
  expect(await stack.db.chatMessage.count({ where: { threadId: retry.body.id } })).toBe(1);
  await stack.smtp.waitFor((m) => m.to.includes(acc.contacts[0].address) && /sent you a message/.test(m.subject));
});

test('two reminder settings changes at once both stay: reminders off and another interval', async () => {
  const t = await thread({ enabled: true, intervalDays: 30, count: 1 });
  const put = (body: Record<string, unknown>) =>
    firm.call('PUT', `/v1/chat-threads/${t.threadId}/reminder-settings`, body);
  for (let round = 0; round < 3; round++) {
    expect((await put({ enabled: true, intervalDays: 30 })).status).toBe(200);
    const pair = [{ enabled: false }, { intervalDays: 5 }];
    if (round % 2) pair.reverse();
    const answers = await withAuditHeld(stack.db, () => Promise.all(pair.map(put)));
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    const row = await stack.db.reminderSettings.findUniqueOrThrow({
      where: { itemKind_itemId: { itemKind: 'chat', itemId: t.threadId } },
    });
    expect({ round, enabled: row.enabled, intervalDays: row.intervalDays }).toEqual({
      round,
      enabled: false,
      intervalDays: 5,
    });
  }
});

test('an archive committing while the firm and the client post: both 409 thread-archived, no message lands', async () => {
  const t = await thread({ enabled: false });
  await stack.smtp.waitFor((m) => m.to.includes(t.address) && /sent you a message/.test(m.subject));
  const messages = () => stack.db.chatMessage.count({ where: { threadId: t.threadId } });
  const before = await messages();
  const posts = await whileHeld(
    stack.db,
    (tx) => tx.$executeRaw`UPDATE "ChatThread" SET status = 'archived' WHERE id = ${t.threadId}::uuid`,
    () =>
      Promise.all([
        firm.call('POST', `/v1/chat-threads/${t.threadId}/messages`, { author: 'firm', body: 'Still there?' }),
        firm.call('POST', `/v1/chat-threads/${t.threadId}/messages`, {
          author: 'client',
          contactId: t.contacts[0].id,
          body: 'Here they are',
        }),
      ]),
  );
  expect(posts.map((p) => [p.status, p.body.type])).toEqual(
    posts.map(() => [409, 'https://nudge.dev/problems/thread-archived']),
  );
  expect(await messages()).toBe(before);
});

test('a client reply committing while a firm message waits for the thread: the firm message is the latest, notified', async () => {
  const t = await thread({ enabled: true, intervalDays: 30, count: 1 });
  const notified = (m: { to: string[]; subject: string }) =>
    m.to.includes(t.address) && /sent you a message/.test(m.subject);
  await stack.smtp.waitFor(notified);
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  let reply!: () => void;
  const replyNow = new Promise<void>((r) => (reply = r));
  // The client's reply holds the thread's lock and is stamped under it, as `post` does, after the firm's
  // request began.
  const held = holdInTransaction(stack.db, async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM "ChatThread" WHERE id = ${t.threadId}::uuid FOR UPDATE`;
    locked();
    await replyNow;
    await tx.chatMessage.create({
      data: {
        firmId: firm.firmId,
        threadId: t.threadId,
        author: 'client',
        contactId: t.contacts[0].id,
        body: 'Sent them',
        createdAt: new Date(),
      },
    });
  });
  await isLocked;
  const posting = firm.call('POST', `/v1/chat-threads/${t.threadId}/messages`, {
    author: 'firm',
    body: 'And the invoices?',
  });
  await waitingForLock('%INSERT INTO "ChatMessage"%', 'the firm message waiting for the thread');
  reply();
  const release = await held;
  await release();
  expect((await posting).status).toBe(201);
  expect((await firm.call('GET', `/v1/chat-threads/${t.threadId}/reminders`)).body.doneReason).toBeNull();
  await stack.smtp.waitFor(notified, 2, 5000);
});

test('a client reply from an API host whose clock runs behind still sorts after the firm message before it', async () => {
  const t = await thread({ enabled: true, intervalDays: 30, count: 1 });
  const firmMessage = await firm.call('POST', `/v1/chat-threads/${t.threadId}/messages`, {
    author: 'firm',
    body: 'And the invoices?',
  });
  expect(firmMessage.status).toBe(201);
  // This process's clock 30 s behind the database's while the reply is posted (Date only: timers run as ever).
  jest.useFakeTimers({
    now: Date.now() - 30_000,
    advanceTimers: true,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
  let reply: ApiResponse;
  try {
    reply = await firm.call('POST', `/v1/chat-threads/${t.threadId}/messages`, {
      author: 'client',
      body: 'Sent them',
      contactId: t.contacts[0].id,
    });
  } finally {
    jest.useRealTimers();
  }
  expect(reply.status).toBe(201);
  const messages = await stack.db.chatMessage.findMany({
    where: { threadId: t.threadId },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  expect(messages.map((m) => m.body)).toEqual(['Please upload your receipts', 'And the invoices?', 'Sent them']);
  await eventually(
    async () => (await firm.call('GET', `/v1/chat-threads/${t.threadId}/reminders`)).body.doneReason === 'replied',
    10_000,
    'the reply ends the reminders',
  );
});

test('a client reply to a thread deleted meanwhile (its account deleted) is 404, not a 500', async () => {
  const t = await thread({ enabled: false });
  const release = await holdInTransaction(
    stack.db,
    (tx) => tx.$executeRaw`DELETE FROM "ChatThread" WHERE id = ${t.threadId}::uuid`,
  );
  const posting = firm.call('POST', `/v1/chat-threads/${t.threadId}/messages`, {
    author: 'client',
    contactId: t.contacts[0].id,
    body: 'Here they are',
  });
  await waitingForLock('%FOR NO KEY UPDATE%', 'the reply waiting for the thread');
  await release();
  const res = await posting;
  expect([res.status, res.body.type]).toEqual([404, 'https://nudge.dev/problems/not-found']);
});

test('two archives, then two reopens, at once: one audit entry each, the reopen counted once', async () => {
  const t = await thread({ enabled: false });
  const twice = (action: 'archive' | 'reopen') =>
    withAuditHeld(stack.db, () =>
      Promise.all([0, 1].map(() => firm.call('POST', `/v1/chat-threads/${t.threadId}/${action}`))),
    );
  expect((await twice('archive')).map((r) => r.status)).toEqual([200, 200]);
  expect((await twice('reopen')).map((r) => [r.status, r.body.status])).toEqual([
    [200, 'open'],
    [200, 'open'],
  ]);
  const entries = await stack.db.auditEvent.findMany({
    where: { itemId: t.threadId, action: { in: ['chat.thread_archived', 'chat.thread_reopened'] } },
    select: { action: true },
  });
  expect(entries.map((e) => e.action).sort()).toEqual(['chat.thread_archived', 'chat.thread_reopened']);
  expect(await stack.db.chatThread.findUniqueOrThrow({ where: { id: t.threadId } })).toMatchObject({
    status: 'open',
    reopenCount: 1,
  });
});

test('an archived account is read-only for its threads too: archive, reopen, reminder settings and pause 409', async () => {
  const t = await thread({ enabled: true, intervalDays: 30, count: 1 });
  const closed = await firm.call('POST', `/v1/accounts/${t.accountId}/chat-threads`, { subject: 'Closed' });
  expect((await firm.call('POST', `/v1/chat-threads/${closed.body.id}/archive`)).status).toBe(200);
  const pause = `/v1/chat-threads/${t.threadId}/reminder-pause`;
  const until = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();
  expect((await firm.call('PUT', pause, { until })).status).toBe(200);
  await archiveAccount(firm, stack.db, t.accountId);
  const state = async () =>
    Promise.all([
      stack.db.auditEvent.count({ where: { accountId: t.accountId } }),
      stack.db.chatThread.findMany({ where: { accountId: t.accountId }, orderBy: { id: 'asc' } }),
      stack.db.reminderSettings.findMany({ where: { itemId: t.threadId } }),
      stack.db.reminderPause.findMany({ where: { itemId: t.threadId } }),
    ]);
  const before = await state();
  const refused = [
    await firm.call('POST', `/v1/chat-threads/${t.threadId}/archive`),
    await firm.call('POST', `/v1/chat-threads/${closed.body.id}/reopen`),
    await firm.call('PUT', `/v1/chat-threads/${t.threadId}/reminder-settings`, { enabled: false }),
    await firm.call('PUT', pause, { until: new Date(Date.now() + 24 * 3600 * 1000).toISOString() }),
    await firm.call('DELETE', pause),
  ];
  expect(refused.map((r) => [r.status, r.body?.type])).toEqual(
    refused.map(() => [409, 'https://nudge.dev/problems/account-archived']),
  );
  expect(await state()).toEqual(before);
});
