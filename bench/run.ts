// `npm run bench`: assembles a private stack (fresh database, Temporal dev server, SMTP capture, the API
// in this process, the worker in a child process), measures the limit first (bench/limit.ts: Nudge's
// workflow shapes with no work inside), runs the event-API and reminder-lateness benchmarks, prints the
// figures, ending with one table of the limit and each throughput as a ratio to it, and writes them to
// bench/results/latest.md. Timings are reported, never asserted.
//
// Sizes and tuning (env):
//   BENCH_LIMIT_N=3000           workflows per shape of the limit ("0": skip it, and the ratios to it)
//   BENCH_LIMIT_LEAD_SECONDS=5   the limit's timers fire at least this long after its last start
//   BENCH_LIMIT_TAGGED=1         also shape (a) with a reminder's search attributes and status upserts
//   BENCH_LIMIT_LOCAL=1          also shape (a) with its activity as a local activity (a reminder's, local-dispatch)
//   BENCH_LIMIT_AFTER=1          measure (a) and (b) again after the reminder runs, on the server as they left it,
//                                and give each ratio to both (the dev server slows as its store fills)
//   BENCH_EVENTS=2000            messages per measured API mode (and raw starts per raw mode)
//   BENCH_CONCURRENCY=32         calls in flight, the same for the API and the raw client
//   BENCH_EVENT_ROUNDS=2         modes interleave in this many rounds
//   BENCH_EVENT_WARMUP=200       unmeasured calls per side first
//   BENCH_PROFILE_EVENTS=300     requests in the profiled pass (at concurrency 1 and at BENCH_CONCURRENCY)
//   BENCH_EVENT_IDEMPOTENCY=1    also measure the route with an Idempotency-Key
//   BENCH_EVENT_WORKER=1         also measure the route while a worker sends the notifications
//   BENCH_EVENT_WORKER_EVENTS=500  messages in that mode
//   BENCH_EVENT_API_PROCESS=1    also measure the route on the API in its own process (api/main.ts)
//   BENCH_API_CPU_PROF=<dir>     a V8 CPU profile of that API process, written there when it exits
//   BENCH_API_POOL=10            the API's Prisma pool (createDb's default)
//   BENCH_REMINDERS=1000,3000    N for the lateness benchmark, one run each ("0": skip). N=10000 takes about
//                                20 minutes on a 2-core machine (creating and notifying 10k items, then
//                                draining the burst, at ~20 items/s each), so it is not in the default run:
//                                BENCH_REMINDERS=1000,10000 npm run bench
//   BENCH_SCALE_OUT_WORKERS=2    the largest N again on this many worker processes, with the speed-up (0 or 1: skip)
//   BENCH_DAY_SECONDS=60         the "day": intervalDays=1 is due this long after the notification
//   BENCH_DUE_WINDOW_SECONDS=60  the dues spread over this window
//   BENCH_WORKER_POOL=20         the worker's Prisma pool (worker/main.ts uses 20)
//   BENCH_WORKER_ACTIVITIES=100  maxConcurrentActivityTaskExecutions (the default)
//   BENCH_WORKER_CACHE=0         maxCachedWorkflows of Nudge's and the limit's worker (0: Nudge's, 800)
//   BENCH_WORKER_STICKY_SECONDS=0  sticky queue timeout of Nudge's and the limit's worker (0: the SDK's 10 s)
//   BENCH_WORKER_LOCAL_ACTIVITIES=0  local activities at once on Nudge's and the limit's worker (0: Nudge's 16)
//   BENCH_SEED_CONCURRENCY=32    item creations in flight
//   BENCH_MAX_OUTSTANDING=64     created items still awaiting their notification, at most (at least 2× the above)
//   BENCH_CALIBRATION_SECONDS=20 steady-state calibration of the create+notify rate before each N
//   BENCH_GRACE_SECONDS=0        how long after the last due time to wait for reminders (0: 120 s + 30 ms·N)
//   BENCH_HISTORY_SAMPLES=200    workflow histories read to split the lateness into its steps
//   BENCH_WORKER_PROFILE=1       V8-profile the worker's main thread during the reminder phase
//   BENCH_TEMPORAL_DC=...        dev-server dynamic config, `;`-separated KEY=JSON ("none" for none)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDb, type Db } from '../prisma/client';
import { dropDatabase } from '../prisma/migration-runner';
import { createMailer, type Mailer } from '../domain/email/mailer';
import { workflowBundleOptions } from '../worker/workflow-bundle';
import { ensureTemporalCli } from '../scripts/temporal-cli';
import { startSmtpCapture, type SmtpCapture } from '../test/support/smtp-capture';
import { runEventApiBench, type EventApiOptions, type EventApiResult } from './event-api';
import { runLatenessBench, type LatenessOptions, type LatenessResult } from './reminder-lateness';
import { NUDGE_WORKER_LOCAL_ACTIVITIES, limitRows, runLimitBench, type LimitResult } from './limit';
import {
  ROOT,
  cleanupOnExit,
  createBenchDatabase,
  envBool,
  envInt,
  envList,
  fmt,
  log,
  percentile,
  startTemporal,
  startApiProcess,
  startWorkerProcess,
  table,
  temporalDynamicConfig,
  temporalServerPid,
  trackStack,
  trackWorkerPid,
  type Cell,
  type SqlPerOp,
  type ApiProcess,
  type WorkerProcess,
} from './support';

