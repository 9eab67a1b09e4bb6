// Signals and the query of the item reminder workflow, defined once for the workflow and the API.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ManualResend, ReminderSettings, ReminderState } from '../reminder-types';

export const clientRepliedSignal = defineSignal('clientReplied');
export const signerSignedSignal = defineSignal<[{ contactId: string; allSigned: boolean }]>('signerSigned');
export const approvedSignal = defineSignal('approved');
export const threadArchivedSignal = defineSignal('threadArchived');
export const threadReopenedSignal = defineSignal('threadReopened');
/** A signature or approval request was sent to the client. */
export const itemRequestedSignal = defineSignal('itemRequested');
export const firmMessagePostedSignal = defineSignal<[{ messageId: string }]>('firmMessagePosted');
export const settingsChangedSignal = defineSignal<[ReminderSettings]>('settingsChanged');
export const manualResendSignal = defineSignal<[ManualResend]>('manualResend');
/** The item was cancelled or deleted. */
export const itemWithdrawnSignal = defineSignal('itemWithdrawn');

export const reminderStateQuery = defineQuery<ReminderState>('reminderState');
