// GET /health: whether the database, Temporal and SMTP answer, for operators. GET /health/ready: whether
// this API instance can serve (database and Temporal answer; SMTP is reported but does not fail it, since
// emails go out from the worker and an SMTP outage is no reason to drop healthy API instances, nor may a slow
// mail server delay the answer), for load balancers. GET /health/live: the process runs (api/app.ts).
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

const checkDatabase = (db: Db) => timed(() => db.$queryRaw`SELECT 1`);
// With a deadline: the client's own retries stop with the check, instead of running on for ~20 s.
const checkTemporal = (temporal: Client) =>
  timed(() => temporal.connection.withDeadline(Date.now() + 3000, () => temporal.workflowService.getSystemInfo({})));

export async function checkHealth(db: Db, temporal: Client, mailer: Mailer) {
  const [database, temporalCheck, smtp] = await Promise.all([
    checkDatabase(db),
    checkTemporal(temporal),
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
  const [database, temporalCheck, smtp, outbox] = await Promise.all([
    checkDatabase(db),
    checkTemporal(temporal),
    smtpForReadiness(mailer),
    outboxLag(db, 3000).catch(() => null),
  ]);
  const ready = database.ok && temporalCheck.ok;
  const lagging = outbox !== null && outbox.oldestAgeMs > OUTBOX_LAG_DEGRADED_MS;
  const status = !ready ? 'unavailable' : smtp.ok && !lagging ? 'ok' : 'degraded';
  return { status, ready, checks: { database, temporal: temporalCheck, smtp, outbox } };
}

/** Readiness waits this long for SMTP at most: a mail server that never answers must not time out the probe. */
const READY_SMTP_WAIT_MS = 300;
/** Readiness checks SMTP again after this long; the probes in between reuse the result (no login per probe). */
const READY_SMTP_RECHECK_MS = 15_000;

/** Per mailer, readiness's latest SMTP check: when it started, its result, and the newest result known. */
const smtpChecks = new WeakMap<Mailer, { startedAt: number; result: Promise<Check>; last?: Check }>();

/**
 * SMTP as readiness reports it: from a check at most READY_SMTP_RECHECK_MS old, awaited at most
 * READY_SMTP_WAIT_MS; while a slower one runs, the one before it (none yet: not ok).
 */
async function smtpForReadiness(mailer: Mailer): Promise<Check> {
  let latest = smtpChecks.get(mailer);
  if (!latest || Date.now() - latest.startedAt >= READY_SMTP_RECHECK_MS) {
    const started = { startedAt: Date.now(), result: timed(() => mailer.verify()), last: latest?.last };
    void started.result.then((check) => (started.last = check));
    smtpChecks.set(mailer, (latest = started));
  }
  const error = `no answer within ${READY_SMTP_WAIT_MS} ms yet`;
  return (
    (await within(latest.result, READY_SMTP_WAIT_MS)) ?? latest.last ?? { ok: false, ms: READY_SMTP_WAIT_MS, error }
  );
}

/** `promise`'s value, or undefined when it takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
