// A production entry point (worker/main.ts, api/main.ts) as a separate process against a test stack, with the
// stack's settings in its environment.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PORTAL_URL, type Stack } from './stack';

const root = path.join(__dirname, '..', '..');

export interface NudgeProcess {
  child: ChildProcess;
  log(): string;
}

/** Starts `entry` under tsx and resolves once its output contains `ready`; `env` adds or overrides settings. */
export function spawnNudgeProcess(
  stack: Stack,
  entry: string,
  ready: string,
  env: Record<string, string>,
): Promise<NudgeProcess> {
  let output = '';
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, entry)], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(stack.smtp.port),
      MAIL_FROM: 'Nudge <no-reply@nudge.test>', // as the stack's own worker
      PORTAL_URL,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: tsx runs the entry in a child node process, and a kill must reach both.
    detached: true,
  });
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes(ready)) resolve({ child, log: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${entry} exited (${code}):\n${output}`)));
  });
}

/** SIGKILL to the process's whole group: no graceful shutdown, in-flight work is lost. */
export async function killNudgeProcess(p: NudgeProcess | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  process.kill(-p.child.pid!, 'SIGKILL');
  await exited;
}
