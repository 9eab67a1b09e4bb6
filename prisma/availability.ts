// A circuit breaker on the database for work that would otherwise spend its retries on an outage: after a
// failure, one shared probe (`SELECT 1`) tells "the database is down" from "this work failed". While it is
// down, every caller waits on the same probe instead of each hammering a dead server and failing.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from './client';

export interface DbAvailability {
  /**
   * Resolves `true` once the database answers again after not answering, `false` at once if it answers now
   * (the failure was not an outage), or `'timeout'` if it still does not answer after `maxWaitMs`.
   */
  waitIfDown(maxWaitMs: number): Promise<boolean | 'timeout'>;
}

export function createDbAvailability(db: Db, probeEveryMs = 1000): DbAvailability {
  let outage: Promise<void> | null = null;
  const answers = () =>
    db.$queryRaw`SELECT 1`.then(
      () => true,
      () => false,
    );

  return {
    async waitIfDown(maxWaitMs) {
      if (!outage) {
        if (await answers()) return false;
        // One prober for all waiting callers; it ends when the database answers.
        outage ??= (async () => {
          while (!(await answers())) await sleep(probeEveryMs);
        })().finally(() => (outage = null));
      }
      const current = outage ?? Promise.resolve();
      const up = await Promise.race([current.then(() => true), sleep(maxWaitMs, false as const, { ref: false })]);
      return up ? true : 'timeout';
    },
  };
}
