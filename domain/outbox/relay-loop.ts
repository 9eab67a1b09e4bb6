// The background path of the outbox: every `pollMs`, deliver what the fast path missed (Temporal was down,
// the process died after commit), and while rows wait longer than a delivery takes, log the depth and the
// oldest row's age.
import type { Db } from '../../prisma/client';
import type { Relay } from './relay';
import { outboxLag } from './relay';

export interface RelayLoopLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RelayLoopOptions {
  pollMs: number;
  /** Log the backlog at most this often while rows are waiting. */
  lagLogEveryMs: number;
  /**
   * Rows count as waiting once the oldest is this old (default: 5 s, or 4 polls if longer): younger ones are
   * ordinary traffic, a request's rows between its commit and its fast path, or the next round's.
   */
  lagWarnAfterMs: number;
}

export function startRelayLoop(db: Db, relay: Relay, log: RelayLoopLog, options: Partial<RelayLoopOptions> = {}) {
  const pollMs = options.pollMs ?? 500;
  const lagLogEveryMs = options.lagLogEveryMs ?? 30_000;
  const lagWarnAfterMs = options.lagWarnAfterMs ?? Math.max(5_000, 4 * pollMs);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let lastLagLog = 0;

  async function tick() {
    try {
      // Keep going while rounds deliver, so a backlog drains at full speed.
      for (let r = await relay.round(); !stopped && r.delivered > 0; r = await relay.round());
      if (Date.now() - lastLagLog >= lagLogEveryMs) {
        const lag = await outboxLag(db);
        if (lag.depth > 0 && lag.oldestAgeMs >= lagWarnAfterMs) {
          lastLagLog = Date.now();
          log.warn({ outbox: lag }, 'outbox rows waiting for Temporal');
        }
      }
    } catch (err) {
      log.error({ err: (err as Error).message }, 'outbox relay round failed');
    }
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      current = tick().finally(schedule);
    }, pollMs);
  }
  schedule();

  return {
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
