// bulkActionWorkflow and its batch children on a real Temporal dev server with fake activities
// (fake-bulk.ts): batches, counts, per-account failures, continue-as-new and the three ways to cancel.
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { bulkActionWorkflow } from '../../workflows/bulk-action';
import { bulkCancelSignal } from '../../shared/contracts/bulk-action';
import { FakeBulk } from './fake-bulk';
import { eventually, startHarness, type Harness } from './harness';

type BulkInput = Parameters<typeof bulkActionWorkflow>[0];

const fake = new FakeBulk();
let h: Harness;
beforeAll(async () => {
  h = await startHarness(fake.activities(), 'bulk-action');
});
afterAll(() => h?.stop());

async function start(
  total: number,
  pacing: BulkInput['pacing'],
  opts: { stepMs?: number; prepare?: (accounts: string[]) => void } = {},
) {
  const bulkActionId = h.uniqueId('bulk');
  const accounts = fake.add(bulkActionId, total, opts);
  opts.prepare?.(accounts);
  const input: BulkInput = {
    bulkActionId,
    firmId: 'firm-1',
    kind: 'archive',
    startedBy: 'user-1',
    dryRun: false,
    total,
    daySeconds: 0.2,
    pacing,
  };
  const handle: WorkflowHandleWithFirstExecutionRunId<typeof bulkActionWorkflow> = await h.client.workflow.start<
    typeof bulkActionWorkflow
  >('bulkActionWorkflow', {
    taskQueue: h.taskQueue,
    workflowId: `bulk-${bulkActionId}`,
    args: [input],
  });
  return { bulkActionId, accounts, handle };
}
const loadsOf = (id: string) => fake.loads.filter((l) => l.bulkActionId === id);
const attemptsOf = (accounts: string[]) => fake.attempts.filter((a) => accounts.includes(a));

test.concurrent(
  'runs every batch and returns the counts; a failing account is reported, a transient error retried',
  async () => {
    const prepare = (accounts: string[]) => {
      fake.failing.add(accounts[7]);
      fake.skipping.add(accounts[20]);
      fake.flaky.set(accounts[12], 1);
    };
    const { bulkActionId, accounts, handle } = await start(
      23,
      { batchSize: 5, concurrentBatches: 2, accountConcurrency: 2 },
      { prepare },
    );
    const counts = await handle.result();
    expect(counts).toEqual({ total: 23, pending: 0, done: 21, skipped: 1, failed: 1, notReached: 0 });
    // Five batches over the snapshot's positions, each loaded once.
    expect(
      loadsOf(bulkActionId)
        .map((l) => [l.fromPosition, l.toPosition])
        .sort((a, b) => a[0] - b[0]),
    ).toEqual([
      [0, 5],
      [5, 10],
      [10, 15],
      [15, 20],
      [20, 23],
    ]);
    // Every account once; the flaky one twice; the failing one once (no retries of a permanent error).
    const attempts = attemptsOf(accounts);
    expect(new Set(attempts)).toEqual(new Set(accounts));
    expect(attempts.filter((a) => a === accounts[12])).toHaveLength(2);
    expect(attempts.filter((a) => a === accounts[7])).toHaveLength(1);
    expect(fake.outcomes(bulkActionId).get(accounts[7])).toEqual({
      outcome: 'failed',
      detail: `no such folder template (${accounts[7]})`,
    });
    expect(fake.maxInFlight(bulkActionId)).toBeLessThanOrEqual(2 * 2);
    expect(fake.finishes.filter((f) => f.bulkActionId === bulkActionId)).toEqual([{ bulkActionId, cancelled: false }]);
    const described = await handle.describe();
    expect(described.status.name).toBe('COMPLETED');
    expect(described.searchAttributes.NudgeStatus).toEqual(['completed']);
  },
);

