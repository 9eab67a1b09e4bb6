// Worker process: runs the reminder and bulk-action workflows and their activities, and keeps the
// reconciler's Schedule in place.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config/config';
import { createDb } from '../prisma/client';
import { createMailer } from '../domain/email/mailer';
import { createNudgeWorker } from './worker';
import { ensureReconcilerSchedule } from './reconciler-schedule';

async function main() {
  const config = loadConfig();
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const { poolSize: _apiPool, ...poolOptions } = config.db;
  const db = createDb(config.databaseUrl, 20, poolOptions);
  const mailer = createMailer(config.smtp);
  const worker = await createNudgeWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: {
      db,
      mailer,
      portalUrl: config.portalUrl,
      portalLinkSecret: config.portalLinkSecret,
      portalLinkTtlSeconds: config.portalLinkTtlSeconds,
    },
    maxConcurrentActivityTaskExecutions: config.workerMaxConcurrentActivities,
    maxConcurrentLocalActivityExecutions: config.workerMaxConcurrentLocalActivities,
  });
  if (config.reconciler.intervalSeconds > 0) {
    const clientConnection = await Connection.connect({ address: config.temporal.address });
    await ensureReconcilerSchedule(new Client({ connection: clientConnection, namespace: config.temporal.namespace }), {
      taskQueue: config.temporal.taskQueue,
      everySeconds: config.reconciler.intervalSeconds,
      input: {
        olderThanMs: config.reconciler.graceSeconds * 1000,
        daySeconds: config.reminderDaySeconds,
        pacing: config.bulkPacing,
        maxRunningPerFirm: config.bulkMaxRunningPerFirm,
      },
    });
    await clientConnection.close();
  }
  console.log(`worker listening on task queue "${config.temporal.taskQueue}" at ${config.temporal.address}`);
  // Worker.run() resolves after SIGINT/SIGTERM once in-flight tasks are done.
  await worker.run();
  await db.$disconnect();
  mailer.close();
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
