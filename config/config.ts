// Process configuration from the environment, validated once. Every variable is listed in .env.example.
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/**
 * API_KEEP_ALIVE_TIMEOUT_MS: longer than the idle timeout of the usual proxies and load balancers (60 s), so
 * they close an idle connection first. Node's 5 s (the socket closed about 6 s after the last answer) met
 * clients that keep sockets longer, Node's own keep-alive agent among them: a request sent on a socket as the
 * server closed it failed with "socket hang up" (3 of 1,000 posts in the event bench), or a proxy answers 502.
 */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** The longest delay a Node timer takes (2^31 - 1 ms, about 24.8 days): a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;
/** A delay in ms that becomes a Node timer (or PostgreSQL's, whose limit is the same). */
const ms = () => z.coerce.number().int().max(MAX_TIMER_MS);
/** A link put in emails: http(s) only (`portal.acme.com:443/portal`, the scheme forgotten, parses as a URL). */
const webUrl = () => z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const schema = z.object({
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/nudge'),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('nudge'),
  SMTP_HOST: z.string().default('127.0.0.1'),
  SMTP_PORT: z.coerce.number().int().positive().max(65_535).default(1025),
  SMTP_SECURE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  SMTP_USER: z.string().optional(),
  SMTP_PASS: z.string().optional(),
  MAIL_FROM: z.string().default('Nudge <no-reply@nudge.local>'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  API_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(DEFAULT_KEEP_ALIVE_TIMEOUT_MS),
  // Unset: this API's own pages on PORT (loadConfig).
  PORTAL_URL: webUrl().optional(),
  PORTAL_LINK_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  PORTAL_LINK_TTL_DAYS: z.coerce.number().positive().max(365).default(30),
  REMINDER_DAY_SECONDS: z.coerce.number().positive().default(86400),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().positive().default(100),
  WORKER_MAX_CONCURRENT_WEBHOOK_ATTEMPTS: z.coerce.number().int().positive().default(100),
  WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: z.coerce.number().int().positive().default(16),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  WORKER_STICKY_QUEUE_TIMEOUT_SECONDS: z.coerce.number().positive().max(3600).optional(),
  BULK_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(500),
  BULK_CONCURRENT_BATCHES: z.coerce.number().int().min(1).max(50).default(2),
  BULK_ACCOUNT_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(8),
  BULK_MAX_RUNNING_PER_FIRM: z.coerce.number().int().min(1).default(3),
  API_DB_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
  DB_CONNECT_TIMEOUT_MS: ms().positive().default(5_000),
  // Its query timeout, unless set, is 5 s longer: a timer too.
  DB_STATEMENT_TIMEOUT_MS: ms()
    .positive()
    .max(MAX_TIMER_MS - 5_000)
    .default(30_000),
  DB_QUERY_TIMEOUT_MS: ms().positive().optional(),
  DB_IDLE_TIMEOUT_MS: ms().positive().default(30_000),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: ms().positive().default(60_000),
  API_MAX_IN_FLIGHT: z.coerce.number().int().positive().optional(),
  API_MAX_QUEUED: z.coerce.number().int().min(0).optional(),
  API_QUEUE_WAIT_MS: ms().min(0).default(2_000),
  API_REQUEST_TIMEOUT_MS: ms().positive().default(15_000),
  API_RATE_LIMIT_BURST: z.coerce.number().int().min(0).default(100),
  API_RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).default(50),
  API_PUBLIC_RATE_LIMIT_BURST: z.coerce.number().int().min(0).default(30),
  API_PUBLIC_RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).default(1),
  // Express's "trust proxy": true, a hop count, or addresses/subnets (comma-separated) of the proxies in front.
  API_TRUST_PROXY: z
    .string()
    .optional()
    .transform((v) =>
      v === undefined ? undefined : v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v,
    ),
  RECONCILER_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(60),
  RECONCILER_GRACE_SECONDS: z.coerce.number().int().min(0).default(120),
  OUTBOX_POLL_MS: ms().positive().default(500),
  OUTBOX_FAST_PATH_WAIT_MS: ms().min(0).default(1_000),
  UNSUBSCRIBE_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  UNSUBSCRIBE_URL: webUrl().optional(),
  UNSUBSCRIBE_LINK_TTL_DAYS: z.coerce.number().positive().max(3650).default(90),
  WEBHOOKS_ALLOW_PRIVATE_TARGETS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  databaseUrl: string;
  temporal: { address: string; namespace: string; taskQueue: string };
  smtp: { host: string; port: number; secure: boolean; user?: string; pass?: string; from: string };
  port: number;
  /** How long the API keeps an idle keep-alive connection open (api/http-server.ts). */
  keepAliveTimeoutMs: number;
  portalUrl: string;
  /** HMAC key of the signed links in client emails (API and worker share it); absent: a development secret. */
  portalLinkSecret?: string;
  /** How long a link in an email works, in seconds (PORTAL_LINK_TTL_DAYS, real days). */
  portalLinkTtlSeconds: number;
  /** Length of a reminder "day" in seconds: 86400 in production, a few seconds in tests and demos. */
  reminderDaySeconds: number;
  workerMaxConcurrentActivities: number;
  /** Webhook delivery attempts one worker runs at once, on their own task queue (`<task queue>-webhooks`). */
  workerMaxConcurrentWebhookAttempts: number;
  /** Local activities (bulk-action accounts) one worker runs at once: keep within its database pool. */
  workerMaxConcurrentLocalActivities: number;
  /** Workflows one worker keeps cached (memory against replays); undefined: the SDK's default. */
  workerMaxCachedWorkflows: number | undefined;
  /** How long a cached workflow's task waits for this worker before any worker takes it, replaying its history;
   * undefined: the SDK's default (10 s). */
  workerStickyQueueTimeoutSeconds: number | undefined;
  /** Bulk actions: accounts per child workflow, child workflows at once, accounts at once per child. */
  bulkPacing: { batchSize: number; concurrentBatches: number; accountConcurrency: number };
  /** Bulk actions of one firm running at once; further ones wait as "queued". */
  bulkMaxRunningPerFirm: number;
  /** The database pool of the API process and its timeouts (prisma/client.ts). */
  db: {
    poolSize: number;
    connectTimeoutMs: number;
    statementTimeoutMs: number;
    /** Client-side query timeout; unset: the statement timeout + 5 s. */
    queryTimeoutMs?: number;
    idleTimeoutMs: number;
    idleInTransactionTimeoutMs: number;
  };
  /** API admission control and request deadline (api/admission.ts). */
  admission: { maxInFlight: number; maxQueued: number; queueWaitMs: number; requestTimeoutMs: number };
  /** Per API key token bucket of /v1 (api/rate-limit.ts): capacity and refill a second; 0 in either: no limit. */
  rateLimit: { burst: number; perSecond: number };
  /** The public routes' limit per client address. */
  publicRateLimit: { burst: number; perSecond: number };
  trustProxy?: boolean | number | string;
  /** The reconciler Schedule (worker/reconciler-schedule.ts): every how many seconds (0: none), and how long
   * a change is left in flight before it counts as stuck. */
  reconciler: { intervalSeconds: number; graceSeconds: number };
  /** The outbox relay: background poll, and how long a request waits for its own calls' delivery. */
  outbox: { pollMs: number; fastPathWaitMs: number };
  /** One-click unsubscribe links in emails to clients (domain/email/unsubscribe.ts): the HMAC secret the worker
   * signs and the API checks with (absent: a development secret), the API's public unsubscribe address, and
   * how long a link works in seconds (UNSUBSCRIBE_LINK_TTL_DAYS, real days). */
  unsubscribe: { secret?: string; url: string; ttlSeconds: number };
  /** Webhooks (domain/webhooks/): whether endpoints may be on private, loopback or link-local addresses
   * (WEBHOOKS_ALLOW_PRIVATE_TARGETS; off: refused at registration and at delivery). */
  webhooks: { allowPrivateTargets: boolean };
  logLevel: string;
}

