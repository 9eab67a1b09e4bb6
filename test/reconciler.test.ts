// The reconciler (issue 9): a bulk action left "running" without its workflow is started; one whose
// workflow was terminated is closed; an item whose reminder workflow is gone is armed again and sends each
// remaining reminder once (also one following the firm's policy); an address whose digest workflow was
// terminated gets it back and its digest goes once; a second pass changes nothing; the Schedule runs passes on its own,
// and a worker started with the reconciler off deletes the one an earlier start left.
import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError } from '@temporalio/client';
import { useStackWithFirm, eventually, remindersTo, sleep } from './support/stack';
import { killWorker, spawnWorker } from './support/worker-process';
import { accountWithContacts } from './support/fixtures';
import { createTemporalGateway } from '../domain/temporal/gateway';
import { createBulkActionsService } from '../domain/bulk/bulk-actions';
import { reconcile } from '../domain/reconciler/reconcile';
import { reminderWorkflowId } from '../shared/contracts/item-reminder';
import { bulkWorkflowId, type BulkPacing } from '../shared/contracts/bulk-action';
import { ensureReconcilerSchedule } from '../worker/reconciler-schedule';
import { header } from './support/mail-text';
import { digestEntryAddedSignal, digestStart, digestWorkflowContract } from '../shared/contracts/digest';
import { RECONCILER_SCHEDULE_ID, type ReconcilerInput } from '../shared/contracts/reconciler';

const pacing: BulkPacing = { batchSize: 3, concurrentBatches: 2, accountConcurrency: 2, batchesPerRun: 400 };
const ctx = useStackWithFirm({ daySeconds: 1, bulkPacing: pacing });
const input: ReconcilerInput = { olderThanMs: 0, daySeconds: 1, pacing };
const pass = () =>
  reconcile(ctx.stack.db, createTemporalGateway({ client: ctx.stack.client, taskQueue: ctx.stack.taskQueue }), input);

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

test('an address whose digest workflow was terminated gets it back: what waited goes in one digest, once', async () => {
  const acc = await accountWithContacts(ctx.firm);
  const { emailId, address } = acc.contacts[0];
  const t = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Lost digest',
    message: { body: 'Please send the receipts' },
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
      dispatchKey: `lost-${randomUUID()}`,
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