const config = {
  limitN: envInt('BENCH_LIMIT_N', 3000),
  limitLeadSeconds: envInt('BENCH_LIMIT_LEAD_SECONDS', 5),
  limitTagged: envBool('BENCH_LIMIT_TAGGED', true),
  limitLocal: envBool('BENCH_LIMIT_LOCAL', true),
  limitAfter: envBool('BENCH_LIMIT_AFTER', true),
  events: envInt('BENCH_EVENTS', 2000),
  concurrency: Math.max(1, envInt('BENCH_CONCURRENCY', 32)),
  rounds: Math.max(1, envInt('BENCH_EVENT_ROUNDS', 2)),
  warmup: envInt('BENCH_EVENT_WARMUP', 200),
  profileEvents: Math.max(40, envInt('BENCH_PROFILE_EVENTS', 300)),
  withIdempotencyKey: envBool('BENCH_EVENT_IDEMPOTENCY', true),
  withWorker: envBool('BENCH_EVENT_WORKER', true),
  workerEvents: envInt('BENCH_EVENT_WORKER_EVENTS', 500),
  apiProcess: envBool('BENCH_EVENT_API_PROCESS', true),
  apiPool: Math.max(1, envInt('BENCH_API_POOL', 10)),
  reminders: process.env.BENCH_REMINDERS?.trim() === '0' ? [] : envList('BENCH_REMINDERS', [1000, 3000]),
  daySeconds: Math.max(5, envInt('BENCH_DAY_SECONDS', 60)),
  windowSeconds: Math.max(1, envInt('BENCH_DUE_WINDOW_SECONDS', 60)),
  workerPool: Math.max(1, envInt('BENCH_WORKER_POOL', 20)),
  workerActivities: Math.max(1, envInt('BENCH_WORKER_ACTIVITIES', 100)),
  workerCache: Math.max(0, envInt('BENCH_WORKER_CACHE', 0)),
  workerSticky: Math.max(0, envInt('BENCH_WORKER_STICKY_SECONDS', 0)),
  workerLocal: Math.max(0, envInt('BENCH_WORKER_LOCAL_ACTIVITIES', 0)),
  seedConcurrency: Math.max(1, envInt('BENCH_SEED_CONCURRENCY', 32)),
  maxOutstanding: envInt('BENCH_MAX_OUTSTANDING', 64),
  graceSeconds: envInt('BENCH_GRACE_SECONDS', 0),
  historySamples: envInt('BENCH_HISTORY_SAMPLES', 200),
  calibrationSeconds: Math.max(5, envInt('BENCH_CALIBRATION_SECONDS', 20)),
  profileWorker: envBool('BENCH_WORKER_PROFILE', true),
  scaleOutWorkers: envInt('BENCH_SCALE_OUT_WORKERS', 2),
  temporalDc: temporalDynamicConfig(),
};

