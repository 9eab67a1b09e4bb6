// `npm start`: the whole local stack in the foreground (database, Temporal dev server, mail catcher, worker,
// API), each line prefixed with its source. The database is DATABASE_URL, the server at 127.0.0.1:5432, or
// else an embedded PostgreSQL with its data in .data/postgres (scripts/database.ts). Each part prints one line
// with its start time. Ctrl-C or SIGTERM stops it all; if one part dies, the rest is stopped and we exit
// non-zero.
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../config/config';
import { webhookAttemptTaskQueue } from '../shared/contracts/webhook-delivery';
import { migrate } from '../prisma/migration-runner';
import { ensureDatabaseOn, openDatabase, type Database } from './database';
import { WORKER_NODE_FLAGS, withYoungGeneration } from './node-options';
import { elapsed } from './step';
import {
  assertPortFree,
  canConnect,
  forwardLines,
  signalGroup,
  spawnGroup,
  spawnTypeScript,
  startTemporalDevServer,
  terminate,
  waitUntil,
} from './temporal-dev';

const root = path.resolve(__dirname, '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
const GRACE_MS = 10_000;
const MAIL_WEB_PORT = 1080;
const APPS = { worker: 'worker/main.ts', api: 'api/main.ts' };
const NODE_FLAGS: Record<keyof typeof APPS, readonly string[]> = { worker: WORKER_NODE_FLAGS, api: [] };

// Phase 0 is infrastructure, phase 1 our apps; stopping goes phase 1 first so the worker can finish its
// tasks and the API its requests while Temporal and the mail catcher are still there.
interface Service {
  name: string;
  phase: 0 | 1;
  child: ChildProcess;
  stop(): Promise<void>;
}
const services: Service[] = [];

let stopReason: { code: number; message: string } | undefined;
let signalStop!: () => void;
const stopRequested = new Promise<void>((resolve) => (signalStop = resolve));
function requestStop(code: number, message: string) {
  if (stopReason) return;
  stopReason = { code, message };
  signalStop();
}

const prefixed = (name: string) => (line: string) => console.log(`[${name}] ${line}`);
const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));
const stopper = (name: string, child: ChildProcess) => () =>
  terminate(child, GRACE_MS, () =>
    console.error(`[start] ${name} did not stop within ${GRACE_MS / 1000} s; killing it`),
  );

function track(service: Service) {
  services.push(service);
  const { child, name } = service;
  const died = (why: string) => requestStop(1, `${name} ${why}`);
  if (child.exitCode !== null || child.signalCode !== null) died('exited during startup');
  child.once('exit', (code, signal) => died(`exited unexpectedly (${signal ?? `code ${code}`})`));
  child.once('error', (err) => died(`could not be started: ${err.message}`));
}

const startedAt = performance.now();
/** One line per part once it is ready, with the time it took since `since`. */
const ready = (what: string, outcome: string, since: number) =>
  console.log(`[start] ${what}: ${outcome} (${elapsed(since)})`);

/**
 * The worker bundles the workflow code with webpack at start and logs webpack's whole report: news only when
 * it fails (then it is logged as an error, which passes).
 */
function webpackFilter(log: (line: string) => void) {
  let inReport = false;
  return (line: string) => {
    if (/\[INFO\] +asset workflow-bundle/.test(line)) inReport = true;
    if (inReport) {
      if (/webpack [\d.]+ compiled/.test(line)) inReport = false;
      return;
    }
    if (/\[INFO\] +Workflow bundle created/.test(line)) return;
    log(line);
  };
}

function spawnApp(
  app: keyof typeof APPS,
  env: NodeJS.ProcessEnv,
  onLine?: (line: string) => void,
  name: string = app,
): Service {
  const child = spawnTypeScript(APPS[app], [], { nodeFlags: NODE_FLAGS[app], env });
  const log = prefixed(name);
  forwardLines(
    child,
    webpackFilter((line) => {
      onLine?.(line);
      log(line);
    }),
  );
  const service: Service = { name, phase: 1, child, stop: stopper(name, child) };
  track(service);
  return service;
}

