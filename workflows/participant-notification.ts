// Delivers the emails of one client action (a note, a comment, a GDPR status change) durably: each email
// is its own activity with retries, so an SMTP outage or an API crash after the commit loses nothing.
import { proxyActivities } from '@temporalio/workflow';
import type { createParticipantActivities, ClientActionEmail } from '../activities/participant-activities';

export interface ParticipantNotificationInput {
  emails: ClientActionEmail[];
}

const { sendClientActionEmail } = proxyActivities<ReturnType<typeof createParticipantActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 20 },
});

export async function participantNotificationWorkflow(input: ParticipantNotificationInput): Promise<void> {
  await Promise.all(input.emails.map((email) => sendClientActionEmail(email)));
}
