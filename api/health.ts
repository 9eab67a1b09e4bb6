// GET /health: whether the database, Temporal and SMTP answer, for operators. GET /health/ready: whether
// this API instance can serve (database and Temporal answer; SMTP is reported but does not fail it, since
// emails go out from the worker and an SMTP outage is no reason to drop healthy API instances), for load
// balancers. GET /health/live: the process runs (api/app.ts).
import type { Client } from '@temporalio/client';
import type { Db } from '../prisma/client';
import type { Mailer } from '../domain/email/mailer';

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

/** Readiness: 'ok' (200), 'degraded' (200: only SMTP is down), or 'unavailable' (503: database or Temporal). */
export async function checkReady(db: Db, temporal: Client, mailer: Mailer) {
  const { checks } = await checkHealth(db, temporal, mailer);
  const ready = checks.database.ok && checks.temporal.ok;
  return { status: !ready ? 'unavailable' : checks.smtp.ok ? 'ok' : 'degraded', ready, checks };
}
