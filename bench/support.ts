// Shared pieces of the benchmarks (bench/run.ts): configuration from env, a fresh database, the Temporal
// dev server, the worker in a child process (so its peak RSS is its own), bounded load loops, seeding
// through createMany, per-process CPU accounting from /proc, and plain-text tables.
import { randomUUID } from 'node:crypto';
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureTemporalCli } from '../scripts/temporal-cli';
import { ALL_SEARCH_ATTRIBUTE_KEYS } from '../shared/contracts/search-attributes';
import { ensureDatabase, migrate } from '../prisma/migration-runner';
import type { Db } from '../prisma/client';

export const ROOT = path.resolve(__dirname, '..');
export const PORTAL_URL = 'http://portal.bench';

// ---------------------------------------------------------------------------------------------- env

export function envInt(name: string, def: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return Math.floor(n);
}

export function envList(name: string, def: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return def;
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`${name} must be a comma-separated list of positive integers, got ${JSON.stringify(raw)}`);
  return list;
}

export function envBool(name: string, def: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  return !['0', 'false', 'no', 'off'].includes(raw.toLowerCase());
}

// ---------------------------------------------------------------------------------------------- log

const t0 = Date.now();
export function log(msg: string): void {
  const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
  console.log(`[bench ${s}s] ${msg}`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Cleanup steps (drop the database, stop Temporal and the worker), run in reverse order by `run()` at the
 * end, or on SIGINT/SIGTERM, after which the process exits 130 (at the latest 20 s later).
 */
export function cleanupOnExit(onSignal?: () => void) {
  const steps: (() => Promise<unknown> | unknown)[] = [];
  const run = async () => {
    for (const step of steps.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        console.error('[bench] cleanup:', err instanceof Error ? err.message : err);
      }
    }
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      console.error(`[bench] ${sig}: stopping and cleaning up`);
      onSignal?.();
      const hard = setTimeout(() => process.exit(130), 20_000);
      void run().then(() => {
        clearTimeout(hard);
        process.exit(130);
      });
    });
  }
  return { steps, run };
}

// ----------------------------------------------------------------------------------------- database

/** A fresh database with the migrations applied; the caller drops it (dropDatabase) at the end. */
export async function createBenchDatabase(): Promise<string> {
  const base = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname)) throw new Error(`the bench only talks to a local PostgreSQL, not ${base.hostname}`);
  base.pathname = `/nudge_bench_${Date.now()}_${process.pid}`;
  const url = base.toString();
  await ensureDatabase(url);
  await migrate(url, path.join(ROOT, 'prisma', 'migrations'));
  return url;
}

// ---------------------------------------------------------------------------------------- temporal

/**
 * The dev server as test/support/global-setup.ts starts it, plus dynamic-config overrides (BENCH_TEMPORAL_DC,
 * `;`-separated KEY=JSON pairs, replaces the defaults below entirely when set; "none" for no overrides).
 */
export const DEFAULT_TEMPORAL_DYNAMIC_CONFIG = [
  // The mutable-state cache holds 8096 workflows in the dev server; the 10k-reminder run keeps more than
  // that open at once, and a miss means reloading the workflow from SQLite on every timer and task.
  'history.hostLevelCacheMaxSize=20000',
  // Eager activity execution (off by default in the server): a workflow task that schedules an activity on
  // its own task queue gets the activity task back in the same response when the worker has a free slot,
  // instead of a round trip through matching (measured: activity scheduled → started 35 ms → 0 ms p50).
  'system.enableActivityEagerExecution=true',
];

export function temporalDynamicConfig(): string[] {
  const raw = process.env.BENCH_TEMPORAL_DC;
  if (raw === undefined) return DEFAULT_TEMPORAL_DYNAMIC_CONFIG;
  if (raw.trim() === '' || raw.trim() === 'none') return [];
  return raw.split(';').map((s) => s.trim()).filter(Boolean);
}

export async function startTemporal(dynamicConfig: string[]): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: ensureTemporalCli() },
      ip: '127.0.0.1',
      searchAttributes: ALL_SEARCH_ATTRIBUTE_KEYS,
      log: { format: 'pretty', level: 'warn' },
      extraArgs: dynamicConfig.flatMap((kv) => ['--dynamic-config-value', kv]),
    },
  });
}

// ------------------------------------------------------------------------------------------ worker

export interface WorkerProcessConfig {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  smtpPort: number;
  poolSize: number;
  maxConcurrentActivities: number;
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
  /** Shuts the worker down gracefully (bounded), returns its peak RSS in MiB. */
  stop(): Promise<number>;
}

