// The limit, measured: what this machine's Temporal server and one worker with Nudge's settings can do with
// Nudge's workflow shapes and no work inside (bench/limit-workflows.ts), so that the other benchmarks can
// report their figures as a share of it. bench/run.ts runs it first; `npx tsx bench/limit.ts` runs it alone
// (its own dev server, with the bench's dynamic config). Two shapes, N workflows each:
//   (a) timers firing together: every workflow waits until the same instant a few seconds after the last
//       start, then runs one no-op activity (a burst of reminders falling due): completions/s from that
//       instant to the last activity, and the lateness of each activity after the instant;
//   (b) starts as fast as the client can (client.workflow.start, BENCH_CONCURRENCY in flight as in the
//       event bench), each running one no-op activity (an item's notification): start → activity ran per s.
// The worker runs in a child process (this file, forked), as the Nudge worker does in the benchmarks, with
// the very options worker/worker.ts gives Nudge's worker (read from createNudgeWorker, so they follow it).
//
//   (a) tagged, unless BENCH_LIMIT_TAGGED=0: shape (a) started with a reminder's search attributes and memo,
//       upserting NudgeStatus as a reminder does (what the visibility writes cost the same burst).
//   (a) local, unless BENCH_LIMIT_LOCAL=0: shape (a) with its activity as a local activity, the shape of a
//       reminder since patched('local-dispatch') (its send runs inside the workflow task the timer wakes).
// Env (alone; bench/run.ts passes its own): BENCH_LIMIT_N=3000, BENCH_CONCURRENCY=32,
// BENCH_LIMIT_LEAD_SECONDS=5, BENCH_LIMIT_TAGGED=1, BENCH_LIMIT_LOCAL=1, BENCH_WORKER_ACTIVITIES=100, BENCH_TEMPORAL_DC
// (bench/support/stack.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import { DEFAULT_MAX_CONCURRENT_LOCAL_ACTIVITIES, createNudgeWorker } from '../worker/worker';
import { WORKER_NODE_FLAGS } from '../scripts/node-options';
import { ensureTemporalCli } from '../scripts/temporal-cli';
import { itemReminderStart } from '../shared/contracts/item-reminder';
import type { LimitActivities } from './limit-workflows';
import {
  ROOT,
  cpuDiff,
  cpuSample,
  envBool,
  envInt,
  fmt,
  log,
  percentile,
  readVmHwmMiB,
  runLoad,
  sleep,
  startTemporal,
  table,
  temporalDynamicConfig,
  temporalServerPid,
  trackStack,
  trackWorkerPid,
  type Cell,
  type CpuSample,
  type LoadResult,
} from './support';

export interface LimitOptions {
  n: number;
  /** Starts in flight (the event bench's concurrency). */
  concurrency: number;
  /** The timers of (a) fire this long after the last start is expected to have returned. */
  leadSeconds: number;
  /** As Nudge's worker: maxConcurrentActivityTaskExecutions and maxConcurrentLocalActivityExecutions. */
  maxConcurrentActivities: number;
  maxConcurrentLocalActivities: number;
  /** As Nudge's worker in the same run (BENCH_WORKER_CACHE); absent: createNudgeWorker's default. */
  maxCachedWorkflows?: number;
  /** As Nudge's worker in the same run (BENCH_WORKER_STICKY_SECONDS); absent: createNudgeWorker's default. */
  stickyQueueTimeoutSeconds?: number;
  /** Also measure shape (a) with a reminder's search attributes, memo and status upserts. */
  tagged?: boolean;
  /** Also measure shape (a) with its activity as a local activity. */
  local?: boolean;
}