/** Secrets: set but empty is refused, never read as unset (that would sign with the development secret). */
const STRICT_WHEN_EMPTY = new Set(['PORTAL_LINK_SECRET', 'UNSUBSCRIBE_SECRET']);

/** This API on this machine: the default of the links in emails (3000 when PORT=0 asks for any free port). */
const localApi = (port: number) => `http://localhost:${port || 3000}`;

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** This machine: localhost (and its subdomains, RFC 6761), 127.0.0.0/8, ::1 and ::ffff:127.x.x.x. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host)?.[1];
  if (mapped) return loopback.check(mapped, 'ipv4');
  const family = isIP(host);
  return family === 4 ? loopback.check(host, 'ipv4') : family === 6 && loopback.check(host, 'ipv6');
}

/**
 * Refuses a production process (NODE_ENV=production) whose client links would be unsafe, and returns warnings for
 * those that are likely wrong. Unset link secrets: the development secrets are in this repository, so anyone could
 * sign portal links (read, reply, approve, sign as any client) and unsubscribe links. Links over plain http to
 * another machine: portal links carry sign-in tokens, and mailbox providers take one-click unsubscribe only from an
 * https URL (RFC 8058). Links to this machine (a trial of the image) only warn. The API and the worker call it at
 * start; tools that send and sign nothing do not.
 */
