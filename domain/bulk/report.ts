// Progress and the final report of a bulk action, both counted from its item rows (the durable truth:
// the API reads progress from here while the workflow runs, and the report is built from it at the end).
import type { Db } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import type { BulkCounts } from '../../shared/bulk-actions';

type Tx = Db | Prisma.TransactionClient;

export async function countBulkOutcomes(db: Tx, bulkActionId: string): Promise<BulkCounts> {
  const rows = await db.$queryRaw<{ outcome: string | null; n: bigint }[]>`
    SELECT outcome, count(*) AS n FROM "BulkActionItem" WHERE "bulkActionId" = ${bulkActionId}::uuid GROUP BY outcome`;
  const by = new Map(rows.map((r) => [r.outcome, Number(r.n)]));
  const counts = { pending: by.get(null) ?? 0, done: by.get('done') ?? 0, skipped: by.get('skipped') ?? 0, failed: by.get('failed') ?? 0, notReached: by.get('not_reached') ?? 0 };
  return { total: Object.values(counts).reduce((a, b) => a + b, 0), ...counts };
}

/** Failures listed in the stored report; the CSV has every account. */
export const REPORT_FAILURE_LIMIT = 200;

export interface BulkReport {
  counts: BulkCounts;
  failures: { accountId: string; accountName: string | null; error: string | null }[];
  failuresTruncated: boolean;
  /** Skip reasons with how many accounts each. */
  skipReasons: { reason: string | null; accounts: number }[];
  csv: string;
}

export async function buildBulkReport(tx: Tx, bulkActionId: string, firmId: string): Promise<BulkReport> {
  const counts = await countBulkOutcomes(tx, bulkActionId);
  const failures = await tx.$queryRaw<{ accountId: string; accountName: string | null; error: string | null }[]>`
    SELECT i."accountId"::text AS "accountId", a.name AS "accountName", i.detail AS error
    FROM "BulkActionItem" i LEFT JOIN "Account" a ON a.id = i."accountId" AND a."firmId" = ${firmId}::uuid
    WHERE i."bulkActionId" = ${bulkActionId}::uuid AND i.outcome = 'failed'
    ORDER BY i.position LIMIT ${REPORT_FAILURE_LIMIT}`;
  const skipReasons = await tx.$queryRaw<{ reason: string | null; accounts: bigint }[]>`
    SELECT detail AS reason, count(*) AS accounts FROM "BulkActionItem"
    WHERE "bulkActionId" = ${bulkActionId}::uuid AND outcome = 'skipped' GROUP BY detail ORDER BY count(*) DESC`;
  return {
    counts,
    failures,
    failuresTruncated: counts.failed > failures.length,
    skipReasons: skipReasons.map((s) => ({ reason: s.reason, accounts: Number(s.accounts) })),
    csv: `/v1/bulk-actions/${bulkActionId}/report.csv`,
  };
}
