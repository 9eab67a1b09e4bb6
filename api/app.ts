// The Express application: request ids and logging, public routes (health, OpenAPI, docs), then the
// authenticated v1 API behind idempotency, and the single error handler.
import { randomUUID } from 'node:crypto';
import helmet from 'helmet';
import express from 'express';
import swaggerUi from 'swagger-ui-express';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Db } from '../prisma/client';
import type { Mailer } from '../domain/email/mailer';
import { authenticate } from './auth';
import { idempotency } from './idempotency';
import { jsonBody } from './json-body';
import { errorHandler, notFoundRoute } from './error-handler';
import { buildOpenApi } from './openapi';
import { checkHealth, checkReady } from './health';
import { admissionControl, DEFAULT_ADMISSION, type AdmissionOptions } from './admission';
import { clientRateLimit, rateLimit, type RateLimitOptions } from './rate-limit';
import { v1Routes } from './routes';
import { httpMetrics, metricsEndpoint } from './metrics';
import { registerOutboxGauges } from '../observability/metrics';
import { outboxLag } from '../domain/outbox/relay';
import { requestTracing } from './tracing';
import { clientActionRoutes } from './routes/client-actions';
import { createReminderOutbox, createReminderWorkflows } from '../domain/items/reminder-workflows';
import { createOutbox, type OutboxOptions } from '../domain/outbox/outbox';
import { markingCommits } from '../domain/outbox/request-key';
import { createTemporalGateway } from '../domain/temporal/gateway';
import { createDomainServices } from '../domain/services';
import { createInvitationWorkflows } from '../domain/invitations/invitations';
import { publicInvitationRoutes } from './routes/contacts';
import { unsubscribeRoutes } from './routes/unsubscribe';
import { createUnsubscribeService } from '../domain/email/unsubscribe';
import { createItemsService } from '../domain/items/items';
import { createBulkActionsService, DEFAULT_BULK_PACING } from '../domain/bulk/bulk-actions';
import type { BulkPacing } from '../shared/contracts/bulk-action';
import { createPortalService } from '../domain/portal/portal';
import { portalRoutes } from './portal/routes';
import { createWebhooksService } from '../domain/webhooks/webhooks';
import { createReminderPolicyService } from '../domain/reminder-policy/policy';

export interface AppDeps {
  db: Db;
  temporal: Client;
  mailer: Mailer;
  log: Logger;
  taskQueue: string;
  reminderDaySeconds: number;
  /** How bulk actions cut their work (BULK_* settings); the defaults suit production. */
  bulkPacing?: BulkPacing;
  /** Bulk actions of one firm running at once (BULK_MAX_RUNNING_PER_FIRM); further ones are queued. */
  bulkMaxRunningPerFirm?: number;
  /** UNSUBSCRIBE_SECRET, which checks one-click unsubscribe links; absent: the development secret. */
  unsubscribeSecret?: string;
  /** Requests in flight, wait queue and request deadline of /v1 (api/admission.ts); defaults for a pool of 10. */
  admission?: Partial<AdmissionOptions>;
  /** Per API key token bucket of /v1 (api/rate-limit.ts); absent: no limit (api/main.ts passes the config). */
  rateLimit?: Partial<RateLimitOptions>;
  /** Per client address token bucket of the public routes (pages, unsubscribe, accept); absent: no limit. */
  publicRateLimit?: Partial<RateLimitOptions>;
  /** Express's "trust proxy" (API_TRUST_PROXY): which proxies' X-Forwarded-For names the client; absent: none. */
  trustProxy?: boolean | number | string;
  /** PORTAL_LINK_SECRET, which checks the signed links of the client pages (/portal); absent: the development secret. */
  portalLinkSecret?: string;
  /** Fast-path wait and relay settings of the outbox (domain/outbox/); the defaults suit production. */
  outbox?: Partial<OutboxOptions>;
  /** WEBHOOKS_ALLOW_PRIVATE_TARGETS: accept webhook endpoints on private, loopback or link-local addresses. */
  webhooksAllowPrivateTargets?: boolean;
}

/** The public pages' admission: half the slots and queue of /v1's, apart from them. */
function publicAdmission(options: Partial<AdmissionOptions> = {}) {
  const o = { ...DEFAULT_ADMISSION, ...options };
  return admissionControl({
    ...o,
    maxInFlight: Math.max(1, Math.floor(o.maxInFlight / 2)),
    maxQueued: Math.floor(o.maxQueued / 2),
  });
}

