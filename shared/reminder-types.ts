// Types shared by the reminder workflow, its activities and the API. Ids and settings only, no personal data.

export type ItemKind = 'chat' | 'signature' | 'approval';
export const ITEM_KINDS: readonly ItemKind[] = ['chat', 'signature', 'approval'];

export interface ItemRef {
  firmId: string;
  accountId: string;
  kind: ItemKind;
  /** Chat thread id, signature request id or approval request id. */
  itemId: string;
}

export interface ReminderSettings {
  enabled: boolean;
  /** Days until the next reminder, counted from the notification, then from each reminder. */
  intervalDays: number;
  /** How many automatic reminders at most. */
  count: number;
}

export const DEFAULT_REMINDER_SETTINGS: ReminderSettings = { enabled: false, intervalDays: 3, count: 1 };

/** Why an item no longer needs reminders. */
export type DoneReason = 'replied' | 'signed' | 'approved' | 'archived' | 'cancelled' | 'deleted' | 'no_firm_message';

/** What the database says about an item's reminder cycle; the workflow re-reads it after every change. */
export interface ItemSnapshot {
  /** Null while the item still needs the client to act. */
  doneReason: DoneReason | null;
  settings: ReminderSettings;
  /** The cycle reminders count in: a chat message (and reopen), or the request itself. */
  cycleKey: string;
  /** The message or request the notification is about; one notification per subject, ever. */
  subjectKey: string;
  notificationSent: boolean;
  /** Epoch ms the schedule counts from: the notification, the last reminder, or a reopen. */
  anchorAt: number | null;
  remindersSent: number;
}

export type DispatchKind = 'notification' | 'reminder' | 'manual';

export interface DispatchRequest {
  item: ItemRef;
  kind: DispatchKind;
  /** Stable business key of this dispatch, e.g. `reminder-chat-<id>:<cycle>:reminder:2`. */
  dispatchKey: string;
  cycleKey: string;
  seq: number;
  /** A manual resend's id: its message is read from the database. */
  resendId?: string;
  /** The message of a manual resend signalled before messages moved to the database (old histories). */
  message?: string;
  /** Firm user who asked for a manual resend. */
  requestedBy?: string;
  /**
   * An automatic reminder due at this instant (ms): the send window and pauses are asked first, and while
   * they hold it nothing is sent or recorded (the answer is `held`). Absent: it goes now.
   */
  dueAt?: number;
}

export type DispatchResult =
  | { status: 'sent'; sentAt: number; recipients: number }
  | { status: 'skipped'; reason: DoneReason | 'stale_cycle' }
  /** Only for a request with `dueAt`: the send window or a pause holds it until `sendAt` (ms). */
  | { status: 'held'; sendAt: number };

/** What a workflow run's first read answers: the snapshot after the notification, and the result of the
 * notification that read sent, finished or found skipped; null when none was due. */
export interface FirstNotification {
  snapshot: ItemSnapshot;
  result: DispatchResult | null;
}

/** A manual resend as the workflow is told of it: ids only (its message is in the database). */
export interface ManualResend {
  resendId: string;
  /** Only in signals sent before messages moved to the database; new signals never carry text. */
  message?: string;
  requestedBy?: string;
}

export type ReminderStatus = 'starting' | 'waiting' | 'completed';

/** The state of an item's reminders as the workflow query returns it. */
export interface ReminderState {
  workflowId: string;
  status: ReminderStatus;
  doneReason: DoneReason | null;
  /** Why no further automatic reminder is scheduled, when none is. */
  stopReason: 'off' | 'count_reached' | DoneReason | null;
  settings: ReminderSettings;
  cycleKey: string | null;
  remindersSent: number;
  lastSentAt: string | null;
  nextReminderAt: string | null;
  manualResendsSent: number;
  pendingManualResends: number;
}
