// The reconciler (issue 9): a bulk action left "running" without its workflow is started; one whose
// workflow was terminated is closed; an item whose reminder workflow is gone is armed again and sends each
// remaining reminder once (also one following the firm's policy); an address whose digest workflow was
// terminated gets it back and its digest goes once; a second pass changes nothing; a thread whose reminders
// ended under an earlier firm policy is not restarted by a later one; a pass goes on where the last stopped, so
// items that need nothing (or run) never hide a newer lost one; the Schedule runs passes on its own, and a
// worker started with the reconciler off deletes the one an earlier start left.
import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError } from '@temporalio/client';
import { useStackWithFirm, eventually, remindersTo, sleep } from './support/stack';
import { killWorker, spawnWorker } from './support/worker-process';
import { accountWithContacts } from './support/fixtures';
import { createTemporalGateway } from '../domain/temporal/gateway';
import { createBulkActionsService } from '../domain/bulk/bulk-actions';
import { reconcile } from '../domain/reconciler/reconcile';
import { rearmLostReminders } from '../domain/reconciler/reminders';
import { rearmLostDigests } from '../domain/reconciler/digests';
import { createReminderWorkflows } from '../domain/items/reminder-workflows';
import { dispatchKey, reminderWorkflowId } from '../shared/contracts/item-reminder';
import { bulkWorkflowId, type BulkPacing } from '../shared/contracts/bulk-action';
import { ensureReconcilerSchedule } from '../worker/reconciler-schedule';
import { header } from './support/mail-text';
import { digestEntryAddedSignal, digestStart, digestWorkflowContract } from '../shared/contracts/digest';
import { RECONCILER_SCHEDULE_ID, type ReconcilerInput } from '../shared/contracts/reconciler';

const pacing: BulkPacing = { batchSize: 3, concurrentBatches: 2, accountConcurrency: 2, batchesPerRun: 400 };
const ctx = useStackWithFirm({ daySeconds: 1, bulkPacing: pacing });
const input: ReconcilerInput = { olderThanMs: 0, daySeconds: 1, pacing };
const gateway = () => createTemporalGateway({ client: ctx.stack.client, taskQueue: ctx.stack.taskQueue });
const pass = () => reconcile(ctx.stack.db, gateway(), input);

async function taggedAccounts(n: number) {
  const tag = (await ctx.firm.call('POST', '/v1/tags', { name: `T ${randomUUID().slice(0, 6)}` })).body.id as string;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await accountWithContacts(ctx.firm, [])).accountId);
  return { tag, ids };
}

test('a bulk action saved without its workflow (the API stopped in between) is started, once', async () => {
  const { tag, ids } = await taggedAccounts(4);
  // What the API had committed when it stopped: the action and its snapshot, no workflow.
  const action = await ctx.stack.db.bulkAction.create({
    data: {
      firmId: ctx.firm.firmId,
      kind: 'manage_tags',
      params: { kind: 'manage_tags', tags: [{ tagId: tag, action: 'assign' }] },
      selection: { accountIds: ids.length },
      startedBy: ctx.firm.ownerId,
      total: ids.length,
    },
  });
  await ctx.stack.db.bulkActionOutcome.createMany({
    data: ids.map((accountId, position) => ({ bulkActionId: action.id, accountId, position })),
  });
  const first = await pass();
  expect(first.bulkStarted).toEqual([action.id]);
  const done = await eventually(
    async () => {
      const res = await ctx.firm.call('GET', `/v1/bulk-actions/${action.id}`);
      return res.body.status === 'completed' && res.body;
    },
    30_000,
    'the action to complete',
  );
  expect(done.progress).toMatchObject({ total: 4, done: 4, failed: 0 });
  const second = await pass();
  expect(second.bulkStarted).not.toContain(action.id);
  expect(second.bulkClosed).not.toContain(action.id);
});

