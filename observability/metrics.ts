// Nudge's own Prometheus metrics (prom-client), in one registry per process: the API's request durations,
// the worker's counts of what it sent and processed, and the outbox depth once an outbox reports it. Names
// follow the Prometheus conventions: the `nudge_` prefix, base units (seconds), `_total` on counters, and
// labels with a small fixed set of values (a route pattern, never a raw path or an id).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** This process's metrics; `/metrics` serves it (the API on its port, the worker on WORKER_METRICS_PORT). */
export const registry = new Registry();

export const httpRequestDuration = new Histogram({
  name: 'nudge_http_request_duration_seconds',
  help: 'API request duration, by method, route pattern (e.g. /v1/accounts/:accountId) and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
  registers: [registry],
});

const remindersSent = new Counter({
  name: 'nudge_reminders_sent_total',
  help: 'Item notifications, reminders and manual resends that went to at least one recipient, by kind and item kind.',
  labelNames: ['kind', 'item_kind'] as const,
  registers: [registry],
});

const emailsSent = new Counter({
  name: 'nudge_emails_sent_total',
  help: 'Emails the mail server accepted.',
  registers: [registry],
});

const emailsFailed = new Counter({
  name: 'nudge_emails_failed_total',
  help: 'Email sends that failed before the mail server accepted them (connection, 4xx); they are retried.',
  registers: [registry],
});

const emailsBounced = new Counter({
  name: 'nudge_emails_bounced_total',
  help: 'Emails whose recipient the mail server refused for good (5xx to the address): it is marked bouncing.',
  registers: [registry],
});

const emailsRefused = new Counter({
  name: 'nudge_emails_refused_total',
  help: 'Emails the mail server refused for good for their content or a policy (5xx to the message): the address stays.',
  registers: [registry],
});

const bulkAccountsProcessed = new Counter({
  name: 'nudge_bulk_accounts_processed_total',
  help: 'Accounts a bulk action worked on, by outcome (done, skipped, failed).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

/** What the activities and the mailer call when an outcome is known. */
export const count = {
  reminderSent: (kind: string, itemKind: string) => remindersSent.inc({ kind, item_kind: itemKind }),
  emailSent: () => emailsSent.inc(),
  emailFailed: () => emailsFailed.inc(),
  emailBounced: () => emailsBounced.inc(),
  emailRefused: () => emailsRefused.inc(),
  bulkAccount: (outcome: 'done' | 'skipped' | 'failed') => bulkAccountsProcessed.inc({ outcome }),
};

export interface OutboxLag {
  /** Rows not yet delivered to Temporal. */
  depth: number;
  /** Age of the oldest of them (0 when none). */
  oldestAgeMs: number;
}

let readOutboxLag: (() => Promise<OutboxLag>) | undefined;
/**
 * The transactional outbox's gauges, read at every scrape: `nudge_outbox_depth` (rows waiting) and
 * `nudge_outbox_oldest_age_seconds` (how long the oldest has waited). They exist once a reader is
 * registered (the API registers one); a later call replaces the reader.
 */
export function registerOutboxGauges(readLag: () => Promise<OutboxLag>): void {
  const first = !readOutboxLag;
  readOutboxLag = readLag;
  if (!first) return;
  // A database that does not answer must not fail the whole scrape: the last values stay.
  const read = () => readOutboxLag!().catch(() => undefined);
  new Gauge({
    name: 'nudge_outbox_depth',
    help: 'Outbox rows waiting to be delivered to Temporal.',
    registers: [registry],
    async collect() {
      const lag = await read();
      if (lag) this.set(lag.depth);
    },
  });
  new Gauge({
    name: 'nudge_outbox_oldest_age_seconds',
    help: 'How long the oldest outbox row has waited to be delivered to Temporal (0: none waiting).',
    registers: [registry],
    async collect() {
      const lag = await read();
      if (lag) this.set(lag.oldestAgeMs / 1000);
    },
  });
}

let processMetrics = false;
/** The standard process and Node.js metrics (process_cpu_seconds_total, nodejs_heap_size_used_bytes, …), once. */
export function enableProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: registry });
}
