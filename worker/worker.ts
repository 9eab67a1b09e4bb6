// Builds a worker for the nudge task queue from its dependencies; worker/main.ts runs it in production,
// tests and benchmarks build their own with the same function.
import { NativeConnection, Worker, type State, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { createWebhookActivities } from '../activities/webhook-activities';
import { webhookAttemptTaskQueue } from '../shared/contracts/webhook-delivery';
import { smtpRefusal } from '../domain/email/mailer';
import { instrumentMailer } from '../observability/mailer';
import { tracingWorkerOptions } from '../observability/temporal-tracing';
import type { Tracing } from '../observability/tracing';
import { workflowCode } from './workflow-bundle';

export interface NudgeWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests build it once per file); otherwise `npm run build`'s, if the worker runs from
   * dist/ and it is there, else the worker bundles workflows/ at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxConcurrentActivityTaskExecutions?: number;
  /** Webhook delivery attempts at once, on their own task queue; absent: DEFAULT_MAX_CONCURRENT_WEBHOOK_ATTEMPTS. */
  maxConcurrentWebhookAttempts?: number;
  /** Bulk-action accounts at once on this worker, across all actions (each holds a database connection). */
  maxConcurrentLocalActivityExecutions?: number;
  /** Workflows kept in this worker's cache (each timer that fires for one not kept replays its history);
   * absent: DEFAULT_MAX_CACHED_WORKFLOWS. */
  maxCachedWorkflows?: number;
  /**
   * How long a task of a workflow this worker caches waits for it on its sticky queue before the server hands it
   * to any worker, which replays the whole history first; absent: the SDK's 10 s. A burst that keeps tasks
   * waiting longer than this replays about half its workflows, which since the sends became local activities costs
   * no measurable rate (bench/README.md); longer means a crashed worker's cached workflows wait as long before
   * another worker takes them.
   */
  stickyQueueTimeoutSeconds?: number;
  /**
   * Traces workflows and activities (observability/temporal-tracing.ts); a prebuilt bundle must then include
   * WORKFLOW_INTERCEPTORS_MODULE. Absent: no tracing.
   */
  tracing?: Tracing;
}

/** Local activities one worker runs at once unless told otherwise (each holds a database connection). */
export const DEFAULT_MAX_CONCURRENT_LOCAL_ACTIVITIES = 16;

/**
 * Workflows one worker caches unless told otherwise, instead of the SDK's default (600 per GiB of heap limit,
 * 2,310 on a 24 GiB machine). A cached reminder costs about 270 KiB of RSS, and a reminder's timer fires a day or
 * more after its last task, when a busy worker's cache has long moved on: the cache pays off for workflows with
 * tasks seconds apart (a send and its result, bulk actions), which 800 hold. With 10,000 due in one minute the
 * worker drained as fast with 800 as with 2,310, at 493–618 MiB peak against 812–860 (bench/README.md).
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 800;

/** Webhook delivery attempts one worker runs at once unless told otherwise (each waits up to 10 s on an endpoint). */
export const DEFAULT_MAX_CONCURRENT_WEBHOOK_ATTEMPTS = 100;

/** A Nudge worker: the task queue's workflows and activities, and the webhook attempts' queue beside it. */
export interface NudgeWorker {
  /** Resolves once both have stopped (SIGINT/SIGTERM, shutdown(), or either failing, which stops the other). */
  run(): Promise<void>;
  shutdown(): void;
  /** The task queue's worker's state. */
  getState(): State;
}

export async function createNudgeWorker(opts: NudgeWorkerOptions): Promise<NudgeWorker> {
  const code = opts.workflowBundle
    ? { options: { workflowBundle: opts.workflowBundle }, prebuilt: true }
    : workflowCode(!!opts.tracing);
  const main = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...code.options,
    // Emails counted and traced where they leave (observability/mailer.ts).
    activities: createActivities({ ...opts.deps, mailer: instrumentMailer(opts.deps.mailer, smtpRefusal) }),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 100,
    maxConcurrentLocalActivityExecutions:
      opts.maxConcurrentLocalActivityExecutions ?? DEFAULT_MAX_CONCURRENT_LOCAL_ACTIVITIES,
    maxCachedWorkflows: opts.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    ...(opts.stickyQueueTimeoutSeconds !== undefined
      ? { stickyQueueScheduleToStartTimeout: opts.stickyQueueTimeoutSeconds * 1000 }
      : {}),
    ...(opts.tracing ? await tracingWorkerOptions(opts.tracing, code.prebuilt) : {}),
  });
  // Activities only, with slots of their own: attempts waiting on slow endpoints never hold the ones above.
  try {
    const attempts = await Worker.create({
      connection: opts.connection,
      namespace: opts.namespace,
      taskQueue: webhookAttemptTaskQueue(opts.taskQueue),
      activities: createWebhookActivities(opts.deps),
      maxConcurrentActivityTaskExecutions: opts.maxConcurrentWebhookAttempts ?? DEFAULT_MAX_CONCURRENT_WEBHOOK_ATTEMPTS,
      ...(opts.tracing ? { interceptors: (await tracingWorkerOptions(opts.tracing, true)).interceptors } : {}),
    });
    return runTogether(main, attempts);
  } catch (err) {
    // The first one holds the connection until it has run: run it to its end at once, so the caller may close it.
    await main.runUntil(Promise.resolve()).catch(() => undefined);
    throw err;
  }
}

function runTogether(main: Worker, ...others: Worker[]): NudgeWorker {
  const workers = [main, ...others];
  const shutdown = () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  };
  return {
    async run() {
      const ends = await Promise.allSettled(workers.map((w) => w.run().finally(shutdown)));
      const failed = ends.filter((e): e is PromiseRejectedResult => e.status === 'rejected').map((e) => e.reason);
      if (failed.length > 1) throw new AggregateError(failed, 'both workers failed');
      if (failed.length) throw failed[0];
    },
    shutdown,
    getState: () => main.getState(),
  };
}
