import { rmSync } from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

export default async function temporalOnlyTeardown() {
  const t = (globalThis as Record<string, unknown>).__NUDGE_FAST_TEST__ as
    { env: TestWorkflowEnvironment; runDir: string } | undefined;
  if (!t) return;
  delete (globalThis as Record<string, unknown>).__NUDGE_FAST_TEST__;
  await t.env.teardown();
  rmSync(t.runDir, { recursive: true, force: true });
}