async function startMail(smtpPort: number): Promise<Service> {
  const since = performance.now();
  const child = spawnGroup(bin('maildev'), [
    '--smtp',
    String(smtpPort),
    '--web',
    String(MAIL_WEB_PORT),
    '--ip',
    '127.0.0.1',
  ]);
  const tail = forwardLines(child, prefixed('mail'));
  const stop = stopper('mail', child);
  try {
    await waitUntil(
      child,
      30_000,
      async () => (await canConnect('127.0.0.1', smtpPort)) && canConnect('127.0.0.1', MAIL_WEB_PORT),
    );
  } catch (err) {
    const lastLines = tail.join('\n');
    await stop();
    throw new Error(
      `mail catcher did not start: ${errorMessage(err)}${lastLines && `\n--- last output ---\n${lastLines}`}`,
    );
  }
  ready('mail catcher', `http://localhost:${MAIL_WEB_PORT}, SMTP 127.0.0.1:${smtpPort}`, since);
  return { name: 'mail', phase: 0, child, stop };
}

/** WORKERS: how many worker processes poll the task queue (default 1); they share the work, none is special. */
function workerProcesses(): number {
  const raw = process.env.WORKERS || '1'; // empty counts as unset, as in config/config.ts
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 16)
    throw new Error(`WORKERS must be a whole number from 1 to 16 (got "${raw}")`);
  return n;
}

/** Each worker after the first serves its /metrics on the next port, so several can run on one machine. */
function workerEnv(env: NodeJS.ProcessEnv, index: number): NodeJS.ProcessEnv {
  const port = Number(env.WORKER_METRICS_PORT || 9464); // empty: the worker's own default, not port 0
  return index === 0 || port === 0 ? env : { ...env, WORKER_METRICS_PORT: String(port + index) };
}

/** DATABASE_URL, the default server, or an embedded one; then its migrations. */
async function startDatabase(): Promise<Database> {
  const since = performance.now();
  const db = await openDatabase({ dataDir: path.join(root, '.data', 'postgres'), announce: true });
  // Tracked at once, so it is stopped even if the migrations fail.
  if (db.process) track({ name: 'postgres', phase: 0, child: db.process, stop: db.stop });
  await ensureDatabaseOn(db);
  const applied = await migrate(db.url, path.join(root, 'prisma', 'migrations'));
  const migrations = applied.length ? `${applied.length} migrations applied` : 'migrations up to date';
  ready('database', `${db.description}; ${migrations}`, since);
  return db;
}

