// digestWorkflow on a real Temporal dev server with fake activities (no database): reminders signalled within
// the window go in one digest, one queued while a digest is being sent goes in the next, a digest whose items
// all dropped out sends nothing, the workflow ends after an idle window and a later reminder starts it again.
import {
  digestEntryAddedSignal,
  digestStart,
  digestStateQuery,
  type DigestPlan,
  type DigestSendResult,
} from '../../shared/contracts/digest';
import type { digestWorkflow } from '../../workflows/digest';
import { eventually, sleep, startHarness, type Harness } from '../workflows/harness';

const WINDOW_MS = 1_000;

/** Each address's waiting reminders (arrival time, done or not) and what each send carried. */
class FakeDigests {
  waiting = new Map<string, { at: number; done: boolean }[]>();
  sent = new Map<string, number[]>();
  /** Per address: how long a send takes, and whether one has claimed its reminders and is sending. */
  sendDelayMs = new Map<string, number>();
  sending = new Set<string>();

  add(address: string, done = false) {
    const list = this.waiting.get(address) ?? [];
    list.push({ at: Date.now(), done });
    this.waiting.set(address, list);
  }

  activities() {
    return {
      planDigest: async ({ contactEmailId }: { contactEmailId: string }): Promise<DigestPlan> => {
        const first = this.waiting.get(contactEmailId)?.[0];
        return { sendAt: first ? first.at + WINDOW_MS : null, idleMs: WINDOW_MS };
      },
      // Claims what waits at its start; what arrives while it sends waits for the next digest.
      sendDigest: async ({ contactEmailId }: { contactEmailId: string }): Promise<DigestSendResult> => {
        const claimed = this.waiting.get(contactEmailId)?.splice(0) ?? [];
        this.sending.add(contactEmailId);
        await sleep(this.sendDelayMs.get(contactEmailId) ?? 0);
        this.sending.delete(contactEmailId);
        const kept = claimed.filter((e) => !e.done);
        if (!kept.length) return { status: 'nothing', dropped: claimed.length };
        this.sent.set(contactEmailId, [...(this.sent.get(contactEmailId) ?? []), kept.length]);
        return { status: 'sent', items: kept.length, dropped: claimed.length - kept.length };
      },
    };
  }
}

const fake = new FakeDigests();
let h: Harness;
beforeAll(async () => {
  h = await startHarness(fake.activities(), 'digest');
});
afterAll(() => h?.stop());

/** As the outbox delivers it: signal-with-start of the address's workflow. */
async function queued(address: string, done = false) {
  fake.add(address, done);
  const start = digestStart('firm-1', address);
  return h.client.workflow.signalWithStart<typeof digestWorkflow, []>('digestWorkflow', {
    taskQueue: h.taskQueue,
    workflowId: start.workflowId,
    args: [start.input],
    typedSearchAttributes: start.searchAttributes,
    memo: start.memo,
    signal: digestEntryAddedSignal,
  });
}

test.concurrent('reminders within the window go in one digest; the workflow ends after an idle window', async () => {
  const address = h.uniqueId('email');
  // The second 100 ms after the first, however long the first's signal-with-start takes: the window (1 s)
  // runs from the first entry.
  const [handle] = await Promise.all([queued(address), sleep(100).then(() => queued(address))]);
  expect(await handle.result()).toEqual({ digestsSent: 1 });
  expect(fake.sent.get(address)).toEqual([2]);
  expect(await handle.query(digestStateQuery)).toEqual({ status: 'completed', sendAt: null, digestsSent: 1 });
  expect((await handle.describe()).searchAttributes).toMatchObject({
    NudgeFirmId: ['firm-1'],
    NudgeItemKind: ['digest'],
    NudgeStatus: ['completed'],
  });
  // A later reminder starts a new run under the same id.
  const again = await queued(address);
  expect(await again.result()).toEqual({ digestsSent: 1 });
  expect(fake.sent.get(address)).toEqual([2, 1]);
});

test.concurrent('a reminder queued while a digest is being sent goes in the next one', async () => {
  const address = h.uniqueId('email');
  fake.sendDelayMs.set(address, 400);
  const handle = await queued(address);
  await eventually(() => fake.sending.has(address), { timeoutMs: 5_000 });
  await queued(address);
  expect(await handle.result()).toEqual({ digestsSent: 2 });
  expect(fake.sent.get(address)).toEqual([1, 1]);
});

test.concurrent('a digest whose items were all done sends nothing', async () => {
  const address = h.uniqueId('email');
  const handle = await queued(address, true);
  expect(await handle.result()).toEqual({ digestsSent: 0 });
  expect(fake.sent.get(address)).toBeUndefined();
});
