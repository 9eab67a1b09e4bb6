// reminderPolicyApplyWorkflow on a real Temporal dev server with fake activities: it collects once, works
// through the batches until none is left (also across continue-as-new), stops when a later change
// supersedes it, and closes with the report; cancelled from the Temporal UI, it closes the application.
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import type { PolicyApplyInput, PolicyApplyResult } from '../../shared/contracts/reminder-policy';
import { eventually, sleep, startHarness, type Harness } from './harness';
import { recordHistory } from '../support/histories';

interface FakeApplication {
  total: number;
  processed: number;
  collects: number;
  batches: number;
  /** Superseded once this many batches ran. */
  supersededAfter?: number;
  /** How long each batch takes (ms): long enough to cancel the workflow during one. */
  batchMs?: number;
  finished?: PolicyApplyResult['status'] | 'cancelled';
}

const countsOf = (a: FakeApplication, rest: 'superseded' | 'cancelled') => ({
  total: a.total,
  pending: 0,
  updated: a.processed,
  unchanged: 0,
  own_settings: 0,
  gone: 0,
  superseded: 0,
  cancelled: 0,
  [rest]: a.total - a.processed,
});

const apps = new Map<string, FakeApplication>();
const activities = {
  async collectPolicyTargets({ applicationId }: { applicationId: string }) {
    const a = apps.get(applicationId)!;
    a.collects++;
    return a.total;
  },
  async applyPolicyBatch({ applicationId, batchSize }: { applicationId: string; batchSize: number }) {
    const a = apps.get(applicationId)!;
    if (a.supersededAfter !== undefined && a.batches >= a.supersededAfter) {
      return { processed: 0, remaining: 0, superseded: true };
    }
    if (a.batchMs) await sleep(a.batchMs);
    a.batches++;
    const n = Math.min(batchSize, a.total - a.processed);
    a.processed += n;
    return { processed: n, remaining: a.total - a.processed, superseded: false };
  },
  async finishPolicyApplication({
    applicationId,
    status,
  }: {
    applicationId: string;
    status: PolicyApplyResult['status'];
  }) {
    const a = apps.get(applicationId)!;
    a.finished = status;
    return { status, counts: countsOf(a, 'superseded') };
  },
  async cancelPolicyApplication({ applicationId }: { applicationId: string }) {
    const a = apps.get(applicationId)!;
    a.finished ??= 'cancelled';
    return { status: a.finished, counts: countsOf(a, 'cancelled') };
  },
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness(activities, 'policy-apply');
});
afterAll(() => h?.stop());

async function run(app: Omit<FakeApplication, 'processed' | 'collects' | 'batches'>, input: Partial<PolicyApplyInput>) {
  const applicationId = h.uniqueId('app');
  apps.set(applicationId, { ...app, processed: 0, collects: 0, batches: 0 });
  const result = await h.client.workflow.execute('reminderPolicyApplyWorkflow', {
    taskQueue: h.taskQueue,
    workflowId: `reminder-policy-${applicationId}`,
    args: [{ applicationId, firmId: 'firm-1', itemKind: 'chat', batchSize: 4, ...input } satisfies PolicyApplyInput],
  });
  return { result: result as PolicyApplyResult, app: apps.get(applicationId)! };
}

test.concurrent('works through every batch, collecting once across continue-as-new', async () => {
  const { result, app } = await run({ total: 10 }, { continueAsNewAfterBatches: 1 });
  expect(result.status).toBe('completed');
  expect(app).toMatchObject({ collects: 1, batches: 3, processed: 10, finished: 'completed' });
});

test.concurrent('no running reminder: one empty batch, then the report', async () => {
  const { result, app } = await run({ total: 0 }, {});
  expect(result).toMatchObject({ status: 'completed', counts: { total: 0 } });
  expect(app.batches).toBe(1);
});

test.concurrent('a later policy change supersedes it: it stops and reports the rest as superseded', async () => {
  const { result, app } = await run({ total: 12, supersededAfter: 1 }, {});
  expect(result).toMatchObject({ status: 'superseded', counts: { updated: 4, superseded: 8 } });
  expect(app.finished).toBe('superseded');
});

test.concurrent(
  'cancelled from the Temporal UI: it closes the application cancelled, then ends cancelled',
  async () => {
    const applicationId = h.uniqueId('app');
    apps.set(applicationId, { total: 400, processed: 0, collects: 0, batches: 0, batchMs: 300 });
    const handle = await h.client.workflow.start('reminderPolicyApplyWorkflow', {
      taskQueue: h.taskQueue,
      workflowId: `reminder-policy-${applicationId}`,
      args: [{ applicationId, firmId: 'firm-1', itemKind: 'chat', batchSize: 4 } satisfies PolicyApplyInput],
    });
    await eventually(() => apps.get(applicationId)!.batches >= 1);
    await handle.cancel();
    const failure = await handle.result().catch((err: unknown) => err);
    await recordHistory(h.client, 'policy-apply-cancelled', handle.workflowId);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(apps.get(applicationId)!.finished).toBe('cancelled');
    expect((await handle.describe()).searchAttributes.NudgeStatus).toEqual(['cancelled']);
  },
);
