// API process: serves the firm apps' HTTP API.
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { loadConfig, requireProductionSettings } from '../config/config';
import { createDb } from '../prisma/client';
import { createMailer } from '../domain/email/mailer';
import { createApp } from './app';
import { closeHttp, listenHttp } from './http-server';
import { apiLoggerOptions } from './log-redaction';
import { createTemporalGateway } from '../domain/temporal/gateway';
import { createRelay } from '../domain/outbox/relay';
import { startRelayLoop } from '../domain/outbox/relay-loop';
import { loadObservabilityConfig } from '../observability/config';
import { startTracing, traceLogFields } from '../observability/tracing';
import { tracedClientOptions } from '../observability/temporal-tracing';
import { enableProcessMetrics } from '../observability/metrics';

async function main() {
  const config = loadConfig();
  // Development needs no secrets; a deployment without them would sign client links with public keys.
  const settingWarnings = requireProductionSettings(config);
  // Tracing (off unless OTEL_EXPORTER_OTLP_ENDPOINT is set) starts first; every log line of a traced request
  // carries its trace id.
  const tracing = loadObservabilityConfig().tracing ? await startTracing({ serviceName: 'nudge-api' }) : undefined;
  enableProcessMetrics();
  const log = pino({ ...apiLoggerOptions(config.logLevel), mixin: traceLogFields });
  for (const warning of settingWarnings) log.warn(warning);
  // Lazy: the API serves while Temporal is unreachable (changes wait in the outbox, readiness says 503) instead of
  // failing its start; calls connect when they are made.
  const connection = Connection.lazy({ address: config.temporal.address });
  const temporal = new Client({
    connection,
    namespace: config.temporal.namespace,
    ...(await tracedClientOptions(tracing)),
  });
  const { poolSize, ...poolOptions } = config.db;
  const db = createDb(config.databaseUrl, poolSize, poolOptions);
  const mailer = createMailer(config.smtp);
  const app = createApp({
    db,
    temporal,
    mailer,
    log,
    taskQueue: config.temporal.taskQueue,
    reminderDaySeconds: config.reminderDaySeconds,
    bulkPacing: config.bulkPacing,
    bulkMaxRunningPerFirm: config.bulkMaxRunningPerFirm,
    admission: config.admission,
    rateLimit: config.rateLimit,
    publicRateLimit: config.publicRateLimit,
    trustProxy: config.trustProxy,
    unsubscribeSecret: config.unsubscribe.secret,
    webhooksAllowPrivateTargets: config.webhooks.allowPrivateTargets,
    outbox: { fastPathWaitMs: config.outbox.fastPathWaitMs },
    portalLinkSecret: config.portalLinkSecret,
  });
  // The outbox's background path: what the fast path after a commit did not deliver (Temporal was down).
  const gateway = createTemporalGateway({ client: temporal, taskQueue: config.temporal.taskQueue });
  const relay = startRelayLoop(db, createRelay(db, gateway), log, { pollMs: config.outbox.pollMs });
  const server = await listenHttp(app, { port: config.port, keepAliveTimeoutMs: config.keepAliveTimeoutMs });
  const { port } = server.address() as AddressInfo; // PORT=0: the one the system chose
  log.info(`API listening on http://localhost:${port} (docs at /docs)`);

  const shutdown = async () => {
    await relay.stop();
    await db.$disconnect();
    mailer.close();
    await tracing?.shutdown();
    // Last, with nothing awaited after it: a call the fast path left retrying (Temporal unreachable) would
    // throw "Channel has been shut down" from its retry timer, uncaught, if the process ran on after the close.
    await connection.close();
    process.exit(0);
  };
  const stop = () => void closeHttp(server).finally(shutdown);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
