// Delivers the emails of one client action (a note, a comment, a GDPR status change) durably: each email
// is its own activity with retries, so an SMTP outage or an API crash after the commit loses nothing.
import { proxyActivities } from '@temporalio/workflow';
import type { createParticipantActivities } from '../activities/participant-activities';
import type {
  ParticipantNotificationInput,
  participantNotificationWorkflowContract,
} from '../shared/contracts/participant-notification';
import type { WorkflowFunction } from '../shared/contracts/workflow';
import { CLIENT_ACTION_EMAIL } from './activity-options';

const { sendClientActionEmail } = proxyActivities<ReturnType<typeof createParticipantActivities>>(CLIENT_ACTION_EMAIL);

export async function participantNotificationWorkflow(input: ParticipantNotificationInput): Promise<void> {
  await Promise.all(input.emails.map((email) => sendClientActionEmail(email)));
}

participantNotificationWorkflow satisfies WorkflowFunction<typeof participantNotificationWorkflowContract>;
