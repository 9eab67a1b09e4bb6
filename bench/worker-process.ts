// The worker of the benchmarks in its own process (forked by bench/support.ts under tsx), so that its peak
// RSS can be read from /proc/<pid>/status. Built with the same createNudgeWorker as worker/main.ts.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createDb, pgPoolOf } from '../prisma/client';
import { createMailer } from '../domain/email/mailer';
import { createNudgeWorker } from '../worker/worker';
import {
  PORTAL_URL,
  countPoolStatements,
  startCpuProfile,
  type CpuCategory,
  type SqlCounter,
  type WorkerProcessConfig,
} from './support';

async function main() {
  const config = JSON.parse(process.env.BENCH_WORKER_CONFIG ?? 'null') as WorkerProcessConfig | null;
  if (!config || !process.send) throw new Error('bench/worker-process.ts is started by bench/run.ts');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const db = createDb(config.databaseUrl, config.poolSize);
  // Every statement the worker runs (Prisma's and the hand-written SQL on the same pool), counted from here.
  const pool = pgPoolOf(db);
  const sql: SqlCounter | undefined = pool && countPoolStatements(pool);
  const mailer = createMailer({
    host: '127.0.0.1',
    port: config.smtpPort,
    secure: false,
    from: 'Nudge <no-reply@nudge.bench>',
  });
  const worker = await createNudgeWorker({
    connection,
    namespace: 'default',
    taskQueue: config.taskQueue,
    deps: { db, mailer, portalUrl: PORTAL_URL },
    workflowBundle: { codePath: config.bundlePath },
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
    maxCachedWorkflows: config.maxCachedWorkflows,
    stickyQueueTimeoutSeconds: config.stickyQueueTimeoutSeconds,
    maxConcurrentLocalActivityExecutions: config.maxConcurrentLocalActivities,
  });
  const stop = () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  let stopProfile: (() => Promise<CpuCategory[]>) | undefined;
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'stop') stop();
    else if (m?.type === 'profile-start') {
      void startCpuProfile(2000).then((f) => {
        stopProfile = f;
        process.send?.({ type: 'profile-started', data: null });
      });
    } else if (m?.type === 'profile-stop') {
      void (stopProfile?.() ?? Promise.resolve([])).then((data) => process.send?.({ type: 'profile', data }));
      stopProfile = undefined;
    } else if (m?.type === 'sql-reset') {
      sql?.reset();
      process.send?.({ type: 'sql-reset-done', data: null });
    } else if (m?.type === 'sql-read') {
      process.send?.({ type: 'sql', data: sql?.read() ?? null });
    }
  });
  process.on('disconnect', () => {
    // The parent went away: never outlive it (and do not hang on a server that is gone too).
    stop();
    setTimeout(() => process.exit(1), 10_000).unref();
  });
  const running = worker.run();
  process.send({ type: 'ready' });
  await running;
  await db.$disconnect();
  mailer.close();
  await connection.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error('[bench worker]', err);
    process.exit(1);
  },
);