async function main() {
  const started = performance.now();
  const startedAt = new Date();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  let exitCode = 0;
  let limit: LimitResult | undefined;
  let limitAfter: LimitResult | undefined; // the same, measured again after the reminder runs
  let eventResult: EventApiResult | undefined;
  const lateness: LatenessResult[] = [];
  const calibrations: (Calibration | undefined)[] = []; // one per lateness run
  const { steps: cleanup, run: runCleanup } = cleanupOnExit();
  try {
    log(`config: ${JSON.stringify(config)}`);
    const databaseUrl = await createBenchDatabase();
    cleanup.push(() => dropDatabase(databaseUrl));
    log(`database ${new URL(databaseUrl).pathname.slice(1)} created and migrated`);

    const env: TestWorkflowEnvironment = await startTemporal(config.temporalDc);
    cleanup.push(() => env.teardown());
    const temporalAddress = env.address;
    const temporalPid = temporalServerPid(ensureTemporalCli(), temporalAddress.split(':').pop()!);
    trackStack(temporalPid, new URL(databaseUrl).pathname.slice(1));
    log(`Temporal dev server at ${temporalAddress} (pid ${temporalPid ?? '?'})`);

    const smtp: SmtpCapture = await startSmtpCapture();
    cleanup.push(() => smtp.close());
    const mailer: Mailer = createMailer({
      host: '127.0.0.1',
      port: smtp.port,
      secure: false,
      from: 'Nudge <no-reply@nudge.bench>',
    });
    cleanup.push(() => mailer.close());

    const bundle = await bundleWorkflowCode({ ...workflowBundleOptions(), logger: quietLogger });
    const bundlePath = path.join(os.tmpdir(), `nudge-bench-workflows-${process.pid}.js`);
    writeFileSync(bundlePath, bundle.code);
    cleanup.push(() => rmSync(bundlePath, { force: true }));

    const connection = await Connection.connect({ address: temporalAddress });
    cleanup.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    const seedDb: Db = createDb(databaseUrl, 20);
    cleanup.push(() => seedDb.$disconnect());

    const workers = new Set<WorkerProcess>();
    cleanup.push(() => Promise.all([...workers].map((w) => w.stop())));
    const startWorker = async (taskQueue: string) => {
      const w = await startWorkerProcess({
        databaseUrl,
        temporalAddress,
        taskQueue,
        smtpPort: smtp.port,
        poolSize: config.workerPool,
        maxConcurrentActivities: config.workerActivities,
        ...(config.workerCache > 0 ? { maxCachedWorkflows: config.workerCache } : {}),
        ...(config.workerSticky > 0 ? { stickyQueueTimeoutSeconds: config.workerSticky } : {}),
        ...(config.workerLocal > 0 ? { maxConcurrentLocalActivities: config.workerLocal } : {}),
        bundlePath,
      });
      workers.add(w);
      trackWorkerPid(w.pid);
      log(`worker process ${w.pid} polling ${taskQueue}`);
      const stop = w.stop.bind(w);
      return {
        ...w,
        async stop() {
          const peak = await stop();
          workers.delete(w);
          trackWorkerPid(undefined);
          return peak;
        },
      };
    };

    const apis = new Set<ApiProcess>(); // stopped here too if the event bench fails before it stops its own
    cleanup.push(() => Promise.all([...apis].map((a) => a.stop())));
    const startApi = async (taskQueue: string, poolSize: number) => {
      const api = await startApiProcess({ databaseUrl, temporalAddress, taskQueue, smtpPort: smtp.port, poolSize });
      apis.add(api);
      return api;
    };

    // 0. The limit, first: what this server and a worker with Nudge's settings do with no work inside.
    const measureLimit = (tagged: boolean, local = false) =>
      runLimitBench(
        { temporalAddress, client },
        {
          n: config.limitN,
          concurrency: config.concurrency,
          leadSeconds: config.limitLeadSeconds,
          tagged,
          local,
          maxConcurrentActivities: config.workerActivities,
          maxConcurrentLocalActivities: config.workerLocal || NUDGE_WORKER_LOCAL_ACTIVITIES,
          ...(config.workerCache > 0 ? { maxCachedWorkflows: config.workerCache } : {}),
          ...(config.workerSticky > 0 ? { stickyQueueTimeoutSeconds: config.workerSticky } : {}),
        },
      );
    if (config.limitN > 0) limit = await measureLimit(config.limitTagged, config.limitLocal);

    // 1. Event API
    if (config.events > 0) {
      log(`event API: ${config.events} per mode at concurrency ${config.concurrency}`);
      const opts: EventApiOptions = {
        events: config.events,
        concurrency: config.concurrency,
        rounds: config.rounds,
        warmup: config.warmup,
        profileEvents: config.profileEvents,
        withIdempotencyKey: config.withIdempotencyKey,
        withWorker: config.withWorker && config.workerEvents > 0,
        workerEvents: config.workerEvents,
        apiProcess: config.apiProcess,
        apiPoolSize: config.apiPool,
        timeLimitMs: 180_000,
      };
      eventResult = await runEventApiBench({ databaseUrl, seedDb, client, mailer, startWorker, startApi }, opts);
      log(`event API: ratio API/raw ${fmt(eventResult.ratio, 2)}`);
      if (eventResult.ratioApiProcess !== undefined)
        log(`event API: ratio API/raw with the API in its own process ${fmt(eventResult.ratioApiProcess, 2)}`);
      for (const p of eventResult.profile)
        log(`event API: ${p.mode} c=${p.concurrency}: ${fmt(p.roundTrips, 2)} DB round trips per request`);
    }

    // 2. Reminder lateness, one run per N, each with a fresh worker process (its own peak RSS); then the
    // largest N again on several worker processes (the scale-out).
    const scaleOut = config.scaleOutWorkers > 1 && config.reminders.length ? config.reminders.slice(-1) : [];
    const runs = [
      ...config.reminders.map((n) => ({ n, workers: 1 })),
      ...scaleOut.map((n) => ({ n, workers: config.scaleOutWorkers })),
    ];
    for (const { n, workers } of runs) {
      log(`reminders N=${n}${workers > 1 ? ` on ${workers} workers` : ''}: starting`);
      const opts: LatenessOptions = {
        n,
        daySeconds: config.daySeconds,
        windowSeconds: config.windowSeconds,
        seedConcurrency: config.seedConcurrency,
        batches: 100,
        maxOutstanding: Math.max(config.maxOutstanding, config.seedConcurrency * 2),
        calibrationSeconds: config.calibrationSeconds,
        graceSeconds: config.graceSeconds || Math.round(120 + n * 0.03),
        historySamples: config.historySamples,
        profileWorker: config.profileWorker,
        workers,
      };
      const [r, cal] = await withCalibration(() =>
        runLatenessBench({ seedDb, client, smtp, startWorker, temporalPid }, opts),
      );
      lateness.push(r);
      calibrations.push(cal);
      log(
        `reminders ${runLabel(r)}: delivered ${r.delivered}/${r.n}, lateness p50 ${fmt(r.latenessP50, 0)} ms, p99 ${fmt(r.latenessP99, 0)} ms, max ${fmt(r.latenessMax, 0)} ms, duplicates ${r.duplicates}`,
      );
      for (const [what, x] of [
        ['reminder', r.sqlPerReminder],
        ['notification (calibration)', r.sqlPerNotification],
      ] as const)
        if (x)
          log(
            `reminders ${runLabel(r)}: worker SQL per ${what}: ${fmt(x.statements, 2)} statements, transactions ${sqlTransactions(x)}; ${x.byStatement.map((s) => `${s.sql} ×${fmt(s.perOp, 2)}`).join(', ')}`,
          );
    }

    // 3. The limit again, on the server as the other benchmarks left it (its store holds every workflow so far).
    if (config.limitN > 0 && config.limitAfter && runs.length) {
      log('limit: measuring again after the reminder runs');
      limitAfter = await measureLimit(false);
    }
  } catch (err) {
    console.error('[bench] failed:', err);
    exitCode = 1;
  } finally {
    // The report, also after a failure (with what was measured).
    const totalSeconds = (performance.now() - started) / 1000;
    const limits = { before: limit, after: limitAfter };
    const report = renderReport(startedAt, totalSeconds, eventResult, lateness, limits, calibrations, exitCode !== 0);
    mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench', 'results', 'latest.md'), report);
    console.log('\n' + report);
    log(`${exitCode ? 'failed' : 'done'} after ${fmt(totalSeconds)} s; report written to bench/results/latest.md`);
    await runCleanup();
  }
  process.exit(exitCode);
}

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;

