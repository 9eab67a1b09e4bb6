// Runs one account of a bulk action exactly once: the account's item row is locked, and a row that
// already has an outcome (a retry after a crash) is not processed again — only its recorded Temporal
// calls are repeated, which are idempotent. The activity and the benchmark's plain loop both use this.
import type { Db } from '../prisma/client';
import { Prisma } from '../prisma/client';
import type { BulkAccountResult } from '../shared/bulk-actions';
import type { BulkContext } from './bulk-context';
import { planAccount } from './bulk-account-ops';
import { applyBulkEffects, type BulkEffect, type BulkEffectTarget } from './bulk-effects';

interface ItemRow {
  outcome: string | null;
  detail: string | null;
  result: { effects?: BulkEffect[] } | null;
}

export async function runBulkAccount(db: Db, target: BulkEffectTarget, ctx: BulkContext, accountId: string): Promise<BulkAccountResult> {
  const { outcome, detail, effects } = await db.$transaction(
    async (tx) => {
      const rows = await tx.$queryRaw<ItemRow[]>`
        SELECT outcome, detail, result FROM "BulkActionItem"
        WHERE "bulkActionId" = ${ctx.bulkActionId}::uuid AND "accountId" = ${accountId}::uuid FOR UPDATE`;
      if (!rows.length) throw new Error(`account ${accountId} is not part of bulk action ${ctx.bulkActionId}`);
      const row = rows[0];
      if (row.outcome) return { outcome: row.outcome as BulkAccountResult['outcome'], detail: row.detail, effects: row.result?.effects ?? [] };
      const plan = await planAccount(tx, ctx, accountId);
      const result = { ...plan.result, ...(plan.effects.length ? { effects: plan.effects } : {}) };
      await tx.bulkActionItem.update({
        where: { bulkActionId_accountId: { bulkActionId: ctx.bulkActionId, accountId } },
        data: { outcome: plan.outcome, detail: plan.detail, result: result as Prisma.InputJsonObject },
      });
      return { outcome: plan.outcome, detail: plan.detail, effects: plan.effects };
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
  if (!ctx.dryRun && effects.length) await applyBulkEffects(target, effects);
  return { outcome, detail };
}

/** After the retries are spent: the account is failed with the error, unless a late attempt finished it. */
export async function recordBulkFailure(db: Db, bulkActionId: string, accountId: string, error: string): Promise<void> {
  await db.bulkActionItem.updateMany({ where: { bulkActionId, accountId, outcome: null }, data: { outcome: 'failed', detail: error.slice(0, 2000) } });
}