export interface LimitPhase {
  started: number;
  startErrors: number;
  firstError?: string;
  /** Client-side rate of workflow.start calls (s from the first call to the last answer). */
  startsPerSec: number;
  /** Workflows whose no-op activity ran (each counted once), and how many ran it more than once. */
  done: number;
  duplicates: number;
  /** The rate: done / seconds, over the window described by the phase. */
  seconds: number;
  perSec: number;
  /** (a): activity ran − timer instant; (b): start call → activity ran. In ms. */
  p50: number;
  p99: number;
  max: number;
  /** CPU seconds over the phase: worker, temporal, bench (this process), others. */
  cpuSeconds: Record<string, number>;
}

export interface LimitResult {
  n: number;
  /** Shape (a); `leadMs`: how long after the last start returned the timers fired (negative: too early). */
  timers: LimitPhase & { leadMs: number };
  /** Shape (a) with a reminder's search attributes, memo and status upserts (LimitOptions.tagged). */
  tagged?: LimitPhase & { leadMs: number };
  /** Shape (a) with a local activity (LimitOptions.local). */
  local?: LimitPhase & { leadMs: number };
  /** Shape (b). */
  starts: LimitPhase;
  workerPeakRssMiB: number;
  settings: LimitOptions;
  /** The limit worker's effective settings (cache, pollers, slots), as the SDK compiled them. */
  workerSettings: string;
}

interface LimitWorkerConfig {
  temporalAddress: string;
  taskQueue: string;
  maxConcurrentActivities: number;
  maxConcurrentLocalActivities: number;
  maxCachedWorkflows?: number;
  stickyQueueTimeoutSeconds?: number;
}

type Ran = [key: string, at: number];

/** createNudgeWorker's default, which the bench's Nudge worker (bench/worker-process.ts) runs with. */
export const NUDGE_WORKER_LOCAL_ACTIVITIES = DEFAULT_MAX_CONCURRENT_LOCAL_ACTIVITIES;

