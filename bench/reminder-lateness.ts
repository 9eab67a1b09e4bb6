// Benchmark 2: N approval requests whose first reminder falls due within the same minute; how late do the
// reminder emails reach the SMTP server? Items are created through createItemsService (the code path of
// POST /v1/documents/:id/approval-requests) and their workflows run on a worker in a child process.
//
// Due time of a reminder = its notification's ReminderDispatch.createdAt + one "day" (intervalDays = 1).
// The day is BENCH_DAY_SECONDS (60) and the items are created evenly over the one-minute window, so the
// dues spread evenly over one minute. When creating N items (and sending their notifications) cannot fit
// in that minute, items are created as fast as the stack allows and each batch gets its own, longer day
// length (the service's daySeconds, fixed per workflow at its start) so that the dues still land in one
// minute that begins after seeding ends; the table reports the day lengths used and the actual due span.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import type { Db } from '../prisma/client';
import { createFirm } from '../domain/firms/firms';
import { createItemsService } from '../domain/items/items';
import { createReminderOutbox, createReminderWorkflows } from '../domain/items/reminder-workflows';
import { createOutbox } from '../domain/outbox/outbox';
import type { TemporalGateway } from '../domain/temporal/gateway';
import { createTemporalGateway } from '../domain/temporal/gateway';
import type { CapturedMail, SmtpCapture } from '../test/support/smtp-capture';
import {
  addSqlCounts,
  cpuDiff,
  cpuSample,
  threadCpu,
  type CpuCategory,
  fmt,
  log,
  percentile,
  readVmHwmMiB,
  runLoad,
  seedClients,
  sleep,
  sqlPerOp,
  type SqlPerOp,
  type WorkerProcess,
} from './support';

export interface LatenessOptions {
  n: number;
  daySeconds: number;
  windowSeconds: number;
  seedConcurrency: number;
  batches: number;
  /** At most this many created items may still wait for their notification (keeps the lag bounded). */
  maxOutstanding: number;
  /** Steady-state calibration of the create+notify rate before the measured items. */
  calibrationSeconds: number;
  graceSeconds: number;
  /** Workflow histories read for the lateness breakdown. */
  historySamples: number;
  profileWorker: boolean;
  /** Worker processes polling the task queue (the scale-out run); the profile is of the first one. */
  workers?: number;
}

export interface LatenessContext {
  seedDb: Db;
  client: Client;
  smtp: SmtpCapture;
  startWorker(taskQueue: string): Promise<WorkerProcess>;
  temporalPid?: number;
}

export interface LatenessResult {
  n: number;
  workers: number;
  created: number;
  createErrors: number;
  firstError?: string;
  mode: 'paced' | 'asap';
  seedSeconds: number;
  createPerSec: number;
  createP50: number;
  createP99: number;
  daySecondsMin: number;
  daySecondsMax: number;
  dueSpanSeconds: number;
  seedingOverlapsDues: boolean;
  delivered: number;
  missing: number;
  duplicates: number;
  latenessP50: number;
  latenessP99: number;
  latenessMax: number;
  dispatchLagP50: number;
  dispatchLagP99: number;
  sendP50: number;
  sendP99: number;
  sendRatePerSec: number;
  /** The largest peak RSS of one worker process. */
  workerPeakRssMiB: number;
  temporalRssMiB: number;
  cpuSeconds: Record<string, number>;
  reminderPhaseSeconds: number;
  /** V8 profile of the worker's main thread during the reminder phase, by package. */
  workerProfile: CpuCategory[];
  workerMainThreadSecs: number;
  workerOtherThreads: { name: string; secs: number }[];
  workerOtherThreadsSecs: number;
  /** Lateness split into its steps, from the workflow histories of a sample of the items. */
  breakdown: { step: string; p50: number; p99: number; max: number }[];
  breakdownSample: number;
  activityRetries: number;
  /** Workflow tasks of the sample that timed out after the timer fired (a sticky task waiting longer than the
   * sticky queue's schedule-to-start timeout goes to the shared queue, and the worker replays the history). */
  taskTimeouts: number;
  /**
   * SQL the worker processes ran during the reminder phase (BEGIN/COMMIT/ROLLBACK apart) per reminder
   * delivered in it; undefined when not counted.
   */
  sqlPerReminder?: SqlPerOp;
  /** The same during the calibration, per notification (items with reminders off: create → notification). */
  sqlPerNotification?: SqlPerOp;
  /**
   * CPU ms per notification during the calibration, by process: bench (this process: the service, its outbox
   * relay and the SMTP capture), worker, temporal, postgres, others (not ours).
   */
  cpuPerNotificationMs: Record<string, number>;
}

