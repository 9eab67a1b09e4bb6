// The participant notification workflow's contract: one workflow per client action (a note, a comment,
// a GDPR status change) delivering its emails. Jobs carry ids only; the activity reads names and texts.
import { defineWorkflow, type WorkflowStart } from './workflow';
import { ACCOUNT_ID, FIRM_ID } from './search-attributes';

export type ClientActionEmail =
  | { kind: 'note'; firmId: string; noteId: string; userId: string }
  | { kind: 'comment'; firmId: string; commentId: string; userId: string }
  | { kind: 'calendar'; firmId: string; noteId: string; userId: string; start: string; durationMinutes: number }
  | { kind: 'gdpr'; firmId: string; changeId: string; templateId: string; contactEmailId: string };

export interface ParticipantNotificationInput {
  emails: ClientActionEmail[];
}

export const participantNotificationWorkflowContract = defineWorkflow<ParticipantNotificationInput>(
  'participantNotificationWorkflow',
);

/** The workflow id is the client action's business key, so a repeated delivery starts nothing twice. */
export const participantWorkflowId = {
  note: (noteId: string) => `note-${noteId}:participants`,
  comment: (commentId: string) => `note-comment-${commentId}:participants`,
  gdpr: (changeId: string) => `gdpr-${changeId}:emails`,
};

/** The business key of one email: the same job always maps to the same OutboundEmail row. */
export function clientActionEmailKey(job: ClientActionEmail): string {
  switch (job.kind) {
    case 'note':
      return `note-${job.noteId}:participant:${job.userId}`;
    case 'comment':
      return `note-comment-${job.commentId}:participant:${job.userId}`;
    case 'calendar':
      return `note-${job.noteId}:calendar:${job.userId}`;
    case 'gdpr':
      return `gdpr-${job.changeId}:email:${job.contactEmailId}`;
  }
}

/** Start of a client action's emails, findable by its firm (every job names it) and, when the caller knows it,
 * the account the action is about. */
export function participantNotificationStart(
  workflowId: string,
  emails: ClientActionEmail[],
  accountId?: string,
): WorkflowStart<ParticipantNotificationInput> {
  const firmId = emails[0]?.firmId;
  return {
    workflowId,
    input: { emails },
    searchAttributes: [
      ...(firmId ? [{ key: FIRM_ID, value: firmId }] : []),
      ...(accountId ? [{ key: ACCOUNT_ID, value: accountId }] : []),
    ],
    memo: { firmId: firmId ?? null, accountId: accountId ?? null },
    reuse: 'once', // one batch of emails, one run, however often its start is delivered
  };
}
