// The bulk action workflows' contract: the parent `bulk-<id>` and its batches `bulk-<id>-batch-<n>`, their
// inputs and results, the cancel signal, search attributes and memo.
import { defineSignal } from '@temporalio/workflow';
import type { BulkCounts, BulkKind } from '../bulk-actions';
import { defineWorkflow, type WorkflowStart } from './workflow';
import { FIRM_ID, ITEM_ID, ITEM_KIND, STARTED_BY, STATUS } from './search-attributes';

/** Batches one run of the parent starts before it continues as new, unless the pacing says otherwise. */
export const BATCHES_PER_RUN = 400;

/** How the work is cut: accounts per child workflow, child workflows at once, accounts at once per child. */
export interface BulkPacing {
  batchSize: number;
  concurrentBatches: number;
  accountConcurrency: number;
  /** Batches one run of the parent starts before it continues as new (default 400; tests lower it). */
  batchesPerRun?: number;
  /**
   * Accounts one local activity works on, for kinds with a set-based step (manage tags): a batch then cuts
   * its accounts into chunks (at most this many, spread over its `accountConcurrency` lanes), each done in
   * one transaction. Absent or 1: one local activity per account (every other kind, and actions started
   * before chunks existed).
   */
  accountsPerActivity?: number;
}

export interface BulkWorkflowInput {
  bulkActionId: string;
  firmId: string;
  kind: BulkKind;
  startedBy: string;
  dryRun: boolean;
  /** Accounts in the snapshot; positions run 0..total-1. */
  total: number;
  /** Length of a reminder "day" in seconds, for the reminder and invitation workflows an action starts. */
  daySeconds: number;
  pacing: BulkPacing;
  /** Set by continue-as-new: the first batch this run starts. */
  nextBatch?: number;
}

export interface BulkBatchInput {
  bulkActionId: string;
  firmId: string;
  kind: BulkKind;
  startedBy: string;
  daySeconds: number;
  batch: number;
  fromPosition: number;
  toPosition: number;
  accountConcurrency: number;
  /** See BulkPacing.accountsPerActivity; absent in batches started before chunks existed. */
  accountsPerActivity?: number;
}

export const bulkActionWorkflowContract = defineWorkflow<BulkWorkflowInput, BulkCounts>('bulkActionWorkflow');
export const bulkBatchWorkflowContract = defineWorkflow<BulkBatchInput, { processed: number }>('bulkBatchWorkflow');

/** Stops a bulk action after the accounts in flight; the parent passes it on to its running batches. */
export const bulkCancelSignal = defineSignal('bulkCancel');

export function bulkWorkflowId(bulkActionId: string): string {
  return `bulk-${bulkActionId}`;
}

export function batchWorkflowId(bulkActionId: string, batch: number): string {
  return `bulk-${bulkActionId}-batch-${batch}`;
}

/** What the start of a bulk action records about it: ids, kind and size only. */
export interface BulkActionRef {
  id: string;
  firmId: string;
  kind: string;
  startedBy: string;
  total: number;
  dryRun: boolean;
  retryOf: string | null;
}

/** One run per action, ever: a retried start never runs a finished action again. */
export function bulkActionStart(row: BulkActionRef, input: BulkWorkflowInput): WorkflowStart<BulkWorkflowInput> {
  return {
    workflowId: bulkWorkflowId(row.id),
    input,
    reuse: 'once',
    searchAttributes: [
      { key: FIRM_ID, value: row.firmId },
      { key: ITEM_KIND, value: `bulk:${row.kind}` },
      { key: ITEM_ID, value: row.id },
      { key: STARTED_BY, value: row.startedBy },
      { key: STATUS, value: 'running' },
    ],
    memo: {
      firmId: row.firmId,
      bulkActionId: row.id,
      kind: row.kind,
      total: row.total,
      dryRun: row.dryRun,
      startedBy: row.startedBy,
      retryOf: row.retryOf,
    },
  };
}