/** The steady create → notification rate of a lateness run's calibration, and its request → notification p50
 * and p99. */
interface Calibration {
  perSec: number;
  lagP50Ms: number;
  lagP99Ms: number;
}

const CALIBRATION_LINE =
  /reminders N=\d+: calibration \d+ items, steady (\S+)\/s \(request→notification p50 (\S+) ms, p99 (\S+) ms\)/;

/**
 * reminder-lateness.ts logs its calibration's steady create → notification rate but does not return it; the
 * figure is read from that log line (the line still goes out) so that the benchmark itself stays as it is.
 */
async function withCalibration<T>(run: () => Promise<T>): Promise<[T, Calibration | undefined]> {
  let cal: Calibration | undefined;
  const original = console.log;
  console.log = (...args: unknown[]) => {
    const m = CALIBRATION_LINE.exec(String(args[0]));
    if (m) cal = { perSec: Number(m[1]), lagP50Ms: Number(m[2]), lagP99Ms: Number(m[3]) };
    original.apply(console, args);
  };
  try {
    return [await run(), cal];
  } finally {
    console.log = original;
  }
}

// ------------------------------------------------------------------------------------------ output

const perOp = (seconds: number | undefined, ops: number) => fmt(((seconds ?? NaN) * 1000) / Math.max(1, ops), 2);

function eventTables(r: EventApiResult): string {
  const rows: Cell[][] = r.modes.map((m) => {
    const x = m.result;
    return [
      m.name,
      x.ops,
      x.errors,
      fmt(x.ops / (x.elapsedMs / 1000)),
      fmt(percentile(x.latencies, 50)),
      fmt(percentile(x.latencies, 99)),
      perOp(x.cpuSelf, x.ops),
      perOp(x.cpuOthers.temporal, x.ops),
      perOp(x.cpuOthers.postgres, x.ops),
      perOp(x.cpuOthers.worker, x.ops),
      perOp(x.cpuOthers.api, x.ops),
      perOp(x.cpuOthers.others, x.ops),
    ];
  });
  const out = [
    `### Event API vs raw Temporal starts (concurrency ${config.concurrency})`,
    '',
    table(
      [
        'mode',
        'ok',
        'errors',
        'ops/s',
        'p50 ms',
        'p99 ms',
        'CPU ms/op bench (+API in-process)',
        'CPU ms/op Temporal',
        'CPU ms/op PostgreSQL',
        'CPU ms/op worker',
        'CPU ms/op API process',
        'CPU ms/op other processes',
      ],
      rows,
    ),
    '',
    `API / raw start throughput ratio: **${fmt(r.ratio, 2)}** (goal ≥ 0.80)` +
      (r.ratioApiProcess !== undefined
        ? `; with the API in its own process, as \`npm start\` runs it: **${fmt(r.ratioApiProcess, 2)}**`
        : ''),
    '',
    '### The event path measured two ways: the answer, and the posted message reaching its started workflow',
    '',
    table(
      [
        'mode',
        'answers/s',
        'answer p50 ms',
        'answer p99 ms',
        'workflows started/s (outbox drained)',
        'post → started p50 ms',
        'post → started p99 ms',
        'post → started max ms',
        'started / posted',
      ],
      r.started.map((st) => {
        const x = r.modes.find((m) => m.name === st.mode)!.result;
        return [
          st.mode,
          fmt(x.ops / (x.elapsedMs / 1000)),
          fmt(percentile(x.latencies, 50)),
          fmt(percentile(x.latencies, 99)),
          fmt(st.startedPerSec),
          fmt(st.p50),
          fmt(st.p99),
          fmt(st.max),
          `${st.started} / ${st.messages}`,
        ];
      }),
    ),
  ];
  if (r.drain)
    out.push(
      `With the worker running: ${r.drain.notifications} notifications sent ${fmt(r.drain.seconds)} s after the first post (${fmt(r.drain.notifications / r.drain.seconds)}/s)${r.drain.complete ? '' : ' — incomplete at the time limit'}`,
    );
  out.push(
    '',
    '### Where an API request spends its time (instrumented pg pool and Temporal client interceptor)',
    '',
    table(
      [
        'route',
        'concurrency',
        'requests',
        'ops/s',
        'p50 ms',
        'mean ms',
        'DB round trips',
        'transactions',
        'DB query ms',
        'pool wait ms',
        'Temporal signalWithStart ms',
        'other ms (HTTP, Prisma, Express, queueing)',
        'API-process CPU ms',
      ],
      r.profile.map((p) => [
        p.mode,
        p.concurrency,
        p.requests,
        fmt(p.opsPerSec),
        fmt(p.p50),
        fmt(p.meanTotal),
        fmt(p.roundTrips),
        fmt(p.transactions),
        fmt(p.dbMs),
        fmt(p.poolWaitMs),
        fmt(p.temporalMs),
        fmt(p.otherMs),
        fmt(p.cpuMsPerReq, 2),
      ]),
    ),
    '',
    `Statements per request (concurrency 1): ${statementList(r.statements)}`,
    '',
    `With an Idempotency-Key (concurrency 1): ${statementList(r.statementsWithKey)}`,
    '',
    '### One statement: Prisma vs plain pg (sequential, in the API process)',
    '',
    table(
      ['statement', 'CPU ms', 'p50 ms'],
      r.statementCost.map((c) => [c.what, fmt(c.cpuMs, 3), fmt(c.p50, 2)]),
    ),
    '',
    `### CPU of the bench+API process by package (V8 sampling profile, ${r.cpuProfileRequests} API requests at concurrency ${config.concurrency})`,
    '',
    table(
      ['where', 'CPU ms', 'share', 'ms per request'],
      r.cpuProfile
        .filter((c) => c.share >= 0.01)
        .map((c) => [c.what, fmt(c.ms, 0), `${fmt(c.share * 100, 1)} %`, fmt(c.msPerRequest, 2)]),
    ),
  );
  return out.join('\n');
}