export function readVmHwmMiB(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Runs bench/worker-process.ts under tsx in a child process and waits until its worker polls. */
export async function startWorkerProcess(config: WorkerProcessConfig, timeoutMs = 120_000): Promise<WorkerProcess> {
  const child: ChildProcess = fork(path.join(__dirname, 'worker-process.ts'), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
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

// ------------------------------------------------------------------------------------------- loops

export interface LoadResult {
  ops: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  latencies: number[];
  /** CPU seconds used by this process during the run. */
  cpuSelf: number;
  /** CPU seconds of the other processes that matter here (Temporal server, PostgreSQL, worker). */
  cpuOthers: Record<string, number>;
}

/**
 * Runs `op(i)` for i in [0, count) with `concurrency` calls in flight; stops starting new ones after
 * `timeLimitMs`. Latencies are per successful call, in ms.
 */
export async function runLoad(count: number, concurrency: number, timeLimitMs: number, op: (i: number) => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const cpu0 = process.cpuUsage();
  const others0 = cpuSample();
  const start = performance.now();
  const deadline = start + timeLimitMs;
  async function lane() {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      const t = performance.now();
      try {
        await op(i);
        latencies.push(performance.now() - t);
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const cpuOthers = cpuDiff(others0, cpuSample());
  return { ops: latencies.length, errors, firstError, elapsedMs, latencies, cpuSelf: (cpu.user + cpu.system) / 1e6, cpuOthers };
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

// ------------------------------------------------------------------------------------ process CPU

const CLK_TCK = 100; // Linux USER_HZ

/** The processes whose CPU time is accounted for: ours only, since the machine may be shared. */
const tracked: { workerPid?: number; temporalPid?: number; dbName?: string } = {};
export function trackWorkerPid(pid: number | undefined) {
  tracked.workerPid = pid;
}
export function trackStack(temporalPid: number | undefined, dbName: string) {
  tracked.temporalPid = temporalPid;
  tracked.dbName = dbName;
}

const PG_SHARED = /^postgres: \S+: (checkpointer|background writer|walwriter)/;

export interface CpuSample {
  byPid: Map<number, { category: string; secs: number }>;
  /** Busy CPU seconds of the whole machine (/proc/stat). */
  busy: number;
  /** CPU seconds of this process. */
  self: number;
}

/**
 * CPU seconds (user+system) so far of: our Temporal dev server, PostgreSQL (backends connected to our
 * database plus the shared WAL writer, checkpointer and background writer), our worker process, and the
 * machine as a whole; cpuDiff turns two samples into per-category seconds, with `others` = every other
 * process on the machine (to show whether something else ran meanwhile).
 */
export function cpuSample(): CpuSample {
  const byPid = new Map<number, { category: string; secs: number }>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    /* no /proc */
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      const secs = (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14, 15)
      let category: string | undefined;
      if (Number(pid) === tracked.workerPid) category = 'worker';
      else if (Number(pid) === tracked.temporalPid) category = 'temporal';
      else if (comm === 'postgres') {
        const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        if ((tracked.dbName && title.includes(` ${tracked.dbName} `)) || PG_SHARED.test(title)) category = 'postgres';
      }
      if (category) byPid.set(Number(pid), { category, secs });
    } catch {
      /* the process went away */
    }
  }
  let busy = NaN;
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    busy = (cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + (cpu[7] ?? 0)) / CLK_TCK; // user nice system irq softirq steal
  } catch {
    /* no /proc/stat */
  }
  const self = process.cpuUsage();
  return { byPid, busy, self: (self.user + self.system) / 1e6 };
}

/** Per-category CPU seconds between two samples; a process that exited in between is not counted. */
export function cpuDiff(a: CpuSample, b: CpuSample): Record<string, number> {
  const out: Record<string, number> = { temporal: 0, postgres: 0, worker: 0, others: 0 };
  for (const [pid, x] of b.byPid) {
    const before = a.byPid.get(pid);
    out[x.category] += x.secs - (before && before.category === x.category ? before.secs : 0);
  }
  out.others = Math.max(0, b.busy - a.busy - out.temporal - out.postgres - out.worker - (b.self - a.self));
  return out;
}

/** The pid of the dev server we started (the `temporal` binary listening on `port`). */
export function temporalServerPid(cliPath: string, port: string): number | undefined {
  for (const e of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const args = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (args[0] === cliPath && args.includes('start-dev') && args[args.indexOf('--port') + 1] === port) return Number(e);
    } catch {
      /* not readable or gone */
    }
  }
  return undefined;
}

// ------------------------------------------------------------------------------------- CPU profile

export interface CpuCategory {
  what: string;
  ms: number;
  share: number;
}

/**
 * Starts sampling this thread's CPU (V8 inspector); the returned function stops and returns self time by
 * package, largest first: which library the process burns its CPU in.
 */
export async function startCpuProfile(intervalUs = 250): Promise<() => Promise<CpuCategory[]>> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
    const selfUs = new Map<number, number>();
    const deltas = profile.timeDeltas ?? [];
    (profile.samples ?? []).forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0)));
    const totals = new Map<string, number>();
    for (const [id, us] of selfUs) {
      const n = byNode.get(id)!;
      const what = categorize(n.callFrame.url, n.callFrame.functionName);
      totals.set(what, (totals.get(what) ?? 0) + us);
    }
    const busy = [...totals.entries()].filter(([k]) => k !== '(idle)').reduce((a, [, v]) => a + v, 0);
    return [...totals.entries()]
      .filter(([k]) => k !== '(idle)')
      .map(([what, us]) => ({ what, ms: us / 1000, share: us / busy }))
      .sort((a, b) => b.ms - a.ms);
  };
}

