// Builds a worker for the nudge task queue from its dependencies; worker/main.ts runs it in production,
// tests and benchmarks build their own with the same function.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { isPermanentSmtpError } from '../domain/email/mailer';
import { instrumentMailer } from '../observability/mailer';
import { tracingWorkerOptions } from '../observability/temporal-tracing';
import type { Tracing } from '../observability/tracing';

export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index.ts');

/**
 * How Nudge's workflow bundle is built. Its modules (workflows/, shared/) keep no state of their own (lint
 * forbids module-level `let` there), so the worker evaluates them once for every workflow it runs instead of
 * once per workflow it keeps in its cache: about 30 KiB of heap less per cached workflow (bench/README.md).
 */
export function workflowBundleOptions(workflowsPath = resolveWorkflowsPath()) {
  return { workflowsPath, preloadModules: [workflowsPath] };
}

export interface NudgeWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests build it once per file); otherwise the worker bundles workflows/ at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxConcurrentActivityTaskExecutions?: number;
  /** Bulk-action accounts at once on this worker, across all actions (each holds a database connection). */
  maxConcurrentLocalActivityExecutions?: number;
  /** Workflows kept in this worker's cache (each timer that fires for one not kept replays its history);
   * absent: the SDK's default, sized from the machine's memory. */
  maxCachedWorkflows?: number;
  /**
   * How long a task of a workflow this worker caches waits for it on its sticky queue before the server hands it
   * to any worker, which replays the whole history first; absent: the SDK's 10 s. A burst that keeps tasks
   * waiting longer than this replays about half its workflows (bench/README.md); longer means a crashed worker's
   * cached workflows wait as long before another worker takes them.
   */
  stickyQueueTimeoutSeconds?: number;
  /**
   * Traces workflows and activities (observability/temporal-tracing.ts); a prebuilt bundle must then include
   * WORKFLOW_INTERCEPTORS_MODULE. Absent: no tracing.
   */
  tracing?: Tracing;
}

export async function createNudgeWorker(opts: NudgeWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : bundledFromSource()),
    // Emails counted and traced where they leave (observability/mailer.ts).
    activities: createActivities({ ...opts.deps, mailer: instrumentMailer(opts.deps.mailer, isPermanentSmtpError) }),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 100,
    maxConcurrentLocalActivityExecutions: opts.maxConcurrentLocalActivityExecutions ?? 16,
    ...(opts.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
    ...(opts.stickyQueueTimeoutSeconds !== undefined
      ? { stickyQueueScheduleToStartTimeout: opts.stickyQueueTimeoutSeconds * 1000 }
      : {}),
    ...(opts.tracing ? tracingWorkerOptions(opts.tracing, !!opts.workflowBundle) : {}),
  });
}

function bundledFromSource(): Pick<WorkerOptions, 'workflowsPath' | 'bundlerOptions'> {
  const { workflowsPath, preloadModules } = workflowBundleOptions();
  return { workflowsPath, bundlerOptions: { preloadModules } };
}

/** From source (tsx, tests) the .ts file; from dist/ the compiled .js next to this file. */
function resolveWorkflowsPath(): string {
  const compiled = path.join(__dirname, '..', 'workflows', 'index.js');
  return existsSync(compiled) ? compiled : WORKFLOWS_PATH;
}
