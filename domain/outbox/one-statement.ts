// The outbox side of a change written as ONE statement (issue 10: a firm message, a signature or approval
// request, a reminder's webhook events or digest entries): the outbox rows of its Temporal calls and the
// request's Idempotency-Key marked committed, as SQL fragments of that statement, and a row's delivery after
// it. The same rows `outbox.transaction` writes, in no extra round trip.
import type { OutboxCommand } from './commands';
import { hotFragment, hotRaw, type HotFragment } from './hot-sql';
import type { ClaimedRow } from './relay';
import { currentRequestKey } from './request-key';
import { currentTraceCarrier, type TraceCarrier } from './trace-carrier';

export interface StatementOutboxRow {
  firmId: string;
  workflowId: string;
  /** The command, with `stand` where the account id goes: that id is known only inside the statement. */
  draft: OutboxCommand;
  stand: string;
  /** The SQL expression of the account id in the statement, e.g. `ok."accountId"`. */
  accountId: string;
  /** The FROM list that yields one row when the change was written and none when it was not. */
  from: string;
  now: Date;
  /** The claim its own insert takes for the request's fast path (`outbox.ownLeaseMs`). */
  leaseMs: number;
  trace: TraceCarrier | null;
}

/**
 * Inserts the call's row, claimed by the insert itself unless its workflow has rows pending (those go first,
 * through the relay's ordered claim). Returns `id` and `claimed`.
 */
export const insertOutboxRow = (r: StatementOutboxRow) => hotFragment`
  INSERT INTO outbox ("firmId", "workflowId", command, "nextAttemptAt", "createdAt", "claimedUntil", trace)
  SELECT ${r.firmId}::uuid, ${r.workflowId},
    replace(${JSON.stringify(r.draft)}, ${r.stand}, ${hotRaw(r.accountId)}::text)::jsonb,
    ${r.now}::timestamp(3), ${r.now}::timestamp(3),
    CASE WHEN EXISTS (SELECT 1 FROM outbox x WHERE x."workflowId" = ${r.workflowId}) THEN NULL
      ELSE ${new Date(r.now.getTime() + r.leaseMs)}::timestamp(3) END,
    ${r.trace && JSON.stringify(r.trace)}::jsonb
  FROM ${hotRaw(r.from)}
  RETURNING id, "claimedUntil" IS NOT NULL AS claimed`;

/**
 * One outbox row per row of `from` (a CTE or FROM list of the statement), left to the relay (no claim): its
 * workflow id and command are SQL expressions over that row, e.g. a command with an id drawn in the statement.
 */
export const queueOutboxRows = (r: { firmId: string; workflowId: HotFragment; command: HotFragment; from: string }) => {
  const now = new Date();
  const trace = currentTraceCarrier();
  return hotFragment`
  INSERT INTO outbox ("firmId", "workflowId", command, "nextAttemptAt", "createdAt", trace)
  SELECT ${r.firmId}::uuid, ${r.workflowId}, ${r.command}, ${now}::timestamp(3), ${now}::timestamp(3),
    ${trace && JSON.stringify(trace)}::jsonb
  FROM ${hotRaw(r.from)}`;
};

/** Marks the key of the request running now (if it sent one) committed, when `written` (a CTE's name) holds a row. */
export function markRequestKey(now: Date, written: string) {
  const key = currentRequestKey();
  return hotFragment`
  UPDATE "IdempotencyRecord" SET "committedAt" = ${now}::timestamp(3)
  WHERE "firmId" = ${key?.firmId ?? null}::uuid AND key = ${key?.key ?? null}::text AND "committedAt" IS NULL
    AND EXISTS (SELECT 1 FROM ${hotRaw(written)})`;
}

/** What a statement with an outbox row returns about it: the account id it wrote for, the row, its claim. */
export interface StatementRow {
  accountId: string;
  outboxId: bigint | string;
  claimed: boolean;
}

/** What `deliverSoon` takes for the row the statement wrote: delivered from memory when its insert claimed it. */
export function writtenRow(
  row: Pick<StatementRow, 'outboxId' | 'claimed'>,
  workflowId: string,
  command: OutboxCommand,
  trace: TraceCarrier | null,
): [bigint[], string[], ClaimedRow[]] {
  const id = BigInt(row.outboxId);
  return [[id], [workflowId], row.claimed ? [{ id, workflowId, command, attempts: 0, trace }] : []];
}