const statementList = (l: { sql: string; perRequest: number }[]) =>
  l.map((s) => `${s.sql} ×${fmt(s.perRequest, Number.isInteger(s.perRequest) ? 0 : 2)}`).join(', ');

/** N, and the worker processes when more than one. */
const runLabel = (r: LatenessResult) => `N=${r.n}${r.workers > 1 ? ` (${r.workers} workers)` : ''}`;

function latenessTable(rs: LatenessResult[]): string {
  const metric = (name: string, f: (r: LatenessResult) => Cell): Cell[] => [name, ...rs.map(f)];
  const rows: Cell[][] = [
    metric('items created (errors)', (r) => `${r.created} (${r.createErrors})`),
    metric('creation mode', (r) => (r.mode === 'paced' ? 'paced over the window' : 'as fast as possible')),
    metric(
      'creation: s / items/s / p50 ms / p99 ms',
      (r) => `${fmt(r.seedSeconds)} / ${fmt(r.createPerSec)} / ${fmt(r.createP50)} / ${fmt(r.createP99)}`,
    ),
    metric('day length s (min–max)', (r) =>
      r.daySecondsMin === r.daySecondsMax ? fmt(r.daySecondsMin) : `${fmt(r.daySecondsMin)}–${fmt(r.daySecondsMax)}`,
    ),
    metric('due span s', (r) => fmt(r.dueSpanSeconds)),
    metric('seeding overlaps dues', (r) => (r.seedingOverlapsDues ? 'yes' : 'no')),
    metric('reminders delivered / missing', (r) => `${r.delivered} / ${r.missing}`),
    metric('duplicates', (r) => r.duplicates),
    metric('lateness p50 ms', (r) => fmt(r.latenessP50, 0)),
    metric('lateness p99 ms', (r) => fmt(r.latenessP99, 0)),
    metric('lateness max ms', (r) => fmt(r.latenessMax, 0)),
    metric('due → dispatch row p50 / p99 ms', (r) => `${fmt(r.dispatchLagP50, 0)} / ${fmt(r.dispatchLagP99, 0)}`),
    metric('dispatch row → SMTP p50 / p99 ms', (r) => `${fmt(r.sendP50, 0)} / ${fmt(r.sendP99, 0)}`),
    metric('reminders/s (first due → last email)', (r) => fmt(r.sendRatePerSec)),
    metric('worker peak RSS MiB (VmHWM)', (r) => fmt(r.workerPeakRssMiB, 0)),
    metric('Temporal dev server RSS MiB (one server for the whole run)', (r) => fmt(r.temporalRssMiB, 0)),
    metric(
      'CPU s in reminder phase: worker / Temporal / PostgreSQL / bench / other processes',
      (r) =>
        `${fmt(r.cpuSeconds.worker)} / ${fmt(r.cpuSeconds.temporal)} / ${fmt(r.cpuSeconds.postgres)} / ${fmt(r.cpuSeconds.bench)} / ${fmt(r.cpuSeconds.others)} (in ${fmt(r.reminderPhaseSeconds)} s)`,
    ),
    metric('SQL statements per reminder (worker, counted; BEGIN/COMMIT/ROLLBACK apart)', (r) =>
      r.sqlPerReminder ? `${fmt(r.sqlPerReminder.statements, 2)} (${r.sqlPerReminder.ops} reminders)` : '—',
    ),
    metric('transactions per reminder (worker, BEGINs)', (r) => sqlTransactions(r.sqlPerReminder)),
    metric('SQL statements / transactions per notification (worker, calibration)', (r) =>
      r.sqlPerNotification
        ? `${fmt(r.sqlPerNotification.statements, 2)} / ${sqlTransactions(r.sqlPerNotification)} (${r.sqlPerNotification.ops} notifications)`
        : '—',
    ),
    metric(
      'CPU ms per notification (calibration): bench (service, relay, SMTP) / worker / Temporal / PostgreSQL',
      (r) => {
        const c = r.cpuPerNotificationMs;
        return `${fmt(c.bench, 1)} / ${fmt(c.worker, 1)} / ${fmt(c.temporal, 1)} / ${fmt(c.postgres, 1)} (other processes ${fmt(c.others, 1)})`;
      },
    ),
  ];
  const steps = rs[0].breakdown.map((b, k) =>
    metric(
      `  ${b.step} p50 / p99 / max ms`,
      (r) => `${fmt(r.breakdown[k].p50, 0)} / ${fmt(r.breakdown[k].p99, 0)} / ${fmt(r.breakdown[k].max, 0)}`,
    ),
  );
  rows.push(
    metric(
      'lateness by step (sampled histories)',
      (r) =>
        `${r.breakdownSample} workflows, ${r.activityRetries} activity retries, ${r.taskTimeouts} workflow task timeouts`,
    ),
    ...steps,
  );
  rows.push(
    metric(
      'worker CPU s: main thread / other threads',
      (r) => `${fmt(r.workerMainThreadSecs)} / ${fmt(r.workerOtherThreadsSecs)}`,
    ),
    metric('  busiest other threads (name: s)', (r) =>
      r.workerOtherThreads.map((t) => `${t.name}: ${fmt(t.secs)}`).join(', '),
    ),
  );
  const cats = [...new Set(rs.flatMap((r) => r.workerProfile.filter((c) => c.share >= 0.03).map((c) => c.what)))];
  if (cats.length) {
    rows.push(metric('worker main thread by package (V8 profile), CPU s (share)', () => ''));
    for (const c of cats) {
      rows.push(
        metric(`  ${c}`, (r) => {
          const x = r.workerProfile.find((p) => p.what === c);
          return x ? `${fmt(x.ms / 1000, 1)} (${fmt(x.share * 100, 0)} %)` : '—';
        }),
      );
    }
  }
  return [
    `### Reminder lateness (intervalDays=1, count=1; worker pool ${config.workerPool}, maxConcurrentActivityTaskExecutions ${config.workerActivities})`,
    '',
    table(['metric', ...rs.map(runLabel)], rows),
    '',
    'Lateness = SMTP receipt of the reminder − (notification ReminderDispatch.createdAt + one day). Goal: p99 ≤ 1000 ms at N=1000.',
    ...sqlStatementTable(rs),
  ].join('\n');
}