export function createApp(deps: AppDeps) {
  const { db, temporal, mailer, log } = deps;
  const gateway = createTemporalGateway({ client: temporal, taskQueue: deps.taskQueue });
  const daySeconds = deps.reminderDaySeconds;
  // Changes queue their Temporal calls in the outbox; the relay loops (api/main.ts, the worker) drain it.
  // Every transaction of a change marks the request's Idempotency-Key committed with it (a retry after a lost
  // answer is not run again); the middleware and reads use the plain client.
  const changes = markingCommits(db);
  const outbox = createOutbox(changes, gateway, deps.outbox);
  const workflows = {
    ...createReminderWorkflows({ gateway, daySeconds }),
    ...createReminderOutbox(outbox, daySeconds),
  };
  const items = createItemsService(changes, workflows);
  const invitations = createInvitationWorkflows({ gateway, daySeconds, outbox });
  const domain = createDomainServices(changes);
  const bulk = createBulkActionsService({
    db: changes,
    gateway,
    daySeconds,
    pacing: deps.bulkPacing ?? DEFAULT_BULK_PACING,
    maxRunningPerFirm: deps.bulkMaxRunningPerFirm,
    outbox,
  });

  const app = express();
  app.disable('x-powered-by');
  if (deps.trustProxy !== undefined) app.set('trust proxy', deps.trustProxy);
  // Security headers on every answer (nosniff, frame and referrer policies, …; the client pages set their
  // stricter own). No CSP here (Swagger UI's page needs its own) and no HSTS: the TLS proxy in front sets it.
  app.use(helmet({ contentSecurityPolicy: false, strictTransportSecurity: false }));
  app.set('query parser', 'simple');
  app.use(requestTracing, httpMetrics);
  app.use((req, res, next) => {
    req.id = req.get('x-request-id')?.slice(0, 100) || randomUUID();
    res.set('X-Request-Id', req.id);
    const start = Date.now();
    res.on('finish', () =>
      log.debug(
        { requestId: req.id, method: req.method, path: req.path, status: res.statusCode, ms: Date.now() - start },
        'request',
      ),
    );
    next();
  });

  app.get('/metrics', metricsEndpoint); // Prometheus text format (observability/metrics.ts)
  registerOutboxGauges(() => outboxLag(db, 2000)); // the outbox's backlog, read at each scrape (in time)
  app.get('/health', async (_req, res) => {
    const health = await checkHealth(db, temporal, mailer);
    res.status(health.status === 'ok' ? 200 : 503).json(health);
  });
  // For load balancers and orchestrators: the process runs; this instance can serve (database, Temporal).
  const admission = admissionControl(deps.admission);
  app.get('/health/live', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/health/ready', async (_req, res) => {
    const { ready, ...readiness } = await checkReady(db, temporal, mailer);
    res.status(ready ? 200 : 503).json({ ...readiness, load: admission.stats() });
  });
  // The key's rate limit is counted inside authentication, once the key is known (api/auth.ts).
  const auth = authenticate(db, deps.rateLimit ? rateLimit(deps.rateLimit) : undefined);
  const idempotent = idempotency(db);
  const webhooks = createWebhooksService({
    db: changes,
    outbox,
    allowPrivateTargets: deps.webhooksAllowPrivateTargets,
  });
  const reminderPolicy = createReminderPolicyService({ db: changes, gateway, outbox });
  const v1 = v1Routes(domain, items, invitations, bulk, webhooks, reminderPolicy); // registers the routes the OpenAPI document describes
  const publicV1 = publicInvitationRoutes(domain, invitations); // the portal's invitation accept: no API key
  // The public routes (no key to limit by): each client address its own bucket, counted before anything else.
  const perClient =
    deps.publicRateLimit &&
    clientRateLimit(deps.publicRateLimit, {
      proxyTrusted: deps.trustProxy !== undefined && deps.trustProxy !== false,
      untrusted: () =>
        log.warn('requests come through a proxy API_TRUST_PROXY does not name: the public routes are not rate limited'),
    });
  if (perClient) app.use(['/portal', '/unsubscribe', '/v1/invitations/accept'], perClient);
  // Every /v1 request: at most so many at once, each under a deadline (streams exempt), else 503.
  app.use('/v1', admission.middleware);
  // The public pages under admission of their own, half as wide: anonymous traffic cannot take the firms' slots.
  app.use(['/portal', '/unsubscribe'], publicAdmission(deps.admission).middleware);
  // Before the JSON parser: the CSV import streams its body.
  app.use(
    clientActionRoutes({
      domain,
      outbox,
      authenticate: auth,
      idempotency: idempotent,
    }),
  );
  // The built-in client pages the default PORTAL_URL points at: HTML, public, each action by a signed link.
  const portal = createPortalService({ db, items, invitations, secret: deps.portalLinkSecret });
  app.use('/portal', portalRoutes(portal, log));
  const openapi = buildOpenApi();
  app.get('/openapi.json', (_req, res) => res.json(openapi));
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openapi, { customSiteTitle: 'Nudge API' }));

  app.use('/v1', jsonBody());
  app.use(publicV1);
  // One-click unsubscribe (RFC 8058): public, outside /v1, the signed token is the authority.
  if (!deps.unsubscribeSecret) log.warn('UNSUBSCRIBE_SECRET is not set: unsubscribe links use the development secret');
  app.use(unsubscribeRoutes(createUnsubscribeService(db, deps.unsubscribeSecret)));
  app.use('/v1', auth, idempotent);
  app.use(v1);
  app.use(notFoundRoute);
  app.use(errorHandler(log));
  return app;
}
