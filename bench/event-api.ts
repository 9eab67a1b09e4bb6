// Benchmark 1: firm messages posted through the API (each one signal-with-starts a reminder workflow)
// versus raw client.workflow.start / signalWithStart against the same Temporal server, at the same
// concurrency; then a profiled pass that splits an API request into DB round trips, pool wait,
// Temporal call and the rest.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import http, { type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import pino from 'pino';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import { PrismaClient } from '../generated/prisma';
import { createDb, registerPgPool, type Db } from '../prisma/client';
import type { Mailer } from '../domain/email/mailer';
import { createApp } from '../api/app';
import { listenHttp } from '../api/http-server';
import { hashApiKey } from '../domain/firms/api-keys';
import { createFirm } from '../domain/firms/firms';
import { firmMessagePostedSignal, reminderWorkflowId } from '../shared/contracts/item-reminder';
import { itemReminderStart } from '../shared/contracts/item-reminder';
import { createTemporalGateway } from '../domain/temporal/gateway';
import { createRelay } from '../domain/outbox/relay';
import { startRelayLoop } from '../domain/outbox/relay-loop';
import {
  fmt,
  log,
  normalizeSql,
  percentile,
  profileCpu,
  queryText,
  runLoad,
  seedClients,
  sleep,
  type ApiProcess,
  type LoadResult,
  type WorkerProcess,
} from './support';

export interface EventApiOptions {
  events: number;
  concurrency: number;
  rounds: number;
  warmup: number;
  profileEvents: number;
  withIdempotencyKey: boolean;
  withWorker: boolean;
  workerEvents: number;
  /** Also measure the route on the API in its own process (api/main.ts), as `npm start` runs it. */
  apiProcess: boolean;
  apiPoolSize: number;
  timeLimitMs: number;
}

export interface EventApiContext {
  databaseUrl: string;
  /** Prisma client used for seeding (not the API's). */
  seedDb: Db;
  client: Client;
  mailer: Mailer;
  /** Starts a worker process polling `taskQueue` (for the "worker running" row). */
  startWorker(taskQueue: string): Promise<WorkerProcess>;
  /** Starts api/main.ts in a child process against the same database and Temporal server. */
  startApi(taskQueue: string, poolSize: number): Promise<ApiProcess>;
}

export interface ModeResult {
  name: string;
  result: LoadResult;
  note?: string;
}

export interface ProfileRow {
  /** The route as posted: plain, or with an Idempotency-Key. */
  mode: 'plain' | 'idempotency-key';
  concurrency: number;
  requests: number;
  opsPerSec: number;
  p50: number;
  meanTotal: number;
  roundTrips: number;
  transactions: number;
  dbMs: number;
  poolWaitMs: number;
  temporalMs: number;
  otherMs: number;
  cpuMsPerReq: number;
}

/**
 * The second way the event path is measured: when each posted message's workflow was started (the outbox
 * delivered its row: fast path or relay), read from Temporal after the run. The rate is messages whose
 * workflow started per second, from each round's first post to its last workflow start.
 */
export interface StartedResult {
  mode: string;
  messages: number;
  started: number;
  startedPerSec: number;
  p50: number;
  p99: number;
  max: number;
}

export interface EventApiResult {
  modes: ModeResult[];
  ratio: number;
  /** The same ratio with the API in its own process (absent unless measured). */
  ratioApiProcess?: number;
  /** Post → workflow started, per API mode. */
  started: StartedResult[];
  profile: ProfileRow[];
  statements: { sql: string; perRequest: number }[];
  /** The same, with an Idempotency-Key on every request. */
  statementsWithKey: { sql: string; perRequest: number }[];
  /** CPU and latency of one statement through Prisma versus plain pg, in this process, sequentially. */
  statementCost: { what: string; cpuMs: number; p50: number }[];
  /** Where the bench+API process spends CPU while serving POST /messages at full concurrency. */
  cpuProfile: { what: string; ms: number; share: number; msPerRequest: number }[];
  cpuProfileRequests: number;
  drain?: { notifications: number; seconds: number; complete: boolean };
}