test('a bulk action whose workflow was terminated is closed: the accounts not reached say so', async () => {
  const { tag, ids } = await taggedAccounts(3);
  // Started on a task queue no worker polls, so the workflow exists but does nothing, then terminated.
  const idle = createTemporalGateway({ client: ctx.stack.client, taskQueue: `idle-${randomUUID()}` });
  const service = createBulkActionsService({ db: ctx.stack.db, gateway: idle, daySeconds: 1, pacing });
  const owner = { id: ctx.firm.ownerId, role: 'owner' as const, canViewAllAccounts: true };
  const started = await service.start(ctx.firm.firmId, owner, {
    action: { kind: 'manage_tags', tags: [{ tagId: tag, action: 'assign' }] },
    selection: { accountIds: ids },
    dryRun: false,
  });
  await ctx.stack.client.workflow.getHandle(bulkWorkflowId(started.id)).terminate('operator test');
  const first = await pass();
  expect(first.bulkClosed).toContain(started.id);
  const res = await ctx.firm.call('GET', `/v1/bulk-actions/${started.id}`);
  expect(res.body).toMatchObject({ status: 'cancelled', progress: { total: 3, notReached: 3 } });
  expect((await pass()).bulkClosed).not.toContain(started.id);
});

test('an item whose reminder workflow is gone is armed again and sends each remaining reminder once', async () => {
  const acc = await accountWithContacts(ctx.firm);
  const address = acc.contacts[0].address;
  const t = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Lost workflow',
    message: { body: 'Please send the receipts' },
    reminders: { enabled: true, intervalDays: 2, count: 2 },
  });
  const workflowId = reminderWorkflowId('chat', t.body.id);
  await eventually(async () => ctx.stack.smtp.to(address).length === 1, 10_000, 'the notification');
  await ctx.stack.client.workflow.getHandle(workflowId).terminate('lost in an outage');
  const first = await pass();
  expect(first.remindersRearmed).toContain(workflowId);
  await eventually(async () => remindersTo(ctx.stack.smtp, address).length === 2, 20_000, 'both reminders');
  await sleep(2500);
  const mails = remindersTo(ctx.stack.smtp, address);
  expect(mails).toHaveLength(2);
  expect(new Set(mails.map((m) => m.key)).size).toBe(2);
  expect((await pass()).remindersRearmed).not.toContain(workflowId);
});

test('a chat thread following the firm policy (no settings of its own) is armed again too', async () => {
  const policy = (enabled: boolean) =>
    ctx.firm.call('PUT', '/v1/reminder-policy/chat', { enabled, intervalDays: 2, count: 1, apply: 'none' });
  expect((await policy(true)).status).toBe(200);
  try {
    const acc = await accountWithContacts(ctx.firm);
    const address = acc.contacts[0].address;
    const t = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
      subject: 'Lost workflow, policy settings',
      message: { body: 'Please send the receipts' },
    });
    const workflowId = reminderWorkflowId('chat', t.body.id);
    expect(await ctx.stack.db.reminderSettings.count({ where: { itemId: t.body.id } })).toBe(0);
    await eventually(async () => ctx.stack.smtp.to(address).length === 1, 10_000, 'the notification');
    await ctx.stack.client.workflow.getHandle(workflowId).terminate('lost in an outage');
    expect((await pass()).remindersRearmed).toContain(workflowId);
    await eventually(async () => remindersTo(ctx.stack.smtp, address).length === 1, 20_000, 'the reminder');
  } finally {
    expect((await policy(false)).status).toBe(200);
  }
});

/** The key of a thread's first reminder in its current cycle (its one firm message), as its digest entries hold it. */
async function reminderKeyOf(threadId: string): Promise<string> {
  const message = await ctx.stack.db.chatMessage.findFirstOrThrow({ where: { threadId } });
  return dispatchKey(reminderWorkflowId('chat', threadId), `${message.id}.r0`, 'reminder', 1);
}

