// Bulk actions (`npx tsx bench/bulk-actions.ts`): "manage tags" (assign one tag) and "send message" (a chat
// template; every account has one contact with one email, notify on, so each message leads to exactly one
// notification email sent by the thread's reminder workflow) over BENCH_BULK_ACCOUNTS accounts, each done
//   (a) by the workflow: the service's start (row + outcome-row snapshot + `bulk-<id>`), run by a worker in a
//       child process; timed from the start call until the BulkAction row is no longer 'running';
//   (b) by a plain loop without Temporal orchestration: the same service start on a task queue nobody
//       polls (its workflow is terminated unrun), then runBulkAccount per account in this process — the same
//       database work and the same Temporal effects (reminder workflows, hence the same emails) — then the
//       same finishBulkAction activity (in a mock activity context); once sequentially and, unless BENCH_BULK_CONCURRENT_LOOP=0, with as many
//       lanes as the workflow runs accounts at once (concurrentBatches × accountConcurrency). Manage tags goes
//       by chunks of BENCH_BULK_ACCOUNTS_PER_ACTIVITY through runBulkAccounts, as the workflow's local
//       activities take it (one chunk at a time, or one per lane).
// Every way works on its own account set (and its own tag), so none finds another's work already done.
// For send message it also waits, after each run, until every notification email reached the SMTP capture
// (count, duplicates, when the last one arrived); the accounts/s figure is the processing alone.
// Then, with BENCH_BULK_BIG > 0, one big manage-tags run by the workflow only, on a fresh worker process:
// time, accounts/s, history sizes (every parent run, sampled batch children) and the worker's peak RSS.
// Prints a table and writes bench/results/bulk-actions.md. Timings are reported, never asserted.
//
// Env:
//   BENCH_BULK_ACCOUNTS=10000            accounts per way and action
//   BENCH_BULK_LIMIT_N=1000              workflows per shape of the limit (bench/limit.ts), measured first on the
//                                        same dev server: send message is reported against its shape (b) (0: skip)
//   BENCH_BULK_BIG=0                     accounts of the big workflow-only manage-tags run (0: skip)
//   BENCH_BULK_ACTIONS=manage_tags,send_message
//   BENCH_BULK_LOOP=1                    the plain loops at all (0: the workflow only)
//   BENCH_BULK_CONCURRENT_LOOP=1         also the plain loop with the workflow's concurrency
//   BENCH_BULK_SQL_COUNT=200             accounts of the SQL-statement count (manage tags, per account and by
//                                        chunk; 0: skip), counted in this process before the runs
//   BENCH_BULK_WARMUP=50                 accounts of an unmeasured warm-up (each action, each way)
//   BENCH_BULK_BATCH / BENCH_BULK_CONCURRENT_BATCHES / BENCH_BULK_ACCOUNT_CONCURRENCY / BENCH_BULK_BATCHES_PER_RUN
//   / BENCH_BULK_ACCOUNTS_PER_ACTIVITY   pacing (default DEFAULT_BULK_PACING, batchesPerRun the workflow's 400;
//                                        accounts per activity 1: one local activity per account)
//   BENCH_WORKER_CPU_PROF=<dir>          a V8 CPU profile of the worker process, written there when it exits
//   BENCH_WORKER_POOL=20                 the worker's Prisma pool
//   BENCH_WORKER_ACTIVITIES=100          maxConcurrentActivityTaskExecutions
//   BENCH_BULK_TIMEOUT_SECONDS=0         per run (0: 300 s + 50 ms per account)
//   BENCH_BULK_MAIL_TIMEOUT_SECONDS=0    waiting for the notification emails (0: 120 s + 100 ms per account)
//   BENCH_BULK_HISTORY_ALL=50            read every batch child's history up to this many batches, else a sample
//   BENCH_TEMPORAL_DC=...                dev-server dynamic config (see bench/support.ts)
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { DefaultLogger, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { createDb, type Db } from '../prisma/client';
import { dropDatabase } from '../prisma/migration-runner';
import { workflowBundleOptions } from '../worker/workflow-bundle';
import { ensureTemporalCli } from '../scripts/temporal-cli';
import { startSmtpCapture, type SmtpCapture } from '../test/support/smtp-capture';
import { createFirm } from '../domain/firms/firms';
import type { Actor } from '../domain/access/access';
import { createBulkActionsService, DEFAULT_BULK_PACING, type NewBulkAction } from '../domain/bulk/bulk-actions';
import { bulkContextCache, loadBulkContext } from '../domain/bulk/context';
import { runBulkAccount, runBulkAccounts } from '../domain/bulk/runner';
import { SET_BASED_KINDS } from '../domain/bulk/set-steps';
import { createBulkActivities } from '../activities/bulk-activities';
import { countBulkOutcomes } from '../domain/bulk/report';
import type { BulkEffectTarget } from '../domain/bulk/effects';
import type { BulkCounts } from '../shared/bulk-actions';
import { BATCHES_PER_RUN, batchWorkflowId, bulkWorkflowId, type BulkPacing } from '../shared/contracts/bulk-action';
import { createTemporalGateway } from '../domain/temporal/gateway';
import { NUDGE_WORKER_LOCAL_ACTIVITIES, limitRows, runLimitBench, type LimitResult } from './limit';
import {
  cleanupOnExit,
  ROOT,
  cpuDiff,
  cpuSample,
  createBenchDatabase,
  envBool,
  envInt,
  fmt,
  log,
  percentile,
  sleep,
  startTemporal,
  startWorkerProcess,
  table,
  temporalDynamicConfig,
  temporalServerPid,
  trackStack,
  trackWorkerPid,
  type Cell,
  type WorkerProcess,
} from './support';
import { nudgeKey } from './reminder-lateness';

type ActionKind = 'manage_tags' | 'send_message';
const ACTION_KINDS: ActionKind[] = ['manage_tags', 'send_message'];

function envActions(): ActionKind[] {
  const raw = process.env.BENCH_BULK_ACTIONS;
  if (raw === undefined || raw.trim() === '') return ACTION_KINDS;
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.find((a) => !ACTION_KINDS.includes(a as ActionKind));
  if (bad)
    throw new Error(`BENCH_BULK_ACTIONS: unknown action ${JSON.stringify(bad)} (known: ${ACTION_KINDS.join(', ')})`);
  return list as ActionKind[];
}

const pacing: BulkPacing = {
  batchSize: Math.max(1, envInt('BENCH_BULK_BATCH', DEFAULT_BULK_PACING.batchSize)),
  concurrentBatches: Math.max(1, envInt('BENCH_BULK_CONCURRENT_BATCHES', DEFAULT_BULK_PACING.concurrentBatches)),
  accountConcurrency: Math.max(1, envInt('BENCH_BULK_ACCOUNT_CONCURRENCY', DEFAULT_BULK_PACING.accountConcurrency)),
  batchesPerRun: Math.max(
    1,
    envInt('BENCH_BULK_BATCHES_PER_RUN', DEFAULT_BULK_PACING.batchesPerRun ?? BATCHES_PER_RUN),
  ),
  accountsPerActivity: Math.max(
    1,
    envInt('BENCH_BULK_ACCOUNTS_PER_ACTIVITY', DEFAULT_BULK_PACING.accountsPerActivity ?? 1),
  ),
};

const config = {
  accounts: envInt('BENCH_BULK_ACCOUNTS', 10_000),
  limitN: envInt('BENCH_BULK_LIMIT_N', 1000),
  big: envInt('BENCH_BULK_BIG', 0),
  actions: envActions(),
  loop: envBool('BENCH_BULK_LOOP', true),
  concurrentLoop: envBool('BENCH_BULK_CONCURRENT_LOOP', true),
  sqlCount: envInt('BENCH_BULK_SQL_COUNT', 200),
  warmup: envInt('BENCH_BULK_WARMUP', 50),
  pacing,
  lanes: pacing.concurrentBatches * pacing.accountConcurrency,
  workerPool: Math.max(1, envInt('BENCH_WORKER_POOL', 20)),
  workerActivities: Math.max(1, envInt('BENCH_WORKER_ACTIVITIES', 100)),
  timeoutSeconds: envInt('BENCH_BULK_TIMEOUT_SECONDS', 0),
  mailTimeoutSeconds: envInt('BENCH_BULK_MAIL_TIMEOUT_SECONDS', 0),
  historyAll: envInt('BENCH_BULK_HISTORY_ALL', 50),
  /** The reminder "day" of the workflows an action starts; no reminders are enabled, so it never elapses. */
  daySeconds: 86_400,
  temporalDc: temporalDynamicConfig(),
};
const runTimeoutMs = (n: number) => (config.timeoutSeconds || 300 + n * 0.05) * 1000;
const mailTimeoutMs = (n: number) => (config.mailTimeoutSeconds || 120 + n * 0.1) * 1000;

/** SQL statements sent by this process's database connections (the SQL count; the worker is another process). */
let statements = 0;
const pgQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  return (pgQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pgQuery;

// ------------------------------------------------------------------------------------------ results

/** Manage tags over the same number of accounts, one account per step and by chunk: statements per account. */
interface SqlCount {
  accounts: number;
  perAccount: number;
  chunk: number;
  perAccountChunked: number;
}

type Way = 'workflow' | 'loop-seq' | 'loop-conc';
const wayLabel = (w: Way) =>
  w === 'workflow'
    ? `workflow (${config.pacing.concurrentBatches}×${config.pacing.accountConcurrency} at once)`
    : w === 'loop-seq'
      ? 'plain loop, sequential'
      : `plain loop, ${config.lanes} lanes`;

interface MailStats {
  expected: number;
  received: number;
  duplicates: number;
  /** Last notification email's arrival, seconds after the action's start call. */
  lastAfterStartS: number;
  /** …and after the processing had finished. */
  lastAfterFinishS: number;
  complete: boolean;
}

interface HistoryStats {
  parentRuns: { runId: string; events: number; bytes: number }[];
  batches: number;
  sampled: { batch: number; events: number; bytes: number; markers: number }[];
  /** Workflow tasks that timed out or failed, over the parent runs and the sampled batches. */
  taskTimeouts: number;
  taskFailures: number;
}

type HistoryEvents = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events'];
const countEvents = (
  events: HistoryEvents,
  attr: 'workflowTaskTimedOutEventAttributes' | 'workflowTaskFailedEventAttributes' | 'markerRecordedEventAttributes',
) => (events ?? []).filter((e) => e[attr]).length;

interface RunResult {
  action: ActionKind;
  way: Way;
  bulkActionId: string;
  accounts: number;
  /** Start call → row no longer running (workflow) / → loop and finishBulkAction done (plain loop). */
  seconds: number;
  /** Plain loop only: the runBulkAccount calls alone. */
  loopSeconds?: number;
  counts: BulkCounts;
  status: string;
  timedOut: boolean;
  cpu: { worker: number; temporal: number; postgres: number; bench: number; others: number };
  mails?: MailStats;
  histories?: HistoryStats;
}

interface BigResult {
  run: RunResult;
  workerPeakRssMiB: number;
  seedSeconds: number;
}

// ------------------------------------------------------------------------------------------- main

async function main() {
  const started = performance.now();
  const startedAt = new Date();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const results: RunResult[] = [];
  let big: BigResult | undefined;
  let comparisonWorkerPeak = NaN;
  let sqlCount: SqlCount | undefined;
  let limit: LimitResult | undefined;
  let exitCode = 0;
  let interrupted = false;
  // Cleanup runs in reverse at the end, or on SIGINT/SIGTERM (then the process exits 130).
  const { steps: cleanup, run: runCleanup } = cleanupOnExit(() => (interrupted = true));

  try {
    log(`config: ${JSON.stringify(config)}`);
    const databaseUrl = await createBenchDatabase();
    cleanup.push(() => dropDatabase(databaseUrl));
    const dbName = new URL(databaseUrl).pathname.slice(1);
    log(`database ${dbName} created and migrated`);

    const env: TestWorkflowEnvironment = await startTemporal(config.temporalDc);
    cleanup.push(() => env.teardown());
    const temporalAddress = env.address;
    const temporalPid = temporalServerPid(ensureTemporalCli(), temporalAddress.split(':').pop()!);
    trackStack(temporalPid, dbName);
    log(`Temporal dev server at ${temporalAddress} (pid ${temporalPid ?? '?'})`);

    const smtp: SmtpCapture = await startSmtpCapture();
    cleanup.push(() => smtp.close());

    const bundle = await bundleWorkflowCode({ ...workflowBundleOptions(), logger: quietLogger });
    const bundlePath = path.join(os.tmpdir(), `nudge-bench-bulk-workflows-${process.pid}.js`);
    writeFileSync(bundlePath, bundle.code);
    cleanup.push(() => rmSync(bundlePath, { force: true }));

    const connection = await Connection.connect({ address: temporalAddress });
    cleanup.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    // The limit, first: what this server and a worker with Nudge's settings do with no work inside.
    if (config.limitN > 0)
      limit = await runLimitBench(
        { temporalAddress, client },
        {
          n: config.limitN,
          concurrency: 32,
          leadSeconds: 5,
          maxConcurrentActivities: config.workerActivities,
          maxConcurrentLocalActivities: NUDGE_WORKER_LOCAL_ACTIVITIES,
        },
      );
    // The API side and the plain loop: enough connections for the concurrent lanes.
    const db: Db = createDb(databaseUrl, Math.max(20, config.lanes + 4));
    cleanup.push(() => db.$disconnect());

    const taskQueue = `bench-bulk-${randomUUID()}`;
    let worker: WorkerProcess | undefined;
    cleanup.push(async () => {
      await worker?.stop();
      trackWorkerPid(undefined);
    });
    const startWorker = async () => {
      worker = await startWorkerProcess({
        databaseUrl,
        temporalAddress,
        taskQueue,
        smtpPort: smtp.port,
        poolSize: config.workerPool,
        maxConcurrentActivities: config.workerActivities,
        bundlePath,
      });
      trackWorkerPid(worker.pid);
      log(`worker process ${worker.pid} polling ${taskQueue}`);
      return worker;
    };
    const stopWorker = async () => {
      const peak = (await worker?.stop()) ?? NaN;
      worker = undefined;
      trackWorkerPid(undefined);
      return peak;
    };

    // The firm, its owner (sees every account), a chat template per message run, a tag per set and per run.
    const { firm, owner } = await createFirm(db, {
      name: 'Bench Bulk Firm',
      owner: { email: `owner-${randomUUID()}@firm.bench`, name: 'Bench Owner' },
    });
    const actor: Actor = { id: owner.id, role: owner.role, canViewAllAccounts: owner.canViewAllAccounts };
    const firmId = firm.id;
    const gateway = createTemporalGateway({ client, taskQueue });
    const service = createBulkActionsService({ db, gateway, daySeconds: config.daySeconds, pacing: config.pacing });
    // Same service, a task queue nobody polls: the plain loop's row and snapshot, its workflow never runs.
    const unpolledQueue = `bench-bulk-unpolled-${randomUUID()}`;
    const unpolledGateway = createTemporalGateway({ client, taskQueue: unpolledQueue });
    const unpolledService = createBulkActionsService({
      db,
      gateway: unpolledGateway,
      daySeconds: config.daySeconds,
      pacing: config.pacing,
    });
    const effectTarget: BulkEffectTarget = { gateway, daySeconds: config.daySeconds };
    // The plain loop's closing step is the workflow's own last activity, run here in an activity context.
    const loopActivities = createBulkActivities({ db, temporal: client });
    const loopActivityEnv = new MockActivityEnvironment({ taskQueue });

    const newTag = async (name: string) => (await db.tag.create({ data: { firmId, name } })).id;
    const newTemplate = async (name: string) =>
      (
        await db.chatTemplate.create({
          data: {
            firmId,
            name: `${name}: news for {{accountName}}`,
            body: 'Dear {{accountName}}, {{firmName}} has news for you. Please read it in the portal.',
          },
        })
      ).id;

    /** `n` accounts named `<label> 0000001…`, each with one contact, one email (login active, notify on) and the set's tag. */
    const seedSet = async (label: string, n: number): Promise<string> => {
      const setTag = await newTag(`set ${label}`);
      const CHUNK = 25_000;
      for (let from = 0; from < n; from += CHUNK) {
        const to = Math.min(n, from + CHUNK);
        // One statement per chunk: the foreign keys are checked at its end, when every row exists.
        await db.$executeRaw`
          WITH src AS (
            SELECT i, gen_random_uuid() AS aid, gen_random_uuid() AS cid FROM generate_series(${from}::int, ${to - 1}::int) i
          ), a AS (
            INSERT INTO "Account" (id, "firmId", name, type, "updatedAt")
            SELECT aid, ${firmId}::uuid, ${label} || ' ' || lpad(i::text, 7, '0'), 'company', now() FROM src
          ), c AS (
            INSERT INTO "Contact" (id, "firmId", "firstName", "lastName", "updatedAt")
            SELECT cid, ${firmId}::uuid, 'Bench', ${label} || ' ' || i, now() FROM src
          ), e AS (
            INSERT INTO "ContactEmail" (id, "firmId", "contactId", address, login, notify, "updatedAt")
            SELECT gen_random_uuid(), ${firmId}::uuid, cid, ${label} || '-' || i || '@client.bench', 'active', true, now() FROM src
          ), ac AS (
            INSERT INTO "AccountContact" ("accountId", "contactId") SELECT aid, cid FROM src
          )
          INSERT INTO "AccountTag" ("accountId", "tagId") SELECT aid, ${setTag}::uuid FROM src`;
      }
      return setTag;
    };

    // Notification emails, indexed by chat thread as they arrive (the raw text is dropped once read).
    const mailsByThread = new Map<string, { keys: Map<string, number>; firstAt: number; lastAt: number }>();
    let scanned = 0;
    const NOTIFICATION = /^reminder-chat-([0-9a-f-]{36}):.*:notification:/;
    const scanMails = () => {
      for (; scanned < smtp.mails.length; scanned++) {
        const m = smtp.mails[scanned];
        const key = nudgeKey(m);
        m.raw = '';
        const threadId = key ? NOTIFICATION.exec(key)?.[1] : undefined;
        if (!threadId || !key) continue;
        let t = mailsByThread.get(threadId);
        if (!t) mailsByThread.set(threadId, (t = { keys: new Map(), firstAt: m.receivedAt, lastAt: m.receivedAt }));
        t.keys.set(key, (t.keys.get(key) ?? 0) + 1);
        t.lastAt = Math.max(t.lastAt, m.receivedAt);
      }
    };

    const waitForMails = async (
      bulkActionId: string,
      startEpoch: number,
      finishEpoch: number,
      n: number,
    ): Promise<MailStats> => {
      const rows = await db.$queryRaw<{ threadId: string }[]>`
        SELECT result->>'threadId' AS "threadId" FROM "BulkActionOutcome"
        WHERE "bulkActionId" = ${bulkActionId}::uuid AND outcome = 'done' AND result ? 'threadId'`;
      const threads = rows.map((r) => r.threadId);
      const deadline = Date.now() + mailTimeoutMs(n);
      let received = 0;
      let lastLog = Date.now();
      for (;;) {
        scanMails();
        received = threads.filter((t) => mailsByThread.has(t)).length;
        if (received >= threads.length || Date.now() > deadline) break;
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          log(`  notification emails: ${received}/${threads.length}`);
        }
        await sleep(250);
      }
      await sleep(1000); // late duplicates, if any
      scanMails();
      let duplicates = 0;
      let lastAt = 0;
      for (const t of threads) {
        const x = mailsByThread.get(t);
        if (!x) continue;
        duplicates += x.keys.size - 1; // more than one dispatch for one thread
        for (const copies of x.keys.values()) duplicates += copies - 1; // one dispatch delivered twice
        lastAt = Math.max(lastAt, x.lastAt);
      }
      return {
        expected: threads.length,
        received,
        duplicates,
        lastAfterStartS: lastAt ? (lastAt - startEpoch) / 1000 : NaN,
        lastAfterFinishS: lastAt ? (lastAt - finishEpoch) / 1000 : NaN,
        complete: received >= threads.length,
      };
    };

    const historiesOf = async (bulkActionId: string, total: number): Promise<HistoryStats> => {
      const workflowId = bulkWorkflowId(bulkActionId);
      const runs: { runId: string; start: number }[] = [];
      for (let attempt = 0; attempt < 20 && !runs.length; attempt++) {
        for await (const r of client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
          runs.push({ runId: r.runId, start: r.startTime.getTime() });
        if (!runs.length) await sleep(250); // visibility is eventually consistent
      }
      runs.sort((a, b) => a.start - b.start);
      const parentRuns = [];
      let taskTimeouts = 0;
      let taskFailures = 0;
      for (const r of runs) {
        const handle = client.workflow.getHandle(workflowId, r.runId);
        const [h, d] = await Promise.all([handle.fetchHistory(), handle.describe()]);
        parentRuns.push({ runId: r.runId, events: h.events?.length ?? 0, bytes: d.historySize ?? NaN });
        taskTimeouts += countEvents(h.events, 'workflowTaskTimedOutEventAttributes');
        taskFailures += countEvents(h.events, 'workflowTaskFailedEventAttributes');
      }
      const batches = Math.ceil(total / config.pacing.batchSize);
      let picks: number[];
      if (batches <= config.historyAll) picks = Array.from({ length: batches }, (_, i) => i);
      else
        picks = [
          ...new Set([
            0,
            1,
            Math.floor(batches / 4),
            Math.floor(batches / 2),
            Math.floor((3 * batches) / 4),
            batches - 2,
            batches - 1,
          ]),
        ].filter((b) => b >= 0 && b < batches);
      const sampled = [];
      for (const b of picks) {
        const handle = client.workflow.getHandle(batchWorkflowId(bulkActionId, b));
        const [h, d] = await Promise.all([handle.fetchHistory(), handle.describe()]);
        sampled.push({
          batch: b,
          events: h.events?.length ?? 0,
          bytes: d.historySize ?? NaN,
          markers: countEvents(h.events, 'markerRecordedEventAttributes'),
        });
        taskTimeouts += countEvents(h.events, 'workflowTaskTimedOutEventAttributes');
        taskFailures += countEvents(h.events, 'workflowTaskFailedEventAttributes');
      }
      return { parentRuns, batches, sampled, taskTimeouts, taskFailures };
    };

    const bodyOf = async (action: ActionKind, setTag: string, label: string): Promise<NewBulkAction> => ({
      action:
        action === 'manage_tags'
          ? { kind: 'manage_tags', tags: [{ tagId: await newTag(`assigned ${label}`), action: 'assign' }] }
          : { kind: 'send_message', chatTemplateId: await newTemplate(`template ${label}`) },
      selection: { filter: { tagId: setTag } },
      dryRun: false,
    });

    /** Each account done has the tag and one audit entry of the action, and no account has more. */
    const checkTags = async (bulkActionId: string, tagId: string, counts: BulkCounts, label: string) => {
      const [tagged, audited] = await Promise.all([
        db.accountTag.count({ where: { tagId } }),
        db.auditEvent.count({
          where: { firmId, action: 'account.tags_changed', data: { path: ['bulkActionId'], equals: bulkActionId } },
        }),
      ]);
      const ok = tagged === counts.done && audited === counts.done;
      log(
        `${label}: ${tagged} accounts tagged, ${audited} audit entries for ${counts.done} done${ok ? '' : ' — MISMATCH'}`,
      );
      if (!ok) throw new Error(`${label}: tags or audit entries do not match the accounts done`);
    };

    const cpuOf = (a: ReturnType<typeof cpuSample>, b: ReturnType<typeof cpuSample>) => {
      const d = cpuDiff(a, b);
      return { worker: d.worker, temporal: d.temporal, postgres: d.postgres, bench: b.self - a.self, others: d.others };
    };

    // (a) The workflow: start through the service, poll the row every 250 ms until it is no longer running.
    const viaWorkflow = async (
      action: ActionKind,
      setTag: string,
      n: number,
      label: string,
      withHistories: boolean,
    ): Promise<RunResult> => {
      const body = await bodyOf(action, setTag, label);
      const cpu0 = cpuSample();
      const startEpoch = Date.now();
      const t0 = performance.now();
      const row = await service.start(firmId, actor, body);
      let status = 'running';
      let timedOut = false;
      let lastLog = performance.now();
      for (;;) {
        status = (await db.bulkAction.findUniqueOrThrow({ where: { id: row.id }, select: { status: true } })).status;
        if (status !== 'running') break;
        if (performance.now() - t0 > runTimeoutMs(n)) {
          timedOut = true;
          break;
        }
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          const c = await countBulkOutcomes(db, row.id);
          const s = (performance.now() - t0) / 1000;
          log(
            `  ${label}: ${c.total - c.pending}/${c.total} accounts after ${fmt(s)} s (${fmt((c.total - c.pending) / s)}/s)`,
          );
        }
        await sleep(250);
      }
      const seconds = (performance.now() - t0) / 1000;
      const finishEpoch = Date.now();
      const cpu = cpuOf(cpu0, cpuSample());
      const counts = await countBulkOutcomes(db, row.id);
      const result: RunResult = {
        action,
        way: 'workflow',
        bulkActionId: row.id,
        accounts: row.total,
        seconds,
        counts,
        status,
        timedOut,
        cpu,
      };
      log(
        `${label}: ${status} in ${fmt(seconds, 2)} s = ${fmt(row.total / seconds)} accounts/s (${countsText(counts)})`,
      );
      if (action === 'send_message') result.mails = await waitForMails(row.id, startEpoch, finishEpoch, n);
      if (body.action.kind === 'manage_tags') await checkTags(row.id, body.action.tags[0].tagId, counts, label);
      if (withHistories && !timedOut) result.histories = await historiesOf(row.id, row.total);
      return result;
    };

    // (b) The plain loop: the same start on an unpolled queue, then runBulkAccount per account in this process.
    const viaLoop = async (
      action: ActionKind,
      setTag: string,
      n: number,
      label: string,
      lanes: number,
    ): Promise<RunResult> => {
      const body = await bodyOf(action, setTag, label);
      const cpu0 = cpuSample();
      const startEpoch = Date.now();
      const t0 = performance.now();
      const row = await unpolledService.start(firmId, actor, body);
      const contextOf = bulkContextCache(db); // as the activity does: read once, refreshed every 10 s
      const pending = await db.bulkActionOutcome.findMany({
        where: { bulkActionId: row.id, outcome: null },
        orderBy: { position: 'asc' },
        select: { accountId: true },
      });
      const tLoop = performance.now();
      let next = 0;
      let failed = 0;
      let firstError: string | undefined;
      // A set-based kind goes by chunks, as the workflow's local activities take it; any other per account.
      const chunk = SET_BASED_KINDS.has(action) ? (config.pacing.accountsPerActivity ?? 1) : 1;
      const lane = async () => {
        while (next < pending.length) {
          const accountIds = pending.slice(next, next + chunk).map((p) => p.accountId);
          next += accountIds.length;
          try {
            const ctx = await contextOf(row.id, config.daySeconds);
            if (chunk > 1) await runBulkAccounts(db, effectTarget, ctx, accountIds);
            else await runBulkAccount(db, effectTarget, ctx, accountIds[0]);
          } catch (err) {
            failed += accountIds.length;
            firstError ??= err instanceof Error ? err.message : String(err);
            for (const accountId of accountIds)
              await loopActivities.recordBulkFailure({ bulkActionId: row.id, accountId, error: firstError });
          }
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, pending.length)) }, lane));
      const loopSeconds = (performance.now() - tLoop) / 1000;
      await loopActivityEnv.run(loopActivities.finishBulkAction, {
        bulkActionId: row.id,
        cancelled: false,
        daySeconds: config.daySeconds,
      });
      const seconds = (performance.now() - t0) / 1000;
      const finishEpoch = Date.now();
      const cpu = cpuOf(cpu0, cpuSample());
      // Its workflow never ran (nobody polls that queue); end it so nothing can ever pick it up.
      await client.workflow
        .getHandle(bulkWorkflowId(row.id))
        .terminate('benchmark plain loop: processed without the workflow')
        .catch(() => undefined);
      const status = (await db.bulkAction.findUniqueOrThrow({ where: { id: row.id }, select: { status: true } }))
        .status;
      const counts = await countBulkOutcomes(db, row.id);
      if (failed) log(`${label}: ${failed} accounts failed, first: ${firstError}`);
      const way: Way = lanes > 1 ? 'loop-conc' : 'loop-seq';
      const result: RunResult = {
        action,
        way,
        bulkActionId: row.id,
        accounts: row.total,
        seconds,
        loopSeconds,
        counts,
        status,
        timedOut: false,
        cpu,
      };
      log(
        `${label}: ${status} in ${fmt(seconds, 2)} s = ${fmt(row.total / seconds)} accounts/s; the loop alone ${fmt(loopSeconds, 2)} s (${countsText(counts)})`,
      );
      if (action === 'send_message') result.mails = await waitForMails(row.id, startEpoch, finishEpoch, n);
      return result;
    };

    // 0. SQL statements per account (manage tags), counted on this process's connections with nothing else
    // running here: each account on its own (runBulkAccount), then by chunk (runBulkAccounts), as the
    // workflow's local activities run them, each on a fresh action over the same accounts with a new tag.
    if (config.sqlCount > 0) {
      const setTag = await seedSet('bench sql', config.sqlCount);
      await db.$executeRawUnsafe('ANALYZE');
      const perAccountFor = async (chunk: number) => {
        const row = await unpolledService.start(firmId, actor, await bodyOf('manage_tags', setTag, `sql ${chunk}`));
        const ctx = await loadBulkContext(db, row.id, config.daySeconds);
        const ids = (
          await db.bulkActionOutcome.findMany({
            where: { bulkActionId: row.id },
            orderBy: { position: 'asc' },
            select: { accountId: true },
          })
        ).map((r) => r.accountId);
        const before = statements;
        if (chunk <= 1) for (const id of ids) await runBulkAccount(db, effectTarget, ctx, id);
        else
          for (let i = 0; i < ids.length; i += chunk)
            await runBulkAccounts(db, effectTarget, ctx, ids.slice(i, i + chunk));
        const perAccount = (statements - before) / ids.length;
        await loopActivityEnv.run(loopActivities.finishBulkAction, {
          bulkActionId: row.id,
          cancelled: false,
          daySeconds: config.daySeconds,
        });
        await client.workflow
          .getHandle(bulkWorkflowId(row.id))
          .terminate('benchmark SQL count: processed without the workflow')
          .catch(() => undefined);
        return perAccount;
      };
      const chunk = config.pacing.accountsPerActivity ?? 1;
      sqlCount = {
        accounts: config.sqlCount,
        perAccount: await perAccountFor(1),
        chunk,
        perAccountChunked: await perAccountFor(chunk),
      };
      log(
        `SQL statements per account (manage tags, ${sqlCount.accounts} accounts): ${fmt(sqlCount.perAccount, 2)} one account per step, ${fmt(sqlCount.perAccountChunked, 2)} by chunks of ${chunk}`,
      );
    }

    // 1. Workflow vs plain loop, per action, each way on its own account set.
    const ways: Way[] = !config.loop
      ? ['workflow']
      : ['workflow', 'loop-seq', ...(config.concurrentLoop ? (['loop-conc'] as Way[]) : [])];
    const runWay = (way: Way, action: ActionKind, setTag: string, n: number, label: string, measured = true) =>
      way === 'workflow'
        ? viaWorkflow(action, setTag, n, label, measured)
        : viaLoop(action, setTag, n, label, way === 'loop-seq' ? 1 : config.lanes);
    if (config.accounts > 0 && config.actions.length) {
      const t = performance.now();
      const sets = new Map<Way, string>();
      for (const way of ways) sets.set(way, await seedSet(`bench ${way}`, config.accounts));
      const warmTag = config.warmup > 0 ? await seedSet('bench warmup', config.warmup) : undefined;
      await db.$executeRawUnsafe('ANALYZE');
      log(
        `seeded ${ways.length} × ${config.accounts}${warmTag ? ` + ${config.warmup} warm-up` : ''} accounts in ${fmt((performance.now() - t) / 1000)} s`,
      );
      await startWorker();

      if (warmTag) {
        for (const action of config.actions)
          for (const way of ways) await runWay(way, action, warmTag, config.warmup, `warm-up ${action} ${way}`, false);
        log('warm-up done');
      }
      for (const action of config.actions) {
        for (const way of ways) {
          const label = `${action} ${wayLabel(way)}`;
          log(`${label}: ${config.accounts} accounts`);
          const r = await runWay(way, action, sets.get(way)!, config.accounts, label);
          results.push(r);
          if (r.mails)
            log(
              `${label}: notification emails ${r.mails.received}/${r.mails.expected}, duplicates ${r.mails.duplicates}, last one ${fmt(r.mails.lastAfterStartS)} s after the start (${fmt(r.mails.lastAfterFinishS)} s after processing ended)`,
            );
        }
        const wf = results.find((r) => r.action === action && r.way === 'workflow');
        const seq = results.find((r) => r.action === action && r.way === 'loop-seq');
        if (wf && seq)
          log(`${action}: workflow / sequential plain loop = ${fmt(wf.seconds / seq.seconds, 2)} (goal ≤ 1.5)`);
      }
      comparisonWorkerPeak = await stopWorker();
    }

    // 2. One big manage-tags run by the workflow only, on a fresh worker (its own peak RSS).
    if (config.big > 0) {
      const t = performance.now();
      const bigTag = await seedSet('bench big', config.big);
      await db.$executeRawUnsafe('ANALYZE');
      const seedSeconds = (performance.now() - t) / 1000;
      log(`big run: seeded ${config.big} accounts in ${fmt(seedSeconds)} s`);
      const w = await startWorker();
      const run = await viaWorkflow('manage_tags', bigTag, config.big, `big manage_tags ${config.big}`, true);
      const workerPeakRssMiB = w.peakRssMiB();
      await stopWorker();
      big = { run, workerPeakRssMiB, seedSeconds };
    }
  } catch (err) {
    // After a signal the stack is being torn down under the running step: its error is only noise.
    if (interrupted) console.error('[bench] interrupted');
    else console.error('[bench] failed:', err);
    exitCode = 1;
  } finally {
    const totalSeconds = (performance.now() - started) / 1000;
    const report = renderReport(startedAt, totalSeconds, results, big, comparisonWorkerPeak, sqlCount, limit, {
      failed: exitCode !== 0,
    });
    mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench', 'results', 'bulk-actions.md'), report);
    console.log('\n' + report);
    log(
      `${exitCode ? 'failed' : 'done'} after ${fmt(totalSeconds)} s; report written to bench/results/bulk-actions.md`,
    );
    await runCleanup();
  }
  process.exit(exitCode);
}

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;

