// A bulk action (SPEC §4) as one workflow, `bulk-<id>`, over the fixed snapshot of accounts written when
// it started. The parent cuts the snapshot into batches of positions and runs each as a child workflow
// (`bulk-<id>-batch-<n>`), a few at a time; a child runs one local activity per account, a few at a
// time, so one failing account neither blocks nor undoes the others. Histories stay small however many
// accounts there are: a child holds one batch, and the parent continues as new every so many batches.
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createBulkActivities } from '../activities/bulk-activities';
import type { BulkCounts } from '../shared/bulk-actions';
import {
  BATCHES_PER_RUN,
  batchWorkflowId,
  bulkCancelSignal,
  type bulkActionWorkflowContract,
  type bulkBatchWorkflowContract,
  type BulkBatchInput,
  type BulkWorkflowInput,
} from '../shared/contracts/bulk-action';
import type { WorkflowFunction } from '../shared/contracts/workflow';
import { BULK_ACCOUNT, BULK_STEP } from './activity-options';
import { FIRM_ID, ITEM_ID, ITEM_KIND, STARTED_BY, STATUS } from '../shared/contracts/search-attributes';

type BulkActivities = ReturnType<typeof createBulkActivities>;

const { loadBulkBatch, recordBulkFailure, finishBulkAction } = proxyActivities<BulkActivities>(BULK_STEP);
const { processBulkAccount, processBulkAccounts } = proxyLocalActivities<BulkActivities>(BULK_ACCOUNT);

/** Batches whose input has `accountsPerActivity` run their accounts a chunk per local activity. */
const ACCOUNT_CHUNKS_PATCH = 'bulk-account-chunks';

export async function bulkActionWorkflow(input: BulkWorkflowInput): Promise<BulkCounts> {
  const { bulkActionId, total, pacing } = input;
  const batches = Math.ceil(total / pacing.batchSize);
  let cancelRequested = false;
  const started = new Set<number>(); // batches whose child workflow exists
  const running = new Set<number>();
  const tellBatch = (n: number) =>
    void getExternalWorkflowHandle(batchWorkflowId(bulkActionId, n))
      .signal(bulkCancelSignal)
      .catch(() => undefined);
  // Speeds the stop up; the database flag set by the API is what makes batches stop in any case.
  setHandler(bulkCancelSignal, () => {
    cancelRequested = true;
    for (const n of started) tellBatch(n);
  });

  let next = input.nextBatch ?? 0;
  let startedThisRun = 0;
  try {
    while (next < batches && !cancelRequested) {
      if (startedThisRun >= (pacing.batchesPerRun ?? BATCHES_PER_RUN)) {
        await condition(() => running.size === 0);
        if (cancelRequested) break; // a cancel while draining must not be lost to the next run
        await continueAsNew<typeof bulkActionWorkflow>({ ...input, nextBatch: next });
      }
      await condition(() => running.size < pacing.concurrentBatches || cancelRequested);
      if (cancelRequested) break;
      const n = next++;
      startedThisRun++;
      running.add(n);
      void runBatch(input, n, () => {
        started.add(n);
        if (cancelRequested) tellBatch(n);
      }).finally(() => {
        running.delete(n);
        started.delete(n);
      });
    }
    await condition(() => running.size === 0);
  } catch (err) {
    // An operator's cancel in the Temporal UI: close the action the same way as a cancel through the API.
    if (!isCancellation(err)) throw err;
    cancelRequested = true;
  }
  const end = await CancellationScope.nonCancellable(() =>
    finishBulkAction({ bulkActionId, cancelled: cancelRequested, daySeconds: input.daySeconds }),
  );
  await CancellationScope.nonCancellable(async () => upsertSearchAttributes([{ key: STATUS, value: end.status }]));
  return end.counts;
}