export async function runLimitBench(
  ctx: { temporalAddress: string; client: Client },
  o: LimitOptions,
): Promise<LimitResult> {
  const { client } = ctx;
  const taskQueue = `bench-limit-${randomUUID()}`;
  const ran = new Map<string, number>(); // workflow id → when its activity first ran (epoch ms)
  let duplicates = 0;
  const worker = await startLimitWorker(
    {
      temporalAddress: ctx.temporalAddress,
      taskQueue,
      maxConcurrentActivities: o.maxConcurrentActivities,
      maxConcurrentLocalActivities: o.maxConcurrentLocalActivities,
      maxCachedWorkflows: o.maxCachedWorkflows,
      stickyQueueTimeoutSeconds: o.stickyQueueTimeoutSeconds,
    },
    (batch: Ran[]) => {
      for (const [key, at] of batch) {
        if (ran.has(key)) duplicates++;
        else ran.set(key, at);
      }
    },
  );
  trackWorkerPid(worker.pid);
  log(`limit: worker process ${worker.pid} polling ${taskQueue}`);
  const waitMs = 120_000 + o.n * 100;
  const waitRan = async (ids: string[]) => {
    const deadline = Date.now() + waitMs;
    while (ids.some((id) => !ran.has(id)) && Date.now() < deadline) await sleep(100);
  };
  // The next phase starts once the server has closed every workflow of this one (visibility lags a little).
  const waitClosed = async () => {
    const deadline = Date.now() + 60_000;
    const query = `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`;
    while (Date.now() < deadline && (await client.workflow.count(query)).count > 0) await sleep(500);
  };
  const startAll = (prefix: string, count: number, start: (id: string) => Promise<unknown>) => {
    const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    const startedAt = new Map<string, number>(); // the started ones only: when their start call was made
    const load = runLoad(count, o.concurrency, waitMs, async (i) => {
      const at = Date.now();
      await start(ids[i]);
      startedAt.set(ids[i], at);
    });
    return { ids, startedAt, load };
  };
  const run = randomUUID().slice(0, 8);
  const startB = (id: string) => client.workflow.start('limitStartWorkflow', { taskQueue, workflowId: id, args: [] });

  try {
    // Warm-up (JIT, worker cache, gRPC channels): not measured.
    const warm = startAll(`limit-warm-${run}`, Math.min(100, o.n), startB);
    await warm.load;
    await waitRan(warm.ids);
    await waitClosed();

    // (b) starts as fast as possible, each then running its activity.
    log(`limit (b): ${o.n} workflows started at concurrency ${o.concurrency}, one no-op activity each`);
    const dupBefore = duplicates;
    const cpu0 = cpuSample();
    const b = startAll(`limit-start-${run}`, o.n, startB);
    const bLoad = await b.load;
    const bOk = b.ids.filter((id) => b.startedAt.has(id));
    await waitRan(bOk);
    const cpu1 = cpuSample();
    const first = Math.min(...b.startedAt.values());
    const bDone = bOk.filter((id) => ran.has(id));
    const bLast = Math.max(first, ...bDone.map((id) => ran.get(id)!));
    const bLat = bDone.map((id) => ran.get(id)! - b.startedAt.get(id)!);
    const starts = phaseOf(bLoad, bLat, first, bLast, duplicates - dupBefore, cpu0, cpu1);
    const { startsPerSec } = starts;
    log(
      `limit (b): ${starts.done}/${o.n} done, ${fmt(starts.perSec)}/s start → activity (starts ${fmt(startsPerSec)}/s), p50 ${fmt(starts.p50, 0)} ms, p99 ${fmt(starts.p99, 0)} ms`,
    );
    await waitClosed();

    // (a) timers due at one instant: after the last start (planned from the start rate just measured, with
    // a margin), so every workflow is waiting on its timer when they fire.
    const timersPhase = async (
      name: string,
      prefix: string,
      start: (id: string, fireAt: number) => Promise<unknown>,
    ) => {
      const dupBefore = duplicates;
      const fireAt = Date.now() + Math.round((o.n / Math.max(1, startsPerSec)) * 1500 + o.leadSeconds * 1000);
      log(`${name}: ${o.n} timers firing at one instant ${fmt((fireAt - Date.now()) / 1000)} s from now`);
      const a = startAll(`${prefix}-${run}`, o.n, (id) => start(id, fireAt));
      const aLoad = await a.load;
      const leadMs = fireAt - Date.now();
      if (leadMs < 0) log(`${name}: the last start returned ${fmt(-leadMs / 1000)} s after the timers' instant`);
      await sleep(Math.max(0, leadMs - 1000));
      const cpu0 = cpuSample();
      const aOk = a.ids.filter((id) => a.startedAt.has(id));
      await waitRan(aOk);
      const cpu1 = cpuSample();
      const aDone = aOk.filter((id) => ran.has(id));
      const aLast = Math.max(fireAt, ...aDone.map((id) => ran.get(id)!));
      const aLate = aDone.map((id) => ran.get(id)! - fireAt);
      const phase = { ...phaseOf(aLoad, aLate, fireAt, aLast, duplicates - dupBefore, cpu0, cpu1), leadMs };
      log(
        `${name}: ${phase.done}/${o.n} done, ${fmt(phase.perSec)}/s after the timers' instant, lateness p50 ${fmt(phase.p50, 0)} ms, p99 ${fmt(phase.p99, 0)} ms`,
      );
      await waitClosed();
      return phase;
    };
    const timers = await timersPhase('limit (a)', 'limit-timer', (id, fireAt) =>
      client.workflow.start('limitTimerWorkflow', { taskQueue, workflowId: id, args: [fireAt] }),
    );
    // (a) again with a reminder's search attributes, memo and status upserts: what visibility costs.
    const tagged = o.tagged
      ? await timersPhase('limit (a), tagged', 'limit-tagged', (id, fireAt) => {
          const { searchAttributes, memo } = itemReminderStart(
            { firmId: 'bench-firm', accountId: 'bench-account', kind: 'chat', itemId: id },
            86_400,
          );
          return client.workflow.start('limitTimerTaggedWorkflow', {
            taskQueue,
            workflowId: id,
            args: [fireAt],
            typedSearchAttributes: searchAttributes,
            memo,
          });
        })
      : undefined;
    // (a) again with the activity run inside the workflow task (a local activity).
    const local = o.local
      ? await timersPhase('limit (a), local activity', 'limit-local', (id, fireAt) =>
          client.workflow.start('limitTimerLocalWorkflow', { taskQueue, workflowId: id, args: [fireAt] }),
        )
      : undefined;
    return {
      n: o.n,
      timers,
      ...(tagged ? { tagged } : {}),
      ...(local ? { local } : {}),
      starts,
      workerPeakRssMiB: worker.peakRssMiB(),
      settings: o,
      workerSettings: worker.settings,
    };
  } finally {
    await worker.stop();
    trackWorkerPid(undefined);
  }
}

