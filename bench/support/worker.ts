// The worker in a child process, so its peak RSS is its own.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WORKER_NODE_FLAGS } from '../../scripts/node-options';
import type { CpuCategory } from './cpu';
import type { SqlCounts } from './sql';
import { ROOT, sleep } from './env';

export interface WorkerProcessConfig {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  smtpPort: number;
  poolSize: number;
  maxConcurrentActivities: number;
  /** The worker's workflow cache (BENCH_WORKER_CACHE); absent: createNudgeWorker's default. */
  maxCachedWorkflows?: number;
  /** The worker's sticky queue timeout (BENCH_WORKER_STICKY_SECONDS); absent: createNudgeWorker's default. */
  stickyQueueTimeoutSeconds?: number;
  /** Local activities at once (BENCH_WORKER_LOCAL_ACTIVITIES); absent: createNudgeWorker's default. */
  maxConcurrentLocalActivities?: number;
  /** A workflow bundle written to disk by the parent (built once, shared by every worker process). */
  bundlePath: string;
}

export interface WorkerProcess {
  pid: number;
  /** Peak resident set size of the worker process so far (VmHWM), in MiB. */
  peakRssMiB(): number;
  /** Starts/stops a V8 CPU profile of the worker's main thread (activities, SDK glue). */
  profileStart(): Promise<void>;
  profileStop(): Promise<CpuCategory[]>;
  /** Restarts / reads the count of SQL statements the worker ran (null: its db has no pg pool to count on). */
  sqlReset(): Promise<void>;
  sqlRead(): Promise<SqlCounts | null>;
  /** Shuts the worker down gracefully (bounded), returns its peak RSS in MiB. */
  stop(): Promise<number>;
}

/** A memory figure of a process from /proc/<pid>/status in MiB: VmHWM its peak RSS, VmRSS its RSS now. */
export function readStatusMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export const readVmHwmMiB = (pid: number): number => readStatusMiB(pid, 'VmHWM');

/** Runs bench/worker-process.ts under tsx in a child process and waits until its worker polls. */
export async function startWorkerProcess(config: WorkerProcessConfig, timeoutMs = 120_000): Promise<WorkerProcess> {
  const child: ChildProcess = fork(path.join(__dirname, '..', 'worker-process.ts'), [], {
    cwd: ROOT,
    // BENCH_WORKER_CPU_PROF=<dir>: a V8 CPU profile of the worker's main thread, written there when it exits.
    execArgv: [
      '--import',
      'tsx',
      ...WORKER_NODE_FLAGS, // as npm start runs the worker
      ...(process.env.BENCH_WORKER_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_CPU_PROF}`]
        : []),
    ],
    env: { ...process.env, BENCH_WORKER_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('worker process did not become ready in time')), timeoutMs);
    child.on('message', (m: { type?: string }) => {
      if (m?.type === 'ready') {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker process exited during startup (code ${code})`));
    });
  });
  const pid = child.pid!;
  let lastPeak = NaN;
  const reply = <T>(type: string, timeoutMs = 30_000) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', on);
        reject(new Error(`worker process did not answer ${type}`));
      }, timeoutMs);
      const on = (m: { type?: string; data?: T }) => {
        if (m?.type !== type) return;
        clearTimeout(timer);
        child.off('message', on);
        resolve(m.data as T);
      };
      child.on('message', on);
    });
  return {
    pid,
    async profileStart() {
      const done = reply<null>('profile-started');
      child.send({ type: 'profile-start' });
      await done;
    },
    async profileStop() {
      const done = reply<CpuCategory[]>('profile');
      child.send({ type: 'profile-stop' });
      return done;
    },
    async sqlReset() {
      const done = reply<null>('sql-reset-done');
      child.send({ type: 'sql-reset' });
      await done;
    },
    async sqlRead() {
      const done = reply<SqlCounts | null>('sql');
      child.send({ type: 'sql-read' });
      return done;
    },
    peakRssMiB: () => (lastPeak = readVmHwmMiB(pid) || lastPeak),
    async stop() {
      const peak = readVmHwmMiB(pid);
      if (Number.isFinite(peak)) lastPeak = peak;
      if (child.exitCode === null && child.signalCode === null) {
        child.send({ type: 'stop' });
        const done = await Promise.race([exited.then(() => true), sleep(30_000).then(() => false)]);
        if (!done) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      return lastPeak;
    },
  };
}