// ------------------------------------------------------------------------------ instrumented Prisma

interface DbStats {
  queries: number;
  queryMs: number;
  acquires: number;
  acquireMs: number;
  begins: number;
  sql: Map<string, number>;
}

const newStats = (): DbStats => ({ queries: 0, queryMs: 0, acquires: 0, acquireMs: 0, begins: 0, sql: new Map() });

/**
 * A Prisma client like createDb's (pg adapter, same pool size) over a pg.Pool whose connection
 * acquisition and queries are timed. Every statement goes through a pooled client's query(); the pool's
 * own query() acquires through connect() too, so both paths are counted once.
 */
function instrumentedDb(databaseUrl: string, poolSize: number) {
  const stats = { current: newStats() };
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  const WRAPPED = Symbol('bench-wrapped');
  const wrapClient = (client: pg.PoolClient) => {
    const c = client as pg.PoolClient & { [WRAPPED]?: true };
    if (c[WRAPPED]) return;
    c[WRAPPED] = true;
    const query = client.query.bind(client) as (...a: unknown[]) => unknown;
    (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const s = stats.current;
      const text = queryText(args[0]);
      const key = normalizeSql(text);
      s.queries++;
      if (/^BEGIN/i.test(text)) s.begins++;
      s.sql.set(key, (s.sql.get(key) ?? 0) + 1);
      const t = performance.now();
      const last = args[args.length - 1];
      if (typeof last === 'function') {
        args[args.length - 1] = (...cbArgs: unknown[]) => {
          s.queryMs += performance.now() - t;
          return (last as (...x: unknown[]) => unknown)(...cbArgs);
        };
        return query(...args);
      }
      const r = query(...args) as Promise<unknown> | undefined;
      return r?.finally(() => (s.queryMs += performance.now() - t));
    };
  };
  const connect = pool.connect.bind(pool) as (...a: unknown[]) => unknown;
  type ConnectCallback = (err: Error | undefined, client?: pg.PoolClient, done?: unknown) => void;
  (pool as unknown as { connect: (cb?: ConnectCallback) => unknown }).connect = (cb?: ConnectCallback) => {
    const s = stats.current;
    const t = performance.now();
    if (cb) {
      return connect((err: Error | undefined, client: pg.PoolClient | undefined, done: unknown) => {
        s.acquires++;
        s.acquireMs += performance.now() - t;
        if (client) wrapClient(client);
        cb(err, client, done);
      });
    }
    return (connect() as Promise<pg.PoolClient>).then((client) => {
      s.acquires++;
      s.acquireMs += performance.now() - t;
      wrapClient(client);
      return client;
    });
  };
  const db = new PrismaClient({ adapter: new PrismaPg(pool) }) as Db;
  registerPgPool(db, pool); // as createDb does: the event path's own SQL runs on this pool too (counted)
  return { db, stats, pool };
}

// --------------------------------------------------------------------------------------- the bench

