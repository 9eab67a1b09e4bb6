// A standalone bench's scratch database on the local PostgreSQL (made under a name of its own, dropped at
// the end, also on Ctrl-C or SIGTERM) and its entry point.
import { createDb, type Db } from '../../prisma/client';
import { dropDatabase, ensureDatabase } from '../../prisma/migration-runner';

/**
 * Runs `work` with the new database's URL (its name ends the path) and a client of `poolSize` connections
 * (connected at its first query, so migrate first if the work needs the schema); then drops the database.
 */
export async function withScratchDatabase(
  tag: string,
  poolSize: number,
  work: (url: string, db: Db) => Promise<void>,
): Promise<void> {
  const base = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname))
    throw new Error(`the bench only talks to a local PostgreSQL, not ${base.hostname}`);
  base.pathname = `/nudge_bench_${tag}_${Date.now()}_${process.pid}`;
  const url = base.toString();
  const db = createDb(url, poolSize);
  const cleanup = async () => {
    await db.$disconnect().catch(() => undefined);
    await dropDatabase(url);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  try {
    await ensureDatabase(url);
    await work(url, db);
  } finally {
    await cleanup();
  }
}

/** Runs a standalone bench's `main`: exit 0 once it ends, else 1 with the last lines of its error. */
export function runStandalone(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err instanceof Error ? `${err.message.split('\n').slice(-3).join('\n')}` : err);
      process.exit(1);
    },
  );
}