const sqlTransactions = (x: SqlPerOp | undefined) =>
  x ? `${fmt(x.transactions, 2)}${x.rollbacks ? `, ${fmt(x.rollbacks, 2)} rolled back` : ''}` : '—';

/**
 * The worker's statements (every statement on its pg pool, normalized to verb and table) per reminder in the
 * reminder phase, and per notification in the calibration: the most frequent of each, then the totals.
 */
function sqlStatementTable(rs: LatenessResult[]): string[] {
  const TOP = 12;
  const kinds = [
    { name: 'per reminder', of: (r: LatenessResult) => r.sqlPerReminder },
    { name: 'per notification (calibration)', of: (r: LatenessResult) => r.sqlPerNotification },
  ];
  const columns = kinds.flatMap((k) =>
    rs.filter((r) => k.of(r)).map((r) => ({ label: `${k.name} ${runLabel(r)}`, x: k.of(r)! })),
  );
  if (!columns.length) return [];
  const peak = new Map<string, number>();
  for (const k of kinds)
    for (const r of rs)
      for (const s of k.of(r)?.byStatement.slice(0, TOP) ?? [])
        peak.set(s.sql, Math.max(peak.get(s.sql) ?? 0, s.perOp));
  const sqls = [...peak.keys()].sort((a, b) => {
    const first = (sql: string) => columns[0].x.byStatement.find((s) => s.sql === sql)?.perOp ?? 0;
    return first(b) - first(a) || peak.get(b)! - peak.get(a)!;
  });
  const count = (v: number | undefined) => (v ? fmt(v, Number.isInteger(v) ? 0 : 2) : '—');
  const rows: Cell[][] = [
    ...sqls.map((sql) => [sql, ...columns.map((c) => count(c.x.byStatement.find((s) => s.sql === sql)?.perOp))]),
    [
      'other statements',
      ...columns.map((c) => {
        const rest = c.x.byStatement.filter((s) => !peak.has(s.sql));
        return rest.length
          ? `${fmt(
              rest.reduce((a, s) => a + s.perOp, 0),
              2,
            )} (${rest.length} kinds)`
          : '—';
      }),
    ],
    ['all statements (BEGIN/COMMIT/ROLLBACK apart)', ...columns.map((c) => fmt(c.x.statements, 2))],
    ['transactions (BEGIN)', ...columns.map((c) => sqlTransactions(c.x))],
  ];
  return [
    '',
    `### The worker's SQL statements per reminder and per notification (counted on its pg pool; top ${TOP} of each)`,
    '',
    table(['statement', ...columns.map((c) => c.label)], rows),
  ];
}

