// The firm reminder policy (issue 12 part 5) on the real stack: new items without settings take the kind's
// defaults and the explainer says so; a preview counts the running reminders a change would reach (found by
// search attributes, items with their own settings left alone) and writes nothing; a change applied to
// running reminders goes through the workflow reminder-policy-<id> with progress and a report, and each
// reminder reschedules from its last send (one reminder for a due time already past, no burst); `none`
// leaves running reminders alone; a batch and a concurrent change, own settings or a partial settings change; an
// application cancelled or its workflow terminated; a thread no change or signal reached still stops with its
// stored settings, and one re-applied a policy it never heard of is told; a kind may ignore the send window; bad
// input is refused, nothing written.
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { useStackWithFirm, remindersTo, eventually, sleep, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts, firmUser } from './support/fixtures';
import { expectRefused, rowCounter, type BadInputCase } from './support/bad-input';
import { withAuditHeld } from './support/holds';
import {
  applyPolicyBatch,
  cancelPolicyApplication,
  closeAbandonedPolicyApplications,
  finishPolicyApplication,
} from '../domain/reminder-policy/apply';
import { createOutbox } from '../domain/outbox/outbox';
import { createTemporalGateway } from '../domain/temporal/gateway';
import type { Tx } from '../prisma/client';
import { policyApplyStart, policyApplyWorkflowContract } from '../shared/contracts/reminder-policy';

const ctx = useStackWithFirm({ daySeconds: 1 });
let stack: Stack;
let firm: FirmHandle;
beforeAll(() => ({ stack, firm } = ctx));

const putPolicy = (f: FirmHandle, kind: string, body: object, as?: string) =>
  f.call('PUT', `/v1/reminder-policy/${kind}`, body, { as });
const explain = (f: FirmHandle, threadId: string) => f.call('GET', `/v1/chat-threads/${threadId}/reminders`);

/** A chat thread with its first message on a fresh account, with reminder settings of its own if given. */
async function thread(f: FirmHandle, reminders?: object) {
  const { accountId, contacts } = await accountWithContacts(f);
  const res = await f.call('POST', `/v1/accounts/${accountId}/chat-threads`, {
    subject: 'Receipts 2025',
    message: { body: 'Please upload your receipts' },
    ...(reminders ? { reminders } : {}),
  });
  expect(res.status).toBe(201);
  return { threadId: res.body.id as string, address: contacts[0].address };
}

const notified = (address: string) => stack.smtp.to(address).some((m) => !/^Reminder/.test(m.subject));
const reminderTimes = async (f: FirmHandle, threadId: string) =>
  ((await explain(f, threadId)).body.dispatches as { kind: string; at: string }[])
    .filter((d) => d.kind === 'reminder')
    .map((d) => Date.parse(d.at));

