// The API in a process of its own, started as `npm start` starts it (api/main.ts): the event bench's load
// generator then shares no thread with the server it measures, as the raw client shares none with Temporal.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT, sleep } from './env';
import { freePort } from '../../scripts/free-port';
import { trackApiPid } from './cpu';

export interface ApiProcessConfig {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  smtpPort: number;
  poolSize: number;
}

export interface ApiProcess {
  pid: number;
  url: string;
  stop(): Promise<void>;
}

/** Starts api/main.ts under tsx and waits until it answers /health. No rate limit: the bench is one key. */
export async function startApiProcess(config: ApiProcessConfig, timeoutMs = 60_000): Promise<ApiProcess> {
  const port = await freePort();
  // BENCH_API_CPU_PROF=<dir>: a V8 CPU profile of the API's main thread, written there when it exits.
  const profile = process.env.BENCH_API_CPU_PROF;
  const args = [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []), '--import', 'tsx'];
  const child: ChildProcess = spawn(process.execPath, [...args, path.join(ROOT, 'api', 'main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: config.databaseUrl,
      TEMPORAL_ADDRESS: config.temporalAddress,
      TEMPORAL_TASK_QUEUE: config.taskQueue,
      SMTP_PORT: String(config.smtpPort),
      API_DB_POOL_SIZE: String(config.poolSize),
      API_RATE_LIMIT_BURST: '0',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      OTEL_EXPORTER_OTLP_ENDPOINT: undefined, // untraced, as the in-process API
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`API process exited during startup (code ${child.exitCode})`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('API process did not become healthy in time');
    }
    await sleep(250);
  }
  trackApiPid(child.pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    url,
    async stop() {
      trackApiPid(undefined);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      if (!(await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]))) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
