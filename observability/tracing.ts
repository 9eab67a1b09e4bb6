// OpenTelemetry tracing of one process, with the OpenTelemetry Node SDK: started only when an OTLP endpoint
// is configured (or a test passes its own exporter), so tracing is off by default. The API's requests, the
// Temporal client calls, the workflows, their activities and the SMTP calls then share one trace each
// (observability/temporal-tracing.ts connects Temporal). No automatic instrumentation is loaded: the
// spans are the ones Nudge and the Temporal interceptors make. The SDK is loaded only when tracing starts:
// loading it costs a process about 40 MiB and 0.7 s (bench/README.md).
import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

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
export async function startTracing(opts: TracingOptions): Promise<Tracing> {
  const [exporterOtlp, resources, sdkNode, traceBase, conventions] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  const { BatchSpanProcessor, SimpleSpanProcessor } = traceBase;
  const resource = resources.resourceFromAttributes({ [conventions.ATTR_SERVICE_NAME]: opts.serviceName });
  const spanProcessor = opts.exporter
    ? new SimpleSpanProcessor(opts.exporter)
    : new BatchSpanProcessor(new exporterOtlp.OTLPTraceExporter());
  // Traces only: metrics are served to Prometheus (observability/metrics.ts), logs go to stdout.
  const sdk = new sdkNode.NodeSDK({
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