test('a change applied to running reminders: preview, then the workflow with its report; one reminder at once, then the new interval', async () => {
  const f = await stack.newFirm();
  // The firm's chat defaults: on, every 40 days (seconds here), three times.
  const initial = await putPolicy(f, 'chat', { enabled: true, intervalDays: 40, count: 3, apply: 'none' });
  expect(initial.status).toBe(200);
  expect(initial.body.policy).toMatchObject({ itemKind: 'chat', intervalDays: 40, source: 'firm', version: 1 });

  const a = await thread(f); // takes the policy
  const b = await thread(f); // takes the policy
  const own = await thread(f, { enabled: true, intervalDays: 60, count: 3 }); // its own settings
  await eventually(async () => [a, b, own].every((t) => notified(t.address)), 20_000, 'the notifications');
  const notifiedAt = Date.now();

  const aState = (await explain(f, a.threadId)).body;
  expect(aState.settings).toEqual({ enabled: true, intervalDays: 40, count: 3 });
  expect(aState.settingsSource).toMatchObject({ source: 'policy', sendWindow: 'firm' });
  expect(aState.settingsSource.explanation).toMatch(/firm’s reminder policy/);
  const ownState = (await explain(f, own.threadId)).body;
  expect(ownState.settingsSource.source).toBe('own');

  // Preview: the three running reminders (visibility catches up within a moment), two would change.
  const counts = rowCounter(() => stack.db, ['firmReminderPolicy', 'reminderPolicyApplication', 'reminderSettings']);
  const before = await counts();
  const proposed = { enabled: true, intervalDays: 2, count: 2 };
  const preview = await eventually(async () => {
    const res = await putPolicy(f, 'chat', { ...proposed, apply: 'preview' });
    return res.status === 200 && res.body.runningReminders.total === 3 && res.body;
  }, 20_000);
  expect(preview.runningReminders).toEqual({ total: 3, wouldChange: 2, unchanged: 0, ownSettings: 1 });
  expect(preview.policy).toMatchObject({ intervalDays: 40, version: 1 });
  expect(preview.proposed).toMatchObject({ itemKind: 'chat', ...proposed, sendWindow: 'firm' });
  expect(await counts()).toEqual(before);
  expect((await f.call('GET', '/v1/reminder-policy/chat')).body).toMatchObject({ intervalDays: 40, version: 1 });

  // Both policy threads are past a 2-day due time already: applying sends each one reminder, not a backlog.
  await sleep(Math.max(0, notifiedAt + 4500 - Date.now()));
  const appliedAt = Date.now();
  const applied = await putPolicy(f, 'chat', { ...proposed, apply: 'running' });
  expect(applied.status).toBe(200);
  expect(applied.body.policy).toMatchObject({ ...proposed, version: 2 });
  const { id: applicationId, workflowId } = applied.body.application;
  expect(workflowId).toBe(`reminder-policy-${applicationId}`);

  const done = await eventually(async () => {
    const res = await f.call('GET', `/v1/reminder-policy/applications/${applicationId}`);
    return res.body.status === 'completed' && res.body;
  }, 20_000);
  expect(done.progress).toEqual({
    total: 3,
    pending: 0,
    updated: 2,
    unchanged: 0,
    own_settings: 1,
    gone: 0,
    superseded: 0,
    cancelled: 0,
  });
  expect(done.report.counts).toEqual(done.progress);
  const items = (await f.call('GET', `/v1/reminder-policy/applications/${applicationId}/items`)).body.items;
  expect(items).toHaveLength(3);
  const outcomeOf = (id: string) => items.find((i: { itemId: string }) => i.itemId === id);
  expect(outcomeOf(a.threadId)).toMatchObject({
    outcome: 'updated',
    previous: { intervalDays: 40, sendWindow: 'firm' },
  });
  expect(outcomeOf(own.threadId)).toMatchObject({ outcome: 'own_settings', previous: null });
  const updatedOnly = await f.call(
    'GET',
    `/v1/reminder-policy/applications/${applicationId}/items?outcome=updated&limit=1`,
  );
  expect(updatedOnly.body.items).toHaveLength(1);
  expect(updatedOnly.body.nextCursor).toEqual(expect.any(String));

  // Exactly one reminder each right after the change, though two intervals had passed since the notification.
  await eventually(async () => remindersTo(stack.smtp, a.address).length === 1, 10_000, 'the first reminder');
  await eventually(async () => remindersTo(stack.smtp, b.address).length === 1, 10_000);
  const [firstA] = await reminderTimes(f, a.threadId);
  expect(firstA).toBeGreaterThanOrEqual(appliedAt - 50);

  // The second goes one new interval (2 s) after the first: the schedule counts from the last send, and a
  // backlog (two at once) would show as a shorter spacing.
  for (const t of [a, b]) {
    await eventually(async () => remindersTo(stack.smtp, t.address).length === 2, 10_000, 'the second reminder');
    const [first, second] = await reminderTimes(f, t.threadId);
    expect(second - first).toBeGreaterThanOrEqual(2000);
  }
  const after = (await explain(f, a.threadId)).body;
  expect(after.settings).toEqual(proposed);
  expect(after.settingsSource.source).toBe('policy');

  // The thread with its own settings kept them, and no reminder went to it.
  const ownAfter = (await explain(f, own.threadId)).body;
  expect(ownAfter.settings).toEqual({ enabled: true, intervalDays: 60, count: 3 });
  expect(remindersTo(stack.smtp, own.address)).toHaveLength(0);

  // The workflow is findable as operators search: the firm, the kind, its status.
  const listed = [];
  for await (const w of stack.client.workflow.list({
    query: `NudgeFirmId = "${f.firmId}" AND NudgeItemKind = "policy:chat"`,
  })) {
    listed.push(w.workflowId);
  }
  expect(listed).toContain(workflowId);
  // Ids, kinds and counts only in its history: no address, no subject.
  const history = JSON.stringify(await stack.client.workflow.getHandle(workflowId).fetchHistory());
  expect(history).not.toContain(a.address);
  expect(history).not.toContain('Receipts');
});

