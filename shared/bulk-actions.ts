// Bulk actions (SPEC §4): what the caller asks for, what the workflow is given, and what each account
// ends with. Pure types and constants, imported by the API, the activities and the workflows alike.
import { defineSignal } from '@temporalio/workflow';
import type { PreferenceCategory } from './recipients';
import type { ReminderSettings } from './reminder-types';

export type Toggle = 'enable' | 'disable';

export type BulkParams =
  | { kind: 'manage_tags'; tags: { tagId: string; action: 'assign' | 'remove' }[] }
  | { kind: 'apply_folder_template'; folderTemplateId: string }
  | { kind: 'send_message'; chatTemplateId: string; reminders?: Partial<ReminderSettings> }
  | { kind: 'archive' }
  | { kind: 'restore' }
  | { kind: 'delete'; confirm: 'DELETE' }
  | {
      kind: 'contact_toggles';
      login?: Toggle;
      /** With login "enable": false sets login pending without sending the invitations yet (default true). */
      sendInvitations?: boolean;
      notify?: Toggle;
      emailSync?: Toggle;
      /** With login "enable": the invitation's personal message. */
      invitationMessage?: string;
      /** With notify "enable": the preference categories to set. */
      preferences?: Partial<Record<PreferenceCategory, boolean>>;
    }
  | { kind: 'request_pending_approvals'; message?: string };

export type BulkKind = BulkParams['kind'];

/** null until the account is processed; not_reached when the action was cancelled first. */
export type BulkOutcome = 'done' | 'skipped' | 'failed' | 'not_reached';
export const BULK_OUTCOMES: readonly BulkOutcome[] = ['done', 'skipped', 'failed', 'not_reached'];

/** How the work is cut: accounts per child workflow, child workflows at once, accounts at once per child. */
export interface BulkPacing {
  batchSize: number;
  concurrentBatches: number;
  accountConcurrency: number;
  /** Batches one run of the parent starts before it continues as new (default 400; tests lower it). */
  batchesPerRun?: number;
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
}

/** An account's outcome, or `stopped`: the action was cancelled before this account was started. */
export type BulkAccountResult = { outcome: Exclude<BulkOutcome, 'not_reached'>; detail: string | null } | { stopped: true };

export interface BulkCounts {
  total: number;
  pending: number;
  done: number;
  skipped: number;
  failed: number;
  notReached: number;
}

/** Stops a bulk action after the accounts in flight; the parent passes it on to its running batches. */
export const bulkCancelSignal = defineSignal('bulkCancel');

export function batchWorkflowId(bulkActionId: string, batch: number): string {
  return `bulk-${bulkActionId}-batch-${batch}`;
}