// ------------------------------------------------------------------------------------------ output

function countsText(c: BulkCounts): string {
  return `${c.done} done, ${c.skipped} skipped, ${c.failed} failed${c.notReached ? `, ${c.notReached} not reached` : ''}${c.pending ? `, ${c.pending} pending` : ''}`;
}

const cpuText = (c: RunResult['cpu']) =>
  `${fmt(c.worker)} / ${fmt(c.temporal)} / ${fmt(c.postgres)} / ${fmt(c.bench)} / ${fmt(c.others)}`;

function historyText(h: HistoryStats | undefined): { parent: string; batches: string; tasks: string } {
  if (!h) return { parent: '—', batches: '—', tasks: '—' };
  const largest = h.parentRuns.reduce((a, r) => (r.events > a.events ? r : a), { runId: '', events: 0, bytes: NaN });
  const ev = h.sampled.map((s) => s.events);
  const bytes = h.sampled.map((s) => s.bytes);
  return {
    parent: `${largest.events} events, ${fmt(largest.bytes / 1024, 0)} KiB (largest of ${h.parentRuns.length} run${h.parentRuns.length === 1 ? '' : 's'})`,
    batches: ev.length
      ? `${h.sampled.length === h.batches ? 'all' : `${h.sampled.length} of`} ${h.batches}: max ${Math.max(...ev)} events / ${fmt(Math.max(...bytes) / 1024, 0)} KiB, median ${percentile(ev, 50)}`
      : '—',
    tasks: `${h.taskTimeouts} timed out, ${h.taskFailures} failed`,
  };
}

