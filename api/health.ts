// GET /health: whether the database, Temporal and SMTP answer, for operators and load balancers.
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
    timed(() => temporal.workflowService.getSystemInfo({})),
    timed(() => mailer.verify()),
  ]);
  const ok = database.ok && temporalCheck.ok && smtp.ok;
  return { status: ok ? 'ok' : 'degraded', checks: { database, temporal: temporalCheck, smtp } };
}
