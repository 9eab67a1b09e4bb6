// Per workflow test file: a Worker running the real workflow code (bundled once per run) with in-memory
// fake activities, on its own task queue, over the dev server of temporal-only-setup.ts. No database.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';

// The SDK's runtime is per process and can be installed once; keep its INFO chatter out of test output.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  /* already installed by an earlier test file in this process */
}

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;
let bundle: Promise<{ code: string }> | undefined;
/**
 * The workflows (workflows/index.ts) bundled once per run: the first test file builds the bundle (a few
 * seconds) and leaves it in the run's directory (temporal-only-setup.ts) for the others.
 */
const workflowBundle = () => (bundle ??= loadOrBuildBundle());
async function loadOrBuildBundle(): Promise<{ code: string }> {
  const runDir = process.env.NUDGE_FAST_RUN_DIR;
  const file = runDir && path.join(runDir, 'workflow-bundle.js');
  if (file && existsSync(file)) return { code: readFileSync(file, 'utf8') };
  const workflowsPath = path.join(__dirname, '..', '..', 'workflows', 'index.ts');
  // As worker/workflow-bundle.ts bundles them (workflowBundleOptions): evaluated once, shared by every workflow.
  const built = await bundleWorkflowCode({ workflowsPath, preloadModules: [workflowsPath], logger: quietLogger });
  if (file) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, built.code);
    renameSync(tmp, file); // atomic: a parallel file reads a whole bundle or none
  }
  return built;
}

export interface Harness {
  client: Client;
  taskQueue: string;
  /** A workflow id no other test (or earlier run against the same server) uses. */
  uniqueId(prefix: string): string;
  stop(): Promise<void>;
}

export async function startHarness(activities: object, name: string): Promise<Harness> {
  const address = process.env.NUDGE_FAST_TEMPORAL_ADDRESS;
  if (!address)
    throw new Error(
      'NUDGE_FAST_TEMPORAL_ADDRESS is not set: run these tests through the "fast" Jest project (test/support/temporal-only-setup.ts)',
    );
  const [connection, nativeConnection, workflowBundleCode] = await Promise.all([
    Connection.connect({ address }),
    NativeConnection.connect({ address }),
    workflowBundle(),
  ]);
  const client = new Client({ connection });
  const taskQueue = `fast-${name}-${randomUUID()}`;
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: workflowBundleCode,
    activities,
  });
  const running = worker.run();
  return {
    client,
    taskQueue,
    uniqueId: (prefix) => `${prefix}-${randomUUID()}`,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** Polls until `check` returns a truthy value (or stops throwing), and returns it. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 10_000, everyMs = 25 } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
      last = new Error(`still ${JSON.stringify(v)}`);
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw last instanceof Error ? last : new Error(String(last));
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Retries `assertions` (expect calls) until they pass; the last failure is the one reported. */
export const eventuallyExpect = (assertions: () => unknown, opts?: { timeoutMs?: number }) =>
  eventually(async () => {
    await assertions();
    return true;
  }, opts);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