/** A phase's figures: `lat` holds one latency (ms) per workflow done; the rate runs from `from` to `last`. */
function phaseOf(
  load: LoadResult,
  lat: number[],
  from: number,
  last: number,
  duplicates: number,
  cpu0: CpuSample,
  cpu1: CpuSample,
): LimitPhase {
  const seconds = (last - from) / 1000;
  return {
    started: load.ops,
    startErrors: load.errors,
    firstError: load.firstError,
    startsPerSec: load.ops / (load.elapsedMs / 1000),
    done: lat.length,
    duplicates,
    seconds,
    perSec: lat.length / Math.max(0.001, seconds),
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: lat.length ? Math.max(...lat) : NaN,
    cpuSeconds: { ...cpuDiff(cpu0, cpu1), bench: cpu1.self - cpu0.self },
  };
}

/** The limit's rows of the final table (figure, value). */
export function limitRows(r: LimitResult): Cell[][] {
  const cpu = (p: LimitPhase) =>
    `CPU s worker ${fmt(p.cpuSeconds.worker)} · Temporal ${fmt(p.cpuSeconds.temporal)} · bench ${fmt(p.cpuSeconds.bench)} · other processes ${fmt(p.cpuSeconds.others)}`;
  const incomplete = (p: LimitPhase) =>
    p.done < r.n || p.startErrors || p.duplicates
      ? ` · **${p.done}/${r.n} done, ${p.startErrors} start errors, ${p.duplicates} ran twice**`
      : '';
  return [
    [
      `limit (a): ${r.n} timers at one instant → no-op activity`,
      `**${fmt(r.timers.perSec)} completions/s** · lateness p50 ${fmt(r.timers.p50, 0)} ms · p99 ${fmt(r.timers.p99, 0)} ms · max ${fmt(r.timers.max, 0)} ms${incomplete(r.timers)}`,
    ],
    [
      '  (a) over the drain',
      `${fmt(r.timers.seconds)} s · ${cpu(r.timers)} · timers fired ${fmt(r.timers.leadMs / 1000)} s after the last start`,
    ],
    ...(r.tagged
      ? [
          [
            "  (a) with a reminder's search attributes, memo and NudgeStatus upserts",
            `${fmt(r.tagged.perSec)} completions/s (${fmt(r.tagged.perSec / r.timers.perSec, 2)} of (a)) · lateness p99 ${fmt(r.tagged.p99, 0)} ms · ${fmt(r.tagged.seconds)} s · ${cpu(r.tagged)}${incomplete(r.tagged)}`,
          ],
        ]
      : []),
    ...(r.local
      ? [
          [
            '  (a) with a local activity instead (a reminder’s shape since local-dispatch)',
            `${fmt(r.local.perSec)} completions/s (${fmt(r.local.perSec / r.timers.perSec, 2)} of (a)) · lateness p99 ${fmt(r.local.p99, 0)} ms · ${fmt(r.local.seconds)} s · ${cpu(r.local)}${incomplete(r.local)}`,
          ],
        ]
      : []),
    [
      `limit (b): ${r.n} started at concurrency ${r.settings.concurrency} → no-op activity`,
      `**${fmt(r.starts.perSec)} start → activity done/s** · start → done p50 ${fmt(r.starts.p50, 0)} ms · p99 ${fmt(r.starts.p99, 0)} ms${incomplete(r.starts)}`,
    ],
    ['  (b) over the run', `${fmt(r.starts.seconds)} s · starts ${fmt(r.starts.startsPerSec)}/s · ${cpu(r.starts)}`],
    ["  limit worker (Nudge's worker options)", `${r.workerSettings} · peak RSS ${fmt(r.workerPeakRssMiB, 0)} MiB`],
  ];
}

