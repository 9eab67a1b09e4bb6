// A client action's emails to firm users: queued in the outbox by the action's own transaction (`queueEmails`,
// the last step in it), delivered after commit. The workflow id is the action's business key, so a repeated
// delivery starts nothing twice.
import {
  participantNotificationStart,
  participantNotificationWorkflowContract,
  type ClientActionEmail,
} from '../../shared/contracts/participant-notification';
import type { Tx } from '../../prisma/client';
import { insertOutboxRows, type Outbox } from '../outbox/outbox';

export interface EmailBatch {
  workflowId: string;
  emails: ClientActionEmail[];
  /** The account the action is about, if one: its workflow is found by it too (NudgeAccountId). */
  accountId?: string | null;
  /** The outbox rows `queueEmails` wrote for it. */
  queued?: { ids: bigint[]; workflowIds: string[] };
}

/** Writes the batch's workflow start in the outbox, in the action's transaction; the relay's task queue runs it. */
export async function queueEmails(tx: Tx, firmId: string, batch: EmailBatch | null): Promise<EmailBatch | null> {
  if (!batch?.emails.length) return null;
  const start = participantNotificationStart(batch.workflowId, batch.emails, batch.accountId ?? undefined);
  const command = {
    op: 'start' as const,
    start: {
      workflowType: participantNotificationWorkflowContract.workflowType,
      workflowId: start.workflowId,
      input: start.input,
      searchAttributes: start.searchAttributes,
      memo: start.memo,
      reuse: start.reuse,
    },
  };
  return { ...batch, queued: await insertOutboxRows(tx, [{ firmId, command }]) };
}

/** Waits for a client action to commit, delivers its queued emails' workflow, then answers its result. */
export async function resultAfterDelivery<T>(
  outbox: Outbox,
  action: Promise<{ result: T; batch: EmailBatch | null }>,
): Promise<T> {
  const { result, batch } = await action;
  if (batch?.queued) await outbox.deliverSoon(batch.queued.ids, batch.queued.workflowIds);
  return result;
}
