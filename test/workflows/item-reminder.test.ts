// itemReminderWorkflow on a real Temporal dev server with fake activities (fake-items.ts): the schedule,
// stop signals, settings changes, manual resends, the state query and continue-as-new. A "day" is 0.2 s.
import {
  clientRepliedSignal,
  firmMessagePostedSignal,
  itemWithdrawnSignal,
  manualResendSignal,
  reminderStateQuery,
  settingsChangedSignal,
} from '../../shared/contracts/item-reminder';
import type { ReminderSettings } from '../../shared/reminder-types';
import { FakeItems, type FakeItem } from './fake-items';
import { eventually, eventuallyExpect, sleep, startHarness, type Harness } from './harness';
import { startChatReminder, type ReminderHandle as Handle } from './reminder-runs';

const DAY_SECONDS = 0.2;
const DAY_MS = DAY_SECONDS * 1000;
/** Timers fire at or after their time; the clock the activities read may be a few ms apart. */
const SLACK_MS = 15;

const fake = new FakeItems();
let h: Harness;
beforeAll(async () => {
  h = await startHarness(fake.activities(), 'item-reminder');
});
afterAll(() => h?.stop());

const start = (item: Partial<FakeItem> = {}, input: { continueAsNewAfterEvents?: number } = {}) =>
  startChatReminder(h, fake, DAY_SECONDS, item, input);
const settings = (over: Partial<ReminderSettings>): ReminderSettings => ({
  enabled: true,
  intervalDays: 1,
  count: 2,
  ...over,
});
/** Waits until the workflow is waiting for a reminder after `n` dispatches of the item. */
const waiting = (handle: Handle, itemId: string, n = 1) =>
  eventually(
    async () => fake.sent(itemId).length === n && (await handle.query(reminderStateQuery)).status === 'waiting',
  );
/**
 * Until the item's `n`th dispatch is recorded, without asking the workflow: a query is answered only after the
 * workflow task that sent it, which on a stalled worker may already have sent the next (1 s) reminder.
 */
const dispatched = (itemId: string, n: number) => eventually(() => fake.sent(itemId).length === n);
const kinds = (itemId: string) => fake.sent(itemId).map((d) => (d.kind === 'reminder' ? `reminder ${d.seq}` : d.kind));

test.concurrent('notifies, reminds `count` times `intervalDays` apart, then completes', async () => {
  const { itemId, handle } = await start({ settings: settings({ intervalDays: 1, count: 3 }) });
  const result = await handle.result();
  expect(kinds(itemId)).toEqual(['notification', 'reminder 1', 'reminder 2', 'reminder 3']);
  const at = fake.sent(itemId).map((d) => d.at);
  for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(DAY_MS - SLACK_MS);
  expect(result).toMatchObject({
    status: 'completed',
    doneReason: null,
    stopReason: 'count_reached',
    remindersSent: 3,
    nextReminderAt: null,
    manualResendsSent: 0,
  });
  expect(result.lastSentAt).toBe(new Date(at[3]).toISOString());
});

test.concurrent('reminders off: the notification goes out and it completes as "off"', async () => {
  const { itemId, handle } = await start({ settings: settings({ enabled: false }) });
  expect(await handle.result()).toMatchObject({ status: 'completed', stopReason: 'off', remindersSent: 0 });
  expect(kinds(itemId)).toEqual(['notification']);
});

test.concurrent('already done when it starts: nothing is sent', async () => {
  const { itemId, handle } = await start({ doneReason: 'deleted' });
  expect(await handle.result()).toMatchObject({ status: 'completed', doneReason: 'deleted', stopReason: 'deleted' });
  expect(fake.sent(itemId)).toEqual([]);
});

test.concurrent('the reminderState query while waiting', async () => {
  const { itemId, handle } = await start({ settings: settings({ intervalDays: 25, count: 2 }) });
  await waiting(handle, itemId);
  const notified = fake.sent(itemId)[0].at;
  expect(await handle.query(reminderStateQuery)).toEqual({
    workflowId: handle.workflowId,
    status: 'waiting',
    doneReason: null,
    stopReason: null,
    settings: { enabled: true, intervalDays: 25, count: 2 },
    cycleKey: 'msg-1.r0',
    remindersSent: 0,
    lastSentAt: new Date(notified).toISOString(),
    nextReminderAt: new Date(notified + 25 * DAY_MS).toISOString(),
    manualResendsSent: 0,
    pendingManualResends: 0,
  });
  await handle.terminate('test done');
});

test.concurrent('clientReplied while waiting stops it at once; nothing more is sent', async () => {
  const { itemId, handle } = await start({ settings: settings({ intervalDays: 50 }) }); // a 10 s wait
  await waiting(handle, itemId);
  const t0 = Date.now();
  fake.update(itemId, { doneReason: 'replied' }); // the API commits the reply, then signals
  await handle.signal(clientRepliedSignal);
  expect(await handle.result()).toMatchObject({
    status: 'completed',
    doneReason: 'replied',
    stopReason: 'replied',
    remindersSent: 0,
  });
  expect(Date.now() - t0).toBeLessThan(50 * DAY_MS - 1000); // well before the reminder was due
  expect(kinds(itemId)).toEqual(['notification']);
});