export async function profileCpu(fn: () => Promise<void>): Promise<CpuCategory[]> {
  const stop = await startCpuProfile();
  try {
    await fn();
  } catch (err) {
    await stop();
    throw err;
  }
  return stop();
}

/** CPU seconds per thread of a process: the main thread (tid = pid) and the others by name. */
export function threadCpu(pid: number): Map<number, { name: string; secs: number }> {
  const out = new Map<number, { name: string; secs: number }>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const close = stat.lastIndexOf(')');
        const fields = stat.slice(close + 2).split(' ');
        out.set(Number(tid), { name: stat.slice(stat.indexOf('(') + 1, close), secs: (Number(fields[11]) + Number(fields[12])) / CLK_TCK });
      } catch {
        /* thread ended */
      }
    }
  } catch {
    /* process gone */
  }
  return out;
}

function categorize(url: string, fn: string): string {
  if (!url) {
    if (fn === '(idle)') return '(idle)';
    if (fn === '(garbage collector)') return 'GC';
    if (fn === '(program)') return 'V8/native (program)';
    return `native ${fn || '(anonymous)'}`;
  }
  if (url.startsWith('wasm://')) return 'Prisma query compiler (wasm)';
  if (url.includes('/generated/prisma/')) return 'Prisma client (generated runtime)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) {
    const pkg = m[1];
    if (pkg.startsWith('@prisma/')) return `Prisma (${pkg})`;
    if (pkg.startsWith('@temporalio/') || pkg.startsWith('@grpc/') || pkg === 'protobufjs' || pkg.startsWith('@protobufjs/')) return 'Temporal client (gRPC, protobuf)';
    if (['express', 'router', 'body-parser', 'raw-body', 'iconv-lite', 'type-is', 'mime-types', 'content-type', 'send', 'finalhandler', 'on-finished', 'qs', 'debug', 'accepts', 'negotiator', 'depd', 'http-errors'].includes(pkg)) return 'Express (+ body parsing)';
    return pkg;
  }
  if (url.includes('internal/deps/undici') || url.includes('undici')) return 'fetch/undici (load generator)';
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0]}`;
  const rel = url.replace(/^file:\/\//, '');
  if (rel.startsWith(ROOT)) return `app ${path.relative(ROOT, rel).split('/')[0]}/`;
  return url;
}

// ------------------------------------------------------------------------------------------ seeding

export interface SeededClient {
  accountId: string;
  contactId: string;
  emailId: string;
  address: string;
}

/**
 * `n` accounts, each with one linked contact whose one email has an active login and notifications on
 * (so it receives every notification and reminder). Written with createMany in chunks.
 */
export async function seedClients(db: Db, firmId: string, n: number, label: string): Promise<SeededClient[]> {
  const clients: SeededClient[] = Array.from({ length: n }, (_, i) => ({
    accountId: randomUUID(),
    contactId: randomUUID(),
    emailId: randomUUID(),
    address: `${label}-${i}-${randomUUID().slice(0, 8)}@client.bench`,
  }));
  const CHUNK = 2000;
  for (let i = 0; i < n; i += CHUNK) {
    const part = clients.slice(i, i + CHUNK);
    await db.account.createMany({ data: part.map((c, j) => ({ id: c.accountId, firmId, name: `${label} account ${i + j}`, type: 'company' as const })) });
    await db.contact.createMany({ data: part.map((c, j) => ({ id: c.contactId, firmId, firstName: 'Bench', lastName: `Client ${i + j}` })) });
    await db.contactEmail.createMany({ data: part.map((c) => ({ id: c.emailId, firmId, contactId: c.contactId, address: c.address, login: 'active' as const, notify: true })) });
    await db.accountContact.createMany({ data: part.map((c) => ({ accountId: c.accountId, contactId: c.contactId })) });
  }
  return clients;
}

// ------------------------------------------------------------------------------------------- tables

export type Cell = string | number;

export function fmt(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toFixed(digits);
}

/** A markdown-style table that also reads well as plain text (columns padded). */
export function table(headers: string[], rows: Cell[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join(' | ')} |`;
  return [line(cells[0]), `|${widths.map((w, c) => (c === 0 ? ':' : '-') + '-'.repeat(w) + (c === 0 ? '-' : ':')).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}
