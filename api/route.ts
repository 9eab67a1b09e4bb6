// Declares a route once: its zod schemas validate the request and the same schemas document it in
// the OpenAPI description, so the contract and the checks cannot drift apart.
import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import { fromZod } from './error-handler';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteSpec {
  method: Method;
  /** Express path, e.g. /v1/chat-threads/:threadId/messages. */
  path: string;
  summary: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Success status and schema of its body. */
  status?: number;
  response?: z.ZodType;
  /** Mutating routes accept Idempotency-Key. */
  idempotent?: boolean;
  /** Public routes need no API key. */
  public?: boolean;
}

export const registeredRoutes: RouteSpec[] = [];

type Handler = (req: Request, res: Response) => Promise<unknown>;

export function route(router: Router, spec: RouteSpec, handler: Handler): void {
  if (!registeredRoutes.some((r) => r.method === spec.method && r.path === spec.path)) registeredRoutes.push(spec);
  router[spec.method](spec.path, async (req: Request, res: Response, next: NextFunction) => {
    try {
      req.valid = {};
      for (const part of ['params', 'query', 'body'] as const) {
        const schema = spec[part];
        if (!schema) continue;
        const input = part === 'body' ? (req.body ?? {}) : req[part];
        const parsed = schema.safeParse(input);
        if (!parsed.success) throw fromZod(parsed.error, part);
        req.valid[part] = parsed.data;
      }
      const result = await handler(req, res);
      if (!res.headersSent) {
        if (result === undefined) res.status(spec.status ?? 204).send();
        else res.status(spec.status ?? 200).json(result);
      }
    } catch (err) {
      next(err);
    }
  });
}

export const uuid = () => z.uuid({ version: 'v4', message: 'must be a UUID' });
/** Path parameters: a malformed id is simply "not found" (404), like an id of another firm. */
export const idParams = <K extends string>(...names: K[]) =>
  z.object(Object.fromEntries(names.map((n) => [n, z.uuid()])) as Record<K, z.ZodUUID>);
