// Runs one account of a bulk action exactly once: the account's outcome row is locked, and a row that
// already has an outcome (a retry after a crash) is not processed again — only its Temporal calls still
// marked pending are repeated, which are idempotent. An action whose cancel was requested processes no
// further account. The activity and the benchmark's plain loop both use this.
import type { Db } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import { isPermanentError } from '../../prisma/errors';
import type { BulkAccountResult } from '../../shared/bulk-actions';
import type { BulkContext } from './context';
import { planAccount } from './account-steps';
import { applyBulkEffects, type BulkEffect, type BulkEffectTarget } from './effects';
import { runSetBasedChunk, SET_BASED_KINDS } from './set-steps';

/** An account's outcome row, locked, with its action's cancel flag. */
interface LockedOutcomeRow {
  outcome: string | null;
  detail: string | null;
  result: { effects?: BulkEffect[] } | null;
  effectsPending: boolean;
  cancelRequestedAt: Date | null;
}

type Step =
  | { outcome: 'done' | 'skipped' | 'failed'; detail: string | null; effects: BulkEffect[]; recorded: boolean }
  | { stopped: true };

/** Sees an account's outcome once: when the call that wrote it commits (not a retry that finds it written). */
export type OnOutcome = (outcome: 'done' | 'skipped' | 'failed') => void;

const ignore: OnOutcome = () => undefined;

export async function runBulkAccount(
  db: Db,
  target: BulkEffectTarget,
  ctx: BulkContext,
  accountId: string,
  onOutcome: OnOutcome = ignore,
): Promise<BulkAccountResult> {
  const key = { bulkActionId_accountId: { bulkActionId: ctx.bulkActionId, accountId } };
  const step = await db.$transaction(
    async (tx): Promise<Step> => {
      const rows = await tx.$queryRaw<LockedOutcomeRow[]>`
        SELECT o.outcome, o.detail, o.result, o."effectsPending", b."cancelRequestedAt"
        FROM "BulkActionOutcome" o JOIN "BulkAction" b ON b.id = o."bulkActionId"
        WHERE o."bulkActionId" = ${ctx.bulkActionId}::uuid AND o."accountId" = ${accountId}::uuid
        FOR UPDATE OF o`;
      if (!rows.length) throw new Error(`account ${accountId} is not part of bulk action ${ctx.bulkActionId}`);
      const row = rows[0];
      if (row.outcome)
        return {
          outcome: row.outcome as 'done',
          detail: row.detail,
          effects: row.effectsPending ? (row.result?.effects ?? []) : [],
          recorded: false,
        };
      if (row.cancelRequestedAt) return { stopped: true };
      const plan = await planAccount(tx, ctx, accountId);
      const effects = ctx.dryRun ? [] : plan.effects;
      await tx.bulkActionOutcome.update({
        where: key,
        data: {
          outcome: plan.outcome,
          detail: plan.detail,
          result: { ...plan.result, ...(effects.length ? { effects } : {}) } as Prisma.InputJsonObject,
          effectsPending: effects.length > 0,
        },
      });
      return { outcome: plan.outcome, detail: plan.detail, effects, recorded: true };
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
  if ('stopped' in step) return step;
  if (step.recorded) onOutcome(step.outcome);
  if (step.effects.length) await applyPendingEffects(db, target, ctx.bulkActionId, accountId, step.effects);
  return { outcome: step.outcome, detail: step.detail };
}

/** What a chunk of accounts came to: accounts with an outcome now (done before included), and whether it stopped. */
export interface BulkChunkResult {
  processed: number;
  /** A cancel was requested: the accounts not done stay unprocessed, "not reached". */
  stopped: boolean;
}

/**
 * Runs a chunk of accounts: a set-based kind in one transaction (set-steps.ts), any other one account at a
 * time. An account that fails for good (a constraint, a trigger's refusal) is recorded as failed at once
 * and the others go on; for a set-based kind the chunk is first redone one account at a time, so that only
 * the failing account fails. Any other error (a lost connection, a deadlock) is thrown: the caller runs the
 * chunk again, and the accounts it had finished are not done twice. `onOutcome` sees each new outcome.
 */
export async function runBulkAccounts(
  db: Db,
  target: BulkEffectTarget,
  ctx: BulkContext,
  accountIds: string[],
  onOutcome: OnOutcome = ignore,
): Promise<BulkChunkResult> {
  if (SET_BASED_KINDS.has(ctx.params.kind)) {
    try {
      const step = await runSetBasedChunk(db, ctx, accountIds);
      if ('stopped' in step) return { processed: 0, stopped: true };
      step.outcomes.forEach(onOutcome);
      return { processed: step.outcomes.length + step.alreadyDone, stopped: false };
    } catch (err) {
      if (!isPermanentError(err)) throw err;
    }
  }
  let processed = 0;
  for (const accountId of accountIds) {
    let result: BulkAccountResult;
    try {
      result = await runBulkAccount(db, target, ctx, accountId, onOutcome);
    } catch (err) {
      if (!isPermanentError(err)) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (await recordBulkFailure(db, ctx.bulkActionId, accountId, message)) onOutcome('failed');
      processed++;
      continue;
    }
    if ('stopped' in result) return { processed, stopped: true };
    processed++;
  }
  return { processed, stopped: false };
}

async function applyPendingEffects(
  db: Db,
  target: BulkEffectTarget,
  bulkActionId: string,
  accountId: string,
  effects: BulkEffect[],
) {
  await applyBulkEffects(target, effects);
  await db.bulkActionOutcome.update({
    where: { bulkActionId_accountId: { bulkActionId, accountId } },
    data: { effectsPending: false },
  });
}

/**
 * Makes the Temporal calls of accounts whose step committed but could not make them (Temporal was
 * unreachable for all its attempts): without this a "done" message would never be delivered.
 */
export async function applyAllPendingEffects(db: Db, target: BulkEffectTarget, bulkActionId: string): Promise<number> {
  let applied = 0;
  for (;;) {
    const rows = await db.bulkActionOutcome.findMany({
      where: { bulkActionId, effectsPending: true },
      select: { accountId: true, result: true },
      take: 200,
    });
    if (!rows.length) return applied;
    for (const r of rows) {
      await applyPendingEffects(
        db,
        target,
        bulkActionId,
        r.accountId,
        (r.result as { effects?: BulkEffect[] } | null)?.effects ?? [],
      );
      applied++;
    }
  }
}

/**
 * After the retries are spent: the account is failed with the error, unless a late attempt finished it (or a
 * repeated call failed it already). Whether this call wrote it.
 */
export async function recordBulkFailure(
  db: Db,
  bulkActionId: string,
  accountId: string,
  error: string,
): Promise<boolean> {
  const { count } = await db.bulkActionOutcome.updateMany({
    where: { bulkActionId, accountId, outcome: null },
    data: { outcome: 'failed', detail: error.slice(0, 2000) },
  });
  return count > 0;
}