function comparisonTable(rs: RunResult[]): string {
  const rows: Cell[][] = rs.map((r) => [
    r.action,
    wayLabel(r.way),
    r.accounts,
    `${fmt(r.seconds, 2)}${r.timedOut ? ' (timed out)' : ''}`,
    fmt(r.accounts / r.seconds),
    r.loopSeconds === undefined ? '—' : `${fmt(r.loopSeconds, 2)} (${fmt(r.accounts / r.loopSeconds)}/s)`,
    `${r.status}: ${countsText(r.counts)}`,
    cpuText(r.cpu),
  ]);
  return table(
    [
      'action',
      'way',
      'accounts',
      's start → finished',
      'accounts/s',
      'plain loop alone s (accounts/s)',
      'outcome',
      'CPU s worker / Temporal / PostgreSQL / bench / other',
    ],
    rows,
  );
}

function ratioTable(rs: RunResult[]): string {
  const rows: Cell[][] = [];
  for (const action of ACTION_KINDS) {
    const wf = rs.find((r) => r.action === action && r.way === 'workflow');
    if (!wf) continue;
    for (const way of ['loop-seq', 'loop-conc'] as Way[]) {
      const loop = rs.find((r) => r.action === action && r.way === way);
      if (!loop) continue;
      const ratio = wf.seconds / loop.seconds;
      rows.push([
        action,
        `workflow / ${wayLabel(way)}`,
        fmt(ratio, 2),
        way === 'loop-seq' ? (ratio <= 1.5 ? 'met (≤ 1.5)' : 'NOT met (≤ 1.5)') : '(for reference)',
      ]);
    }
  }
  return table(['action', 'time ratio', 'value', 'goal'], rows);
}

