// The observability settings, read from the environment once per process: where the worker serves its
// metrics, and whether and where traces go (OTLP over HTTP, off unless an endpoint is set).
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

const schema = z.object({
  /** The worker's /metrics (Nudge's counters and the Temporal SDK's metrics); 0: none. */
  WORKER_METRICS_PORT: port.default(9464),
  /** OTLP/HTTP endpoint (e.g. http://localhost:4318); unset: no traces are recorded. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
});

export interface ObservabilityConfig {
  workerMetricsPort: number;
  /** Whether traces are exported: an OTLP endpoint is configured (the exporter reads it from the environment). */
  tracing: boolean;
}

export function loadObservabilityConfig(env: NodeJS.ProcessEnv = process.env): ObservabilityConfig {
  // Empty or spaces only is unset, as in config/config.ts (coerced, spaces would read as port 0: no metrics).
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v?.trim() !== '')));
  if (!parsed.success) throw new Error(`Invalid observability settings: ${z.prettifyError(parsed.error)}`);
  const c = parsed.data;
  return {
    workerMetricsPort: c.WORKER_METRICS_PORT,
    tracing: !!(c.OTEL_EXPORTER_OTLP_ENDPOINT ?? c.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
  };
}
