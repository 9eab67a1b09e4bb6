// Started by the `nudge-reconciler` Schedule: one pass of the reconciler, its report as the result (the
// Temporal UI shows, run by run, what was repaired).
import { proxyActivities } from '@temporalio/workflow';
import type { createReconcilerActivities } from '../activities/reconciler-activities';
import type { ReconcileReport, ReconcilerInput, reconcilerWorkflowContract } from '../shared/contracts/reconciler';
import type { WorkflowFunction } from '../shared/contracts/workflow';
import { RECONCILE } from './activity-options';

const { reconcile } = proxyActivities<ReturnType<typeof createReconcilerActivities>>(RECONCILE);

export async function reconcilerWorkflow(input: ReconcilerInput): Promise<ReconcileReport> {
  return reconcile(input);
}

reconcilerWorkflow satisfies WorkflowFunction<typeof reconcilerWorkflowContract>;