test('two first changes of a kind at once: the second replaces the first, as its audit entry says', async () => {
  const f = await stack.newFirm();
  const [one, two] = await withAuditHeld(stack.db, () =>
    Promise.all([
      putPolicy(f, 'approval', { enabled: true, intervalDays: 7, count: 2, apply: 'none' }),
      putPolicy(f, 'approval', { enabled: true, intervalDays: 9, count: 2, apply: 'none' }),
    ]),
  );
  expect([one.status, two.status]).toEqual([200, 200]);
  const entries = await stack.db.auditEvent.findMany({
    where: { firmId: f.firmId, action: 'reminder_policy.changed' },
    select: { data: true },
  });
  const byVersion = new Map(entries.map(({ data }) => [(data as { version: number }).version, data as any]));
  // Before: both read the defaults (no row to lock yet), and the second named them as what it replaced.
  expect(byVersion.get(2).before.intervalDays).toBe(byVersion.get(1).intervalDays);
});

test('each item is applied once however often a batch is retried; a later change supersedes an application', async () => {
  const f = await stack.newFirm();
  const outbox = createOutbox(stack.db, createTemporalGateway({ client: stack.client, taskQueue: stack.taskQueue }));
  expect((await putPolicy(f, 'chat', { enabled: true, intervalDays: 40, count: 1, apply: 'none' })).status).toBe(200);
  const t = await thread(f);
  const settings = { enabled: true, intervalDays: 7, count: 2, sendWindow: 'firm' };
  const application = (policyVersion: number, itemIds: string[]) =>
    stack.db.reminderPolicyApplication.create({
      data: {
        firmId: f.firmId,
        itemKind: 'chat',
        policyVersion,
        settings,
        requestedBy: f.ownerId,
        total: itemIds.length,
        items: { create: itemIds.map((itemId, position) => ({ itemId, position })) },
      },
    });

  // The same batch run twice (a retried activity): the second finds the item done and changes nothing.
  const current = await application(1, [t.threadId]);
  expect(await applyPolicyBatch(outbox, current.id, 10)).toEqual({ processed: 1, remaining: 0, superseded: false });
  expect(await applyPolicyBatch(outbox, current.id, 10)).toEqual({ processed: 0, remaining: 0, superseded: false });
  const audits = await stack.db.auditEvent.findMany({
    where: { firmId: f.firmId, itemId: t.threadId, action: 'reminders.settings_changed' },
  });
  expect(audits).toHaveLength(1);
  expect((await explain(f, t.threadId)).body.settings).toEqual({ enabled: true, intervalDays: 7, count: 2 });

  // A change made after the application's: it stops, the rest reads superseded.
  expect((await putPolicy(f, 'chat', { enabled: false, intervalDays: 3, count: 1, apply: 'none' })).status).toBe(200);
  const stale = await application(1, [randomUUID(), randomUUID()]);
  expect(await applyPolicyBatch(outbox, stale.id, 10)).toEqual({ processed: 0, remaining: 0, superseded: true });
  await finishPolicyApplication(stack.db, stale.id, 'superseded');
  const res = await f.call('GET', `/v1/reminder-policy/applications/${stale.id}`);
  expect(res.body).toMatchObject({ status: 'superseded', progress: { total: 2, pending: 0, superseded: 2 } });

  // One whose workflow an operator cancelled in the Temporal UI closes too; the rest reads cancelled.
  const cancelled = await application(2, [randomUUID(), randomUUID()]);
  await cancelPolicyApplication(stack.db, cancelled.id);
  const closed = await f.call('GET', `/v1/reminder-policy/applications/${cancelled.id}`);
  expect(closed.body).toMatchObject({ status: 'cancelled', progress: { total: 2, pending: 0, cancelled: 2 } });
  expect(closed.body.report.counts).toEqual(closed.body.progress);
  const listed = await f.call('GET', `/v1/reminder-policy/applications/${cancelled.id}/items?outcome=cancelled`);
  expect(listed.body.items).toHaveLength(2);
});

/** A transaction that did `work` and stays open until `commit()`. */
async function heldTransaction(work: (tx: Tx) => Promise<unknown>) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let worked!: () => void;
  const ready = new Promise<void>((r) => (worked = r));
  const done = stack.db.$transaction(
    async (tx) => {
      await work(tx);
      worked();
      await released;
    },
    { timeout: 30_000 },
  );
  await Promise.race([ready, done]);
  return {
    commit: async () => {
      release();
      await done;
    },
  };
}

/** Whether `p` is still pending after `ms`. */
const stillWaiting = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => false), sleep(ms).then(() => true)]);

