import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { dropDatabase } from '../../prisma/migration-runner';
import type { Database } from '../../scripts/database';

export default async function globalTeardown() {
  const t = (globalThis as Record<string, unknown>).__NUDGE_TEST__ as
    { env: TestWorkflowEnvironment; databaseUrl: string; server: Database } | undefined;
  if (!t) return;
  await t.env.teardown();
  if (!process.env.NUDGE_TEST_KEEP_DB) await dropDatabase(t.databaseUrl);
  await t.server.stop(); // an embedded server and its throwaway data; nothing for a configured one
}
