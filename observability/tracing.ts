// OpenTelemetry tracing of one process, with the OpenTelemetry Node SDK: started only when an OTLP endpoint
// is configured (or a test passes its own exporter), so tracing is off by default. The API's requests, the
// Temporal client calls, the workflows, their activities and the SMTP calls then share one trace each
// (observability/temporal-tracing.ts connects Temporal). No automatic instrumentation is loaded: the
// spans are the ones Nudge and the Temporal interceptors make.
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface Tracing {
  /** Every finished span goes through it (the worker also feeds it the workflow spans). */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Exports what is still buffered; call before the process exits. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  serviceName: string;
  /** Tests pass an in-memory exporter (spans exported as they end); otherwise OTLP/HTTP, batched, configured by the OTEL_EXPORTER_OTLP_* variables. */
  exporter?: SpanExporter;
}

/** Starts the SDK and registers it globally (tracer provider, context manager, W3C propagator). */
export function startTracing(opts: TracingOptions): Tracing {
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.serviceName });
  const spanProcessor = opts.exporter
    ? new SimpleSpanProcessor(opts.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter());
  // Traces only: metrics are served to Prometheus (observability/metrics.ts), logs go to stdout.
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    spanProcessors: [spanProcessor],
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  return { spanProcessor, resource, shutdown: () => sdk.shutdown() };
}

/** pino `mixin`: every log line written inside a traced request (or activity) names its trace and span. */
export function traceLogFields(): Record<string, string> {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && isSpanContextValid(ctx) ? { traceId: ctx.traceId, spanId: ctx.spanId } : {};
}