function mailTable(rs: RunResult[]): string {
  const rows: Cell[][] = rs
    .filter((r) => r.mails)
    .map((r) => {
      const m = r.mails!;
      return [
        wayLabel(r.way),
        m.expected,
        `${m.received}${m.complete ? '' : ' (incomplete)'}`,
        m.duplicates,
        fmt(m.lastAfterStartS),
        fmt(m.lastAfterFinishS),
        fmt(m.received / m.lastAfterStartS),
      ];
    });
  return table(
    [
      'send message: way',
      'expected',
      'received',
      'duplicates',
      'last email s after start',
      's after processing ended',
      'emails/s overall',
    ],
    rows,
  );
}

/** Send message's rates ÷ limit (b): each message starts a workflow whose one activity sends its notification. */
function limitTable(rs: RunResult[], limit: LimitResult): string {
  const b = limit.starts.perSec;
  const rows: Cell[][] = limitRows(limit).map(([figure, value]) => [figure, value, '', '']);
  for (const r of rs.filter((x) => x.action === 'send_message' && x.way === 'workflow')) {
    rows.push([
      `send message, ${r.accounts} accounts: accounts processed/s ÷ limit (b)`,
      `${fmt(r.accounts / r.seconds)}/s`,
      fmt(r.accounts / r.seconds / b, 2),
      '≥ 0.60',
    ]);
    if (r.mails)
      rows.push([
        'send message: notifications out/s (start → last email) ÷ limit (b)',
        `${fmt(r.mails.received / r.mails.lastAfterStartS)}/s`,
        fmt(r.mails.received / r.mails.lastAfterStartS / b, 2),
        '≥ 0.60',
      ]);
  }
  return table(['figure', 'value', 'ratio', 'goal'], rows);
}