test.concurrent('a stop signal the database does not confirm is only a re-read: it keeps waiting', async () => {
  const { itemId, handle } = await start({ settings: settings({ intervalDays: 50 }) });
  await waiting(handle, itemId);
  const reads = fake.loads.get(itemId)!;
  await handle.signal(clientRepliedSignal); // e.g. a late signal for a reply on an older message
  // The handler marks it replied at once; the re-read that follows finds it is not, and it waits on.
  await eventually(() => fake.loads.get(itemId)! > reads);
  const state = await eventually(async () => {
    const q = await handle.query(reminderStateQuery);
    return q.doneReason === null && q;
  });
  expect(state).toMatchObject({ status: 'waiting', doneReason: null, stopReason: null, remindersSent: 0 });
  fake.update(itemId, { doneReason: 'cancelled' });
  await handle.signal(itemWithdrawnSignal);
  expect(await handle.result()).toMatchObject({ doneReason: 'cancelled', stopReason: 'cancelled' });
  expect(kinds(itemId)).toEqual(['notification']);
});

test.concurrent(
  'settingsChanged mid-wait: a shortened interval sends the overdue reminder now, then keeps the new pace',
  async () => {
    const { itemId, handle } = await start({ settings: settings({ intervalDays: 50, count: 2 }) }); // a 10 s wait
    await waiting(handle, itemId);
    await sleep(2 * DAY_MS); // the new 1-day interval is already over
    const changed = settings({ intervalDays: 1, count: 2 });
    fake.update(itemId, { settings: changed });
    const t0 = Date.now();
    await handle.signal(settingsChangedSignal, changed);
    const result = await handle.result();
    expect(result).toMatchObject({
      status: 'completed',
      stopReason: 'count_reached',
      remindersSent: 2,
      settings: changed,
    });
    const [, first, second] = fake.sent(itemId);
    expect(kinds(itemId)).toEqual(['notification', 'reminder 1', 'reminder 2']);
    expect(first.at - t0).toBeLessThan((50 * DAY_MS) / 2); // at once, not at the old interval
    expect(second.at - t0).toBeGreaterThanOrEqual(DAY_MS - SLACK_MS); // one overdue reminder, not a backlog
    expect(second.at - first.at).toBeGreaterThanOrEqual(DAY_MS - SLACK_MS);
  },
);

test.concurrent('settingsChanged mid-wait: switched off, it completes as "off"', async () => {
  const { itemId, handle } = await start({ settings: settings({ intervalDays: 50 }) });
  await waiting(handle, itemId);
  const off = settings({ enabled: false });
  fake.update(itemId, { settings: off });
  await handle.signal(settingsChangedSignal, off);
  expect(await handle.result()).toMatchObject({ status: 'completed', stopReason: 'off', settings: off });
  expect(kinds(itemId)).toEqual(['notification']);
});

test.concurrent(
  'a manual resend while waiting goes out at once, and the automatic schedule stays as it was',
  async () => {
    const INTERVAL_DAYS = 20; // 4 s
    const { itemId, handle } = await start({ settings: settings({ intervalDays: INTERVAL_DAYS, count: 1 }) });
    await waiting(handle, itemId);
    await sleep((INTERVAL_DAYS * DAY_MS) / 2);
    await handle.signal(manualResendSignal, { resendId: 'resend-1', requestedBy: 'user-7' }); // ids only: the message is in the database
    await eventually(() => fake.sent(itemId, 'manual').length === 1);
    // The resend left the schedule as it was: the reminder is still due an interval after the notification.
    await eventuallyExpect(async () =>
      expect(await handle.query(reminderStateQuery)).toMatchObject({
        status: 'waiting',
        manualResendsSent: 1,
        remindersSent: 0,
        pendingManualResends: 0,
        nextReminderAt: new Date(fake.sent(itemId)[0].at + INTERVAL_DAYS * DAY_MS).toISOString(),
      }),
    );
    const result = await handle.result();
    const [notification, manual, reminder] = fake.sent(itemId);
    expect(kinds(itemId)).toEqual(['notification', 'manual', 'reminder 1']);
    expect(manual.request).toMatchObject({
      kind: 'manual',
      resendId: 'resend-1',
      requestedBy: 'user-7',
      cycleKey: 'msg-1.r0',
      seq: 0,
    });
    expect(manual.key).toBe(`${handle.workflowId}:manual:manual:resend-1`);
    // The reminder still counts from the notification: had the resend moved the anchor, it would be due a
    // whole interval after the resend. Its due time, not its send time, which a loaded worker may delay.
    expect(reminder.at - notification.at).toBeGreaterThanOrEqual(INTERVAL_DAYS * DAY_MS - SLACK_MS);
    expect(reminder.request.dueAt).toBe(notification.at + INTERVAL_DAYS * DAY_MS);
    expect(result).toMatchObject({
      status: 'completed',
      stopReason: 'count_reached',
      remindersSent: 1,
      manualResendsSent: 1,
      pendingManualResends: 0,
    });
    expect(result.lastSentAt).toBe(new Date(reminder.at).toISOString());
  },
);