test('a batch waits for a policy change in flight, and reports what it wrote, not what it meant to', async () => {
  const f = await stack.newFirm();
  const outbox = createOutbox(stack.db, createTemporalGateway({ client: stack.client, taskQueue: stack.taskQueue }));
  const policy = { enabled: true, intervalDays: 40, count: 1, sendWindow: 'firm' };
  expect((await putPolicy(f, 'chat', { ...policy, apply: 'none' })).status).toBe(200);
  const [a, b, c] = [await thread(f), await thread(f), await thread(f)]; // none with a row
  const application = (itemIds: string[]) =>
    stack.db.reminderPolicyApplication.create({
      data: {
        firmId: f.firmId,
        itemKind: 'chat',
        policyVersion: 1,
        settings: { enabled: true, intervalDays: 7, count: 2, sendWindow: 'firm' },
        previousSettings: policy,
        requestedBy: f.ownerId,
        total: itemIds.length,
        items: { create: itemIds.map((itemId, position) => ({ itemId, position })) },
      },
    });

  // b's user gives it settings of its own while the batch runs (no row to lock yet): b keeps them, and the
  // report says so, with no audit entry or signal of the policy's.
  const own = await heldTransaction((tx) =>
    tx.reminderSettings.create({
      data: { firmId: f.firmId, itemKind: 'chat', itemId: b.threadId, enabled: true, intervalDays: 9, count: 4 },
    }),
  );
  const first = await application([a.threadId, b.threadId]);
  const batch = applyPolicyBatch(outbox, first.id, 10);
  expect(await stillWaiting(batch, 300)).toBe(true);
  await own.commit();
  expect(await batch).toEqual({ processed: 2, remaining: 0, superseded: false });
  const outcomes = await stack.db.reminderPolicyApplicationItem.findMany({ where: { applicationId: first.id } });
  expect(Object.fromEntries(outcomes.map((o) => [o.itemId, o.outcome]))).toEqual({
    [a.threadId]: 'updated',
    [b.threadId]: 'own_settings',
  });
  expect(
    await stack.db.reminderSettings.findUnique({
      where: { itemKind_itemId: { itemKind: 'chat', itemId: b.threadId } },
    }),
  ).toMatchObject({ source: 'own', intervalDays: 9, count: 4 });
  const audited = await stack.db.auditEvent.findMany({
    where: { firmId: f.firmId, action: 'reminders.settings_changed', itemId: { in: [a.threadId, b.threadId] } },
  });
  expect(audited.map((e) => e.itemId)).toEqual([a.threadId]);

  // A policy change committing while a batch starts (it holds the policy's row, as a change does): the batch
  // waits for it, then stops as superseded; c keeps following the new policy, no row of the old one written.
  const second = await application([c.threadId]);
  const change = await heldTransaction(async (tx) => {
    await tx.$executeRaw`SELECT 1 FROM "FirmReminderPolicy"
      WHERE "firmId" = ${f.firmId}::uuid AND "itemKind" = 'chat' FOR UPDATE`;
    await tx.firmReminderPolicy.update({
      where: { firmId_itemKind: { firmId: f.firmId, itemKind: 'chat' } },
      data: { enabled: false, version: { increment: 1 } },
    });
  });
  const late = applyPolicyBatch(outbox, second.id, 10);
  expect(await stillWaiting(late, 300)).toBe(true);
  await change.commit();
  expect(await late).toEqual({ processed: 0, remaining: 0, superseded: true });
  expect(await stack.db.reminderSettings.count({ where: { itemId: c.threadId } })).toBe(0);
});

test('an item’s partial settings change while a batch writes its row keeps what the batch wrote', async () => {
  const f = await stack.newFirm();
  const outbox = createOutbox(stack.db, createTemporalGateway({ client: stack.client, taskQueue: stack.taskQueue }));
  const policy = { enabled: true, intervalDays: 40, count: 1, sendWindow: 'firm' as const };
  expect((await putPolicy(f, 'chat', { ...policy, apply: 'none' })).status).toBe(200);
  const t = await thread(f);
  const key = { itemKind_itemId: { itemKind: 'chat' as const, itemId: t.threadId } };
  await stack.db.reminderSettings.create({
    data: { firmId: f.firmId, itemKind: 'chat', itemId: t.threadId, ...policy, source: 'policy' },
  });
  const app = await stack.db.reminderPolicyApplication.create({
    data: {
      firmId: f.firmId,
      itemKind: 'chat',
      policyVersion: 1,
      settings: { ...policy, intervalDays: 7 },
      previousSettings: policy,
      requestedBy: f.ownerId,
      total: 1,
      items: { create: [{ itemId: t.threadId, position: 0 }] },
    },
  });
  // The batch writes the row, then waits (its item's outcome held) before it commits.
  const outcome = await heldTransaction(
    (tx) => tx.$executeRaw`SELECT 1 FROM "ReminderPolicyApplicationItem"
      WHERE "applicationId" = ${app.id}::uuid FOR UPDATE`,
  );
  const batch = applyPolicyBatch(outbox, app.id, 10);
  expect(await stillWaiting(batch, 300)).toBe(true);
  // Only the count changes: the interval is the batch's once it commits.
  const put = f.call('PUT', `/v1/chat-threads/${t.threadId}/reminder-settings`, { count: 4 });
  expect(await stillWaiting(put, 300)).toBe(true);
  await outcome.commit();
  expect(await batch).toEqual({ processed: 1, remaining: 0, superseded: false });
  const res = await put;
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ enabled: true, intervalDays: 7, count: 4 });
  expect(await stack.db.reminderSettings.findUnique({ where: key })).toMatchObject({
    source: 'own',
    intervalDays: 7,
    count: 4,
  });
});

