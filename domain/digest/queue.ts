// Where automatic reminders join digests (issue 12): in the dispatch's own transaction, once the reminder is
// recorded (ReminderDispatch and audit entry, exactly as when it goes alone), each recipient's email becomes
// a DigestEntry and that address's digest workflow is signalled (signal-with-start) through the outbox.
import type { Tx } from '../../prisma/client';
import type { ItemRef } from '../../shared/reminder-types';
import { digestEntryAddedSignal, digestStart, digestWorkflowContract } from '../../shared/contracts/digest';
import { insertOutboxRows } from '../outbox/outbox';
import type { OutboxCommand } from '../outbox/commands';
import { readDigestSetting } from './settings';

export interface DigestRecipient {
  contactEmailId: string;
  activationBanner: boolean;
}

/** The command that wakes (or starts) an address's digest workflow, on the relay's own task queue. */
export function digestSignalCommand(firmId: string, contactEmailId: string): OutboxCommand {
  const start = digestStart(firmId, contactEmailId);
  return {
    op: 'signal-with-start',
    start: {
      workflowType: digestWorkflowContract.workflowType,
      workflowId: start.workflowId,
      input: start.input,
      searchAttributes: start.searchAttributes,
      memo: start.memo,
    },
    signal: digestEntryAddedSignal.name,
    args: [],
  };
}

/**
 * With the firm's digests on, queues an automatic reminder's recipients for their digests (in `tx`, the
 * dispatch's transaction) and answers true; with them off, answers false and the reminder goes alone.
 */
export async function queueForDigest(
  tx: Tx,
  item: ItemRef,
  dispatchKey: string,
  recipients: DigestRecipient[],
): Promise<boolean> {
  if (!(await readDigestSetting(tx, item.firmId)).enabled) return false;
  if (!recipients.length) return true;
  await tx.digestEntry.createMany({
    data: recipients.map((r) => ({
      firmId: item.firmId,
      contactEmailId: r.contactEmailId,
      accountId: item.accountId,
      itemKind: item.kind,
      itemId: item.itemId,
      dispatchKey,
      activationBanner: r.activationBanner,
    })),
    skipDuplicates: true,
  });
  await insertOutboxRows(
    tx,
    recipients.map((r) => ({ firmId: item.firmId, command: digestSignalCommand(item.firmId, r.contactEmailId) })),
  );
  return true;
}