const KEY_RE =
  /^reminder-(chat|signature|approval)-([0-9a-f-]{36}):(.*):(notification|reminder|manual):(\d+|[0-9a-f-]{36}):([0-9a-f-]{36})$/;

/** X-Nudge-Key from the raw message, unfolding continuation lines (the capture's own parse does not). */
export function nudgeKey(m: CapturedMail): string | null {
  const end = m.raw.search(/\r?\n\r?\n/);
  const head = (end < 0 ? m.raw : m.raw.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  return /^X-Nudge-Key:\s*(.*)$/im.exec(head)?.[1]?.trim() ?? m.key;
}

function vmRssMiB(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export async function runLatenessBench(ctx: LatenessContext, o: LatenessOptions): Promise<LatenessResult> {
  const { seedDb: db, client, smtp } = ctx;
  const n = o.n;
  const queue = `bench-reminders-${n}-${randomUUID()}`;
  const workers: WorkerProcess[] = [];
  try {
    for (let i = 0; i < (o.workers ?? 1); i++) workers.push(await ctx.startWorker(queue));
    return await measure(workers[0]);
  } finally {
    for (const w of workers) await w.stop();
  }

  /** Restarts the statement counter of every worker process. */
  async function sqlReset() {
    await Promise.all(workers.map((w) => w.sqlReset()));
  }

  /** The statements every worker process ran since sqlReset, together. */
  async function sqlRead() {
    return addSqlCounts(await Promise.all(workers.map((w) => w.sqlRead())));
  }

  /** CPU seconds per thread of every worker process (thread ids are unique across processes). */
  function workerThreads() {
    return new Map(workers.flatMap((w) => [...threadCpu(w.pid)]));
  }

  async function measure(worker: WorkerProcess): Promise<LatenessResult> {
    const { firm, owner } = await createFirm(db, {
      name: `Bench Reminder Firm ${n}`,
      owner: { email: `owner-${randomUUID()}@firm.bench`, name: 'Bench Owner' },
    });
    const CAL_MAX = 3000; // calibration items at most (they are time-bounded)
    const t = performance.now();
    const clients = await seedClients(db, firm.id, n + CAL_MAX, `rem${n}`);
    const docs = clients.map((c, i) => ({
      id: randomUUID(),
      firmId: firm.id,
      accountId: c.accountId,
      name: `Engagement letter ${i}`,
    }));
    for (let i = 0; i < docs.length; i += 5000) await db.document.createMany({ data: docs.slice(i, i + 5000) });
    log(
      `reminders N=${n}: seeded ${n + CAL_MAX} accounts/contacts/documents in ${fmt((performance.now() - t) / 1000)} s`,
    );

    const itemWorkflows = (gateway: TemporalGateway, daySeconds: number) => ({
      ...createReminderWorkflows({ gateway, daySeconds }),
      ...createReminderOutbox(createOutbox(db, gateway), daySeconds),
    });
    const services = new Map<number, ReturnType<typeof createItemsService>>();
    const serviceFor = (daySeconds: number) => {
      let s = services.get(daySeconds);
      if (!s)
        services.set(
          daySeconds,
          (s = createItemsService(db, itemWorkflows(createTemporalGateway({ client, taskQueue: queue }), daySeconds))),
        );
      return s;
    };
    const notified = () => db.reminderDispatch.count({ where: { firmId: firm.id, kind: 'notification' } });
    const waitNotified = async (count: number, timeoutMs: number) => {
      const deadline = performance.now() + timeoutMs;
      let k = 0;
      while ((k = await notified()) < count && performance.now() < deadline) await sleep(200);
      return k;
    };

    // Calibration (and warm-up): for calibrationSeconds, items with reminders off are created the way the
    // real ones will be (same concurrency, same bound on items awaiting their notification), to learn the
    // steady rate at which items can be created and notified and the request → notification delay.
    const calSvc = serviceFor(86_400);
    const calStarts = new Map<string, number>();
    const calMs = o.calibrationSeconds * 1000;
    let calStarted = 0;
    let calNotified = 0;
    let calibrating = true;
    await sqlReset();
    const calCpu0 = cpuSample();
    const calBegin = performance.now();
    const samples: { t: number; k: number }[] = [];
    const calPoller = (async () => {
      while (calibrating) {
        calNotified = await notified();
        samples.push({ t: performance.now(), k: calNotified });
        await sleep(200);
      }
    })();
    const cal = await runLoad(CAL_MAX, o.seedConcurrency, calMs, async (i) => {
      while (calStarted - calNotified > o.maxOutstanding && performance.now() - calBegin < calMs) await sleep(20);
      calStarted++;
      const startedAt = Date.now();
      const r = await calSvc.requestApproval(firm.id, owner, docs[n + i].id, {
        reminders: { enabled: false, intervalDays: 1, count: 1 },
      });
      calStarts.set(r.id, startedAt);
    });
    calibrating = false;
    await calPoller;
    const from = samples.find((x) => x.t >= calBegin + calMs / 3) ?? samples[0];
    const to = samples[samples.length - 1];
    const calRate = to && from && to.t > from.t ? (to.k - from.k) / ((to.t - from.t) / 1000) : cal.ops / (calMs / 1000);
    const calNotifiedAll = await waitNotified(cal.ops, 120_000);
    await sleep(1000); // the last workflows' statements after their notification row
    const sqlPerNotification = sqlPerOp(await sqlRead(), calNotifiedAll);
    const calCpu1 = cpuSample();
    const cpuPerNotificationMs = Object.fromEntries(
      Object.entries({ bench: calCpu1.self - calCpu0.self, ...cpuDiff(calCpu0, calCpu1) }).map(([k, s]) => [
        k,
        (s * 1000) / Math.max(1, calNotifiedAll),
      ]),
    );
    const calRows = await db.reminderDispatch.findMany({
      where: { firmId: firm.id, kind: 'notification' },
      select: { itemId: true, createdAt: true },
    });
    const steadyFrom = Date.now() - (performance.now() - (calBegin + calMs / 3));
    const lags = calRows
      .filter((r) => (calStarts.get(r.itemId) ?? 0) >= steadyFrom)
      .map((r) => r.createdAt.getTime() - calStarts.get(r.itemId)!);
    const lagMs = percentile(lags, 50);
    const estSeedS = n / Math.max(0.1, calRate);
    const L = o.windowSeconds * 1000;
    const paced = estSeedS * 1.15 <= o.windowSeconds;
    log(
      `reminders N=${n}: calibration ${cal.ops} items, steady ${fmt(calRate)}/s (request→notification p50 ${fmt(lagMs, 0)} ms, p99 ${fmt(percentile(lags, 99), 0)} ms); ${paced ? 'pacing creation over the window' : `creating as fast as possible (~${fmt(estSeedS, 0)} s)`}`,
    );

    // The due window [W, W + L]; item i is due at W + L·i/n.
    const now0 = Date.now();
    const W = now0 + Math.max(o.daySeconds * 1000, paced ? 0 : estSeedS * 1300 + 10_000);
    const batchSize = Math.max(1, Math.ceil(n / o.batches));
    const dayOfBatch = new Map<number, number>();
    const dayOfItem = new Map<string, number>();
    let started = 0;
    let notifiedCount = 0;
    let seeding = true;
    const poller = (async () => {
      let lastLog = performance.now();
      while (seeding) {
        notifiedCount = (await notified()) - cal.ops;
        if (performance.now() - lastLog > 30_000) {
          lastLog = performance.now();
          log(`reminders N=${n}: ${started} created, ${notifiedCount} notified`);
        }
        await sleep(200);
      }
    })();
    const seedStart = performance.now();
    const createLatencies: number[] = [];
    const seedDeadlineMs = Math.max(300_000, (paced ? L : estSeedS * 3000) + 120_000);
    const seed = await runLoad(n, o.seedConcurrency, seedDeadlineMs, async (i) => {
      const b = Math.floor(i / batchSize);
      if (paced) {
        const at = now0 + (L * b * batchSize) / n; // item i is created a day before it is due
        if (at > Date.now()) await sleep(at - Date.now());
      }
      while (started - notifiedCount > o.maxOutstanding && performance.now() - seedStart < seedDeadlineMs)
        await sleep(50);
      started++;
      let day = dayOfBatch.get(b);
      if (day === undefined) {
        const centre = W + (L * Math.min(n - 1, (b + 0.5) * batchSize)) / n;
        day = paced ? o.daySeconds : Math.max(20, Math.round(centre - Date.now() - lagMs) / 1000);
        dayOfBatch.set(b, day);
      }
      const t = performance.now();
      const r = await serviceFor(day).requestApproval(firm.id, owner, docs[i].id, {
        reminders: { enabled: true, intervalDays: 1, count: 1 },
      });
      createLatencies.push(performance.now() - t);
      dayOfItem.set(r.id, day);
    });
    seeding = false;
    await poller;
    const seedSeconds = (performance.now() - seedStart) / 1000;
    if (seed.errors) log(`reminders N=${n}: ${seed.errors} creations failed, first: ${seed.firstError}`);
    const all = await waitNotified(cal.ops + seed.ops, Math.max(120_000, n * 30));
    const seedEnd = Date.now();
    log(
      `reminders N=${n}: created ${seed.ops} items in ${fmt(seedSeconds)} s (${fmt(seed.ops / seedSeconds)}/s), ${all - cal.ops} notified`,
    );

    // Due times from the notification dispatch rows.
    const notes = await db.reminderDispatch.findMany({
      where: { firmId: firm.id, kind: 'notification' },
      select: { itemId: true, createdAt: true },
    });
    const due = new Map<string, number>();
    for (const r of notes) {
      const day = dayOfItem.get(r.itemId);
      if (day !== undefined) due.set(r.itemId, r.createdAt.getTime() + day * 1000);
    }
    const dues = [...due.values()];
    const firstDue = Math.min(...dues);
    const lastDue = Math.max(...dues);
    log(
      `reminders N=${n}: ${due.size} reminders due between +${fmt((firstDue - seedEnd) / 1000)} s and +${fmt((lastDue - seedEnd) / 1000)} s from now`,
    );

    // Collect reminder emails until all arrived or the grace period after the last due time ran out.
    const received = new Map<string, { at: number; copies: number; itemId: string }>();
    const byItem = new Map<string, Set<string>>();
    let scanned = 0;
    const scan = () => {
      for (; scanned < smtp.mails.length; scanned++) {
        const m = smtp.mails[scanned];
        const key = nudgeKey(m);
        const parsed = key ? KEY_RE.exec(key) : null;
        if (!parsed || parsed[4] !== 'reminder' || !due.has(parsed[2])) continue;
        const prior = received.get(key!);
        if (prior) prior.copies++;
        else received.set(key!, { at: m.receivedAt, copies: 1, itemId: parsed[2] });
        const dispatch = key!.slice(0, key!.lastIndexOf(':'));
        byItem.set(parsed[2], (byItem.get(parsed[2]) ?? new Set()).add(dispatch));
      }
    };
    if (o.profileWorker) await worker.profileStart();
    await sqlReset();
    const sqlFrom = Date.now();
    const threads0 = workerThreads();
    const cpu0 = cpuSample();
    const self0 = process.cpuUsage();
    const phaseStart = Math.min(Date.now(), firstDue);
    const deadline = lastDue + o.graceSeconds * 1000;
    while (Date.now() < deadline) {
      scan();
      if (byItem.size >= due.size) break;
      await sleep(250);
    }
    await sleep(1000); // late duplicates, if any
    scan();
    const cpu1 = cpuSample();
    const threads1 = workerThreads();
    const workerProfile = o.profileWorker ? await worker.profileStop() : [];
    const sqlCounts = await sqlRead();
    const threadSecs = [...threads1].map(([tid, x]) => ({
      tid,
      name: x.name,
      secs: x.secs - (threads0.get(tid)?.secs ?? 0),
    }));
    const mains = new Set(workers.map((w) => w.pid));
    const mainThreads = threadSecs.filter((x) => mains.has(x.tid));
    const mainThread = mainThreads.length ? mainThreads.reduce((a, x) => a + x.secs, 0) : NaN;
    const otherThreads = threadSecs.filter((x) => !mains.has(x.tid)).sort((a, b) => b.secs - a.secs);
    const self1 = process.cpuUsage(self0);
    const reminderPhaseSeconds = (Date.now() - phaseStart) / 1000;
    const workerPeakRssMiB = Math.max(...workers.map((w) => readVmHwmMiB(w.pid)));
    const temporalRssMiB = vmRssMiB(ctx.temporalPid);

    const lateness: number[] = [];
    let lastAt = 0;
    for (const r of received.values()) {
      lateness.push(r.at - due.get(r.itemId)!);
      lastAt = Math.max(lastAt, r.at);
    }
    const duplicateCopies = [...received.values()].reduce((a, r) => a + r.copies - 1, 0);
    const duplicateDispatches = [...byItem.values()].reduce((a, s) => a + s.size - 1, 0);
    const reminderRows = await db.reminderDispatch.findMany({
      where: { firmId: firm.id, kind: 'reminder' },
      select: { itemId: true, createdAt: true },
    });
    const rowAt = new Map(reminderRows.map((r) => [r.itemId, r.createdAt.getTime()]));
    const dispatchLag: number[] = [];
    const send: number[] = [];
    for (const r of received.values()) {
      const row = rowAt.get(r.itemId);
      if (row === undefined) continue;
      dispatchLag.push(row - due.get(r.itemId)!);
      send.push(r.at - row);
    }
    const sample = [...received.values()].filter((r) => rowAt.has(r.itemId));
    const step = Math.max(1, sample.length / Math.max(1, o.historySamples));
    const picked = Array.from(
      { length: Math.min(sample.length, o.historySamples) },
      (_, k) => sample[Math.floor(k * step)],
    );
    const hist = await historyBreakdown(
      client,
      picked.map((r) => ({ itemId: r.itemId, due: due.get(r.itemId)!, row: rowAt.get(r.itemId)!, received: r.at })),
    );
    // The reminders whose email arrived after the counters restarted: all of them unless seeding overlapped the dues.
    const remindersInPhase = new Set([...received.values()].filter((r) => r.at >= sqlFrom).map((r) => r.itemId)).size;
    const days = [...dayOfBatch.values()];
    const cpuSeconds: Record<string, number> = { bench: (self1.user + self1.system) / 1e6, ...cpuDiff(cpu0, cpu1) };
    return {
      n,
      workers: workers.length,
      created: seed.ops,
      createErrors: seed.errors,
      firstError: seed.firstError,
      mode: paced ? 'paced' : 'asap',
      seedSeconds,
      createPerSec: seed.ops / seedSeconds,
      createP50: percentile(createLatencies, 50),
      createP99: percentile(createLatencies, 99),
      daySecondsMin: Math.min(...days),
      daySecondsMax: Math.max(...days),
      dueSpanSeconds: (lastDue - firstDue) / 1000,
      seedingOverlapsDues: firstDue < seedEnd,
      delivered: byItem.size,
      missing: due.size - byItem.size,
      duplicates: duplicateCopies + duplicateDispatches,
      latenessP50: percentile(lateness, 50),
      latenessP99: percentile(lateness, 99),
      latenessMax: lateness.length ? Math.max(...lateness) : NaN,
      dispatchLagP50: percentile(dispatchLag, 50),
      dispatchLagP99: percentile(dispatchLag, 99),
      sendP50: percentile(send, 50),
      sendP99: percentile(send, 99),
      sendRatePerSec: byItem.size / Math.max(0.001, (lastAt - firstDue) / 1000),
      workerPeakRssMiB,
      temporalRssMiB,
      cpuSeconds,
      reminderPhaseSeconds,
      workerProfile,
      workerMainThreadSecs: mainThread,
      workerOtherThreads: otherThreads.slice(0, 4).map((x) => ({ name: x.name, secs: x.secs })),
      workerOtherThreadsSecs: otherThreads.reduce((a, x) => a + x.secs, 0),
      breakdown: hist.steps,
      breakdownSample: picked.length,
      activityRetries: hist.retries,
      taskTimeouts: hist.taskTimeouts,
      sqlPerReminder: sqlPerOp(sqlCounts, remindersInPhase),
      sqlPerNotification,
      cpuPerNotificationMs,
    };
  }
}

/** The marker the SDK records for a local activity's result. */
const LA_MARKER = 'core_local_activity';

/**
 * From each sampled workflow's history: due → timer fired → workflow task started → completed (activity
 * scheduled) → activity started → dispatch row written → email received. A local dispatch has no activity:
 * its send runs between the workflow task's start and completion.
 */
async function historyBreakdown(
  client: Client,
  items: { itemId: string; due: number; row: number; received: number }[],
) {
  const names = [
    'due → fire time of the timer as armed',
    'armed fire time → timer fired',
    'timer fired → workflow task started',
    'workflow task started → completed',
    'activity scheduled → started (none when local)',
    'activity (local: workflow task) started → dispatch row',
    'dispatch row → SMTP receipt',
  ];
  const values: number[][] = names.map(() => []);
  let retries = 0;
  let taskTimeouts = 0;
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const it = items[next++];
      try {
        const events = (await client.workflow.getHandle(`reminder-approval-${it.itemId}`).fetchHistory()).events ?? [];
        let fired = events.length - 1;
        while (fired >= 0 && !events[fired].timerFiredEventAttributes) fired--;
        if (fired < 0) continue;
        const startedId = Number(events[fired].timerFiredEventAttributes!.startedEventId);
        const timerStarted = events.find((e) => Number(e.eventId) === startedId);
        if (!timerStarted?.timerStartedEventAttributes) continue;
        const armedFireAt =
          tsToMs(timerStarted.eventTime) + tsToMs(timerStarted.timerStartedEventAttributes.startToFireTimeout);
        const after = events.slice(fired);
        taskTimeouts += after.filter((e) => e.workflowTaskTimedOutEventAttributes).length;
        const wftStarted = after.find((e) => e.workflowTaskStartedEventAttributes);
        const wftCompleted = after.find((e) => e.workflowTaskCompletedEventAttributes);
        const scheduled = after.find(
          (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'dispatchItemEmail',
        );
        const started =
          scheduled &&
          after.find(
            (e) =>
              e.activityTaskStartedEventAttributes &&
              Number(e.activityTaskStartedEventAttributes.scheduledEventId) === Number(scheduled.eventId),
          );
        // A local dispatch (patched 'local-dispatch') runs inside the workflow task: its marker, no activity.
        const local = !scheduled && after.some((e) => e.markerRecordedEventAttributes?.markerName === LA_MARKER);
        if (!wftStarted || !wftCompleted || !((scheduled && started) || local)) continue;
        const t = (e: { eventTime?: Parameters<typeof tsToMs>[0] }) => tsToMs(e.eventTime);
        const sendStarted = started ? t(started) : t(wftStarted);
        const marks = [it.due, armedFireAt, t(events[fired]), t(wftStarted), t(wftCompleted)];
        marks.slice(1).forEach((m, k) => values[k].push(m - marks[k]));
        if (started) values[4].push(t(started) - t(wftCompleted));
        values[5].push(it.row - sendStarted);
        values[6].push(it.received - it.row);
        if ((started?.activityTaskStartedEventAttributes?.attempt ?? 1) > 1) retries++;
      } catch {
        /* history unavailable: skip the sample */
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return {
    steps: names.map((step, k) => ({
      step,
      p50: percentile(values[k], 50),
      p99: percentile(values[k], 99),
      max: values[k].length ? Math.max(...values[k]) : NaN,
    })),
    retries,
    taskTimeouts,
  };
}
