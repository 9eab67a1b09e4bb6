// itemReminderWorkflow's manual resends as its query tells of them, with fake activities (fake-items.ts): a
// resend signalled again with the same id (an outbox redelivery) counted once, in the same run or after
// continue-as-new; and reminders that stop while a resend waits for the send window show no next reminder.
// A "day" is 1 s (a held resend is asked about again once a day).
import {
  clientRepliedSignal,
  manualResendSignal,
  reminderStateQuery,
  settingsChangedSignal,
} from '../../shared/contracts/item-reminder';
import type { ItemRef, ReminderSettings } from '../../shared/reminder-types';
import { FakeItems, type FakeItem } from './fake-items';
import { eventually, startHarness, type Harness } from './harness';
import { startChatReminder, windowedActivities, type ReminderHandle as Handle } from './reminder-runs';

const DAY_SECONDS = 1;

const fake = new FakeItems();
/** Per item: the send window opens at this instant (epoch ms); before it, a resend respecting it waits. */
const opensAt = new Map<string, number>();
let h: Harness;
beforeAll(async () => {
  const plan = async ({ item, dueAt }: { item: ItemRef; dueAt: number }) => {
    const open = opensAt.get(item.itemId) ?? 0;
    return open > dueAt ? { sendAt: open, reasons: ['outside_hours'] } : { sendAt: dueAt, reasons: [] };
  };
  h = await startHarness(windowedActivities(fake, plan), 'item-reminder-resends');
});
afterAll(() => h?.stop());

const start = (item: Partial<FakeItem>, input: { continueAsNewAfterEvents?: number } = {}) =>
  startChatReminder(h, fake, DAY_SECONDS, item, input);
const settings = (over: Partial<ReminderSettings>): ReminderSettings => ({
  enabled: true,
  intervalDays: 25,
  count: 2,
  ...over,
});
const manual = (itemId: string) => fake.sent(itemId, 'manual');
const query = (handle: Handle) => handle.query(reminderStateQuery);

test.concurrent(
  'a resend signalled again with its id is counted once; the last sent time stays the latest',
  async () => {
    const { itemId, handle } = await start({ settings: settings({}) });
    await eventually(async () => (await query(handle)).status === 'waiting');
    await handle.signal(manualResendSignal, { resendId: 'same' });
    await eventually(() => manual(itemId).length === 1);
    await handle.signal(manualResendSignal, { resendId: 'other' });
    await eventually(() => manual(itemId).length === 2);
    const latest = manual(itemId)[1].at;
    await handle.signal(manualResendSignal, { resendId: 'same' }); // e.g. the outbox delivering it again
    await eventually(
      () => fake.calls.filter((c) => c.req.item.itemId === itemId && c.req.kind === 'manual').length === 3,
    );
    const state = await eventually(async () => {
      const q = await query(handle);
      return q.pendingManualResends === 0 && q;
    });
    expect(state).toMatchObject({ manualResendsSent: 2, lastSentAt: new Date(latest).toISOString() });
    expect(manual(itemId)).toHaveLength(2);
    await handle.terminate('test done');
  },
);

test.concurrent('a resend signalled again after continue-as-new is not counted again', async () => {
  const { itemId, handle } = await start(
    { settings: settings({ intervalDays: 2, count: 3 }) },
    { continueAsNewAfterEvents: 10 },
  );
  await eventually(() => fake.sent(itemId).length >= 1);
  await handle.signal(manualResendSignal, { resendId: 'once' });
  await eventually(() => manual(itemId).length === 1);
  // A later run gets it again.
  await eventually(async () => (await handle.describe()).runId !== manual(itemId)[0].runId);
  await handle.signal(manualResendSignal, { resendId: 'once' });
  const result = await handle.result();
  expect(fake.calls.filter((c) => c.req.item.itemId === itemId && c.req.kind === 'manual')).toHaveLength(2);
  expect(result).toMatchObject({ stopReason: 'count_reached', remindersSent: 3, manualResendsSent: 1 });
  expect(manual(itemId)).toHaveLength(1);
});

describe('reminders stop while a resend waits for the send window', () => {
  const stops: { name: string; stop: (handle: Handle, itemId: string) => Promise<void>; reason: string }[] = [
    {
      name: 'the client replied',
      stop: async (handle, itemId) => {
        fake.update(itemId, { doneReason: 'replied' });
        await handle.signal(clientRepliedSignal);
      },
      reason: 'replied',
    },
    {
      name: 'reminders switched off',
      stop: async (handle, itemId) => {
        const off = settings({ enabled: false });
        fake.update(itemId, { settings: off });
        await handle.signal(settingsChangedSignal, off);
      },
      reason: 'off',
    },
  ];
  test.concurrent.each(stops)('$name: no next reminder, not waiting for one', async ({ stop, reason }) => {
    const { itemId, handle } = await start({ settings: settings({}) });
    await eventually(async () => (await query(handle)).nextReminderAt !== null);
    opensAt.set(itemId, Date.now() + 3600_000);
    await handle.signal(manualResendSignal, { resendId: 'held', respectSendWindow: true });
    await eventually(async () => (await query(handle)).pendingManualResends === 1);
    await stop(handle, itemId);

    const state = await eventually(async () => {
      const q = await query(handle);
      // The loop takes the stop up after the signal's handler (a re-read in between): wait for both.
      return q.stopReason === reason && q.status === 'completed' ? q : null;
    });
    expect(state).toMatchObject({ status: 'completed', nextReminderAt: null, pendingManualResends: 1 });
    expect(state.reminderDueAt).toBeUndefined();
    expect(manual(itemId)).toHaveLength(0);

    // The window opens: the resend is asked about again (within a day) and the workflow ends.
    opensAt.delete(itemId);
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'completed', stopReason: reason, pendingManualResends: 0 });
    expect(manual(itemId)).toHaveLength(reason === 'off' ? 1 : 0); // a done item's resend is skipped
  });
});