function historyTable(rs: RunResult[]): string {
  const rows: Cell[][] = rs
    .filter((r) => r.histories)
    .map((r) => {
      const h = historyText(r.histories);
      return [`${r.action} (${r.accounts} accounts)`, h.parent, h.batches, h.tasks];
    });
  return table(
    [
      'workflow run',
      'parent `bulk-<id>`',
      'batch children `bulk-<id>-batch-<n>`',
      'workflow tasks (parent runs + those batches)',
    ],
    rows,
  );
}

function bigTable(b: BigResult): string {
  const r = b.run;
  const h = historyText(r.histories);
  const rows: Cell[][] = [
    ['accounts', r.accounts],
    ['outcome', `${r.status}: ${countsText(r.counts)}${r.timedOut ? ' (timed out)' : ''}`],
    ['total s (start → finished)', fmt(r.seconds, 1)],
    ['accounts/s', fmt(r.accounts / r.seconds)],
    ['parent history', h.parent],
    ...(r.histories?.parentRuns.length
      ? [['parent runs: events each', r.histories.parentRuns.map((p) => p.events).join(', ')] as Cell[]]
      : []),
    ['batch children', h.batches],
    ...(r.histories
      ? [
          [
            'sampled batches: events (local-activity markers)',
            r.histories.sampled.map((s) => `#${s.batch}: ${s.events} (${s.markers})`).join(', '),
          ] as Cell[],
        ]
      : []),
    ['workflow tasks (parent runs + sampled batches)', h.tasks],
    ['worker peak RSS MiB (VmHWM)', fmt(b.workerPeakRssMiB, 0)],
    ['CPU s worker / Temporal / PostgreSQL / bench / other', cpuText(r.cpu)],
    ['seeding s (not in the figures)', fmt(b.seedSeconds)],
  ];
  return table(['big manage tags (workflow only)', 'value'], rows);
}