export function requireProductionSettings(config: Config, env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.NODE_ENV !== 'production') return [];
  const missing = [
    ...(config.portalLinkSecret ? [] : ['PORTAL_LINK_SECRET']),
    ...(config.unsubscribe.secret ? [] : ['UNSUBSCRIBE_SECRET']),
  ];
  if (missing.length)
    throw new Error(
      `Invalid configuration: ${missing.join(' and ')} must be set with NODE_ENV=production (at least 32 characters, ` +
        `the same for the API and the worker, e.g. \`openssl rand -base64 48\`); without them client links would be ` +
        `signed with the public development secrets`,
    );
  const links = { PORTAL_URL: config.portalUrl, UNSUBSCRIBE_URL: config.unsubscribe.url };
  const local = Object.entries(links).filter(([, url]) => isLoopbackHost(new URL(url).hostname));
  const plain = Object.entries(links).filter(
    ([name, url]) => new URL(url).protocol === 'http:' && !local.some(([n]) => n === name),
  );
  if (plain.length)
    throw new Error(
      `Invalid configuration: ${plain.map(([n]) => n).join(' and ')} must be https with NODE_ENV=production ` +
        `(portal links carry sign-in tokens; mailbox providers offer one-click unsubscribe only over https)`,
    );
  return local.map(
    ([name, url]) =>
      `${name} is ${url}: client emails link to this machine, unreachable for clients; set it to the public address`,
  );
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`FOO=` in an env file, compose's `${FOO}` of an unset one), or one of spaces only,
  // counts as unset: coerced, it read as 0, which meant a worker without a cache, no rate limit, no
  // reconciler or a random port.
  const set = Object.entries(env).filter(([k, v]) => v?.trim() !== '' || STRICT_WHEN_EMPTY.has(k));
  const parsed = schema.safeParse(Object.fromEntries(set));
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${detail}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE },
    smtp: {
      host: e.SMTP_HOST,
      port: e.SMTP_PORT,
      secure: e.SMTP_SECURE,
      user: e.SMTP_USER,
      pass: e.SMTP_PASS,
      from: e.MAIL_FROM,
    },
    port: e.PORT,
    keepAliveTimeoutMs: e.API_KEEP_ALIVE_TIMEOUT_MS,
    // Without its trailing slashes: every link appends a path that starts with one (…/portal//invitations is a 404).
    portalUrl: (e.PORTAL_URL ?? `${localApi(e.PORT)}/portal`).replace(/\/+$/, ''),
    portalLinkSecret: e.PORTAL_LINK_SECRET,
    portalLinkTtlSeconds: e.PORTAL_LINK_TTL_DAYS * 86400,
    reminderDaySeconds: e.REMINDER_DAY_SECONDS,
    workerMaxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
    workerMaxConcurrentWebhookAttempts: e.WORKER_MAX_CONCURRENT_WEBHOOK_ATTEMPTS,
    workerMaxConcurrentLocalActivities: e.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
    workerMaxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
    workerStickyQueueTimeoutSeconds: e.WORKER_STICKY_QUEUE_TIMEOUT_SECONDS,
    bulkPacing: {
      batchSize: e.BULK_BATCH_SIZE,
      concurrentBatches: e.BULK_CONCURRENT_BATCHES,
      accountConcurrency: e.BULK_ACCOUNT_CONCURRENCY,
    },
    bulkMaxRunningPerFirm: e.BULK_MAX_RUNNING_PER_FIRM,
    db: {
      poolSize: e.API_DB_POOL_SIZE,
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
      queryTimeoutMs: e.DB_QUERY_TIMEOUT_MS,
      idleTimeoutMs: e.DB_IDLE_TIMEOUT_MS,
      idleInTransactionTimeoutMs: e.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
    admission: {
      // Twice the pool: enough to keep every connection busy while the next requests parse and validate.
      maxInFlight: e.API_MAX_IN_FLIGHT ?? 2 * e.API_DB_POOL_SIZE,
      maxQueued: e.API_MAX_QUEUED ?? 2 * (e.API_MAX_IN_FLIGHT ?? 2 * e.API_DB_POOL_SIZE),
      queueWaitMs: e.API_QUEUE_WAIT_MS,
      requestTimeoutMs: e.API_REQUEST_TIMEOUT_MS,
    },
    rateLimit: { burst: e.API_RATE_LIMIT_BURST, perSecond: e.API_RATE_LIMIT_PER_SECOND },
    publicRateLimit: { burst: e.API_PUBLIC_RATE_LIMIT_BURST, perSecond: e.API_PUBLIC_RATE_LIMIT_PER_SECOND },
    trustProxy: e.API_TRUST_PROXY,
    reconciler: { intervalSeconds: e.RECONCILER_INTERVAL_SECONDS, graceSeconds: e.RECONCILER_GRACE_SECONDS },
    outbox: { pollMs: e.OUTBOX_POLL_MS, fastPathWaitMs: e.OUTBOX_FAST_PATH_WAIT_MS },
    unsubscribe: {
      secret: e.UNSUBSCRIBE_SECRET,
      url: e.UNSUBSCRIBE_URL ?? `${localApi(e.PORT)}/unsubscribe`,
      ttlSeconds: e.UNSUBSCRIBE_LINK_TTL_DAYS * 86400,
    },
    webhooks: { allowPrivateTargets: e.WEBHOOKS_ALLOW_PRIVATE_TARGETS },
    logLevel: e.LOG_LEVEL,
  };
}
