// The reminder policy application workflow's contract (`reminder-policy-<applicationId>`, issue 12): a firm's
// changed reminder defaults for one item kind, applied to the running reminders whose settings come from the
// policy. Input, result, progress query, search attributes and memo: ids, kinds and counts only.
import { defineQuery } from '@temporalio/workflow';
import type { ItemKind } from '../reminder-types';
import { defineWorkflow, type WorkflowStart } from './workflow';
import { FIRM_ID, ITEM_ID, ITEM_KIND, STARTED_BY, STATUS } from './search-attributes';

export interface PolicyApplyInput {
  applicationId: string;
  firmId: string;
  itemKind: ItemKind;
  /** Running reminders updated per activity (each batch is one transaction). */
  batchSize: number;
  /** Set by continue-as-new: the running reminders were already collected. */
  collected?: boolean;
  /** Test hook: continue as new after this many batches instead of when Temporal suggests it. */
  continueAsNewAfterBatches?: number;
}

/** What each running reminder came to. */
export type PolicyItemOutcome = 'updated' | 'unchanged' | 'own_settings' | 'gone' | 'superseded';
export const POLICY_ITEM_OUTCOMES: readonly PolicyItemOutcome[] = [
  'updated',
  'unchanged',
  'own_settings',
  'gone',
  'superseded',
];

export type PolicyApplicationStatus = 'running' | 'completed' | 'superseded';

export interface PolicyApplicationCounts {
  /** Running reminders found; null until collected. */
  total: number | null;
  pending: number;
  updated: number;
  unchanged: number;
  own_settings: number;
  gone: number;
  superseded: number;
}

export interface PolicyApplyResult {
  status: Exclude<PolicyApplicationStatus, 'running'>;
  counts: PolicyApplicationCounts;
}

export const policyApplyWorkflowContract = defineWorkflow<PolicyApplyInput, PolicyApplyResult>(
  'reminderPolicyApplyWorkflow',
);

/** The workflow's own view of its progress (the API reads the same from the database). */
export interface PolicyApplyProgress {
  collected: boolean;
  total: number | null;
  processed: number;
  batches: number;
}
export const policyApplyProgressQuery = defineQuery<PolicyApplyProgress>('policyApplyProgress');

export const DEFAULT_POLICY_BATCH_SIZE = 200;

export function policyApplyWorkflowId(applicationId: string): string {
  return `reminder-policy-${applicationId}`;
}

/** One run per application, ever: a repeated start never applies a finished one again. */
export function policyApplyStart(
  app: { id: string; firmId: string; itemKind: ItemKind; requestedBy: string },
  batchSize = DEFAULT_POLICY_BATCH_SIZE,
): WorkflowStart<PolicyApplyInput> {
  return {
    workflowId: policyApplyWorkflowId(app.id),
    input: { applicationId: app.id, firmId: app.firmId, itemKind: app.itemKind, batchSize },
    reuse: 'once',
    searchAttributes: [
      { key: FIRM_ID, value: app.firmId },
      // Not the bare kind: the running reminders of a kind are found by NudgeItemKind = "<kind>".
      { key: ITEM_KIND, value: `policy:${app.itemKind}` },
      { key: ITEM_ID, value: app.id },
      { key: STATUS, value: 'running' },
      { key: STARTED_BY, value: app.requestedBy },
    ],
    memo: { firmId: app.firmId, itemKind: app.itemKind, applicationId: app.id },
  };
}
