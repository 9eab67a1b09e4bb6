// itemReminderWorkflow through an outage longer than its local activities retry for (the test hook
// localAttemptsBeforeGivingWay: 2 attempts instead of eight): the send or first read goes on as the regular activity,
// whose retries are the server's and add no history events, and the email still goes once. Recorded for the
// replay test as chat-local-gives-way (NUDGE_RECORD_HISTORIES).
// A "day" is 1 s.
import { Context } from '@temporalio/activity';
import { firmMessagePostedSignal } from '../../shared/contracts/item-reminder';
import type { DispatchRequest, ItemRef } from '../../shared/reminder-types';
import { recordHistory } from '../support/histories';
import { FakeItems } from './fake-items';
import { eventually, startHarness, type Harness } from './harness';
import { startChatReminder } from './reminder-runs';

const fake = new FakeItems();
/** Items whose store is "down": every read or send of them fails. */
const down = new Set<string>();
/** Per item, each call as local or regular, in order, failed or not. */
const attempts = new Map<string, { activity: string; local: boolean; failed: boolean }[]>();

function failingWhileDown<A extends unknown[], R>(activity: string, itemOf: (...a: A) => ItemRef, fn: (...a: A) => R) {
  return async (...args: A): Promise<Awaited<R>> => {
    const { itemId } = itemOf(...args);
    const failed = down.has(itemId);
    const list = attempts.get(itemId) ?? [];
    list.push({ activity, local: Context.current().info.isLocal, failed });
    attempts.set(itemId, list);
    if (failed) throw new Error('connection refused (test outage)');
    return await fn(...args);
  };
}

let h: Harness;
beforeAll(async () => {
  const a = fake.activities();
  h = await startHarness(
    {
      ...a,
      loadItemSnapshot: failingWhileDown('loadItemSnapshot', (item: ItemRef) => item, a.loadItemSnapshot),
      notifyItem: failingWhileDown('notifyItem', (item: ItemRef) => item, a.notifyItem),
      dispatchItemEmail: failingWhileDown('dispatchItemEmail', (req: DispatchRequest) => req.item, a.dispatchItemEmail),
    },
    'item-reminder-outage',
  );
});
afterAll(() => h?.stop());

const regularFailed = (itemId: string, activity: string) =>
  (attempts.get(itemId) ?? []).some((x) => x.activity === activity && !x.local && x.failed);

async function scheduledActivities(handle: Awaited<ReturnType<typeof startChatReminder>>['handle']) {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) =>
    e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : [],
  );
}

test.concurrent('a reminder send failing past the limit goes on as the regular activity and goes once', async () => {
  const { itemId, handle } = await start();
  await eventually(() => fake.sent(itemId, 'notification').length === 1);
  down.add(itemId); // before the reminder falls due (3 days later: room for a stalled test)
  await eventually(() => regularFailed(itemId, 'dispatchItemEmail'), { timeoutMs: 20_000 });
  down.delete(itemId);

  const result = await handle.result();
  expect(result).toMatchObject({ stopReason: 'count_reached', remindersSent: 1 });
  expect(fake.sent(itemId, 'reminder')).toHaveLength(1);
  const sends = attempts.get(itemId)!.filter((x) => x.activity === 'dispatchItemEmail');
  expect(sends.filter((x) => x.local && x.failed).length).toBeGreaterThanOrEqual(1); // locally first
  expect(sends.at(-1)).toEqual({ activity: 'dispatchItemEmail', local: false, failed: false });
  expect(await scheduledActivities(handle)).toEqual(['dispatchItemEmail']);
  await recordHistory(h.client, 'chat-local-gives-way', handle.workflowId);
});

test.concurrent('a first read failing past the limit goes on as the regular activity; one notification', async () => {
  const itemId = h.uniqueId('thread');
  down.add(itemId); // from the start: the run's first read (with its notification) fails
  const { handle } = await start(itemId);
  await eventually(() => regularFailed(itemId, 'notifyItem'), { timeoutMs: 20_000 });
  down.delete(itemId);

  const result = await handle.result();
  expect(result).toMatchObject({ stopReason: 'count_reached', remindersSent: 1 });
  expect(fake.sent(itemId, 'notification')).toHaveLength(1);
  const reads = attempts.get(itemId)!.filter((x) => x.activity === 'notifyItem');
  expect(reads.at(-1)).toEqual({ activity: 'notifyItem', local: false, failed: false });
  expect(await scheduledActivities(handle)).toEqual(['notifyItem']);
});

test.concurrent('a re-read failing past the limit goes on as the regular activity; the reminder follows', async () => {
  const { itemId, handle } = await start();
  await eventually(() => fake.sent(itemId, 'notification').length === 1);
  down.add(itemId);
  await handle.signal(firmMessagePostedSignal, { messageId: 'm-2' }); // the run re-reads the thread
  await eventually(() => regularFailed(itemId, 'loadItemSnapshot'), { timeoutMs: 20_000 });
  down.delete(itemId);

  const result = await handle.result();
  expect(result).toMatchObject({ stopReason: 'count_reached', remindersSent: 1 });
  expect(fake.sent(itemId, 'reminder')).toHaveLength(1);
  expect(await scheduledActivities(handle)).toEqual(['loadItemSnapshot']);
});

const start = (itemId?: string) =>
  startChatReminder(
    h,
    fake,
    1,
    { settings: { enabled: true, intervalDays: 3, count: 1 } },
    { localAttemptsBeforeGivingWay: 2 },
    itemId,
  );
