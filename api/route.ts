// Declares a route once: its zod schemas validate the request and the same schemas document it in
// the OpenAPI description, so the contract and the checks cannot drift apart. The handler receives the
// parsed parts typed from those schemas.
import type { NextFunction, Request, Response, Router } from 'express';
import { isUuid } from '../shared/ids';
import { z } from 'zod';
import { fromZod } from './error-handler';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The problem statuses the OpenAPI document describes (components.responses in api/openapi.ts). */
export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 | 503;

export interface RouteSpec<
  P extends z.ZodObject = z.ZodObject,
  Q extends z.ZodObject = z.ZodObject,
  B extends z.ZodType = z.ZodType,
> {
  method: Method;
  /** Express path, e.g. /v1/chat-threads/:threadId/messages. */
  path: string;
  summary: string;
  tag: string;
  /** The OpenAPI operationId (camelCase, unique); derived from method and path when absent (api/operation-ids.ts). */
  operationId?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Success status and schema of its body. */
  status?: number;
  response?: z.ZodType;
  /** Mutating routes accept Idempotency-Key. */
  idempotent?: boolean;
  /** The answer's field holding a secret shown once (api/idempotency.ts keeps the answer without it). */
  secretField?: string;
  /** Public routes need no API key. */
  public?: boolean;
  /** Problem statuses the route answers beyond those its declaration implies (a body it reads itself). */
  problems?: ProblemStatus[];
  /** Which side is text/csv rather than JSON: the answer (a download), or the request's body (read as a stream). */
  csv?: 'response' | 'request';
}

/** The parsed value of a part of the request, or undefined when the route declares no schema for it. */
type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/** The request parts validated by the route's schemas, as their parsed (output) types. */
export interface Valid<P = undefined, Q = undefined, B = undefined> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
}

/** The request a handler gets: Express's, plus the validated parts. */
export type ValidRequest<P = undefined, Q = undefined, B = undefined> = Request & { valid: Valid<P, Q, B> };

export type Handler<P = undefined, Q = undefined, B = undefined> = (
  req: ValidRequest<P, Q, B>,
  res: Response,
) => Promise<unknown>;

export const registeredRoutes: RouteSpec[] = [];

export function route<
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(router: Router, spec: RouteSpec & { params?: P; query?: Q; body?: B }, handler: Handler<P, Q, B>): void {
  if (!registeredRoutes.some((r) => r.method === spec.method && r.path === spec.path)) registeredRoutes.push(spec);
  router[spec.method](spec.path, async (req: Request, res: Response, next: NextFunction) => {
    try {
      const valid: Record<'params' | 'query' | 'body', unknown> = {
        params: undefined,
        query: undefined,
        body: undefined,
      };
      for (const part of ['params', 'query', 'body'] as const) {
        const schema: z.ZodType | undefined = spec[part];
        if (!schema) continue;
        const input: unknown = part === 'body' ? (req.body ?? {}) : req[part];
        const parsed = schema.safeParse(input);
        if (!parsed.success) throw fromZod(parsed.error, part);
        valid[part] = part === 'body' ? parsed.data : lowerCaseIds(parsed.data as Record<string, unknown>);
      }
      // Each part was parsed by the schema the types are inferred from.
      if (spec.secretField) res.locals.secretField = spec.secretField;
      const result = await handler(Object.assign(req, { valid: valid as Valid<P, Q, B> }), res);
      if (!res.headersSent) {
        if (result === undefined) res.status(spec.status ?? 204).send();
        else res.status(spec.status ?? 200).json(result);
      }
    } catch (err) {
      next(err);
    }
  });
}

/**
 * Ids in the path and the query in lower case, as PostgreSQL writes them: an id typed in upper case finds its row
 * either way, but also names workflows, keys and pauses, where it must be the stored one (a message posted to a
 * thread's id in upper case started a second reminder workflow for the thread). Bodies keep their text as given.
 */
function lowerCaseIds(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, typeof v === 'string' && isUuid(v) ? v.toLowerCase() : v]),
  );
}

export const uuid = () => z.uuid({ version: 'v4', message: 'must be a UUID' });
/** Path parameters: a malformed id is simply "not found" (404), like an id of another firm. */
export const idParams = <K extends string>(...names: K[]) =>
  z.object(Object.fromEntries(names.map((n) => [n, z.uuid()])) as Record<K, z.ZodUUID>);
