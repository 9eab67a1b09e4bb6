// The API's metrics: every request's duration by route pattern and status, and GET /metrics serving this
// process's registry in the Prometheus text format (observability/metrics.ts).
import type { RequestHandler } from 'express';
import { httpRequestDuration, registry } from '../observability/metrics';

/** Times each request until its answer is sent; the label is the matched route pattern, never the raw path. */
export const httpMetrics: RequestHandler = (req, res, next) => {
  const end = httpRequestDuration.startTimer();
  res.once('finish', () => {
    // Express sets req.route to the route that answered; requests no route answered (unknown paths,
    // refusals before routing such as 401, 429 or 503) share one label each.
    const route = typeof req.route?.path === 'string' ? req.baseUrl + req.route.path : 'unrouted';
    end({ method: req.method, route, status: String(res.statusCode) });
  });
  next();
};

export const metricsEndpoint: RequestHandler = async (_req, res) => {
  res.type(registry.contentType).send(await registry.metrics());
};