test.concurrent('a manual resend repeated with the same id sends one email', async () => {
  const { itemId, handle } = await start({ settings: settings({ intervalDays: 10, count: 1 }) });
  await waiting(handle, itemId);
  await handle.signal(manualResendSignal, { resendId: 'same' });
  await handle.signal(manualResendSignal, { resendId: 'same' });
  await handle.result();
  expect(kinds(itemId)).toEqual(['notification', 'manual', 'reminder 1']);
  expect(fake.calls.filter((c) => c.req.item.itemId === itemId && c.req.kind === 'manual')).toHaveLength(2);
});

test.concurrent(
  'a new firm message mid-wait: a notification about it, and reminders count again from zero',
  async () => {
    const { itemId, handle } = await start({ settings: settings({ intervalDays: 5, count: 2 }) });
    await dispatched(itemId, 2); // notified and reminded once in the first cycle
    fake.update(itemId, { subjectKey: 'msg-2', cycleKey: 'msg-2.r0' });
    await handle.signal(firmMessagePostedSignal, { messageId: 'msg-2' });
    const result = await handle.result();
    expect(kinds(itemId)).toEqual(['notification', 'reminder 1', 'notification', 'reminder 1', 'reminder 2']);
    expect(fake.sent(itemId).map((d) => d.cycleKey)).toEqual(['msg-1', 'msg-1.r0', 'msg-2', 'msg-2.r0', 'msg-2.r0']);
    expect(result).toMatchObject({ cycleKey: 'msg-2.r0', remindersSent: 2, stopReason: 'count_reached' });
  },
);

test.concurrent(
  'a lost signal is caught by the send: a stale reminder is skipped and the new cycle starts with its notification',
  async () => {
    const { itemId, handle } = await start({ settings: settings({ intervalDays: 5, count: 1 }) });
    await dispatched(itemId, 1);
    fake.update(itemId, { subjectKey: 'msg-2', cycleKey: 'msg-2.r0' }); // no signal
    await handle.result();
    const own = fake.calls.filter((c) => c.req.item.itemId === itemId);
    expect(own.map((c) => [c.req.kind, c.result.status])).toEqual([
      ['notification', 'sent'],
      ['reminder', 'skipped'],
      ['notification', 'sent'],
      ['reminder', 'sent'],
    ]);
    expect(own[1].result).toEqual({ status: 'skipped', reason: 'stale_cycle' });
  },
);

test.concurrent(
  'continue-as-new (test hook) keeps the schedule and the counters, and sends nothing twice',
  async () => {
    const { itemId, handle } = await start(
      { settings: settings({ intervalDays: 2, count: 3 }) },
      { continueAsNewAfterEvents: 10 },
    );
    await eventually(() => fake.sent(itemId).length >= 1);
    await handle.signal(manualResendSignal, { resendId: 'before-or-after' });
    // The state as each run shows it: once a send was made, no later run shows none (until its own first send).
    const lastSent: (string | null)[] = [];
    let over = false;
    const watching = (async () => {
      while (!over) {
        const state = await handle.query(reminderStateQuery).catch(() => undefined);
        lastSent.push(state ? state.lastSentAt : 'no answer');
        await sleep(20);
      }
    })();
    const result = await handle.result().finally(() => (over = true)); // follows the runs
    await watching;
    const answers = lastSent.filter((v) => v !== 'no answer');
    const firstShown = answers.findIndex((v) => v !== null);
    expect(firstShown).toBeGreaterThanOrEqual(0);
    expect(answers.slice(firstShown)).not.toContain(null);
    expect(result).toMatchObject({
      status: 'completed',
      stopReason: 'count_reached',
      remindersSent: 3,
      manualResendsSent: 1,
      pendingManualResends: 0,
    });
    const sent = fake.sent(itemId);
    expect(sent.filter((d) => d.kind === 'reminder').map((d) => d.seq)).toEqual([1, 2, 3]);
    expect(sent.filter((d) => d.kind === 'manual')).toHaveLength(1);
    expect(new Set(sent.map((d) => d.key)).size).toBe(sent.length);
    // Several runs did the work; reminders stayed at least a (test) day apart across them.
    expect(new Set(sent.map((d) => d.runId)).size).toBeGreaterThanOrEqual(3);
    const reminders = sent.filter((d) => d.kind !== 'manual').map((d) => d.at);
    for (let i = 1; i < reminders.length; i++)
      expect(reminders[i] - reminders[i - 1]).toBeGreaterThanOrEqual(2 * DAY_MS - SLACK_MS);
    expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);
  },
);
