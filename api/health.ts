// GET /health: whether the database, Temporal and SMTP answer, for operators. GET /health/ready: whether
// this API instance can serve (database and Temporal answer; SMTP is reported but does not fail it, since
// emails go out from the worker and an SMTP outage is no reason to drop healthy API instances), for load
// balancers. GET /health/live: the process runs (api/app.ts).
import type { Client } from '@temporalio/client';
import type { Db } from '../prisma/client';
import type { Mailer } from '../domain/email/mailer';
import { outboxLag } from '../domain/outbox/relay';

/** Rows waiting this long in the outbox make readiness "degraded" (reported, not failing: see checkReady). */
const OUTBOX_LAG_DEGRADED_MS = 30_000;

type Check = { ok: boolean; ms: number; error?: string };

async function timed(fn: () => Promise<unknown>, timeoutMs = 3000): Promise<Check> {
  const start = Date.now();
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs).unref(),
      ),
    ]);
    return { ok: true, ms: Date.now() - start };
  } catch (err) {
    return { ok: false, ms: Date.now() - start, error: (err as Error).message };
  }
}

export async function checkHealth(db: Db, temporal: Client, mailer: Mailer) {
  const [database, temporalCheck, smtp] = await Promise.all([
    timed(() => db.$queryRaw`SELECT 1`),
    // With a deadline: the client's own retries stop with the check, instead of running on for ~20 s.
    timed(() => temporal.connection.withDeadline(Date.now() + 3000, () => temporal.workflowService.getSystemInfo({}))),
    timed(() => mailer.verify()),
  ]);
  const ok = database.ok && temporalCheck.ok && smtp.ok;
  return { status: ok ? 'ok' : 'degraded', checks: { database, temporal: temporalCheck, smtp } };
}

/**
 * Readiness: 'ok' (200), 'degraded' (200: SMTP down or outbox rows waiting), or 'unavailable' (503: database
 * or Temporal). A backlog alone does not fail it: this instance still takes changes, which wait safely.
 */
export async function checkReady(db: Db, temporal: Client, mailer: Mailer) {
  const [{ checks }, outbox] = await Promise.all([
    checkHealth(db, temporal, mailer),
    outboxLag(db, 3000).catch(() => null),
  ]);
  const ready = checks.database.ok && checks.temporal.ok;
  const lagging = outbox !== null && outbox.oldestAgeMs > OUTBOX_LAG_DEGRADED_MS;
  const status = !ready ? 'unavailable' : checks.smtp.ok && !lagging ? 'ok' : 'degraded';
  return { status, ready, checks: { ...checks, outbox } };
}