async function main() {
  const config = loadConfig();
  const externalTemporal = process.env.TEMPORAL_ADDRESS;
  const runMail = ['127.0.0.1', 'localhost'].includes(config.smtp.host);
  // Fail before starting anything if a port is taken, rather than after Temporal has come up.
  if (runMail) {
    await assertPortFree('127.0.0.1', config.smtp.port, 'the mail catcher (SMTP_PORT)');
    await assertPortFree('127.0.0.1', MAIL_WEB_PORT, 'the mail catcher web UI');
  }
  if (config.port) await assertPortFree('127.0.0.1', config.port, 'the API (PORT)');

  // allSettled, not all: whichever did start must be tracked so that it gets stopped.
  const infraSince = performance.now();
  const [database, temporal, mail] = await Promise.allSettled([
    startDatabase(),
    externalTemporal
      ? undefined
      : startTemporalDevServer({ namespace: config.temporal.namespace, log: prefixed('temporal') }).then((server) => {
          ready('Temporal dev server', `${server.address}, UI ${server.uiUrl}`, infraSince);
          return server;
        }),
    runMail ? startMail(config.smtp.port) : undefined,
  ]);
  const server = temporal.status === 'fulfilled' ? temporal.value : undefined;
  if (server) track({ name: 'temporal', phase: 0, child: server.process, stop: server.stop });
  if (mail.status === 'fulfilled' && mail.value) track(mail.value);
  for (const r of [database, temporal, mail]) if (r.status === 'rejected') throw r.reason;
  if (stopReason || database.status !== 'fulfilled') return;
  const db = database.value;

  const temporalAddress = server?.address ?? config.temporal.address;
  // With our catcher bound to 127.0.0.1, "localhost" could resolve to ::1 and miss it.
  const env = withYoungGeneration({
    ...process.env,
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: temporalAddress,
    ...(runMail && { SMTP_HOST: '127.0.0.1' }),
  });
  const appsSince = performance.now();
  const workerCount = workerProcesses();
  const workers = Array.from({ length: workerCount }, (_, i) => {
    const name = workerCount === 1 ? 'worker' : `worker-${i + 1}`;
    const state = { listening: false };
    const service = spawnApp(
      'worker',
      workerEnv(env, i),
      (line) => {
        if (/^worker listening/.test(line)) state.listening = true;
      },
      name,
    );
    return { service, state };
  });
  const workersListening = () => workers.every((w) => w.state.listening);
  // Its own line says where it listens: with PORT=0, on the port the system chose.
  let apiUrl = config.port ? `http://localhost:${config.port}` : undefined;
  const api = spawnApp('api', env, (line) => {
    apiUrl = /API listening on (http:\/\/\S+)/.exec(line)?.[1] ?? apiUrl;
  });
  if (config.port) {
    await waitUntil(api.child, 120_000, async () => !!stopReason || canConnect('127.0.0.1', config.port));
    if (stopReason) return;
    ready('API', `http://localhost:${config.port}`, appsSince);
  }
  // The worker bundles the workflows before its first poll: usually ready after the API. Its "worker listening"
  // line is how we know; without it in time we carry on (the worker's own output says what it is doing).
  try {
    await waitUntil(workers[0].service.child, 180_000, async () => !!stopReason || workersListening());
  } catch {
    /* exited (then stopReason is set) or slow */
  }
  if (stopReason) return;
  const what = workerCount === 1 ? 'worker' : `${workerCount} workers`;
  const queues = `"${config.temporal.taskQueue}", "${webhookAttemptTaskQueue(config.temporal.taskQueue)}"`;
  ready(what, workersListening() ? `polling task queues ${queues}` : 'still starting', appsSince);

  const temporalLine = server ? `Temporal UI   ${server.uiUrl}` : `Temporal      ${temporalAddress} (external)`;
  const mailLine = runMail
    ? `Mail catcher  http://localhost:${MAIL_WEB_PORT}`
    : `Mail          SMTP ${config.smtp.host}:${config.smtp.port} (external)`;
  console.log(
    [
      '',
      `[start] Nudge is up (${elapsed(startedAt)})`,
      `  API           ${apiUrl ?? 'a port of its own (its log names it)'}  (docs /docs, OpenAPI /openapi.json, health /health)`,
      `  ${temporalLine}`,
      `  ${mailLine}`,
      `  Database      ${db.description}`,
      '  API key:      npx nudge firm create --name "Acme" --owner-email owner@acme.test',
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

async function shutdown(startup: Promise<void>) {
  await stopRequested;
  const { code, message } = stopReason!;
  const say = code === 0 ? console.log : console.error;
  say(code === 0 ? `[start] ${message}; stopping` : `[start] error: ${message}; stopping`);
  // Startup steps notice the stop request and return soon (at worst once Temporal is ready), and only
  // then is every started child known.
  await startup;
  for (const phase of [1, 0]) await Promise.all(services.filter((s) => s.phase === phase).map((s) => s.stop()));
  say(code === 0 ? '[start] stopped' : '[start] stopped after an error');
  process.exit(code);
}

let stopSignalAt = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (!stopReason) {
      stopSignalAt = Date.now();
      return requestStop(0, `received ${signal}`);
    }
    // tsx relays the terminal's Ctrl-C, which we also receive directly, so one Ctrl-C can arrive twice within
    // milliseconds. A later one is the user asking again: they do not want to wait for the grace period.
    if (Date.now() - stopSignalAt < 1000) return;
    console.error(`[start] ${signal} again; killing everything now`);
    for (const s of services) signalGroup(s.child, 'SIGKILL');
    process.exit(1);
  });
}

void shutdown(main().catch((err) => requestStop(1, errorMessage(err))));
