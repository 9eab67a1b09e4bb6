import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { dropDatabase } from '../../prisma/migration-runner';

export default async function globalTeardown() {
  const t = (globalThis as Record<string, unknown>).__NUDGE_TEST__ as
    { env: TestWorkflowEnvironment; databaseUrl: string } | undefined;
  if (!t) return;
  await t.env.teardown();
  if (!process.env.NUDGE_TEST_KEEP_DB) await dropDatabase(t.databaseUrl);
}