test('an address whose digest workflow was terminated gets it back: what waited goes in one digest, once', async () => {
  const acc = await accountWithContacts(ctx.firm);
  const { emailId, address } = acc.contacts[0];
  const t = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Lost digest',
    message: { body: 'Please send the receipts' },
    reminders: { enabled: true, intervalDays: 365, count: 1 }, // none falls due during the test
  });
  expect(t.status).toBe(201);
  await eventually(async () => ctx.stack.smtp.to(address).length === 1, 10_000, 'the notification');
  // The address's digest workflow, started where no worker polls and terminated by an operator, with a
  // reminder that its dispatch had queued for it still waiting (its window long over).
  const start = digestStart(ctx.firm.firmId, emailId);
  const idle = createTemporalGateway({ client: ctx.stack.client, taskQueue: `idle-${randomUUID()}` });
  await idle.signalWithStart(digestWorkflowContract, start, digestEntryAddedSignal);
  await ctx.stack.client.workflow.getHandle(start.workflowId).terminate('operator test');
  const entry = await ctx.stack.db.digestEntry.create({
    data: {
      firmId: ctx.firm.firmId,
      contactEmailId: emailId,
      accountId: acc.accountId,
      itemKind: 'chat',
      itemId: t.body.id,
      dispatchKey: await reminderKeyOf(t.body.id),
      createdAt: new Date(Date.now() - 2 * 86_400_000),
    },
  });

  expect((await pass()).digestsRearmed).toEqual([start.workflowId]);
  const digestKey = (m: Parameters<typeof header>[0]) => header(m, 'X-Nudge-Key')?.startsWith(`${start.workflowId}:`);
  await eventually(async () => ctx.stack.smtp.to(address).some(digestKey), 20_000, 'the digest');
  await eventually(
    async () => (await ctx.stack.db.digestEntry.findUnique({ where: { id: entry.id } }))?.state === 'sent',
    10_000,
    'the entry settled',
  );
  expect((await pass()).digestsRearmed).toEqual([]);
  await sleep(1500);
  expect(ctx.stack.smtp.to(address).filter(digestKey)).toHaveLength(1);
});

const backdate = (itemIds: string[], yearsAgo: number) =>
  Promise.all(
    itemIds.map(
      (id, i) =>
        ctx.stack.db.$executeRaw`UPDATE "ReminderSettings"
        SET "updatedAt" = now() - make_interval(years => ${yearsAgo}) + make_interval(secs => ${i})
        WHERE "itemId" = ${id}::uuid`,
    ),
  );

/**
 * A chat thread whose notification went long ago, so that Temporal no longer knows its workflow (the namespace's
 * retention passed): as the database holds it.
 */
async function notifiedLongAgo(firm: { firmId: string; ownerId: string }, accountId: string): Promise<string> {
  const { db } = ctx.stack;
  const { firmId } = firm;
  const thread = await db.chatThread.create({ data: { firmId, accountId, subject: 'Forgotten by Temporal' } });
  const message = await db.chatMessage.create({
    data: { firmId, threadId: thread.id, author: 'firm', firmUserId: firm.ownerId, body: 'Please send the receipts' },
  });
  const workflowId = reminderWorkflowId('chat', thread.id);
  await db.reminderDispatch.create({
    data: {
      firmId,
      accountId,
      itemKind: 'chat',
      itemId: thread.id,
      cycleKey: message.id,
      kind: 'notification',
      seq: 0,
      dispatchKey: dispatchKey(workflowId, message.id, 'notification', 0),
      recipients: 1,
    },
  });
  return workflowId;
}