test('an application whose workflow was terminated in the Temporal UI is closed cancelled by the reconciler', async () => {
  const f = await stack.newFirm();
  const gateway = createTemporalGateway({ client: stack.client, taskQueue: stack.taskQueue });
  expect((await putPolicy(f, 'chat', { enabled: true, intervalDays: 40, count: 1, apply: 'none' })).status).toBe(200);
  const t = await thread(f);
  const application = () =>
    stack.db.reminderPolicyApplication.create({
      data: {
        firmId: f.firmId,
        itemKind: 'chat',
        policyVersion: 1,
        settings: { enabled: true, intervalDays: 7, count: 2, sendWindow: 'firm' },
        requestedBy: f.ownerId,
        total: 1,
        items: { create: [{ itemId: t.threadId, position: 0 }] },
      },
    });
  const [terminated, unstarted] = [await application(), await application()];
  // Its application row held, the workflow cannot get past its first batch before it is terminated.
  const held = await heldTransaction(
    (tx) => tx.$executeRaw`SELECT 1 FROM "ReminderPolicyApplication" WHERE id = ${terminated.id}::uuid FOR UPDATE`,
  );
  const start = policyApplyStart({ ...terminated, itemKind: 'chat' });
  expect(await gateway.start(policyApplyWorkflowContract, start)).toBeTruthy();
  await stack.client.workflow.getHandle(start.workflowId).terminate('operator');
  await held.commit();

  const closed = await closeAbandonedPolicyApplications(stack.db, gateway, 0);
  expect(closed).toContain(terminated.id);
  expect(closed).not.toContain(unstarted.id); // its workflow is the outbox's to start
  const res = await f.call('GET', `/v1/reminder-policy/applications/${terminated.id}`);
  expect(res.body).toMatchObject({ status: 'cancelled', progress: { total: 1, pending: 0 } });
  expect((await f.call('GET', `/v1/reminder-policy/applications/${unstarted.id}`)).body.status).toBe('running');
});

test('applying the policy a thread already follows leaves it unchanged, as the preview said', async () => {
  const f = await stack.newFirm();
  const policy = { enabled: true, intervalDays: 40, count: 3 };
  expect((await putPolicy(f, 'chat', { ...policy, apply: 'none' })).status).toBe(200);
  const t = await thread(f); // no row: it follows the policy
  await eventually(async () => notified(t.address), 20_000, 'the notification');
  const preview = await eventually(async () => {
    const res = await putPolicy(f, 'chat', { ...policy, apply: 'preview' });
    return res.body.runningReminders?.total === 1 && res.body.runningReminders;
  }, 20_000);
  expect(preview).toEqual({ total: 1, wouldChange: 0, unchanged: 1, ownSettings: 0 });

  const applied = await putPolicy(f, 'chat', { ...policy, apply: 'running' });
  expect(applied.status).toBe(200);
  const done = await eventually(async () => {
    const res = await f.call('GET', `/v1/reminder-policy/applications/${applied.body.application.id}`);
    return res.body.status === 'completed' && res.body;
  }, 20_000);
  expect(done.progress).toMatchObject({ total: 1, updated: 0, unchanged: preview.unchanged });
  // Nothing written for it: no row, no audit entry.
  expect(await stack.db.reminderSettings.count({ where: { itemId: t.threadId } })).toBe(0);
  expect(await stack.db.auditEvent.count({ where: { itemId: t.threadId, action: 'reminders.settings_changed' } })).toBe(
    0,
  );

  // A change to every reminder day whose application never reached the thread (cancelled, superseded): its
  // workflow still waits 40. Applied again, the thread counts unchanged, yet it is told and reminds at once.
  const daily = { ...policy, intervalDays: 1 };
  await stack.db.firmReminderPolicy.update({
    where: { firmId_itemKind: { firmId: f.firmId, itemKind: 'chat' } },
    data: { intervalDays: 1, version: { increment: 1 } },
  });
  const again = await putPolicy(f, 'chat', { ...daily, apply: 'running' });
  expect(again.status).toBe(200);
  const redone = await eventually(async () => {
    const res = await f.call('GET', `/v1/reminder-policy/applications/${again.body.application.id}`);
    return res.body.status === 'completed' && res.body;
  }, 20_000);
  expect(redone.progress).toMatchObject({ total: 1, updated: 0, unchanged: 1 });
  await eventually(async () => remindersTo(stack.smtp, t.address).length === 1, 5_000, 'the reminder');
  expect((await explain(f, t.threadId)).body.settings).toEqual(daily);
  expect(await stack.db.reminderSettings.count({ where: { itemId: t.threadId } })).toBe(0);
  expect(await stack.db.auditEvent.count({ where: { itemId: t.threadId, action: 'reminders.settings_changed' } })).toBe(
    0,
  );
});

