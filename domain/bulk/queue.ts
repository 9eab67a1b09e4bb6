// The per-firm cap on running bulk actions (BULK_MAX_RUNNING_PER_FIRM): a new action beyond it is saved
// "queued" (snapshot written, no workflow); when a running one closes, the firm's oldest queued one is set
// "running" in the same transaction, under the firm's row lock, with its workflow's start in the outbox (so a
// crash or a Temporal outage after the commit leaves it to the relay). The reconciler also starts "running"
// actions without a workflow and promotes queued actions of firms under the cap (whatever a crash left behind).
import type { Db, Tx } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import type { BulkParams } from '../../shared/bulk-actions';
import {
  bulkActionStart,
  bulkActionWorkflowContract,
  type BulkPacing,
  type BulkWorkflowInput,
} from '../../shared/contracts/bulk-action';
import type { TemporalGateway } from '../temporal/gateway';
import type { CommandBuilders } from '../outbox/commands';
import { insertOutboxRows, type QueuedRows } from '../outbox/outbox';
import { SET_BASED_KINDS } from './set-steps';

/** What a queued action keeps in its `report` column until it closes: the settings its workflow starts with. */
export interface QueuedSettings {
  queued: { daySeconds: number; pacing: BulkPacing };
}

export function isQueuedSettings(report: unknown): report is QueuedSettings {
  return typeof report === 'object' && report !== null && 'queued' in report;
}

type BulkRow = Awaited<ReturnType<Db['bulkAction']['findUniqueOrThrow']>>;

/** The workflow input of an action: the settings stored when it was queued, else the caller's. */
export function bulkWorkflowInputOf(
  row: BulkRow,
  fallback: { daySeconds: number; pacing: BulkPacing },
): BulkWorkflowInput {
  const settings = isQueuedSettings(row.report) ? row.report.queued : fallback;
  const kind = row.kind as BulkParams['kind'];
  // Chunks only for a kind with a set-based step: decided here, in the input, so replay never changes it.
  const { accountsPerActivity, ...pacing } = settings.pacing;
  return {
    bulkActionId: row.id,
    firmId: row.firmId,
    kind,
    startedBy: row.startedBy,
    dryRun: row.dryRun,
    total: row.total,
    daySeconds: settings.daySeconds,
    pacing: accountsPerActivity && SET_BASED_KINDS.has(kind) ? { ...pacing, accountsPerActivity } : pacing,
  };
}

/** Locks the firm's row: every decision about its running count is taken under this lock. */
export async function lockFirm(tx: Tx, firmId: string): Promise<void> {
  await tx.$executeRaw`SELECT 1 FROM "Firm" WHERE id = ${firmId}::uuid FOR UPDATE`;
}

/** The firm's running actions, other than `except` (an action being created, "running" by default). */
export async function countRunning(tx: Tx, firmId: string, except?: string): Promise<number> {
  return tx.bulkAction.count({ where: { firmId, status: 'running', ...(except ? { id: { not: except } } : {}) } });
}

/**
 * Sets up to `n` of the firm's oldest queued actions (not being cancelled) "running". The caller holds
 * the firm lock (see lockFirm). Returns their ids, to be started once the transaction has committed.
 */
export async function promoteQueued(tx: Tx, firmId: string, n: number): Promise<string[]> {
  if (n <= 0) return [];
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT id::text FROM "BulkAction"
    WHERE "firmId" = ${firmId}::uuid AND status = 'queued' AND "cancelRequestedAt" IS NULL
    ORDER BY "createdAt", id LIMIT ${n} FOR UPDATE SKIP LOCKED`;
  const ids = rows.map((r) => r.id);
  if (ids.length)
    await tx.bulkAction.updateMany({ where: { id: { in: ids }, status: 'queued' }, data: { status: 'running' } });
  return ids;
}

/** How a close queues the start of the action it promoted: the outbox's commands, and the settings of an action
 * queued before they were stored with it. */
export interface PromotedStarts {
  commands: CommandBuilders;
  fallback: { daySeconds: number; pacing: BulkPacing };
}

/** In the promoting transaction: the promoted actions' starts, as outbox rows that commit with them. */
export async function queuePromotedStarts(tx: Tx, ids: string[], starts: PromotedStarts): Promise<QueuedRows> {
  const rows = ids.length
    ? await tx.bulkAction.findMany({ where: { id: { in: ids } }, orderBy: { createdAt: 'asc' } })
    : [];
  return insertOutboxRows(
    tx,
    rows.map((row) => ({
      firmId: row.firmId,
      command: starts.commands.start(
        bulkActionWorkflowContract,
        bulkActionStart(row, bulkWorkflowInputOf(row, starts.fallback)),
      ),
    })),
  );
}

/**
 * Starts the workflows of promoted actions. Never throws: an action whose start fails stays "running"
 * without a workflow, which the reconciler starts within a minute. Returns the ids started.
 */
export async function startPromoted(
  db: Db,
  gateway: TemporalGateway,
  ids: string[],
  fallback: { daySeconds: number; pacing: BulkPacing },
): Promise<string[]> {
  const started: string[] = [];
  for (const id of ids) {
    try {
      const row = await db.bulkAction.findUnique({ where: { id } });
      if (row?.status !== 'running') continue;
      await gateway.start(bulkActionWorkflowContract, bulkActionStart(row, bulkWorkflowInputOf(row, fallback)));
      started.push(id);
    } catch {
      // Left to the reconciler.
    }
  }
  return started;
}

/** The reconciler's part: each firm under its cap gets its oldest queued actions promoted and started. */
export async function promoteUnderCap(
  db: Db,
  gateway: TemporalGateway,
  maxRunningPerFirm: number,
  fallback: { daySeconds: number; pacing: BulkPacing },
): Promise<string[]> {
  const firms = await db.$queryRaw<{ firmId: string }[]>`
    SELECT DISTINCT "firmId"::text AS "firmId" FROM "BulkAction" WHERE status = 'queued' AND "cancelRequestedAt" IS NULL`;
  const promoted: string[] = [];
  for (const { firmId } of firms) {
    const ids = await db.$transaction(async (tx) => {
      await lockFirm(tx, firmId);
      return promoteQueued(tx, firmId, maxRunningPerFirm - (await countRunning(tx, firmId)));
    });
    await startPromoted(db, gateway, ids, fallback);
    promoted.push(...ids);
  }
  return promoted;
}

export const queuedReport = (settings: QueuedSettings['queued']): Prisma.InputJsonObject =>
  ({ queued: settings }) as unknown as Prisma.InputJsonObject;
