// The API's metrics: every request's duration by route pattern and status, and GET /metrics serving this
// process's registry in the Prometheus text format (observability/metrics.ts).
import type { RequestHandler } from 'express';
import { httpRequestDuration, registry } from '../observability/metrics';
import { routePatternOf, watchRoutePattern } from './route-pattern';

/** Status label of a request whose client left before its answer ("client closed request", as nginx logs it). */
export const CLIENT_CLOSED_STATUS = 499;

/** Times each request until its answer is sent; the label is the matched route pattern, never the raw path. */
export const httpMetrics: RequestHandler = (req, res, next) => {
  const end = httpRequestDuration.startTimer();
  watchRoutePattern(req);
  let timed = false;
  const record = (status: number) => {
    if (timed) return;
    timed = true;
    // Requests no route answered (unknown paths, refusals before routing such as 401, 429 or 503) share one label.
    end({ method: req.method, route: routePatternOf(req) ?? 'unrouted', status: String(status) });
  };
  res.once('finish', () => record(res.statusCode));
  // A client that left before the answer (often one that gave up on a slow request) is counted too.
  res.once('close', () => record(res.writableFinished ? res.statusCode : CLIENT_CLOSED_STATUS));
  next();
};

export const metricsEndpoint: RequestHandler = async (_req, res) => {
  res.type(registry.contentType).send(await registry.metrics());
};
