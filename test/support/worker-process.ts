// The production worker (worker/main.ts) as a separate process against a test stack, so a test can kill
// it with SIGKILL mid-work and start it again.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PORTAL_URL, type Stack } from './stack';

const root = path.join(__dirname, '..', '..');

export interface WorkerProcess {
  child: ChildProcess;
  log(): string;
}

/** `env` adds or overrides settings of the worker process (e.g. WORKER_METRICS_PORT). */
export function spawnWorker(stack: Stack, env: Record<string, string> = {}): Promise<WorkerProcess> {
  let output = '';
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'worker', 'main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(stack.smtp.port),
      PORTAL_URL,
      // The reconciler has its own test; its Schedule would outlive this worker on the shared dev server.
      RECONCILER_INTERVAL_SECONDS: '0',
      // Several test workers may run at once: no metrics port unless a test asks for one.
      WORKER_METRICS_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: tsx runs the worker in a child node process, and the kill must reach both.
    detached: true,
  });
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('worker listening')) resolve({ child, log: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${output}`)));
  });
}

/** SIGKILL to the worker's whole process group: no graceful shutdown, in-flight work is lost. */
export async function killWorker(w: WorkerProcess | undefined): Promise<void> {
  if (!w || w.child.exitCode !== null || w.child.signalCode !== null) return;
  const exited = new Promise((r) => w.child.once('exit', r));
  process.kill(-w.child.pid!, 'SIGKILL');
  await exited;
}
