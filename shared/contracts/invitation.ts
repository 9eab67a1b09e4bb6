// The portal invitation workflow's contract (`invitation-<id>`): input, result, signals, query, workflow id,
// search attributes and memo, and the expiry rule. Like the reminder workflow's, they carry ids and numbers
// only, never the token.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineWorkflow, type WorkflowStart } from './workflow';
import { ACCOUNT_ID, FIRM_ID, STATUS } from './search-attributes';

export interface InvitationInput {
  invitationId: string;
  firmId: string;
  /** Epoch ms of the first send ("now" or the caller's sendAt). */
  sendAt: number;
  /** Validity of each link, in days of `daySeconds`. */
  expiryDays: number;
  /** Length of a "day" in seconds (REMINDER_DAY_SECONDS: 86400 in production). */
  daySeconds: number;
}

export function invitationWorkflowId(invitationId: string): string {
  return `invitation-${invitationId}`;
}

/** Business keys of the invitation emails in OutboundEmail: one per send, one per resend. */
export const invitationEmailKey = (invitationId: string, resendSeq?: number) =>
  resendSeq === undefined
    ? `${invitationWorkflowId(invitationId)}:send`
    : `${invitationWorkflowId(invitationId)}:resend:${resendSeq}`;

/** An invitation link is valid this many days (of REMINDER_DAY_SECONDS each) after it was last sent. */
export const INVITATION_EXPIRY_DAYS = 14;
export const INVITATION_LIMITS = { minExpiryDays: 1, maxExpiryDays: 90, maxScheduleDays: 365 } as const;

export type InvitationOutcome = 'accepted' | 'revoked' | 'expired';

export const invitationWorkflowContract = defineWorkflow<InvitationInput, InvitationOutcome>('invitationWorkflow');

export interface InvitationState {
  status: 'scheduled' | 'sent' | InvitationOutcome;
  resendsSent: number;
  /** Epoch ms when the current link stops working (null before the first send). */
  expiresAt: number | null;
}

export const invitationAcceptedSignal = defineSignal('invitationAccepted');
/** Login turned off, the address changed, a newer invitation replaced it, or the email was deleted. */
export const invitationRevokedSignal = defineSignal('invitationRevoked');
export const invitationResendSignal = defineSignal<[{ seq: number }]>('invitationResend');
export const invitationStateQuery = defineQuery<InvitationState>('invitationState');

/** Epoch ms at which a link sent at `sentAt` expires. */
export const invitationExpiry = (sentAt: number, expiryDays: number, daySeconds: number) =>
  sentAt + expiryDays * daySeconds * 1000;

/** Start of an invitation's workflow; the account, when known, makes it findable from the account. */
export function invitationStart(input: InvitationInput, accountId?: string): WorkflowStart<InvitationInput> {
  return {
    workflowId: invitationWorkflowId(input.invitationId),
    input,
    searchAttributes: [
      { key: FIRM_ID, value: input.firmId },
      ...(accountId ? [{ key: ACCOUNT_ID, value: accountId }] : []),
      { key: STATUS, value: 'scheduled' },
    ],
    memo: {
      firmId: input.firmId,
      accountId: accountId ?? null,
      invitationId: input.invitationId,
      sendAt: new Date(input.sendAt).toISOString(),
    },
    // One invitation, one run: a start delivered again after it ended (a relay that died before its row's delete)
    // starts nothing.
    reuse: 'once',
  };
}
