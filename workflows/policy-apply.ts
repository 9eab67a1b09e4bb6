// A firm reminder policy change applied to the running reminders of its kind (issue 12), as the workflow
// `reminder-policy-<applicationId>`: collect them once (by search attributes), update them a batch at a time
// until none is left or a later change supersedes this one, then write the report (cancelled from the Temporal
// UI, it closes the application `cancelled`). Each reminder workflow told of its new settings re-reads them and
// reschedules from its last send (no backlog burst).
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createPolicyActivities } from '../activities/policy-activities';
import {
  policyApplyProgressQuery,
  type PolicyApplyInput,
  type PolicyApplyProgress,
  type PolicyApplyResult,
  type policyApplyWorkflowContract,
} from '../shared/contracts/reminder-policy';
import { STATUS } from '../shared/contracts/search-attributes';
import type { WorkflowFunction } from '../shared/contracts/workflow';

/** Collecting, one batch, or closing: database work, retried until it succeeds. */
const POLICY_STEP = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} as const;

type PolicyActivities = ReturnType<typeof createPolicyActivities>;
const { collectPolicyTargets, applyPolicyBatch, finishPolicyApplication, cancelPolicyApplication } =
  proxyActivities<PolicyActivities>(POLICY_STEP);

/** A cancel from the Temporal UI closes the application `cancelled` (runs recorded before it just ended). */
const CANCEL_PATCH = 'policy-apply-cancel';

export async function reminderPolicyApplyWorkflow(input: PolicyApplyInput): Promise<PolicyApplyResult> {
  const progress = { collected: input.collected ?? false, total: null as number | null, processed: 0, batches: 0 };
  setHandler(policyApplyProgressQuery, () => ({ ...progress }));
  try {
    return await applyToAll(input, progress);
  } catch (err) {
    // Left running, the application would read `running` for ever (its workflow id is started once only).
    if (!isCancellation(err) || !patched(CANCEL_PATCH)) throw err;
    await CancellationScope.nonCancellable(async () => {
      const closed = await cancelPolicyApplication({ applicationId: input.applicationId });
      upsertSearchAttributes([{ key: STATUS, value: closed.status }]);
    });
    throw err;
  }
}

async function applyToAll(input: PolicyApplyInput, progress: PolicyApplyProgress): Promise<PolicyApplyResult> {
  const { applicationId, batchSize } = input;
  if (!progress.collected) {
    progress.total = await collectPolicyTargets({ applicationId });
    progress.collected = true;
  }
  let superseded = false;
  let batchesThisRun = 0;
  for (;;) {
    const r = await applyPolicyBatch({ applicationId, batchSize });
    progress.processed += r.processed;
    progress.batches++;
    batchesThisRun++;
    if (r.superseded) superseded = true;
    if (r.superseded || r.remaining === 0) break;
    const limit = input.continueAsNewAfterBatches;
    if (limit !== undefined ? batchesThisRun >= limit : workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof reminderPolicyApplyWorkflow>({ ...input, collected: true });
    }
  }
  const result = await finishPolicyApplication({ applicationId, status: superseded ? 'superseded' : 'completed' });
  upsertSearchAttributes([{ key: STATUS, value: result.status }]);
  return result;
}

reminderPolicyApplyWorkflow satisfies WorkflowFunction<typeof policyApplyWorkflowContract>;