function renderReport(
  startedAt: Date,
  totalSeconds: number,
  rs: RunResult[],
  big: BigResult | undefined,
  comparisonWorkerPeak: number,
  sqlCount: SqlCount | undefined,
  limit: LimitResult | undefined,
  { failed }: { failed: boolean },
): string {
  const p = config.pacing;
  const lines = [
    '# Bulk actions benchmark',
    '',
    `Run ${startedAt.toISOString()} · ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? '?'}) · ${fmt(os.totalmem() / 2 ** 30, 0)} GiB RAM · Node ${process.version} · total ${fmt(totalSeconds)} s${failed ? ' · **run failed; partial results**' : ''}`,
    '',
    '## Settings',
    '',
    table(
      ['setting', 'value'],
      [
        ['BENCH_BULK_ACCOUNTS (per way and action)', config.accounts],
        ['BENCH_BULK_BIG', config.big || '— (skipped)'],
        ['actions', config.actions.join(', ')],
        [
          'pacing: batch size / concurrent batches / accounts at once per batch / batches per run',
          `${p.batchSize} / ${p.concurrentBatches} / ${p.accountConcurrency} / ${p.batchesPerRun ?? BATCHES_PER_RUN}`,
        ],
        ['accounts per local activity (set-based kinds: manage tags)', p.accountsPerActivity ?? 1],
        ['plain loop lanes (concurrent variant)', config.concurrentLoop ? config.lanes : '— (off)'],
        ['warm-up accounts (unmeasured)', config.warmup],
        [
          'worker Prisma pool / maxConcurrentActivityTaskExecutions',
          `${config.workerPool} / ${config.workerActivities}`,
        ],
        ['Temporal dev-server dynamic config', config.temporalDc.join('; ') || '(defaults)'],
      ],
    ),
    '',
  ];
  if (sqlCount)
    lines.push(
      '## SQL statements per account (manage tags)',
      '',
      table(
        ['step', 'accounts', 'statements per account'],
        [
          ['one account per step (`runBulkAccount`)', sqlCount.accounts, fmt(sqlCount.perAccount, 2)],
          [
            `chunks of ${sqlCount.chunk} (\`runBulkAccounts\`, set-based)`,
            sqlCount.accounts,
            fmt(sqlCount.perAccountChunked, 2),
          ],
        ],
      ),
      '',
      'Every statement this process sent while the accounts ran (BEGIN and COMMIT included), divided by the accounts; the workflow adds per batch its load and per action its context and close.',
      '',
    );
  if (rs.length) {
    lines.push(
      '## Workflow vs plain loop',
      '',
      'Each way has its own accounts and its own tag/template. Workflow: service start (row + snapshot + `bulk-<id>`) until the row is no longer `running` (polled every 250 ms). ' +
        'Plain loop: the same service start on a task queue nobody polls, `runBulkAccount` per account (manage tags: `runBulkAccounts` per chunk, as the workflow) in the bench process (same database work, same Temporal effects), then the same `finishBulkAction`.',
      '',
      comparisonTable(rs),
      '',
      "CPU: the worker process, our Temporal dev server, PostgreSQL (our database's backends and the shared writers), this process (the API service and the plain loop) and every other process on the machine (not ours: a high figure means the machine was shared).",
      '',
      ratioTable(rs),
      '',
    );
    if (rs.some((r) => r.mails))
      lines.push('### Send message: notification emails (one per account expected)', '', mailTable(rs), '');
    if (limit) lines.push('### Send message against the limit', '', limitTable(rs, limit), '');
    if (rs.some((r) => r.histories)) lines.push('### Workflow histories', '', historyTable(rs), '');
    lines.push(`Worker peak RSS during the comparison runs: ${fmt(comparisonWorkerPeak, 0)} MiB.`, '');
  }
  if (big) lines.push('## Big run', '', bigTable(big), '');
  return lines.join('\n');
}

void main();
