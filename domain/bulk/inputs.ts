// What the bulk-action service is asked for, as the domain sees it (already validated). The API's zod
// schemas (api/schemas/bulk-actions.ts) are checked against these types, so the two cannot drift apart;
// the domain knows nothing of zod or HTTP.
import type { PreferenceCategory } from '../../shared/recipients';
import type { ReminderSettings } from '../../shared/reminder-types';
import type { BulkOutcome } from '../../shared/bulk-actions';
import type { AccountFilter } from '../accounts/list';

/** Per setting of a contact toggle: leave it, switch it on, switch it off. */
export type ToggleChoice = 'nothing' | 'enable' | 'disable';

/** The action as asked; "nothing" choices are still present (the service drops them before storing). */
export type BulkActionRequest =
  | { kind: 'manage_tags'; tags: { tagId: string; action: 'nothing' | 'assign' | 'remove' }[] }
  | { kind: 'apply_folder_template'; folderTemplateId: string }
  | { kind: 'send_message'; chatTemplateId: string; reminders?: Partial<ReminderSettings> }
  | { kind: 'archive' }
  | { kind: 'restore' }
  | { kind: 'delete'; confirm: 'DELETE' }
  | {
      kind: 'contact_toggles';
      login: ToggleChoice;
      notify: ToggleChoice;
      emailSync: ToggleChoice;
      sendInvitations?: boolean;
      invitationMessage?: string;
      preferences?: Partial<Record<PreferenceCategory, boolean>>;
    }
  | { kind: 'request_pending_approvals'; message?: string };

/** Explicit account ids (each once), or the account list's filters, resolved once at the start. */
export type BulkSelection = { accountIds: string[] } | { filter: AccountFilter };

export interface NewBulkAction {
  action: BulkActionRequest;
  selection: BulkSelection;
  dryRun: boolean;
}

export type BulkActionStatusFilter = 'queued' | 'running' | 'completed' | 'cancelled' | 'failed';

/** A page of the firm's bulk actions, newest first. */
export interface BulkListQuery {
  status?: BulkActionStatusFilter;
  /** nextCursor of the previous page. */
  before?: string;
  limit: number;
}

/** A page of one action's outcomes in snapshot order, optionally only one outcome (`pending`: none yet). */
export interface BulkOutcomeQuery {
  outcome?: 'pending' | BulkOutcome;
  /** The position after which the page starts (-1: from the first). */
  after: number;
  limit: number;
}

/** A retry of a delete must confirm it again. */
export interface RetryFailedRequest {
  confirm?: 'DELETE';
}
