// Where automatic reminders join digests (issue 12): in the dispatch's own transaction, once the reminder is
// recorded (ReminderDispatch and audit entry, exactly as when it goes alone), each recipient's email becomes
// a DigestEntry and that address's digest workflow is signalled (signal-with-start) through the outbox.
import type { Queryable } from '../../prisma/client';
import type { ItemRef } from '../../shared/reminder-types';
import { digestEntryAddedSignal, digestStart, digestWorkflowContract } from '../../shared/contracts/digest';
import { commandWorkflowId, type OutboxCommand } from '../outbox/commands';
import { hotQuery, hotRaw, hotSql, type HotTx } from '../outbox/hot-sql';
import { queueOutboxRows } from '../outbox/one-statement';

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
 * With the firm's digests on, queues an automatic reminder's recipients for their digests (in `q`, the
 * dispatch's transaction) and answers true; with them off, answers false and the reminder goes alone. One
 * statement (issue 10): the setting, the entries and the outbox rows waking each address's digest.
 */
export async function queueForDigest(
  q: HotTx | Queryable,
  item: ItemRef,
  dispatchKey: string,
  recipients: DigestRecipient[],
): Promise<boolean> {
  const now = new Date();
  const rows = recipients.map((r) => {
    const command = digestSignalCommand(item.firmId, r.contactEmailId);
    return { ...r, workflowId: commandWorkflowId(command), command };
  });
  const outboxRows = queueOutboxRows({
    firmId: item.firmId,
    workflowId: hotRaw('r."workflowId"'),
    command: hotRaw('r.command'),
    from: 'r, s',
  });
  const [row] = await hotQuery<{ enabled: boolean }>(
    q,
    hotSql`
    WITH s AS (
      SELECT 1 FROM "FirmDigestSetting" WHERE "firmId" = ${item.firmId}::uuid AND enabled
    ), r AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS r("contactEmailId" uuid, "activationBanner" boolean, "workflowId" text, command jsonb)
    ), e AS (
      INSERT INTO "DigestEntry" (id, "firmId", "contactEmailId", "accountId", "itemKind", "itemId", "dispatchKey",
        "activationBanner", "createdAt")
      SELECT gen_random_uuid(), ${item.firmId}::uuid, r."contactEmailId", ${item.accountId}::uuid,
        ${item.kind}::text::"ItemKind", ${item.itemId}::uuid, ${dispatchKey}::text, r."activationBanner",
        ${now}::timestamp(3)
      FROM r, s
      ON CONFLICT DO NOTHING
    ), o AS (
      ${outboxRows}
    )
    SELECT EXISTS (SELECT 1 FROM s) AS enabled`,
  );
  return row.enabled;
}
