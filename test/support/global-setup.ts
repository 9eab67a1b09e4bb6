// Once per test run: a Temporal dev server (the CLI binary built by scripts/prepare.ts) and a fresh
// PostgreSQL database with the migrations applied. Their addresses reach the test files through env.
// The server is DATABASE_URL, the one at 127.0.0.1:5432, or else an embedded one for the run (scripts/database.ts).
import path from 'node:path';
import { openDatabase } from '../../scripts/database';
import { startTestTemporal } from './temporal-server';
import { ensureDatabase, migrate } from '../../prisma/migration-runner';

export default async function globalSetup() {
  const server = await openDatabase();
  console.log(`\n[test] database: ${server.description}`);
  const base = new URL(server.url);
  base.pathname = `/nudge_test_${Date.now()}_${process.pid}`;
  const databaseUrl = base.toString();
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl, path.join(__dirname, '..', '..', 'prisma', 'migrations'));

  const env = await startTestTemporal();
  (globalThis as Record<string, unknown>).__NUDGE_TEST__ = { env, databaseUrl, server };
  process.env.NUDGE_TEST_DATABASE_URL = databaseUrl;
  process.env.NUDGE_TEST_TEMPORAL_ADDRESS = env.address;
}