function summaryTable(ev: EventApiResult | undefined, lat: LatenessResult[]): string {
  const rows: Cell[][] = [];
  if (ev) {
    for (const m of ev.modes) {
      const x = m.result;
      rows.push([
        `event: ${m.name}`,
        `${fmt(x.ops / (x.elapsedMs / 1000))} ops/s · p50 ${fmt(percentile(x.latencies, 50))} ms · p99 ${fmt(percentile(x.latencies, 99))} ms${x.errors ? ` · ${x.errors} errors` : ''}`,
      ]);
    }
    rows.push(['event: API / raw start ratio (goal ≥ 0.80)', fmt(ev.ratio, 2)]);
    if (ev.ratioApiProcess !== undefined)
      rows.push(['event: same, API in its own process', fmt(ev.ratioApiProcess, 2)]);
    for (const st of ev.started)
      rows.push([
        `event: ${st.mode}, post → workflow started`,
        `${fmt(st.startedPerSec)} started/s · p50 ${fmt(st.p50)} ms · p99 ${fmt(st.p99)} ms · ${st.started}/${st.messages}`,
      ]);
    for (const p of ev.profile.filter((x) => x.concurrency === 1 || x.mode === 'plain'))
      rows.push([
        `event: per API request (${p.mode}, c=${p.concurrency})`,
        `${fmt(p.roundTrips, 2)} DB round trips · ${fmt(p.cpuMsPerReq, 1)} ms API-process CPU (raw start: ${perOp(ev.modes[0]?.result.cpuSelf, ev.modes[0]?.result.ops ?? 1)} ms)`,
      ]);
  }
  for (const r of lat) {
    rows.push([
      `reminders ${runLabel(r)}: lateness`,
      `p50 ${fmt(r.latenessP50, 0)} ms · p99 ${fmt(r.latenessP99, 0)} ms · max ${fmt(r.latenessMax, 0)} ms`,
    ]);
    rows.push([
      `reminders ${runLabel(r)}: delivered / missing / duplicates`,
      `${r.delivered} / ${r.missing} / ${r.duplicates}`,
    ]);
    rows.push([`reminders ${runLabel(r)}: worker peak RSS`, `${fmt(r.workerPeakRssMiB, 0)} MiB`]);
    rows.push([`reminders ${runLabel(r)}: sustained reminders/s`, fmt(r.sendRatePerSec)]);
    if (r.sqlPerReminder)
      rows.push([
        `reminders ${runLabel(r)}: worker SQL statements · transactions per reminder`,
        `${fmt(r.sqlPerReminder.statements, 2)} · ${sqlTransactions(r.sqlPerReminder)}`,
      ]);
    rows.push([
      `reminders ${runLabel(r)}: due span · day length`,
      `${fmt(r.dueSpanSeconds)} s · ${r.daySecondsMin === r.daySecondsMax ? fmt(r.daySecondsMin) : `${fmt(r.daySecondsMin)}–${fmt(r.daySecondsMax)}`} s`,
    ]);
  }
  return ['## Summary', '', table(['figure', 'value'], rows)].join('\n');
}

/** The limit measured first and, with BENCH_LIMIT_AFTER, again after the reminder runs. */
interface Limits {
  before: LimitResult | undefined;
  after: LimitResult | undefined;
}

/**
 * The closing table: the limit, then each throughput as a share of the limit it runs against — reminders
 * against (a), create → notification against (b) — and the event path against raw starts, as before.
 */