test('a thread stops when its stored settings turn off or lower the count, reached by no change or signal', async () => {
  // What a change whose application never reached the thread leaves (cancelled, superseded, missed by the
  // search): the policy changed in the database, the thread's workflow not told.
  const policyChanged = (f: FirmHandle, data: { enabled?: boolean; count?: number }) =>
    stack.db.firmReminderPolicy.update({
      where: { firmId_itemKind: { firmId: f.firmId, itemKind: 'chat' } },
      data: { ...data, version: { increment: 1 } },
    });
  const off = async () => {
    const f = await stack.newFirm();
    expect((await putPolicy(f, 'chat', { enabled: true, intervalDays: 2, count: 5, apply: 'none' })).status).toBe(200);
    const t = await thread(f);
    await eventually(async () => notified(t.address), 20_000, 'the notification');
    await policyChanged(f, { enabled: false });
    return { f, t, reminders: 0, stopReason: 'off', source: 'policy' };
  };
  const lowered = async () => {
    const f = await stack.newFirm();
    // Every 3 days: room on a loaded machine for the change to land before the second reminder is due.
    expect((await putPolicy(f, 'chat', { enabled: true, intervalDays: 3, count: 5, apply: 'none' })).status).toBe(200);
    const t = await thread(f);
    await eventually(async () => remindersTo(stack.smtp, t.address).length === 1, 20_000, 'the first reminder');
    await policyChanged(f, { count: 1 });
    return { f, t, reminders: 1, stopReason: 'count_reached', source: 'policy' };
  };
  // Then a change with apply none writes the policy it replaces (off) into the thread's row, with no signal.
  const writtenDown = async () => {
    const f = await stack.newFirm();
    expect((await putPolicy(f, 'chat', { enabled: true, intervalDays: 2, count: 5, apply: 'none' })).status).toBe(200);
    const t = await thread(f);
    await eventually(async () => notified(t.address), 20_000, 'the notification');
    await policyChanged(f, { enabled: false });
    expect((await putPolicy(f, 'chat', { enabled: true, intervalDays: 2, count: 5, apply: 'none' })).status).toBe(200);
    const row = { itemKind_itemId: { itemKind: 'chat' as const, itemId: t.threadId } };
    expect(await stack.db.reminderSettings.findUnique({ where: row })).toMatchObject({ enabled: false });
    return { f, t, reminders: 0, stopReason: 'off', source: 'policy' };
  };
  // A thread's own row lowered whose signal has not arrived (still in the outbox): none written here.
  const rowLowered = async () => {
    const f = await stack.newFirm();
    const t = await thread(f, { enabled: true, intervalDays: 3, count: 5 });
    await eventually(async () => remindersTo(stack.smtp, t.address).length === 1, 20_000, 'the first reminder');
    await stack.db.reminderSettings.update({
      where: { itemKind_itemId: { itemKind: 'chat', itemId: t.threadId } },
      data: { count: 1 },
    });
    return { f, t, reminders: 1, stopReason: 'count_reached', source: 'own' };
  };
  const cases = await Promise.all([off(), lowered(), writtenDown(), rowLowered()]);
  // Each workflow ends at its next due time, reading its settings: no reminder more, no dispatch recorded, and
  // the explainer says why.
  for (const { f, t, reminders, stopReason, source } of cases) {
    const state = await eventually(async () => {
      const res = await explain(f, t.threadId);
      return res.body.workflow?.status === 'completed' && res.body;
    }, 10_000);
    expect(remindersTo(stack.smtp, t.address)).toHaveLength(reminders);
    expect(await stack.db.reminderDispatch.count({ where: { itemId: t.threadId, kind: 'reminder' } })).toBe(reminders);
    expect(state.workflow.stopReason).toBe(stopReason);
    expect(state.remindersSent).toBe(reminders);
    expect(state.settingsSource.source).toBe(source);
  }
});

