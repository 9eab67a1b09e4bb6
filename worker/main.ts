// Worker process: runs the reminder and bulk-action workflows and their activities, and keeps the
// reconciler's Schedule in place.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig, requireProductionSettings } from '../config/config';
import { ACTIVITY_TRANSACTIONS, createDb } from '../prisma/client';
import { createMailer } from '../domain/email/mailer';
import { createNudgeWorker } from './worker';
import { webhookAttemptTaskQueue } from '../shared/contracts/webhook-delivery';
import { ensureReconcilerSchedule } from './reconciler-schedule';
import { ensureSearchAttributes } from './search-attributes';
import { createTemporalGateway } from '../domain/temporal/gateway';
import { createRelay } from '../domain/outbox/relay';
import { startRelayLoop } from '../domain/outbox/relay-loop';
import { loadObservabilityConfig } from '../observability/config';
import { startWorkerMetrics } from '../observability/metrics-server';
import { startTracing } from '../observability/tracing';
import { tracedClientOptions } from '../observability/temporal-tracing';

async function main() {
  const config = loadConfig();
  // The worker signs what goes into client emails (portal, invitation and unsubscribe links), as the API checks.
  for (const warning of requireProductionSettings(config)) console.warn(warning);
  // Before the first connection: the SDK's runtime (and its metrics exporter) is installed once.
  const observability = loadObservabilityConfig();
  const metrics = await startWorkerMetrics(observability.workerMetricsPort, (m) => console.warn(m));
  const tracing = observability.tracing ? await startTracing({ serviceName: 'nudge-worker' }) : undefined;
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const { poolSize: _apiPool, ...poolOptions } = config.db;
  const db = createDb(config.databaseUrl, 20, { ...poolOptions, ...ACTIVITY_TRANSACTIONS });
  const mailer = createMailer(config.smtp);
  const worker = await createNudgeWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: {
      db,
      mailer,
      portalUrl: config.portalUrl,
      unsubscribe: config.unsubscribe,
      portalLinkSecret: config.portalLinkSecret,
      portalLinkTtlSeconds: config.portalLinkTtlSeconds,
      webhooks: config.webhooks,
      reminderDaySeconds: config.reminderDaySeconds,
    },
    maxConcurrentActivityTaskExecutions: config.workerMaxConcurrentActivities,
    maxConcurrentWebhookAttempts: config.workerMaxConcurrentWebhookAttempts,
    maxConcurrentLocalActivityExecutions: config.workerMaxConcurrentLocalActivities,
    maxCachedWorkflows: config.workerMaxCachedWorkflows,
    stickyQueueTimeoutSeconds: config.workerStickyQueueTimeoutSeconds,
    tracing,
  });
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  // Traced like the API's: a call the relay below delivers continues the trace of the change that queued it.
  const client = new Client({
    connection: clientConnection,
    namespace: config.temporal.namespace,
    ...(await tracedClientOptions(tracing)),
  });
  // Before the relay and the reconciler start workflows, which carry them (a Temporal of the operator's own).
  await ensureSearchAttributes(clientConnection, config.temporal.namespace);
  // The outbox's background path here too, so queued calls go out while no API instance runs.
  const gateway = createTemporalGateway({ client, taskQueue: config.temporal.taskQueue });
  const relay = startRelayLoop(db, createRelay(db, gateway), console, { pollMs: config.outbox.pollMs });
  // Also with RECONCILER_INTERVAL_SECONDS=0, which deletes the Schedule an earlier start left running.
  await ensureReconcilerSchedule(client, {
    taskQueue: config.temporal.taskQueue,
    everySeconds: config.reconciler.intervalSeconds,
    input: {
      olderThanMs: config.reconciler.graceSeconds * 1000,
      daySeconds: config.reminderDaySeconds,
      pacing: config.bulkPacing,
      maxRunningPerFirm: config.bulkMaxRunningPerFirm,
    },
  });
  if (metrics) console.log(`worker metrics on http://localhost:${observability.workerMetricsPort}/metrics`);
  const queues = `"${config.temporal.taskQueue}" (webhook attempts: "${webhookAttemptTaskQueue(config.temporal.taskQueue)}")`;
  console.log(`worker listening on task queue ${queues} at ${config.temporal.address}`);
  // Worker.run() resolves after SIGINT/SIGTERM once in-flight tasks are done.
  await worker.run();
  await relay.stop();
  await db.$disconnect();
  mailer.close();
  await connection.close();
  metrics?.close();
  metrics?.closeAllConnections();
  await tracing?.shutdown();
  // Last, and the process exits at once: a relay call left retrying (Temporal unreachable) would throw
  // "Channel has been shut down" from its retry timer, uncaught, if the process ran on after the close.
  await clientConnection.close();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
