// bulkBatchWorkflow with `accountsPerActivity` (a set-based kind such as manage tags): a batch's accounts
// go a chunk per local activity, spread over its lanes; an account that fails for good is recorded by the
// chunk and the others go on; a chunk that fails as a whole is redone one account at a time; a cancel
// stops further chunks. Fake activities (fake-bulk.ts) on a real Temporal dev server.
import { ApplicationFailure } from '@temporalio/activity';
import type { bulkActionWorkflow } from '../../workflows/bulk-action';
import { batchWorkflowId } from '../../shared/contracts/bulk-action';
import { FakeBulk } from './fake-bulk';
import { eventually, startHarness, type Harness } from './harness';
import { recordHistory } from '../support/histories';

type BulkInput = Parameters<typeof bulkActionWorkflow>[0];

/** FakeBulk plus the chunk activity, built on the fake's own one-account step. */
class FakeChunkedBulk extends FakeBulk {
  /** Every chunk as the activity received it (each attempt). */
  readonly chunks: string[][] = [];
  /** Chunks holding one of these accounts fail as a whole, for good (the workflow redoes them one by one). */
  readonly poisoned = new Set<string>();

  override activities() {
    const base = super.activities();
    return {
      ...base,
      processBulkAccounts: async (req: { bulkActionId: string; accountIds: string[]; daySeconds: number }) => {
        this.chunks.push(req.accountIds);
        if (req.accountIds.some((id) => this.poisoned.has(id)))
          throw ApplicationFailure.nonRetryable('the chunk failed as a whole', 'BulkAccountError');
        let processed = 0;
        for (const accountId of req.accountIds) {
          if (this.outcomes(req.bulkActionId).has(accountId)) {
            processed++; // done by an earlier attempt: not again
            continue;
          }
          try {
            const result = await base.processBulkAccount({ ...req, accountId });
            if ('stopped' in result) return { processed, stopped: true };
          } catch (err) {
            // A permanent failure is the account's alone; anything else fails the chunk (retried).
            if (!(err instanceof ApplicationFailure) || !err.nonRetryable) throw err;
            await base.recordBulkFailure({ bulkActionId: req.bulkActionId, accountId, error: err.message });
          }
          processed++;
        }
        return { processed, stopped: false };
      },
    };
  }
}

const fake = new FakeChunkedBulk();
let h: Harness;
beforeAll(async () => {
  h = await startHarness(fake.activities(), 'bulk-chunks');
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
    kind: 'manage_tags',
    startedBy: 'user-1',
    dryRun: false,
    total,
    daySeconds: 0.2,
    pacing,
  };
  const handle = await h.client.workflow.start<typeof bulkActionWorkflow>('bulkActionWorkflow', {
    taskQueue: h.taskQueue,
    workflowId: `bulk-${bulkActionId}`,
    args: [input],
  });
  return { bulkActionId, accounts, handle };
}
const attemptsOf = (accounts: string[]) => fake.attempts.filter((a) => accounts.includes(a));
const chunksOf = (accounts: string[]) => fake.chunks.filter((c) => accounts.includes(c[0]));

test.concurrent('a chunk per local activity, spread over the lanes; every account once, failures its own', async () => {
  const prepare = (accounts: string[]) => {
    fake.failing.add(accounts[7]);
    fake.skipping.add(accounts[20]);
    fake.flaky.set(accounts[12], 1);
  };
  const { bulkActionId, accounts, handle } = await start(
    23,
    { batchSize: 10, concurrentBatches: 2, accountConcurrency: 2, accountsPerActivity: 4 },
    { prepare },
  );
  expect(await handle.result()).toEqual({ total: 23, pending: 0, done: 21, skipped: 1, failed: 1, notReached: 0 });
  // Batches of 10 in chunks of 4 (at most accountsPerActivity, and half the batch per lane), of 3 in 2 + 1.
  const chunks = chunksOf(accounts);
  expect(chunks.map((c) => c.length).sort()).toEqual([1, 2, 2, 2, 4, 4, 4, 4, 4]);
  expect(new Set(chunks.flat())).toEqual(new Set(accounts));
  // The flaky account's chunk ran twice; the accounts its first attempt had done were not done again.
  const attempts = attemptsOf(accounts);
  expect(attempts.filter((a) => a === accounts[12])).toHaveLength(2);
  expect(attempts.filter((a) => a !== accounts[12]).sort()).toEqual(accounts.filter((a) => a !== accounts[12]).sort());
  expect(fake.outcomes(bulkActionId).get(accounts[7])).toEqual({
    outcome: 'failed',
    detail: `no such folder template (${accounts[7]})`,
  });
  await recordHistory(h.client, 'bulk-batch-chunks', batchWorkflowId(bulkActionId, 0));
});

test.concurrent('a chunk that fails as a whole is redone one account at a time', async () => {
  const { bulkActionId, accounts, handle } = await start(
    8,
    { batchSize: 8, concurrentBatches: 1, accountConcurrency: 2, accountsPerActivity: 4 },
    { prepare: (a) => fake.poisoned.add(a[1]) },
  );
  expect(await handle.result()).toEqual({ total: 8, pending: 0, done: 8, skipped: 0, failed: 0, notReached: 0 });
  const chunks = chunksOf(accounts);
  expect(chunks).toHaveLength(2);
  expect(chunks).toEqual(expect.arrayContaining([accounts.slice(0, 4), accounts.slice(4, 8)]));
  expect(attemptsOf(accounts).sort()).toEqual([...accounts].sort());
  expect(fake.outcomes(bulkActionId).size).toBe(8);
});

test.concurrent('a cancel stops further chunks: the accounts not reached are reported so', async () => {
  const { bulkActionId, accounts, handle } = await start(
    40,
    { batchSize: 10, concurrentBatches: 1, accountConcurrency: 1, accountsPerActivity: 2 },
    { stepMs: 40 },
  );
  await eventually(() => attemptsOf(accounts).length >= 4);
  fake.requestCancel(bulkActionId);
  const counts = await handle.result();
  const reached = attemptsOf(accounts).length;
  expect(reached).toBeLessThan(40);
  expect(counts).toMatchObject({ total: 40, pending: 0, done: reached, notReached: 40 - reached });
});
