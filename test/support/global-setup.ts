// Once per test run: a Temporal dev server (the CLI binary built by scripts/prepare.ts) and a fresh
// PostgreSQL database with the migrations applied. Their addresses reach the test files through env.
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureTemporalCli } from '../../scripts/temporal-cli';
import { ALL_SEARCH_ATTRIBUTE_KEYS } from '../../shared/contracts/search-attributes';
import { ensureDatabase, migrate } from '../../prisma/migration-runner';

export default async function globalSetup() {
  const base = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/nudge_test_${Date.now()}_${process.pid}`;
  const databaseUrl = base.toString();
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl, path.join(__dirname, '..', '..', 'prisma', 'migrations'));

  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: ensureTemporalCli() },
      ip: '127.0.0.1',
      searchAttributes: ALL_SEARCH_ATTRIBUTE_KEYS,
      log: { format: 'pretty', level: 'warn' },
    },
  });
  (globalThis as Record<string, unknown>).__NUDGE_TEST__ = { env, databaseUrl };
  process.env.NUDGE_TEST_DATABASE_URL = databaseUrl;
  process.env.NUDGE_TEST_TEMPORAL_ADDRESS = env.address;
}