test('a change applied to running reminders also reaches threads that follow the policy with none running', async () => {
  const f = await stack.newFirm();
  expect((await putPolicy(f, 'chat', { enabled: true, intervalDays: 40, count: 3, apply: 'none' })).status).toBe(200);
  const { accountId } = await accountWithContacts(f);
  const idle = await f.call('POST', `/v1/accounts/${accountId}/chat-threads`, { subject: 'No message yet' });
  expect(idle.status).toBe(201);
  const proposed = { enabled: false, intervalDays: 2, count: 1 };
  const changed = await putPolicy(f, 'chat', { ...proposed, apply: 'running' });
  expect(changed.status).toBe(200);
  // It follows the policy as it is now, not the one it had: no row of the old settings written for it.
  expect(await stack.db.reminderSettings.count({ where: { itemId: idle.body.id } })).toBe(0);
  const state = (await explain(f, idle.body.id)).body;
  expect(state.settings).toEqual(proposed);
  expect(state.settingsSource.source).toBe('policy');
});

test('a change with apply none leaves running reminders as they were; new items take it', async () => {
  const f = await stack.newFirm();
  expect((await putPolicy(f, 'chat', { enabled: true, intervalDays: 40, count: 1, apply: 'none' })).status).toBe(200);
  const running = await thread(f);
  await eventually(async () => notified(running.address), 20_000, 'the notification');

  const changed = await putPolicy(f, 'chat', { enabled: true, intervalDays: 1, count: 1, apply: 'none' });
  expect(changed.status).toBe(200);
  expect(changed.body).toMatchObject({ apply: 'none', application: null, policy: { intervalDays: 1, version: 2 } });
  expect(changed.body.itemsKeepingPreviousPolicy).toBe(1);

  const fresh = await thread(f);
  await eventually(async () => remindersTo(stack.smtp, fresh.address).length === 1, 15_000, 'the new item’s reminder');
  expect(remindersTo(stack.smtp, running.address)).toHaveLength(0);
  const state = (await explain(f, running.threadId)).body;
  expect(state.settings).toEqual({ enabled: true, intervalDays: 40, count: 1 });
  expect(state.settingsSource.source).toBe('policy');
  expect((await explain(f, fresh.threadId)).body.settings).toEqual({ enabled: true, intervalDays: 1, count: 1 });

  // The policies of every kind: the one set, and Nudge's defaults for the others.
  const all = (await f.call('GET', '/v1/reminder-policy')).body.policies;
  expect(all.map((p: { itemKind: string; source: string }) => [p.itemKind, p.source])).toEqual([
    ['chat', 'firm'],
    ['signature', 'default'],
    ['approval', 'default'],
  ]);
});

test('a kind whose policy says "anytime" is not held by the firm’s send window', async () => {
  const f = await stack.newFirm();
  const allDay = [{ from: '00:00', to: '24:00' }];
  const hours = Object.fromEntries(
    ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [d, allDay]),
  );
  const today = DateTime.utc().toISODate()!;
  const tomorrow = DateTime.utc().plus({ days: 1 }).toISODate()!;
  const put = await f.call('PUT', '/v1/settings/send-window', {
    timeZone: 'UTC',
    hours,
    closedDays: [today, tomorrow],
  });
  expect(put.status).toBe(200);
  const policy = { enabled: true, intervalDays: 1, count: 1, sendWindow: 'anytime', apply: 'none' };
  expect((await putPolicy(f, 'approval', policy)).status).toBe(200);

  // A chat thread meanwhile (no chat policy: it respects the window) waits for the next opening.
  const held = await thread(f, { enabled: true, intervalDays: 1, count: 1 });
  const { accountId, contacts } = await accountWithContacts(f);
  const doc = await f.call('POST', `/v1/accounts/${accountId}/documents`, { name: 'Balance sheet 2025' });
  const req = await f.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, {});
  expect(req.status).toBe(201);
  // Today is closed, yet the reminder goes a reminder day after the notification.
  await eventually(async () => remindersTo(stack.smtp, contacts[0].address).length === 1, 15_000, 'the reminder');
  const state = (await f.call('GET', `/v1/approval-requests/${req.body.id}/reminders`)).body;
  expect(state.settings).toEqual({ enabled: true, intervalDays: 1, count: 1 });
  expect(state.settingsSource).toMatchObject({ source: 'policy', sendWindow: 'anytime' });
  expect(state.settingsSource.explanation).toMatch(/whatever the send window/);
  expect(remindersTo(stack.smtp, held.address)).toHaveLength(0);
  const heldState = (await explain(f, held.threadId)).body;
  expect(heldState.settingsSource).toMatchObject({ source: 'own', sendWindow: 'firm' });
  expect(heldState.nextReminder.reasons).toContain('holiday');
});