test.concurrent('an empty snapshot finishes at once', async () => {
  const { bulkActionId, handle } = await start(0, { batchSize: 5, concurrentBatches: 2, accountConcurrency: 2 });
  expect(await handle.result()).toEqual({ total: 0, pending: 0, done: 0, skipped: 0, failed: 0, notReached: 0 });
  expect(loadsOf(bulkActionId)).toEqual([]);
});

test.concurrent('continues as new every `batchesPerRun` batches without losing or repeating one', async () => {
  const { bulkActionId, accounts, handle } = await start(10, {
    batchSize: 2,
    concurrentBatches: 2,
    accountConcurrency: 1,
    batchesPerRun: 2,
  });
  expect(await handle.result()).toEqual({ total: 10, pending: 0, done: 10, skipped: 0, failed: 0, notReached: 0 });
  expect(attemptsOf(accounts).sort()).toEqual([...accounts].sort());
  expect(loadsOf(bulkActionId)).toHaveLength(5);
  expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);
});

test.concurrent(
  'the cancel signal stops further batches; the accounts in flight finish, the rest are "not reached"',
  async () => {
    // 150 ms per account: a batch of 3 lasts 450 ms, time enough for the signal to reach it.
    const { bulkActionId, accounts, handle } = await start(
      20,
      { batchSize: 3, concurrentBatches: 1, accountConcurrency: 1 },
      { stepMs: 150 },
    );
    await eventually(() => attemptsOf(accounts).length >= 4); // in the second batch
    await handle.signal(bulkCancelSignal); // signal only: the database flag is not set
    const counts = await handle.result();
    const reached = attemptsOf(accounts).length;
    expect(reached).toBeGreaterThanOrEqual(4);
    expect(reached).toBeLessThan(20);
    expect(counts).toEqual({ total: 20, pending: 0, done: reached, skipped: 0, failed: 0, notReached: 20 - reached });
    expect(loadsOf(bulkActionId).length).toBeLessThan(7); // not every batch was started
    expect(fake.finishes.filter((f) => f.bulkActionId === bulkActionId)).toEqual([{ bulkActionId, cancelled: true }]);
    expect((await handle.describe()).searchAttributes.NudgeStatus).toEqual(['cancelled']);
  },
);

test.concurrent(
  'the database flag alone (signal lost) also stops it: accounts come back "stopped", later batches load nothing',
  async () => {
    const { bulkActionId, accounts, handle } = await start(
      12,
      { batchSize: 3, concurrentBatches: 1, accountConcurrency: 1 },
      { stepMs: 60 },
    );
    await eventually(() => attemptsOf(accounts).length >= 4);
    fake.requestCancel(bulkActionId);
    const counts = await handle.result();
    const reached = attemptsOf(accounts).length;
    expect(counts).toMatchObject({ total: 12, pending: 0, done: reached, notReached: 12 - reached });
    expect(reached).toBeLessThan(12);
    // The parent did not know: it went on starting every batch; the later ones found nothing to do.
    expect(loadsOf(bulkActionId)).toHaveLength(4);
    expect(loadsOf(bulkActionId).at(-1)!.accounts).toBe(0);
    expect(fake.finishes.filter((f) => f.bulkActionId === bulkActionId)).toEqual([{ bulkActionId, cancelled: false }]);
  },
);

test.concurrent(
  'a cancel from the Temporal UI (workflow cancellation) closes the action like an API cancel',
  async () => {
    const { bulkActionId, accounts, handle } = await start(
      20,
      { batchSize: 3, concurrentBatches: 2, accountConcurrency: 1 },
      { stepMs: 60 },
    );
    await eventually(() => attemptsOf(accounts).length >= 4);
    await handle.cancel();
    const counts = await handle.result(); // completes with the report, not as cancelled
    expect(counts.total).toBe(20);
    expect(counts.notReached).toBeGreaterThan(0);
    expect(counts.done + counts.notReached).toBe(20);
    expect(fake.finishes.filter((f) => f.bulkActionId === bulkActionId)).toEqual([{ bulkActionId, cancelled: true }]);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  },
);
