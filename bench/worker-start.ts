// The production worker as docker-compose runs it (`node --heap-growing-percent=50 dist/worker/main.js`, with
// the image's NODE_OPTIONS) started with the workflow bundle `npm run build` wrote, and without it (then it
// runs webpack at start): time until it polls, and its RSS after 10 s idle and at peak.
// `npx tsx bench/worker-start.ts`; BENCH_WORKER_STARTS (default 3) starts of each, interleaved. Builds into a
// folder of its own (the project's dist/ is left alone), with its own dev server and database.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { dropDatabase } from '../prisma/migration-runner';
import { WORKER_NODE_FLAGS, withYoungGeneration } from '../scripts/node-options';
import {
  DEFAULT_TEMPORAL_DYNAMIC_CONFIG,
  ROOT,
  cleanupOnExit,
  createBenchDatabase,
  envInt,
  fmt,
  log,
  readStatusMiB,
  sleep,
  startTemporal,
  table,
} from './support';

const STARTS = envInt('BENCH_WORKER_STARTS', 3);
const IDLE_MS = 10_000;

type Mode = 'prebuilt bundle' | 'bundled at start';
interface Start {
  readySeconds: number;
  idleRssMiB: number;
  peakRssMiB: number;
}

/** tsc and the bundles into `dist`, which sits in the project so that node_modules resolves from it. */
function build(dist: string) {
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json', '--outDir', dist], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  // As the Dockerfile places the Prisma client: dist/prisma/client.js requires '../generated/prisma'.
  symlinkSync(path.join(ROOT, 'generated'), path.join(dist, 'generated'));
  execFileSync(process.execPath, [path.join(dist, 'scripts', 'bundle-workflows.js')], { cwd: ROOT, stdio: 'inherit' });
}

async function startOnce(dist: string, env: NodeJS.ProcessEnv): Promise<Start> {
  const started = performance.now();
  const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, path.join(dist, 'worker', 'main.js')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        output += d.toString();
        if (output.includes('worker listening')) resolve();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${output}`)));
    });
    const readySeconds = (performance.now() - started) / 1000;
    await sleep(IDLE_MS);
    return {
      readySeconds,
      idleRssMiB: readStatusMiB(child.pid!, 'VmRSS'),
      peakRssMiB: readStatusMiB(child.pid!, 'VmHWM'),
    };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

async function main() {
  const cleanup = cleanupOnExit();
  const dist = mkdtempSync(path.join(ROOT, '.bench-dist-'));
  cleanup.steps.push(() => rmSync(dist, { recursive: true, force: true }));
  try {
    log(`building into ${path.relative(ROOT, dist)}`);
    build(dist);
    const temporal = await startTemporal(DEFAULT_TEMPORAL_DYNAMIC_CONFIG);
    cleanup.steps.push(() => temporal.teardown());
    const databaseUrl = await createBenchDatabase();
    cleanup.steps.push(() => dropDatabase(databaseUrl));
    const env = withYoungGeneration({
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.connection.options.address,
      TEMPORAL_TASK_QUEUE: `bench-start-${process.pid}`,
      SMTP_HOST: '127.0.0.1',
      RECONCILER_INTERVAL_SECONDS: '0',
      WORKER_METRICS_PORT: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
    });
    // Without its record of what it bundled, the build's bundle is not used and the worker bundles.
    const manifest = path.join(dist, 'workflow-bundle.json');
    const results: Record<Mode, Start[]> = { 'prebuilt bundle': [], 'bundled at start': [] };
    for (let i = 0; i < STARTS; i++) {
      for (const mode of Object.keys(results) as Mode[]) {
        if (mode === 'bundled at start') renameSync(manifest, `${manifest}.off`);
        else if (existsSync(`${manifest}.off`)) renameSync(`${manifest}.off`, manifest);
        const r = await startOnce(dist, env);
        log(`${mode}: ready ${fmt(r.readySeconds)} s, RSS ${fmt(r.idleRssMiB, 0)} MiB, peak ${fmt(r.peakRssMiB, 0)}`);
        results[mode].push(r);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const row = (mode: Mode) => {
      const rs = results[mode];
      return [
        mode,
        `${fmt(median(rs.map((r) => r.readySeconds)))} s`,
        `${fmt(median(rs.map((r) => r.idleRssMiB)), 0)} MiB`,
        `${fmt(median(rs.map((r) => r.peakRssMiB)), 0)} MiB`,
      ];
    };
    console.log(
      `\nThe production worker, ${STARTS} starts each (medians):\n` +
        table(
          ['workflow code', 'ready', `RSS after ${IDLE_MS / 1000} s idle`, 'peak RSS'],
          Object.keys(results).map((m) => row(m as Mode)),
        ),
    );
  } finally {
    await cleanup.run();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
