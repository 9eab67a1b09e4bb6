// One span per API request (OpenTelemetry, no automatic instrumentation): the parent of what the request
// does, Temporal calls included, so the trace continues into the workflow and its activities. A no-op
// unless tracing was started (observability/tracing.ts).
import type { RequestHandler } from 'express';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { routePatternOf, watchRoutePattern } from './route-pattern';
import { CLIENT_CLOSED_STATUS } from './metrics';

const tracer = trace.getTracer('nudge-api');

export const requestTracing: RequestHandler = (req, res, next) => {
  const span = tracer.startSpan(`${req.method}`, {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': req.method },
  });
  const ctx = trace.setSpan(context.active(), span);
  watchRoutePattern(req);
  // Body parsing resumes the request from the socket's callbacks, outside this context: bind the request and
  // response emitters, so every later middleware, handler and 'finish' listener runs inside the span.
  context.bind(ctx, req);
  context.bind(ctx, res);
  let ended = false;
  const end = (status: number) => {
    if (ended) return;
    ended = true;
    // The route pattern, never the raw path (ids stay out of span names).
    const route = routePatternOf(req);
    span.updateName(route ? `${req.method} ${route}` : req.method);
    if (route) span.setAttribute('http.route', route);
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
  res.once('finish', () => end(res.statusCode));
  // A client that left before the answer: the span ends then, or it would never be exported.
  res.once('close', () => end(res.writableFinished ? res.statusCode : CLIENT_CLOSED_STATUS));
  context.with(ctx, next);
};