test('a thread whose reminders ended under the firm policy is not restarted when the policy changes later', async () => {
  const firm = await ctx.stack.newFirm(); // the default chat policy: off
  const gw = gateway();
  const acc = await accountWithContacts(firm);
  const t = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Ended under the old policy',
    message: { body: 'Please send the receipts' },
  });
  expect(t.status).toBe(201);
  const ended = reminderWorkflowId('chat', t.body.id);
  // Notified while the policy was off: its workflow read "off" and ended.
  await eventually(async () => ctx.stack.smtp.to(acc.contacts[0].address).length === 1, 10_000, 'the notification');
  await eventually(async () => (await gw.status(ended)) === 'COMPLETED', 10_000, 'its workflow ended');
  // The same long ago, so that Temporal no longer knows its workflow.
  const other = await accountWithContacts(firm);
  const forgotten = await notifiedLongAgo(firm, other.accountId);
  const on = await firm.call('PUT', '/v1/reminder-policy/chat', {
    enabled: true,
    intervalDays: 1,
    count: 2,
    apply: 'running',
  });
  expect(on.status).toBe(200);
  await eventually(
    async () =>
      (await firm.call('GET', `/v1/reminder-policy/applications/${on.body.application.id}`)).body.status ===
      'completed',
    20_000,
    'the application',
  );
  // Notified under the policy now in force, its workflow lost long ago: armed again.
  const lost = await notifiedLongAgo(firm, (await accountWithContacts(firm)).accountId);

  const first = await pass();
  expect(first.remindersRearmed).not.toContain(ended);
  expect(first.remindersRearmed).not.toContain(forgotten);
  expect(first.remindersRearmed).toContain(lost);
  await sleep(1500);
  expect(remindersTo(ctx.stack.smtp, acc.contacts[0].address)).toHaveLength(0);
  expect(remindersTo(ctx.stack.smtp, other.contacts[0].address)).toHaveLength(0);
});

test('a pass goes on where the last stopped: older items that need nothing never hide a newer lost one', async () => {
  const acc = await accountWithContacts(ctx.firm);
  const gw = gateway();
  const thread = async (count: number) => {
    const t = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
      subject: `Paged ${count}`,
      message: { body: 'Please send the receipts' },
      reminders: { enabled: true, intervalDays: 1, count },
    });
    expect(t.status).toBe(201);
    return t.body.id as string;
  };
  // Two whose reminders all went (their workflows ended), and a newer one whose workflow was lost.
  const done = [await thread(1), await thread(1)];
  for (const id of done) {
    const workflowId = reminderWorkflowId('chat', id);
    await eventually(async () => (await gw.status(workflowId)) === 'COMPLETED', 15_000, 'reminders all sent');
  }
  const lostId = await thread(5);
  const lost = reminderWorkflowId('chat', lostId);
  await eventually(
    async () => (await ctx.stack.db.reminderDispatch.count({ where: { itemId: lostId, kind: 'notification' } })) === 1,
    10_000,
    'its notification',
  );
  await gw.terminate(lost, 'lost in an outage');
  await backdate([...done, lostId], 10); // the oldest of all, in this order

  const deps = {
    db: ctx.stack.db,
    gateway: gw,
    reminders: createReminderWorkflows({ gateway: gw, daySeconds: 1 }),
    daySeconds: 1,
  };
  const first = await rearmLostReminders(deps, 0, 2);
  expect(first).toMatchObject({ checked: 2, rearmed: [] });
  const second = await rearmLostReminders(deps, 0, 2, first.next);
  expect(second.rearmed).toContain(lost);
});