describe('bad input is refused with nothing written', () => {
  let employeeId: string;
  let applicationId: string;
  const counts = rowCounter(
    () => stack.db,
    ['firmReminderPolicy', 'reminderPolicyApplication', 'reminderPolicyApplicationItem', 'reminderSettings'],
  );
  beforeAll(async () => {
    employeeId = await firmUser(firm, 'Eve Employee');
    const applied = await putPolicy(firm, 'signature', { enabled: false, intervalDays: 3, count: 1, apply: 'running' });
    applicationId = applied.body.application.id;
  });
  const good = { enabled: true, intervalDays: 3, count: 2, apply: 'none' };
  const cases: BadInputCase[] = [
    ['an employee changes the policy', () => putPolicy(firm, 'chat', good, employeeId), 403, 'forbidden'],
    [
      'an employee previews a change',
      () => putPolicy(firm, 'chat', { ...good, apply: 'preview' }, employeeId),
      403,
      'forbidden',
    ],
    [
      'an employee reads an application',
      () => firm.call('GET', `/v1/reminder-policy/applications/${applicationId}`, undefined, { as: employeeId }),
      403,
      'forbidden',
    ],
    [
      'an interval of 0 days',
      () => putPolicy(firm, 'chat', { ...good, intervalDays: 0 }),
      422,
      'validation-error',
      'body.intervalDays',
    ],
    [
      'half a day',
      () => putPolicy(firm, 'chat', { ...good, intervalDays: 1.5 }),
      422,
      'validation-error',
      'body.intervalDays',
    ],
    ['51 reminders', () => putPolicy(firm, 'chat', { ...good, count: 51 }), 422, 'validation-error', 'body.count'],
    [
      'no apply',
      () => putPolicy(firm, 'chat', { enabled: true, intervalDays: 3, count: 2 }),
      422,
      'validation-error',
      'body.apply',
    ],
    [
      'an unknown apply',
      () => putPolicy(firm, 'chat', { ...good, apply: 'later' }),
      422,
      'validation-error',
      'body.apply',
    ],
    [
      'an unknown send-window rule',
      () => putPolicy(firm, 'chat', { ...good, sendWindow: 'never' }),
      422,
      'validation-error',
      'body.sendWindow',
    ],
    ['an unknown field', () => putPolicy(firm, 'chat', { ...good, colour: 'red' }), 422, 'validation-error', 'body'],
    [
      'enabled as a string',
      () => putPolicy(firm, 'chat', { ...good, enabled: 'yes' }),
      422,
      'validation-error',
      'body.enabled',
    ],
    ['an unknown item kind', () => putPolicy(firm, 'invoice', good), 404, 'not-found'],
    [
      'no such application',
      () => firm.call('GET', `/v1/reminder-policy/applications/${randomUUID()}`),
      404,
      'not-found',
    ],
    [
      'another firm’s application',
      async () => (await stack.newFirm()).call('GET', `/v1/reminder-policy/applications/${applicationId}`),
      404,
      'not-found',
    ],
    [
      'a bad cursor',
      () => firm.call('GET', `/v1/reminder-policy/applications/${applicationId}/items?after=x`),
      422,
      'validation-error',
      'query.after',
    ],
    [
      'a cursor of 20 digits',
      () => firm.call('GET', `/v1/reminder-policy/applications/${applicationId}/items?after=${'9'.repeat(20)}`),
      422,
      'validation-error',
      'query.after',
    ],
    [
      'a cursor beyond any position',
      () => firm.call('GET', `/v1/reminder-policy/applications/${applicationId}/items?after=2147483648`),
      422,
      'validation-error',
      'query.after',
    ],
  ];
  test.each(cases)('%s', async (...c) => expectRefused(counts, c));
});
