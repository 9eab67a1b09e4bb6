// Worker process: runs the reminder and bulk-action workflows and their activities.
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../config/config';
import { createDb } from '../prisma/client';
import { createMailer } from '../domain/email/mailer';
import { createNudgeWorker } from './worker';

async function main() {
  const config = loadConfig();
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const db = createDb(config.databaseUrl, 20);
  const mailer = createMailer(config.smtp);
  const worker = await createNudgeWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: { db, mailer, portalUrl: config.portalUrl },
    maxConcurrentActivityTaskExecutions: config.workerMaxConcurrentActivities,
    maxConcurrentLocalActivityExecutions: config.workerMaxConcurrentLocalActivities,
  });
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
