// The item reminder workflow's contract (`reminder-<kind>-<itemId>`): input, result, signals, query,
// workflow id, dispatch keys, search attributes and memo, defined once for the workflow and the domain.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ItemKind, ItemRef, ManualResend, ReminderSettings, ReminderState } from '../reminder-types';
import { defineWorkflow, type WorkflowStart } from './workflow';
import { ACCOUNT_ID, FIRM_ID, ITEM_ID, ITEM_KIND, STATUS } from './search-attributes';

export interface ItemReminderInput {
  item: ItemRef;
  /** Length of a reminder "day" in seconds (86400 in production). */
  daySeconds: number;
  /** Manual resends not yet sent when the previous run continued as new. */
  pendingManualResends?: ManualResendRequest[];
  manualResendsSent?: number;
  /** Ids of the resends counted in `manualResendsSent` (the latest ones), so a repeated signal is not counted
   * again. Absent in inputs from before it. */
  countedResendIds?: string[];
  /** When the previous run last sent (the state's lastSentAt), so the new run shows it until its own first send. */
  lastSentAt?: number;
  /** Test hook: continue as new after this many history events instead of when Temporal suggests it. */
  continueAsNewAfterEvents?: number;
  /** Test hook: a local activity gives way to the regular one after this many attempts instead of eight. */
  localAttemptsBeforeGivingWay?: number;
}

export const itemReminderWorkflowContract = defineWorkflow<ItemReminderInput, ReminderState>('itemReminderWorkflow');

export const clientRepliedSignal = defineSignal('clientReplied');
export const signerSignedSignal = defineSignal<[{ contactId: string; allSigned: boolean }]>('signerSigned');
export const approvedSignal = defineSignal('approved');
export const threadArchivedSignal = defineSignal('threadArchived');
export const threadReopenedSignal = defineSignal('threadReopened');
/** A signature or approval request was sent to the client. */
export const itemRequestedSignal = defineSignal('itemRequested');
export const firmMessagePostedSignal = defineSignal<[{ messageId: string }]>('firmMessagePosted');
export const settingsChangedSignal = defineSignal<[ReminderSettings]>('settingsChanged');
/** A manual resend as signalled; `respectSendWindow` holds it until the send window opens (issue 12). */
export type ManualResendRequest = ManualResend & { respectSendWindow?: boolean };
export const manualResendSignal = defineSignal<[ManualResendRequest]>('manualResend');
/** The item was cancelled or deleted. */
export const itemWithdrawnSignal = defineSignal('itemWithdrawn');
/** A pause of the item or of one of its contacts ended early: a reminder it held is asked about again now. */
export const pauseEndedSignal = defineSignal('pauseEnded');

/** The query's answer: the state, and while a send window or pause holds the next reminder, when it fell due. */
export type ReminderStateView = ReminderState & { reminderDueAt?: string };
export const reminderStateQuery = defineQuery<ReminderStateView>('reminderState');

/** One workflow per item, named after it, so operators can find it and a second start is refused. */
export function reminderWorkflowId(kind: ItemKind, itemId: string): string {
  return `reminder-${kind}-${itemId}`;
}

/** Key of one notification/reminder/manual resend; emails are keyed `<dispatchKey>:<contactEmailId>`. */
export function dispatchKey(workflowId: string, cycleOrSubject: string, kind: string, seq: number | string): string {
  return `${workflowId}:${cycleOrSubject}:${kind}:${seq}`;
}

/** Start of an item's reminder workflow: business id, search attributes and memo (ids only). */
export function itemReminderStart(item: ItemRef, daySeconds: number): WorkflowStart<ItemReminderInput> {
  return {
    workflowId: reminderWorkflowId(item.kind, item.itemId),
    input: { item, daySeconds },
    searchAttributes: [
      { key: FIRM_ID, value: item.firmId },
      { key: ACCOUNT_ID, value: item.accountId },
      { key: ITEM_KIND, value: item.kind },
      { key: ITEM_ID, value: item.itemId },
      { key: STATUS, value: 'starting' },
    ],
    memo: { firmId: item.firmId, accountId: item.accountId, itemKind: item.kind, itemId: item.itemId },
  };
}
