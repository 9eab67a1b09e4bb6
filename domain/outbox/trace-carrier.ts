// The trace of a change travels with the Temporal calls it queues: the W3C context active when a row is
// written is stored with it, and made active again while the row is delivered, so a call the background
// relay makes minutes later still belongs to the request's trace. Without tracing both are no-ops.
import { ROOT_CONTEXT, context, propagation } from '@opentelemetry/api';

/** traceparent (and tracestate): ids only, no personal data. */
export type TraceCarrier = Record<string, string>;

/** The active trace context as W3C headers, or null when no trace is active (or tracing is off). */
export function currentTraceCarrier(): TraceCarrier | null {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return Object.keys(carrier).length ? carrier : null;
}

/** Runs `fn` inside the stored trace context; with none, inside no trace (not the caller's). */
export function withTraceCarrier<T>(carrier: TraceCarrier | null | undefined, fn: () => T): T {
  return context.with(carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT, fn);
}
