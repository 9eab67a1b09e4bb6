// Connects Temporal to the process's tracing (observability/tracing.ts) with
// @temporalio/interceptors-opentelemetry: the client interceptor puts the caller's trace context in the
// headers of start, signal and signal-with-start; in the worker, the workflow interceptors (bundled into the
// workflow code, where they run in the sandbox) continue it in the workflow and pass it to each activity,
// whose interceptor makes the activity's span the parent of what it does (the SMTP call among them).
// The interceptors package (and the OpenTelemetry SDK under it) is loaded only by a process that traces.
import path from 'node:path';
import type { ClientInterceptors, ClientOptions } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Tracing } from './tracing';

/** The workflow interceptors module; a prebuilt workflow bundle must include it (`workflowInterceptorModules`). */
export const WORKFLOW_INTERCEPTORS_MODULE = path.join(
  path.dirname(require.resolve('@temporalio/interceptors-opentelemetry')),
  'workflow-interceptors',
);

const interceptors = () => import('@temporalio/interceptors-opentelemetry');

/** Interceptors of a Temporal client whose calls carry the caller's trace. */
export async function tracingClientInterceptors(): Promise<ClientInterceptors> {
  const { OpenTelemetryWorkflowClientInterceptor } = await interceptors();
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

/**
 * What a process's Temporal client adds to its options: when the process traces, the interceptors, so its calls
 * (the outbox relay's among them, made inside the stored trace of the change) join the caller's trace.
 */
export async function tracedClientOptions(tracing: Tracing | undefined): Promise<Pick<ClientOptions, 'interceptors'>> {
  return tracing ? { interceptors: await tracingClientInterceptors() } : {};
}

/**
 * What a worker adds to its options for tracing: workflow and activity interceptors, the workflow span sink.
 * `prebuiltBundle`: the workflow interceptors are already in the bundle (WORKFLOW_INTERCEPTORS_MODULE).
 */
export async function tracingWorkerOptions(
  tracing: Tracing,
  prebuiltBundle = false,
): Promise<Pick<WorkerOptions, 'interceptors' | 'sinks'>> {
  const { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, makeWorkflowExporter } =
    await interceptors();
  return {
    interceptors: {
      ...(prebuiltBundle ? {} : { workflowModules: [WORKFLOW_INTERCEPTORS_MODULE] }),
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
      // The client activities use (bulk actions start reminder workflows) continues the activity's trace.
      client: await tracingClientInterceptors(),
    },
    sinks: { exporter: makeWorkflowExporter(workflowSpans(tracing), tracing.resource as never) },
  };
}

/**
 * The workflow spans leave the sandbox in the shape of the SDK's own OpenTelemetry version (1.x: a
 * `parentSpanId`, an `instrumentationLibrary`); the process's SDK (2.x) reads `parentSpanContext` and
 * `instrumentationScope`. This processor fills those in and hands each span on.
 */
function workflowSpans(tracing: Tracing): never {
  const target = tracing.spanProcessor;
  const processor: Pick<SpanProcessor, 'onStart' | 'onEnd' | 'forceFlush' | 'shutdown'> = {
    onStart: () => undefined,
    onEnd(span) {
      const legacy = span as ReadableSpan & { parentSpanId?: string; instrumentationLibrary?: { name: string } };
      const context = span.spanContext();
      target.onEnd({
        ...legacy,
        spanContext: () => context,
        parentSpanContext:
          span.parentSpanContext ??
          (legacy.parentSpanId ? { traceId: context.traceId, spanId: legacy.parentSpanId, traceFlags: 1 } : undefined),
        instrumentationScope: span.instrumentationScope ?? legacy.instrumentationLibrary ?? { name: 'temporal' },
        resource: tracing.resource,
      });
    },
    forceFlush: () => target.forceFlush(),
    shutdown: () => Promise.resolve(),
  };
  // makeWorkflowExporter is typed against the SDK's own OpenTelemetry version; this processor speaks both.
  return processor as never;
}