export async function runEventApiBench(ctx: EventApiContext, o: EventApiOptions): Promise<EventApiResult> {
  const { seedDb, client } = ctx;
  const { firm, owner, apiKey } = await createFirm(seedDb, {
    name: 'Bench Event Firm',
    owner: { email: `owner-${randomUUID()}@firm.bench`, name: 'Bench Owner' },
  });
  const idleQueue = `bench-idle-${randomUUID()}`;
  const workerQueue = `bench-event-worker-${randomUUID()}`;
  const silent = pino({ level: 'silent' });

  // One thread per message, each on its own account with one linked contact.
  const perRound = Math.ceil(o.events / o.rounds);
  const apiModes = 1 + (o.withIdempotencyKey ? 1 : 0) + (o.apiProcess ? 1 : 0);
  const threadCount =
    (o.apiProcess ? 2 : 1) * o.warmup +
    perRound * o.rounds * apiModes +
    (o.withWorker ? o.workerEvents : 0) +
    4 * o.profileEvents;
  const seedStart = performance.now();
  const clients = await seedClients(seedDb, firm.id, threadCount, 'evt');
  const threads = clients.map((c) => ({ id: randomUUID(), accountId: c.accountId }));
  for (let i = 0; i < threads.length; i += 5000) {
    await seedDb.chatThread.createMany({
      data: threads
        .slice(i, i + 5000)
        .map((t) => ({ id: t.id, firmId: firm.id, accountId: t.accountId, subject: 'Bench thread' })),
    });
  }
  log(`event API: seeded ${threadCount} accounts/contacts/threads in ${fmt((performance.now() - seedStart) / 1000)} s`);
  let nextThread = 0;
  const takeThreads = (n: number) => {
    const part = threads.slice(nextThread, nextThread + n);
    nextThread += n;
    if (part.length < n) throw new Error('not enough seeded threads');
    return part;
  };

  const apiDb = createDb(ctx.databaseUrl, o.apiPoolSize);
  const servers: Server[] = [];
  const listen = async (taskQueue: string, db: Db, temporal: Client) => {
    const app = createApp({ db, temporal, mailer: ctx.mailer, log: silent, taskQueue, reminderDaySeconds: 86_400 });
    const server = await listenHttp(app, { port: 0, host: '127.0.0.1' });
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const idleUrl = await listen(idleQueue, apiDb, client);
  // The background relay, as api/main.ts runs it next to the API: it delivers what the fast paths miss.
  const relayLoop = startRelayLoop(apiDb, createRelay(apiDb, createTemporalGateway({ client, taskQueue: idleQueue })), {
    warn: () => undefined,
    error: (o, m) => log(`relay: ${m} ${JSON.stringify(o)}`),
  });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, 'x-acting-user': owner.id };
  // When each message was posted (epoch ms), per thread, for post → workflow started.
  const postedAt = new Map<string, number>();
  // The load generator: node:http with keep-alive, not fetch (undici and its web streams cost this process
  // about 1 ms of CPU per request more, on the same 2 cores as the API and the servers it measures).
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const body = JSON.stringify({ author: 'firm', body: 'Please upload your bank statements for March.' });
  const post = (baseUrl: string, threadId: string, idempotencyKey?: string) =>
    new Promise<void>((resolve, reject) => {
      postedAt.set(threadId, Date.now());
      const u = new URL(baseUrl);
      const req = http.request(
        {
          agent,
          host: u.hostname,
          port: u.port,
          method: 'POST',
          path: `/v1/chat-threads/${threadId}/messages`,
          headers: {
            ...headers,
            ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode === 201) return resolve();
            reject(
              new Error(`POST messages: ${res.statusCode} ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`),
            );
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  // The raw calls: the same workflow type, arguments, search attributes and memo as the API's arm().
  const rawOptions = (taskQueue: string) => {
    const item = { firmId: firm.id, accountId: randomUUID(), kind: 'chat' as const, itemId: randomUUID() };
    const start = itemReminderStart(item, 86_400);
    const { input, searchAttributes, memo } = start;
    return {
      taskQueue,
      workflowId: `bench-raw-${item.itemId}`,
      args: [input],
      typedSearchAttributes: searchAttributes,
      memo,
    };
  };
  const rawStart = async () => {
    await client.workflow.start('itemReminderWorkflow', rawOptions(idleQueue));
  };
  const rawSignalWithStart = async () => {
    await client.workflow.signalWithStart('itemReminderWorkflow', {
      ...rawOptions(idleQueue),
      signal: firmMessagePostedSignal,
      signalArgs: [{ messageId: randomUUID() }],
    });
  };

  // Warm-up (JIT, gRPC channel, pool connections); not measured.
  const warm = takeThreads(o.warmup);
  await runLoad(o.warmup, o.concurrency, o.timeLimitMs, () => rawStart());
  await runLoad(o.warmup, o.concurrency, o.timeLimitMs, (i) => post(idleUrl, warm[i].id));
  // The API as `npm start` runs it: its own process (its own relay too), the load generator in this one.
  const apiProcess = o.apiProcess ? await ctx.startApi(idleQueue, o.apiPoolSize) : undefined;
  if (apiProcess) {
    const warmProc = takeThreads(o.warmup);
    await runLoad(o.warmup, o.concurrency, o.timeLimitMs, (i) => post(apiProcess.url, warmProc[i].id));
  }
  log(`event API: warm-up done (${o.warmup} raw starts, ${o.warmup} API posts${apiProcess ? ' per API' : ''})`);

  // Measured modes, interleaved in rounds so that a server that slows as it fills affects all alike.
  const acc = new Map<string, LoadResult[]>();
  const add = (name: string, r: LoadResult) => {
    acc.set(name, [...(acc.get(name) ?? []), r]);
    if (r.errors) log(`  ${name}: ${r.errors} errors, first: ${r.firstError}`);
  };
  const API = 'API POST /messages (signal-with-start)';
  const API_IDEM = 'API POST /messages + Idempotency-Key';
  const RAW = 'raw client.workflow.start';
  const RAW_SWS = 'raw client.workflow.signalWithStart';
  const API_PROC = 'API POST /messages, API in its own process';
  const roundsOf = new Map<string, string[][]>(); // the threads each API mode posted to, per round
  const posted = (name: string, ts: { id: string }[]) =>
    roundsOf.set(name, [...(roundsOf.get(name) ?? []), ts.map((t) => t.id)]);
  for (let round = 0; round < o.rounds; round++) {
    add(RAW, await runLoad(perRound, o.concurrency, o.timeLimitMs, () => rawStart()));
    const ts = takeThreads(perRound);
    add(API, await runLoad(perRound, o.concurrency, o.timeLimitMs, (i) => post(idleUrl, ts[i].id)));
    posted(API, ts);
    if (apiProcess) {
      const tp = takeThreads(perRound);
      add(API_PROC, await runLoad(perRound, o.concurrency, o.timeLimitMs, (i) => post(apiProcess.url, tp[i].id)));
      posted(API_PROC, tp);
    }
    add(RAW_SWS, await runLoad(perRound, o.concurrency, o.timeLimitMs, () => rawSignalWithStart()));
    if (o.withIdempotencyKey) {
      const ti = takeThreads(perRound);
      add(
        API_IDEM,
        await runLoad(perRound, o.concurrency, o.timeLimitMs, (i) => post(idleUrl, ti[i].id, `bench-${ti[i].id}`)),
      );
      posted(API_IDEM, ti);
    }
    log(`event API: round ${round + 1}/${o.rounds} done`);
  }
  const modes: ModeResult[] = [...acc.entries()].map(([name, rs]) => ({ name, result: mergeResults(rs) }));
  const rate = (name: string) => {
    const r = modes.find((m) => m.name === name)!.result;
    return r.ops / (r.elapsedMs / 1000);
  };
  const ratio = rate(API) / rate(RAW);
  const ratioApiProcess = apiProcess ? rate(API_PROC) / rate(RAW) : undefined;

  // Post → workflow started: each message's workflow start time, read from Temporal now (not during the load).
  const started: StartedResult[] = [];
  for (const [mode, rounds] of roundsOf) {
    const lags: number[] = [];
    let spanMs = 0;
    let messages = 0;
    for (const ids of rounds) {
      messages += ids.length;
      const startTimes: number[] = [];
      await runLoad(ids.length, 16, o.timeLimitMs, async (i) => {
        const d = await client.workflow.getHandle(reminderWorkflowId('chat', ids[i])).describe();
        const at = d.startTime.getTime();
        startTimes.push(at);
        lags.push(at - postedAt.get(ids[i])!);
      });
      if (startTimes.length) spanMs += Math.max(...startTimes) - Math.min(...ids.map((id) => postedAt.get(id)!));
    }
    const r = {
      mode,
      messages,
      started: lags.length,
      startedPerSec: lags.length / (spanMs / 1000),
      p50: percentile(lags, 50),
      p99: percentile(lags, 99),
      max: Math.max(...lags),
    };
    started.push(r);
    log(
      `event API: ${mode}: ${r.started}/${r.messages} workflows started, ${fmt(r.startedPerSec)}/s, post → started p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms`,
    );
  }

  // Profiled pass: the same route over an instrumented Prisma client and a timed Temporal client.
  const inst = instrumentedDb(ctx.databaseUrl, o.apiPoolSize);
  const temporalTime = { ms: 0, calls: 0 };
  const timing: WorkflowClientInterceptor = {
    async signalWithStart(input, next) {
      const t = performance.now();
      try {
        return await next(input);
      } finally {
        temporalTime.ms += performance.now() - t;
        temporalTime.calls++;
      }
    },
  };
  const profClient = new Client({
    connection: client.connection,
    namespace: client.options.namespace,
    interceptors: { workflow: [timing] },
  });
  const profUrl = await listen(idleQueue, inst.db, profClient);
  const profile: ProfileRow[] = [];
  let statements: { sql: string; perRequest: number }[] = [];
  let statementsWithKey: { sql: string; perRequest: number }[] = [];
  const passes: { c: number; mode: ProfileRow['mode'] }[] = [
    { c: 1, mode: 'plain' },
    { c: o.concurrency, mode: 'plain' },
    { c: 1, mode: 'idempotency-key' },
  ];
  for (const { c, mode } of passes) {
    const ts = takeThreads(o.profileEvents);
    const key = (id: string) => (mode === 'plain' ? undefined : `bench-prof-${id}`);
    await runLoad(Math.min(20, o.profileEvents), c, o.timeLimitMs, (i) => post(profUrl, ts[i].id, key(ts[i].id))); // warm the new pool
    const rest = ts.slice(Math.min(20, o.profileEvents));
    inst.stats.current = newStats();
    temporalTime.ms = 0;
    temporalTime.calls = 0;
    const r = await runLoad(rest.length, c, o.timeLimitMs, (i) => post(profUrl, rest[i].id, key(rest[i].id)));
    const s = inst.stats.current;
    const n = r.ops || 1;
    const meanTotal = r.latencies.reduce((a, b) => a + b, 0) / n;
    const dbMs = s.queryMs / n;
    const poolWaitMs = s.acquireMs / n;
    const temporalMs = temporalTime.ms / n;
    profile.push({
      mode,
      concurrency: c,
      requests: r.ops,
      opsPerSec: r.ops / (r.elapsedMs / 1000),
      p50: percentile(r.latencies, 50),
      meanTotal,
      roundTrips: s.queries / n,
      transactions: s.begins / n,
      dbMs,
      poolWaitMs,
      temporalMs,
      otherMs: meanTotal - dbMs - poolWaitMs - temporalMs,
      cpuMsPerReq: (r.cpuSelf * 1000) / n,
    });
    const perRequest = [...s.sql.entries()]
      .map(([sql, k]) => ({ sql, perRequest: k / n }))
      .sort((a, b) => b.perRequest - a.perRequest);
    if (c === 1 && mode === 'plain') statements = perRequest;
    if (c === 1 && mode === 'idempotency-key') statementsWithKey = perRequest;
  }
  log(`event API: profiled pass done`);

  // CPU profile of this process (API + load generator) over the plain route at full concurrency.
  const tc = takeThreads(o.profileEvents);
  let cpuRequests = 0;
  const cpu = await profileCpu(async () => {
    cpuRequests = (await runLoad(tc.length, o.concurrency, o.timeLimitMs, (i) => post(idleUrl, tc[i].id))).ops;
  });
  const cpuProfile = cpu.map((c) => ({ ...c, msPerRequest: c.ms / Math.max(1, cpuRequests) }));
  log(`event API: CPU profile done (${cpuRequests} requests)`);

  // What one statement costs: the same primary-key SELECT through Prisma's model API, Prisma's raw
  // query API and plain pg, one at a time (so the CPU is the statement's own).
  const hash = hashApiKey(apiKey);
  const pgPool = new pg.Pool({ connectionString: ctx.databaseUrl, max: 1 });
  const micro = async (what: string, fn: () => Promise<unknown>) => {
    await runLoad(100, 1, 30_000, async () => void (await fn()));
    const r = await runLoad(1000, 1, 60_000, async () => void (await fn()));
    return { what, cpuMs: (r.cpuSelf * 1000) / Math.max(1, r.ops), p50: percentile(r.latencies, 50) };
  };
  const statementCost = [
    await micro('Prisma apiKey.findUnique({ where: { hash } })', () =>
      apiDb.apiKey.findUnique({ where: { hash }, select: { firmId: true, revokedAt: true } }),
    ),
    await micro(
      'Prisma $queryRaw (same SELECT)',
      () => apiDb.$queryRaw`SELECT "firmId", "revokedAt" FROM "ApiKey" WHERE "hash" = ${hash}`,
    ),
    await micro('pg Pool.query (same SELECT)', () =>
      pgPool.query('SELECT "firmId", "revokedAt" FROM "ApiKey" WHERE "hash" = $1', [hash]),
    ),
    await micro('Prisma auditEvent.create', () =>
      apiDb.auditEvent.create({
        data: { firmId: firm.id, actorId: owner.id, actorType: 'firm_user', action: 'bench.noop', data: {} },
        select: { id: true },
      }),
    ),
    await micro('pg Pool.query (same INSERT)', () =>
      pgPool.query(
        'INSERT INTO "AuditEvent" ("firmId", "actorId", "actorType", "action", "data") VALUES ($1, $2, $3, $4, $5) RETURNING "id"',
        [firm.id, owner.id, 'firm_user', 'bench.noop', '{}'],
      ),
    ),
  ];
  await pgPool.end();
  log(`event API: statement cost measured`);

  // With the worker consuming the queue: the same route while notifications are being sent.
  let drain: EventApiResult['drain'];
  if (o.withWorker) {
    const worker = await ctx.startWorker(workerQueue);
    try {
      const workerUrl = await listen(workerQueue, apiDb, client);
      const tw = takeThreads(o.workerEvents);
      const t0 = performance.now();
      const r = await runLoad(o.workerEvents, o.concurrency, o.timeLimitMs, (i) => post(workerUrl, tw[i].id));
      modes.push({
        name: 'API POST /messages, worker running',
        result: r,
        note: 'worker sends the notifications meanwhile',
      });
      // Wait (bounded) until the worker has sent every notification: its sustained notification rate.
      const ids = tw.map((t) => t.id);
      const deadline = performance.now() + Math.max(60_000, o.workerEvents * 200);
      let sent = 0;
      for (;;) {
        sent = await seedDb.reminderDispatch.count({
          where: { itemKind: 'chat', kind: 'notification', itemId: { in: ids } },
        });
        if (sent >= r.ops || performance.now() > deadline) break;
        await sleep(250);
      }
      drain = { notifications: sent, seconds: (performance.now() - t0) / 1000, complete: sent >= r.ops };
      log(`event API: worker sent ${sent}/${r.ops} notifications in ${fmt(drain.seconds)} s after the first post`);
    } finally {
      await worker.stop();
    }
  }

  await apiProcess?.stop();
  await relayLoop.stop();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await inst.db.$disconnect();
  await inst.pool.end(); // the adapter leaves a pool it was given open: idle connections would see the database dropped
  await apiDb.$disconnect();
  return {
    modes,
    ratio,
    ratioApiProcess,
    started,
    profile,
    statements,
    statementsWithKey,
    statementCost,
    cpuProfile,
    cpuProfileRequests: cpuRequests,
    drain,
  };
}

function mergeResults(rs: LoadResult[]): LoadResult {
  const cpuOthers: Record<string, number> = {};
  for (const r of rs) for (const [k, v] of Object.entries(r.cpuOthers)) cpuOthers[k] = (cpuOthers[k] ?? 0) + v;
  return {
    ops: rs.reduce((a, r) => a + r.ops, 0),
    errors: rs.reduce((a, r) => a + r.errors, 0),
    firstError: rs.find((r) => r.firstError)?.firstError,
    elapsedMs: rs.reduce((a, r) => a + r.elapsedMs, 0),
    latencies: rs.flatMap((r) => r.latencies),
    cpuSelf: rs.reduce((a, r) => a + r.cpuSelf, 0),
    cpuOthers,
  };
}
