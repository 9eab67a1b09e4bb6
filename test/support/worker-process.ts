// The production worker (worker/main.ts) as a separate process against a test stack, so a test can kill
// it with SIGKILL mid-work and start it again.
import type { Stack } from './stack';
import { killNudgeProcess, spawnNudgeProcess, type NudgeProcess } from './nudge-process';

export type WorkerProcess = NudgeProcess;

/** `env` adds or overrides settings of the worker process (e.g. WORKER_METRICS_PORT). */
export function spawnWorker(stack: Stack, env: Record<string, string> = {}): Promise<WorkerProcess> {
  return spawnNudgeProcess(stack, 'worker/main.ts', 'worker listening', {
    // The reconciler has its own test; its Schedule would outlive this worker on the shared dev server.
    RECONCILER_INTERVAL_SECONDS: '0',
    // Several test workers may run at once: no metrics port unless a test asks for one.
    WORKER_METRICS_PORT: '0',
    ...env,
  });
}

/** SIGKILL to the worker's whole process group: no graceful shutdown, in-flight work is lost. */
export const killWorker = killNudgeProcess;