async function runBatch(input: BulkWorkflowInput, n: number, onStarted: () => void): Promise<void> {
  const { batchSize } = input.pacing;
  const batch: BulkBatchInput = {
    bulkActionId: input.bulkActionId,
    firmId: input.firmId,
    kind: input.kind,
    startedBy: input.startedBy,
    daySeconds: input.daySeconds,
    batch: n,
    fromPosition: n * batchSize,
    toPosition: Math.min((n + 1) * batchSize, input.total),
    accountConcurrency: input.pacing.accountConcurrency,
    accountsPerActivity: input.pacing.accountsPerActivity,
  };
  try {
    const child = await startChild(bulkBatchWorkflow, {
      workflowId: batchWorkflowId(input.bulkActionId, n),
      args: [batch],
      // A batch's workflow task stays open while its local activities run and is renewed at 80% of this;
      // 10 s (the default) leaves too little room on a busy worker, and a late renewal wastes the work done.
      workflowTaskTimeout: '30 seconds',
      // Findable next to its action, but not among running bulk actions (no NudgeStatus).
      typedSearchAttributes: [
        { key: FIRM_ID, value: input.firmId },
        { key: ITEM_KIND, value: `bulk-batch:${input.kind}` },
        { key: ITEM_ID, value: input.bulkActionId },
        { key: STARTED_BY, value: input.startedBy },
      ],
      memo: {
        bulkActionId: input.bulkActionId,
        batch: n,
        fromPosition: batch.fromPosition,
        toPosition: batch.toPosition,
      },
    });
    onStarted();
    await child.result();
  } catch {
    // A batch cannot fail on an account (those become "failed" outcomes). Whatever else ended it (a
    // cancel from the Temporal UI, a terminated child), its unprocessed accounts are caught by the final
    // step, so the action still ends with a full report; the parent sees its own cancellation itself.
  }
}

export async function bulkBatchWorkflow(input: BulkBatchInput): Promise<{ processed: number }> {
  let stop = false;
  setHandler(bulkCancelSignal, () => void (stop = true));
  const accountIds = await loadBulkBatch({
    bulkActionId: input.bulkActionId,
    fromPosition: input.fromPosition,
    toPosition: input.toPosition,
  });
  let cursor = 0;
  let processed = 0;
  /** One account, one local activity; after its attempts it is recorded as failed. */
  const runAccount = async (accountId: string) => {
    try {
      const result = await processBulkAccount({
        bulkActionId: input.bulkActionId,
        accountId,
        daySeconds: input.daySeconds,
      });
      if ('stopped' in result)
        stop = true; // cancelled: the account stays unprocessed, "not reached"
      else processed++;
    } catch (err) {
      if (isCancellation(err)) throw err;
      await recordBulkFailure({ bulkActionId: input.bulkActionId, accountId, error: failureMessage(err) });
      processed++;
    }
  };
  const lanes = Math.max(1, input.accountConcurrency);
  const perActivity = input.accountsPerActivity ?? 1;
  if (perActivity > 1 && patched(ACCOUNT_CHUNKS_PATCH)) {
    // A set-based kind: each lane takes a chunk of accounts per local activity (one transaction), the
    // batch spread evenly over the lanes. A chunk whose attempts are spent is redone one account at a time,
    // so that an account that keeps failing fails alone.
    const size = Math.min(perActivity, Math.ceil(accountIds.length / lanes));
    const chunkLane = async () => {
      while (!stop && cursor < accountIds.length) {
        const chunk = accountIds.slice(cursor, cursor + size);
        cursor += chunk.length;
        try {
          const result = await processBulkAccounts({
            bulkActionId: input.bulkActionId,
            accountIds: chunk,
            daySeconds: input.daySeconds,
          });
          processed += result.processed;
          if (result.stopped) stop = true;
        } catch (err) {
          if (isCancellation(err)) throw err;
          for (const accountId of chunk) if (!stop) await runAccount(accountId);
        }
      }
    };
    await Promise.all(Array.from({ length: lanes }, chunkLane));
    return { processed };
  }
  const lane = async () => {
    while (!stop && cursor < accountIds.length) await runAccount(accountIds[cursor++]);
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return { processed };
}

function failureMessage(err: unknown): string {
  let e: unknown = err;
  // ActivityFailure wraps the activity's own error as its cause.
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof ApplicationFailure || e instanceof Error ? e.message : String(err);
}

// Each workflow implements its contract (a type error here means they drifted apart).
bulkActionWorkflow satisfies WorkflowFunction<typeof bulkActionWorkflowContract>;
bulkBatchWorkflow satisfies WorkflowFunction<typeof bulkBatchWorkflowContract>;