test('digests: addresses held with their workflow running never hide a newer one whose workflow was lost', async () => {
  const acc = await accountWithContacts(ctx.firm, [{}, {}, {}, {}]);
  const t = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Held digests',
    message: { body: 'Please send the receipts' },
    reminders: { enabled: true, intervalDays: 365, count: 1 },
  });
  expect(t.status).toBe(201);
  const gw = gateway();
  // Three addresses whose digests wait a long time with their workflow running (where no worker polls).
  const idle = createTemporalGateway({ client: ctx.stack.client, taskQueue: `idle-${randomUUID()}` });
  const held = acc.contacts.slice(0, 3);
  const lost = acc.contacts[3];
  const key = await reminderKeyOf(t.body.id);
  const entry = (emailId: string, yearsAgo: number, i: number) => ({
    firmId: ctx.firm.firmId,
    contactEmailId: emailId,
    accountId: acc.accountId,
    itemKind: 'chat' as const,
    itemId: t.body.id as string,
    dispatchKey: key,
    createdAt: new Date(Date.now() - yearsAgo * 365 * 86_400_000 + i * 1000),
  });
  const heldStarts = held.map((c) => digestStart(ctx.firm.firmId, c.emailId));
  try {
    for (const start of heldStarts) await idle.signalWithStart(digestWorkflowContract, start, digestEntryAddedSignal);
    await eventually(
      async () => {
        const running = await gw.runningWorkflowIds('NudgeItemKind = "digest"');
        return heldStarts.every((s) => running.has(s.workflowId));
      },
      15_000,
      'the held workflows listed as running',
    );
    await ctx.stack.db.digestEntry.createMany({
      data: [...held.map((c, i) => entry(c.emailId, 10, i)), entry(lost.emailId, 10, 60)],
    });
    const lostStart = digestStart(ctx.firm.firmId, lost.emailId);
    const result = await rearmLostDigests({ db: ctx.stack.db, gateway: gw }, 0, 3);
    expect(result.rearmed).toContain(lostStart.workflowId);
    await eventually(
      async () =>
        (await ctx.stack.db.digestEntry.count({ where: { contactEmailId: lost.emailId, state: 'sent' } })) === 1,
      20_000,
      "the lost address's digest",
    );
  } finally {
    // Nothing left waiting for the passes that follow.
    await ctx.stack.db.digestEntry.deleteMany({
      where: { contactEmailId: { in: held.map((c) => c.emailId) } },
    });
    for (const start of heldStarts) await gw.terminate(start.workflowId, 'test over');
  }
});

test('the Schedule runs reconciler passes on its own', async () => {
  const scheduleId = `reconciler-test-${randomUUID()}`;
  await ensureReconcilerSchedule(ctx.stack.client, {
    taskQueue: ctx.stack.taskQueue,
    everySeconds: 1,
    input,
    scheduleId,
  });
  const handle = ctx.stack.client.schedule.getHandle(scheduleId);
  try {
    await eventually(async () => (await handle.describe()).info.recentActions.length > 0, 20_000, 'a scheduled pass');
    // Making it again (a restarted worker) updates the one Schedule instead of failing or adding one.
    await ensureReconcilerSchedule(ctx.stack.client, {
      taskQueue: ctx.stack.taskQueue,
      everySeconds: 2,
      input,
      scheduleId,
    });
    expect((await handle.describe()).spec.intervals?.[0]?.every).toBe(2000);
  } finally {
    await handle.delete();
  }
});

test('RECONCILER_INTERVAL_SECONDS=0: the worker process deletes the Schedule an earlier start left running', async () => {
  // What a worker started with the reconciler on left behind (on this run's own dev server).
  await ensureReconcilerSchedule(ctx.stack.client, { taskQueue: ctx.stack.taskQueue, everySeconds: 3600, input });
  const handle = ctx.stack.client.schedule.getHandle(RECONCILER_SCHEDULE_ID);
  expect((await handle.describe()).spec.intervals?.[0]?.every).toBe(3_600_000);
  const worker = await spawnWorker(ctx.stack, { RECONCILER_INTERVAL_SECONDS: '0' });
  try {
    await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  } finally {
    await killWorker(worker);
    await handle.delete().catch(() => undefined);
  }
  // With none to delete, a start with the reconciler off goes on as usual.
  await expect(
    ensureReconcilerSchedule(ctx.stack.client, { taskQueue: ctx.stack.taskQueue, everySeconds: 0, input }),
  ).resolves.toBeUndefined();
});