function limitTable(
  { before: limit, after }: Limits,
  ev: EventApiResult | undefined,
  lat: LatenessResult[],
  cals: (Calibration | undefined)[],
): string {
  const a = limit?.timers.perSec;
  const b = limit?.starts.perSec;
  // To the limit measured first, and in brackets to the one measured after: the server Nudge ran on was in between.
  const ratio = (x: number, of: number | undefined, ofAfter: number | undefined) =>
    of === undefined ? '—' : `**${fmt(x / of, 2)}**${ofAfter === undefined ? '' : ` (${fmt(x / ofAfter, 2)} after)`}`;
  const rows: Cell[][] = limit ? limitRows(limit).map(([what, value]) => [what, value, '', '']) : [];
  if (after)
    rows.push(
      ...limitRows(after)
        .filter(([what]) => /^limit \((a|b)\)/.test(String(what)))
        .map(([what, value]) => [
          String(what).replace(/^limit/, 'limit again after the reminder runs,'),
          value,
          '',
          '',
        ]),
    );
  if (ev) {
    const rate = (name: string) => {
      const x = ev.modes.find((m) => m.name === name)?.result;
      return x ? fmt(x.ops / (x.elapsedMs / 1000)) : 'n/a';
    };
    rows.push([
      'event path: API POST /messages ÷ raw client.workflow.start',
      `${rate('API POST /messages (signal-with-start)')} / ${rate('raw client.workflow.start')} ops/s`,
      `ratio API/raw ${fmt(ev.ratio, 2)}`,
      '≥ 0.80',
    ]);
    const PROC = 'API POST /messages, API in its own process';
    if (ev.ratioApiProcess !== undefined)
      rows.push([
        'event path: the same, the API in its own process (as `npm start` runs it)',
        `${rate(PROC)} / ${rate('raw client.workflow.start')} ops/s`,
        `ratio API/raw ${fmt(ev.ratioApiProcess, 2)}`,
        '≥ 0.80',
      ]);
    const st = ev.started.find((x) => x.mode === 'API POST /messages (signal-with-start)');
    const rawRate = ev.modes.find((m) => m.name === 'raw client.workflow.start')?.result;
    if (st && rawRate)
      rows.push([
        'event path: posted messages whose workflow started (outbox drained) ÷ raw start',
        `${fmt(st.startedPerSec)}/s, post → started p50 ${fmt(st.p50)} ms, p99 ${fmt(st.p99)} ms`,
        `ratio started/raw ${fmt(st.startedPerSec / (rawRate.ops / (rawRate.elapsedMs / 1000)), 2)}`,
        '≥ 0.80',
      ]);
    const c1 = ev.profile.find((p) => p.concurrency === 1 && p.mode === 'plain');
    const k1 = ev.profile.find((p) => p.concurrency === 1 && p.mode === 'idempotency-key');
    if (c1)
      rows.push([
        'event path: DB round trips per request (counted, c=1)',
        `${fmt(c1.roundTrips, 2)}${k1 ? `; with Idempotency-Key ${fmt(k1.roundTrips, 2)}` : ''}`,
        '',
        '≤ 2',
      ]);
    if (ev.drain) {
      const perSec = ev.drain.notifications / ev.drain.seconds;
      rows.push([
        'event path with the worker: notifications/s ÷ limit (b)',
        `${fmt(perSec)}/s${ev.drain.complete ? '' : ' (incomplete)'}`,
        ratio(perSec, b, after?.starts.perSec),
        '',
      ]);
    }
  }
  lat.forEach((r, k) => {
    // Paced creation spreads the dues over the window: a run that keeps up sends at N / window, not its best.
    const windowBound = r.dueSpanSeconds > 0 && r.sendRatePerSec >= 0.9 * (r.n / r.dueSpanSeconds);
    rows.push([
      `reminders ${runLabel(r)}: reminders/s ÷ limit (a)`,
      `${fmt(r.sendRatePerSec)}/s${windowBound ? ` (kept up with the dues: N / due span = ${fmt(r.n / r.dueSpanSeconds)}/s)` : ''} · lateness p99 ${fmt(r.latenessP99, 0)} ms`,
      ratio(r.sendRatePerSec, a, after?.timers.perSec),
      '≥ 0.60',
    ]);
    // A reminder's send is a local activity since patched('local-dispatch'): this shape is Nudge's own now.
    if (limit?.local)
      rows.push([
        `reminders ${runLabel(r)}: reminders/s ÷ limit (a) with a local activity`,
        `${fmt(r.sendRatePerSec)} / ${fmt(limit.local.perSec)}/s`,
        ratio(r.sendRatePerSec, limit.local.perSec, undefined),
        '',
      ]);
    if (r.sqlPerReminder)
      rows.push([
        `reminders ${runLabel(r)}: SQL statements per reminder (counted, worker)`,
        `${fmt(r.sqlPerReminder.statements, 2)}; transactions ${sqlTransactions(r.sqlPerReminder)}`,
        '',
        '≤ 5',
      ]);
    const cal = cals[k];
    if (cal)
      rows.push([
        `reminders ${runLabel(r)}: create → notification items/s ÷ limit (b)`,
        `${fmt(cal.perSec)}/s steady · request → notification p50 ${fmt(cal.lagP50Ms, 0)} ms · p99 ${fmt(cal.lagP99Ms, 0)} ms`,
        ratio(cal.perSec, b, after?.starts.perSec),
        '≥ 0.60',
      ]);
  });
  for (const r of lat.filter((x) => x.workers > 1)) {
    const one = lat.find((x) => x.n === r.n && x.workers === 1);
    if (one)
      rows.push([
        `scale-out: reminders/s on ${r.workers} workers ÷ 1 worker (N=${r.n})`,
        `${fmt(r.sendRatePerSec)} / ${fmt(one.sendRatePerSec)}/s`,
        `speed-up **${fmt(r.sendRatePerSec / one.sendRatePerSec, 2)}**`,
        '',
      ]);
  }
  return [
    '## Against the limit',
    '',
    table(['figure', 'value', 'ratio', 'goal'], rows),
    '',
    limit
      ? `Limit measured in this run, before the other benchmarks, on the same dev server (bench/limit.ts); on one dev server it, not Nudge, caps absolute throughput.` +
        (after
          ? ' Measured again after the reminder runs on the server as they left it (its store then holds every workflow of the run): a ratio in brackets is to that one; the server each benchmark ran on was in between.'
          : '')
      : 'Limit not measured (BENCH_LIMIT_N=0): no ratios to it.',
  ].join('\n');
}

function renderReport(
  startedAt: Date,
  totalSeconds: number,
  ev: EventApiResult | undefined,
  lat: LatenessResult[],
  limits: Limits,
  cals: (Calibration | undefined)[],
  failed = false,
): string {
  const lines = [
    '# Nudge benchmarks',
    '',
    `Run ${startedAt.toISOString()} · ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? '?'}) · ${fmt(os.totalmem() / 2 ** 30, 0)} GiB RAM · Node ${process.version} · total ${fmt(totalSeconds)} s${failed ? ' · **run failed; partial results**' : ''}`,
    '',
    summaryTable(ev, lat),
    '',
    '## Settings',
    '',
    '| setting | value |',
    '|:--|--:|',
    `| BENCH_LIMIT_N / lead | ${config.limitN || '— (skipped)'} / ${config.limitLeadSeconds} s |`,
    `| BENCH_EVENTS / concurrency / rounds / warm-up | ${config.events} / ${config.concurrency} / ${config.rounds} / ${config.warmup} |`,
    `| API Prisma pool | ${config.apiPool} |`,
    `| BENCH_REMINDERS | ${config.reminders.join(', ') || '—'} |`,
    `| day / due window | ${config.daySeconds} s / ${config.windowSeconds} s |`,
    `| worker Prisma pool / maxConcurrentActivityTaskExecutions | ${config.workerPool} / ${config.workerActivities} |`,
    `| Temporal dev-server dynamic config | ${config.temporalDc.join('; ') || '(defaults)'} |`,
    '',
  ];
  if (ev) lines.push('## Event API', '', eventTables(ev), '');
  if (lat.length) lines.push('## Reminder lateness', '', latenessTable(lat), '');
  lines.push(limitTable(limits, ev, lat, cals), '');
  return lines.join('\n');
}

void main();
