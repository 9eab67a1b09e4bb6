// Hands a client action's emails to their workflow once the change has committed; the workflow id is
// the action's business key, so a repeated delivery starts nothing twice.
import {
  participantNotificationStart,
  participantNotificationWorkflowContract,
  type ClientActionEmail,
} from '../../shared/contracts/participant-notification';
import type { TemporalGateway } from '../temporal/gateway';

export interface EmailBatch {
  workflowId: string;
  emails: ClientActionEmail[];
}

export async function deliverParticipantEmails(gateway: TemporalGateway, batch: EmailBatch | null): Promise<void> {
  if (!batch?.emails.length) return;
  await gateway.start(
    participantNotificationWorkflowContract,
    participantNotificationStart(batch.workflowId, batch.emails),
  );
}

/** Waits for a client action to commit, hands its emails to their workflow, then answers its result. */
export async function resultAfterDelivery<T>(
  gateway: TemporalGateway,
  action: Promise<{ result: T; batch: EmailBatch | null }>,
): Promise<T> {
  const { result, batch } = await action;
  await deliverParticipantEmails(gateway, batch);
  return result;
}
