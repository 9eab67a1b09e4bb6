// Once per run of the fast project (test/unit, test/workflows): a Temporal dev server and nothing else.
// No database: the workflow tests run the real workflow code against in-memory fake activities.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestTemporal } from './temporal-server';

export default async function temporalOnlySetup() {
  const env = await startTestTemporal(
    // Test-sized "days" (a fraction of a second) need two server minimums lowered from 1 s: the earliest
    // a timer may fire after "now" (timers still never fire early), and the shortest life of a run before
    // its continue-as-new run starts (the guard against tight continue-as-new loops).
    [
      '--dynamic-config-value',
      'history.timerProcessorMaxTimeShift="10ms"',
      '--dynamic-config-value',
      'history.workflowIdReuseMinimalInterval="10ms"',
    ],
  );
  // The workflow bundle is built by the first workflow test file that needs it and shared through here.
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'nudge-fast-'));
  (globalThis as Record<string, unknown>).__NUDGE_FAST_TEST__ = { env, runDir };
  process.env.NUDGE_FAST_TEMPORAL_ADDRESS = env.address;
  process.env.NUDGE_FAST_RUN_DIR = runDir;
}
