// Portal invitations: the workflow id, signals and query shared by the invitation workflow and the API,
// and the expiry rule. Like the reminder workflow's, they carry ids and numbers only, never the token.
import { defineQuery, defineSignal } from '@temporalio/workflow';

export function invitationWorkflowId(invitationId: string): string {
  return `invitation-${invitationId}`;
}

/** Business keys of the invitation emails in OutboundEmail: one per send, one per resend. */
export const invitationEmailKey = (invitationId: string, resendSeq?: number) =>
  resendSeq === undefined ? `${invitationWorkflowId(invitationId)}:send` : `${invitationWorkflowId(invitationId)}:resend:${resendSeq}`;

/** An invitation link is valid this many days (of REMINDER_DAY_SECONDS each) after it was last sent. */
export const INVITATION_EXPIRY_DAYS = 14;
export const INVITATION_LIMITS = { minExpiryDays: 1, maxExpiryDays: 90, maxScheduleDays: 365 } as const;

export type InvitationOutcome = 'accepted' | 'revoked' | 'expired';

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
export const invitationExpiry = (sentAt: number, expiryDays: number, daySeconds: number) => sentAt + expiryDays * daySeconds * 1000;
