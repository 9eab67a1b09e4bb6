// Per-process CPU accounting from /proc, and V8 CPU profiles by category.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './env';

const CLK_TCK = 100; // Linux USER_HZ

/** The processes whose CPU time is accounted for: ours only, since the machine may be shared. */
const tracked: { workerPid?: number; apiPid?: number; temporalPid?: number; dbName?: string } = {};
export function trackWorkerPid(pid: number | undefined) {
  tracked.workerPid = pid;
}
/** An API in its own process (bench/support/api-process.ts): category `api`. */
export function trackApiPid(pid: number | undefined) {
  tracked.apiPid = pid;
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
 * database plus the shared WAL writer, checkpointer and background writer), our worker and API processes, and the
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
      else if (Number(pid) === tracked.apiPid) category = 'api';
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
  const out: Record<string, number> = { temporal: 0, postgres: 0, worker: 0, api: 0, others: 0 };
  for (const [pid, x] of b.byPid) {
    const before = a.byPid.get(pid);
    out[x.category] += x.secs - (before && before.category === x.category ? before.secs : 0);
  }
  const ours = out.temporal + out.postgres + out.worker + out.api;
  out.others = Math.max(0, b.busy - a.busy - ours - (b.self - a.self));
  return out;
}

/** The pid of the dev server we started (the `temporal` binary listening on `port`). */
export function temporalServerPid(cliPath: string, port: string): number | undefined {
  for (const e of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const args = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (args[0] === cliPath && args.includes('start-dev') && args[args.indexOf('--port') + 1] === port)
        return Number(e);
    } catch {
      /* not readable or gone */
    }
  }
  return undefined;
}

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
    (profile.samples ?? []).forEach((id, i) =>
      selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0)),
    );
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
        out.set(Number(tid), {
          name: stat.slice(stat.indexOf('(') + 1, close),
          secs: (Number(fields[11]) + Number(fields[12])) / CLK_TCK,
        });
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
    if (
      pkg.startsWith('@temporalio/') ||
      pkg.startsWith('@grpc/') ||
      pkg === 'protobufjs' ||
      pkg.startsWith('@protobufjs/')
    )
      return 'Temporal client (gRPC, protobuf)';
    if (
      [
        'express',
        'router',
        'body-parser',
        'raw-body',
        'iconv-lite',
        'type-is',
        'mime-types',
        'content-type',
        'send',
        'finalhandler',
        'on-finished',
        'qs',
        'debug',
        'accepts',
        'negotiator',
        'depd',
        'http-errors',
      ].includes(pkg)
    )
      return 'Express (+ body parsing)';
    return pkg;
  }
  if (url.includes('internal/deps/undici') || url.includes('undici')) return 'fetch/undici (load generator)';
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0]}`;
  const rel = url.replace(/^file:\/\//, '');
  if (rel.startsWith(ROOT)) return `app ${path.relative(ROOT, rel).split('/')[0]}/`;
  return url;
}