// ------------------------------------------------------------------------------------- worker process

interface LimitWorkerProcess {
  pid: number;
  settings: string;
  peakRssMiB(): number;
  stop(): Promise<void>;
}

/** Forks this file as the limit worker and waits until it polls; `onRan` gets the activity runs in batches. */
async function startLimitWorker(config: LimitWorkerConfig, onRan: (batch: Ran[]) => void): Promise<LimitWorkerProcess> {
  const child: ChildProcess = fork(__filename, [], {
    cwd: ROOT,
    // Node's flags as for Nudge's worker, like for like.
    execArgv: ['--import', 'tsx', ...WORKER_NODE_FLAGS],
    env: { ...process.env, BENCH_LIMIT_WORKER_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const settings = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('limit worker did not become ready in time')), 120_000);
    child.on('message', (m: { type?: string; data?: unknown }) => {
      if (m?.type === 'ready') {
        clearTimeout(timer);
        resolve(String(m.data));
      } else if (m?.type === 'ran') onRan(m.data as Ran[]);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error('limit worker exited during startup'));
    });
  });
  const pid = child.pid!;
  let peak = NaN;
  return {
    pid,
    settings,
    peakRssMiB: () => (peak = readVmHwmMiB(pid) || peak),
    async stop() {
      peak = readVmHwmMiB(pid) || peak;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'stop' });
      if (!(await Promise.race([exited.then(() => true), sleep(30_000).then(() => false)]))) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/**
 * The options createNudgeWorker gives Nudge's worker (cache, pollers, slots, ...), read by letting it build
 * one with Worker.create stood in for; only what it registers (workflows, activities, interceptors) is left.
 */
async function nudgeWorkerOptions(
  connection: NativeConnection,
  config: LimitWorkerConfig,
): Promise<Omit<WorkerOptions, 'taskQueue'>> {
  const create = Worker.create.bind(Worker);
  let captured: WorkerOptions | undefined;
  Worker.create = (options: WorkerOptions) => {
    // The first is the task queue's worker (the webhook attempts' comes next).
    captured ??= options;
    return Promise.resolve(undefined as unknown as Worker);
  };
  try {
    await createNudgeWorker({
      connection,
      namespace: 'default',
      taskQueue: config.taskQueue,
      // Never called: the activities are only registered, and these options drop them.
      deps: {} as ActivityDeps,
      workflowBundle: { code: '' },
      // As bench/worker-process.ts passes them to Nudge's worker in the benchmarks.
      maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
      maxConcurrentLocalActivityExecutions: config.maxConcurrentLocalActivities,
      maxCachedWorkflows: config.maxCachedWorkflows,
      stickyQueueTimeoutSeconds: config.stickyQueueTimeoutSeconds,
    });
  } finally {
    Worker.create = create;
  }
  if (!captured) throw new Error('createNudgeWorker did not call Worker.create');
  const {
    activities: _activities,
    workflowBundle: _bundle,
    workflowsPath: _path,
    interceptors: _interceptors,
    taskQueue: _queue,
    ...options
  } = captured;
  return options;
}

