// Bulk actions (SPEC §4): what the caller asks for, what the workflow is given, and what each account
// ends with. Pure types and constants; the workflows' own contract is shared/contracts/bulk-action.ts.
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

/** An account's outcome, or `stopped`: the action was cancelled before this account was started. */
export type BulkAccountResult =
  { outcome: Exclude<BulkOutcome, 'not_reached'>; detail: string | null } | { stopped: true };

export interface BulkCounts {
  total: number;
  pending: number;
  done: number;
  skipped: number;
  failed: number;
  notReached: number;
}
