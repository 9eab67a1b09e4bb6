// In-memory stand-in for the bulk activities (activities/bulk-activities.ts): a bulk action's snapshot of
// accounts with one outcome each, the cancel flag the API sets, and the closing step's counting
// (domain/bulk/close.ts): accounts still without an outcome end "not_reached" on a cancel, else "failed".
import { ApplicationFailure } from '@temporalio/activity';
import type { BulkAccountResult, BulkCounts, BulkOutcome } from '../../shared/bulk-actions';

interface FakeAction {
  accounts: string[];
  /** How long each account's step takes. */
  stepMs: number;
  inFlight: number;
  maxInFlight: number;
  outcomes: Map<string, { outcome: Exclude<BulkOutcome, 'not_reached'> | 'not_reached'; detail: string | null }>;
  cancelRequested: boolean;
}

export class FakeBulk {
  readonly actions = new Map<string, FakeAction>();
  /** Accounts whose step fails for good (a permanent error: no retries). */
  readonly failing = new Set<string>();
  /** Accounts the step skips (e.g. archived). */
  readonly skipping = new Set<string>();
  /** Accounts whose step fails with a transient error this many more times before it succeeds. */
  readonly flaky = new Map<string, number>();
  readonly loads: { bulkActionId: string; fromPosition: number; toPosition: number; accounts: number }[] = [];
  readonly attempts: string[] = [];
  readonly finishes: { bulkActionId: string; cancelled: boolean }[] = [];

  add(bulkActionId: string, total: number, opts: { stepMs?: number } = {}): string[] {
    const accounts = Array.from({ length: total }, (_, i) => `${bulkActionId}-acc-${i}`);
    this.actions.set(bulkActionId, {
      accounts,
      stepMs: opts.stepMs ?? 0,
      inFlight: 0,
      maxInFlight: 0,
      outcomes: new Map(),
      cancelRequested: false,
    });
    return accounts;
  }

  /** The most accounts of the action in progress at once. */
  maxInFlight(bulkActionId: string): number {
    return this.get(bulkActionId).maxInFlight;
  }

  /** What the API does on a cancel, before it signals (or if the signal is lost). */
  requestCancel(bulkActionId: string): void {
    this.get(bulkActionId).cancelRequested = true;
  }

  outcomes(bulkActionId: string) {
    return this.get(bulkActionId).outcomes;
  }

  counts(bulkActionId: string): BulkCounts {
    const a = this.get(bulkActionId);
    const of = (o: BulkOutcome) => [...a.outcomes.values()].filter((x) => x.outcome === o).length;
    const counts = {
      pending: a.accounts.length - a.outcomes.size,
      done: of('done'),
      skipped: of('skipped'),
      failed: of('failed'),
      notReached: of('not_reached'),
    };
    return { total: a.accounts.length, ...counts };
  }

  activities() {
    return {
      loadBulkBatch: async (req: {
        bulkActionId: string;
        fromPosition: number;
        toPosition: number;
      }): Promise<string[]> => {
        const a = this.get(req.bulkActionId);
        const ids = a.cancelRequested
          ? []
          : a.accounts.slice(req.fromPosition, req.toPosition).filter((id) => !a.outcomes.has(id));
        this.loads.push({ ...req, accounts: ids.length });
        return ids;
      },
      processBulkAccount: async (req: {
        bulkActionId: string;
        accountId: string;
        daySeconds: number;
      }): Promise<BulkAccountResult> => {
        const a = this.get(req.bulkActionId);
        if (a.cancelRequested) return { stopped: true };
        this.attempts.push(req.accountId);
        a.inFlight++;
        a.maxInFlight = Math.max(a.maxInFlight, a.inFlight);
        try {
          if (a.stepMs) await new Promise((r) => setTimeout(r, a.stepMs));
          const left = this.flaky.get(req.accountId) ?? 0;
          if (left > 0) {
            this.flaky.set(req.accountId, left - 1);
            throw new Error('connection reset'); // retryable
          }
          if (this.failing.has(req.accountId))
            throw ApplicationFailure.nonRetryable(`no such folder template (${req.accountId})`, 'BulkAccountError');
          const result = this.skipping.has(req.accountId)
            ? { outcome: 'skipped' as const, detail: 'archived' }
            : { outcome: 'done' as const, detail: null };
          a.outcomes.set(req.accountId, result);
          return result;
        } finally {
          a.inFlight--;
        }
      },
      recordBulkFailure: async (req: { bulkActionId: string; accountId: string; error: string }): Promise<void> => {
        this.get(req.bulkActionId).outcomes.set(req.accountId, { outcome: 'failed', detail: req.error });
      },
      finishBulkAction: async (req: {
        bulkActionId: string;
        cancelled: boolean;
        daySeconds: number;
      }): Promise<{ status: 'completed' | 'cancelled'; counts: BulkCounts }> => {
        this.finishes.push({ bulkActionId: req.bulkActionId, cancelled: req.cancelled });
        const a = this.get(req.bulkActionId);
        const cancelled = req.cancelled || a.cancelRequested;
        for (const id of a.accounts) {
          if (!a.outcomes.has(id))
            a.outcomes.set(
              id,
              cancelled
                ? { outcome: 'not_reached', detail: 'cancelled' }
                : { outcome: 'failed', detail: 'not processed' },
            );
        }
        return { status: cancelled ? 'cancelled' : 'completed', counts: this.counts(req.bulkActionId) };
      },
    };
  }

  private get(bulkActionId: string): FakeAction {
    const a = this.actions.get(bulkActionId);
    if (!a) throw new Error(`no fake bulk action ${bulkActionId}`);
    return a;
  }
}
