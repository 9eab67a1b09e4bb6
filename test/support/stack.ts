// Per test file: a worker on its own task queue, the API on a random port, a capturing SMTP server and a
// Prisma client, all over the run's Temporal dev server and database (see global-setup.ts).
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import pino from 'pino';
import { createDb, type Db } from '../../prisma/client';
import { createMailer, type Mailer } from '../../domain/email/mailer';
import { createNudgeWorker, type NudgeWorker } from '../../worker/worker';
import { workflowBundleOptions } from '../../worker/workflow-bundle';
import { createApp, type AppDeps } from '../../api/app';
import { closeHttp, listenHttp } from '../../api/http-server';
import { createTemporalGateway } from '../../domain/temporal/gateway';
import { createRelay } from '../../domain/outbox/relay';
import { startRelayLoop } from '../../domain/outbox/relay-loop';
import { createFirm } from '../../domain/firms/firms';
import { startSmtpCapture, type SmtpCapture } from './smtp-capture';
import type { BulkPacing } from '../../shared/contracts/bulk-action';

export const PORTAL_URL = 'http://portal.test';

// The SDK's runtime is per process and can be installed once; keep its INFO chatter out of test output.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  /* already installed by an earlier test file in this process */
}
let bundle: Promise<{ code: string }> | undefined;
/** Built once per test file (each file has its own module registry). */
export const workflowBundle = () =>
  (bundle ??= bundleWorkflowCode({ ...workflowBundleOptions(), logger: quietLogger }));
const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;

export interface ApiResponse {
  status: number;
  body: any;
  headers: Headers;
}

export interface FirmHandle {
  firmId: string;
  ownerId: string;
  apiKey: string;
  /** Calls the API as this firm's owner (or `as`). */
  call(
    method: string,
    path: string,
    body?: unknown,
    opts?: { idempotencyKey?: string; as?: string; headers?: Record<string, string> },
  ): Promise<ApiResponse>;
}

export interface Stack {
  db: Db;
  client: Client;
  smtp: SmtpCapture;
  mailer: Mailer;
  taskQueue: string;
  daySeconds: number;
  baseUrl: string;
  databaseUrl: string;
  temporalAddress: string;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  newFirm(name?: string): Promise<FirmHandle>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  daySeconds?: number;
  worker?: boolean;
  bulkPacing?: BulkPacing;
  /** Bulk actions of one firm running at once (the API's default when absent). */
  bulkMaxRunningPerFirm?: number;
  /** false: no outbox relay in the test process (a test whose worker process relays alone); default true. */
  relay?: boolean;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const databaseUrl = process.env.NUDGE_TEST_DATABASE_URL!;
  const temporalAddress = process.env.NUDGE_TEST_TEMPORAL_ADDRESS!;
  const daySeconds = opts.daySeconds ?? 1;
  const db = createDb(databaseUrl);
  const smtp = await startSmtpCapture();
  const mailer = createMailer({
    host: '127.0.0.1',
    port: smtp.port,
    secure: false,
    from: 'Nudge <no-reply@nudge.test>',
  });
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection });
  const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
  const taskQueue = `test-${randomUUID()}`;
  let worker: NudgeWorker | undefined;
  let running: Promise<void> | undefined;

  const app = createApp({
    db,
    temporal: client,
    mailer,
    log: pino({ level: 'silent' }),
    taskQueue,
    reminderDaySeconds: daySeconds,
    bulkPacing: opts.bulkPacing,
    bulkMaxRunningPerFirm: opts.bulkMaxRunningPerFirm,
  });
  const { server, baseUrl } = await listen(app);
  // The outbox's background path, as api/main.ts and the worker run it.
  const gateway = createTemporalGateway({ client, taskQueue });
  const relay =
    opts.relay === false
      ? undefined
      : startRelayLoop(db, createRelay(db, gateway), pino({ level: 'silent' }), { pollMs: 200 });

  async function request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse> {
    const res = await fetch(baseUrl + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  const stack: Stack = {
    db,
    client,
    smtp,
    mailer,
    taskQueue,
    daySeconds,
    baseUrl,
    databaseUrl,
    temporalAddress,
    request,
    async newFirm(name = `Firm ${randomUUID().slice(0, 8)}`) {
      const { firm, owner, apiKey } = await createFirm(db, {
        name,
        owner: { email: `owner-${randomUUID()}@firm.test`, name: 'Olive Owner' },
      });
      return {
        firmId: firm.id,
        ownerId: owner.id,
        apiKey,
        call: (method, path, body, o = {}) =>
          request(method, path, body, {
            authorization: `Bearer ${apiKey}`,
            'x-acting-user': o.as ?? owner.id,
            ...(o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {}),
            ...o.headers,
          }),
      };
    },
    async startWorker() {
      worker = await createNudgeWorker({
        connection: nativeConnection,
        namespace: 'default',
        taskQueue,
        deps: { db, mailer, portalUrl: PORTAL_URL },
        workflowBundle: await workflowBundle(),
      });
      running = worker.run();
    },
    async stopWorker() {
      worker?.shutdown();
      await running;
      worker = undefined;
    },
    async stop() {
      await stack.stopWorker();
      await closeHttp(server);
      await relay?.stop();
      mailer.close();
      await smtp.close();
      await connection.close();
      await nativeConnection.close();
      await db.$disconnect();
    },
  };
  if (opts.worker !== false) await stack.startWorker();
  return stack;
}

/** Waits until `fn` returns a truthy value (polling the real system), or fails after `timeoutMs`. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A stack and a firm for a test file, stopped after it. */
export function useStackWithFirm(opts: StackOptions = {}) {
  const ctx = {} as { stack: Stack; firm: FirmHandle };
  beforeAll(async () => {
    ctx.stack = await startStack(opts);
    ctx.firm = await ctx.stack.newFirm();
  });
  afterAll(() => ctx.stack?.stop());
  return ctx;
}

/** Reminder emails (automatic or manual) received by one address. */
export const remindersTo = (smtp: SmtpCapture, address: string) =>
  smtp.to(address).filter((m) => /^Reminder/.test(m.subject));

/** Serves an Express app on a random loopback port, as api/main.ts serves it. */
async function listen(app: ReturnType<typeof createApp>): Promise<{ server: Server; baseUrl: string }> {
  const server = await listenHttp(app, { port: 0, host: '127.0.0.1' });
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * Another API instance over the stack's database, Temporal and mailer, with some dependencies replaced
 * (a dead database, a tiny admission or rate limit): its base URL, and a function that closes it.
 */
export async function serveApp(stack: Stack, over: Partial<AppDeps> = {}) {
  const app = createApp({
    db: stack.db,
    temporal: stack.client,
    mailer: stack.mailer,
    log: pino({ level: 'silent' }),
    taskQueue: stack.taskQueue,
    reminderDaySeconds: stack.daySeconds,
    ...over,
  });
  const { server, baseUrl } = await listen(app);
  return { baseUrl, close: () => closeHttp(server) };
}
