// The route pattern that answered a request (`/v1/accounts/:accountId`), for metric labels and span names:
// never the raw path, whose ids would make every request its own series. Express sets `req.route` when a
// route matches, while `req.baseUrl` is still the mount path of its router; by the time the answer is sent a
// mounted router may have reset `baseUrl` (an error passed on), so the pattern is taken at the match.
import type { Request } from 'express';

const patterns = new WeakMap<Request, { pattern?: string }>();

/** Starts noting the pattern of the route that matches `req` (idempotent). */
export function watchRoutePattern(req: Request): void {
  if (patterns.has(req)) return;
  const seen: { pattern?: string } = {};
  patterns.set(req, seen);
  let route: unknown = req.route;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: { path?: unknown } | undefined) {
      route = value;
      if (typeof value?.path === 'string') seen.pattern = req.baseUrl + value.path;
    },
  });
}

/** The pattern of the last route that matched, if any did. */
export const routePatternOf = (req: Request): string | undefined => patterns.get(req)?.pattern;
