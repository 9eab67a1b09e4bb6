// Progress and the final report of a bulk action, both counted from its outcome rows (the durable truth:
// the API reads progress from here while the workflow runs, and the report is built from it at the end).
import type { Db, Tx } from '../../prisma/client';
import type { BulkCounts } from '../../shared/bulk-actions';

/** The client or a transaction: both can count. */
type Queryable = Db | Tx;

export async function countBulkOutcomes(db: Queryable, bulkActionId: string): Promise<BulkCounts> {
  const rows = await db.$queryRaw<{ outcome: string | null; n: bigint }[]>`
    SELECT outcome, count(*) AS n FROM "BulkActionOutcome" WHERE "bulkActionId" = ${bulkActionId}::uuid GROUP BY outcome`;
  const by = new Map(rows.map((r) => [r.outcome, Number(r.n)]));
  const counts = {
    pending: by.get(null) ?? 0,
    done: by.get('done') ?? 0,
    skipped: by.get('skipped') ?? 0,
    failed: by.get('failed') ?? 0,
    notReached: by.get('not_reached') ?? 0,
  };
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

export async function buildBulkReport(tx: Queryable, bulkActionId: string, firmId: string): Promise<BulkReport> {
  const counts = await countBulkOutcomes(tx, bulkActionId);
  const failures = await tx.$queryRaw<{ accountId: string; accountName: string | null; error: string | null }[]>`
    SELECT o."accountId"::text AS "accountId", a.name AS "accountName", o.detail AS error
    FROM "BulkActionOutcome" o LEFT JOIN "Account" a ON a.id = o."accountId" AND a."firmId" = ${firmId}::uuid
      -- The name only of an account its starter may open (the report is theirs and the admins').
      AND EXISTS (
        SELECT 1 FROM "BulkAction" b JOIN "FirmUser" u ON u.id = b."startedBy"
        WHERE b.id = o."bulkActionId" AND (u.role <> 'employee' OR u."canViewAllAccounts" OR EXISTS (
          SELECT 1 FROM "AccountTeamMember" tm WHERE tm."accountId" = a.id AND tm."firmUserId" = u.id)))
    WHERE o."bulkActionId" = ${bulkActionId}::uuid AND o.outcome = 'failed'
    ORDER BY o.position LIMIT ${REPORT_FAILURE_LIMIT}`;
  const skipReasons = await tx.$queryRaw<{ reason: string | null; accounts: bigint }[]>`
    SELECT detail AS reason, count(*) AS accounts FROM "BulkActionOutcome"
    WHERE "bulkActionId" = ${bulkActionId}::uuid AND outcome = 'skipped' GROUP BY detail ORDER BY count(*) DESC`;
  return {
    counts,
    failures,
    failuresTruncated: counts.failed > failures.length,
    skipReasons: skipReasons.map((s) => ({ reason: s.reason, accounts: Number(s.accounts) })),
    csv: `/v1/bulk-actions/${bulkActionId}/report.csv`,
  };
}