/** The SDK's compiled settings that bound throughput, in one line for the report. */
function describeWorker(w: Worker): string {
  const o = w.options;
  const pollers = (p: { type: string; maximum: number }) =>
    p.type === 'simple-maximum' ? `${p.maximum}` : `autoscaling ≤ ${p.maximum}`;
  const slots = (s: { type: string; numSlots?: number }) => (s.type === 'fixed-size' ? `${s.numSlots}` : s.type);
  return [
    `cache ${o.maxCachedWorkflows} workflows`,
    `pollers workflow ${pollers(o.workflowTaskPollerBehavior)} / activity ${pollers(o.activityTaskPollerBehavior)}`,
    `slots workflow ${slots(o.tuner.workflowTaskSlotSupplier)} / activity ${slots(o.tuner.activityTaskSlotSupplier)} / local activity ${slots(o.tuner.localActivityTaskSlotSupplier)}`,
    `workflow threads ${o.workflowThreadPoolSize}`,
    `sticky queue timeout ${o.stickyQueueScheduleToStartTimeoutMs / 1000} s`,
  ].join(' · ');
}

/** The child: a worker with Nudge's worker options, the no-op workflows and one no-op activity. */
async function runLimitWorker(config: LimitWorkerConfig) {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const ran: Ran[] = [];
  const activities: LimitActivities = {
    async limitNoop(key) {
      ran.push([key, Date.now()]);
    },
  };
  const flush = () => {
    if (ran.length) process.send?.({ type: 'ran', data: ran.splice(0) });
  };
  const flusher = setInterval(flush, 100);
  const worker = await Worker.create({
    ...(await nudgeWorkerOptions(connection, config)),
    taskQueue: config.taskQueue,
    workflowsPath: path.join(__dirname, 'limit-workflows.ts'),
    activities,
  });
  const stop = () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  process.on('message', (m: { type?: string }) => m?.type === 'stop' && stop());
  process.on('disconnect', () => {
    stop();
    setTimeout(() => process.exit(1), 10_000).unref();
  });
  const running = worker.run();
  process.send?.({ type: 'ready', data: describeWorker(worker) });
  await running;
  clearInterval(flusher);
  flush();
  await connection.close();
}

// ------------------------------------------------------------------------------------------ alone

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dc = temporalDynamicConfig();
  const env = await startTemporal(dc);
  let code = 0;
  try {
    const port = env.address.split(':').pop()!;
    trackStack(temporalServerPid(ensureTemporalCli(), port), '');
    log(`Temporal dev server at ${env.address}; dynamic config: ${dc.join('; ') || '(defaults)'}`);
    const connection = await Connection.connect({ address: env.address });
    const client = new Client({ connection, namespace: 'default' });
    const r = await runLimitBench(
      { temporalAddress: env.address, client },
      {
        n: Math.max(1, envInt('BENCH_LIMIT_N', 3000)),
        concurrency: Math.max(1, envInt('BENCH_CONCURRENCY', 32)),
        leadSeconds: envInt('BENCH_LIMIT_LEAD_SECONDS', 5),
        tagged: envBool('BENCH_LIMIT_TAGGED', true),
        local: envBool('BENCH_LIMIT_LOCAL', true),
        maxConcurrentActivities: Math.max(1, envInt('BENCH_WORKER_ACTIVITIES', 100)),
        maxConcurrentLocalActivities: NUDGE_WORKER_LOCAL_ACTIVITIES,
      },
    );
    await connection.close();
    console.log('\n' + table(['figure', 'value'], limitRows(r)));
  } catch (err) {
    console.error('[bench limit] failed:', err);
    code = 1;
  } finally {
    await env.teardown();
  }
  process.exit(code);
}

const workerConfig = process.env.BENCH_LIMIT_WORKER_CONFIG;
if (workerConfig) {
  runLimitWorker(JSON.parse(workerConfig) as LimitWorkerConfig).then(
    () => process.exit(0),
    (err) => {
      console.error('[bench limit worker]', err);
      process.exit(1);
    },
  );
} else if (require.main === module) void main();
