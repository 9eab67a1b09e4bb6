// The one place errors become HTTP responses: problem+json with a stable type, a human title/detail and
// the offending fields; unexpected errors are logged with the request id and shown without a stack.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors';
import { Problem, STATUS_OF_KIND, DEFAULT_RETRY_AFTER_SECONDS } from './problem';
import { unavailableDependency } from './dependency-errors';
import { isDeadlock, isForeignKeyViolation, isRecordGone } from '../prisma/errors';

const TYPE_BASE = 'https://nudge.dev/problems/';

export function problemBody(p: Problem, instance?: string) {
  return {
    type: TYPE_BASE + p.slug,
    title: p.title,
    status: p.status,
    ...(p.detail ? { detail: p.detail } : {}),
    ...(p.errors ? { errors: p.errors } : {}),
    ...(instance ? { instance } : {}),
  };
}

/** A domain error as the HTTP problem of its kind. */
export const fromDomain = (err: DomainError): Problem =>
  new Problem(STATUS_OF_KIND[err.kind], err.slug, err.title, err.detail, err.errors);

export function fromZod(err: ZodError, where: 'body' | 'query' | 'params' | 'headers'): Problem {
  const errors = err.issues.map((i) => ({ field: [where, ...i.path.map(String)].join('.'), message: i.message }));
  return new Problem(
    where === 'params' ? 404 : 422,
    where === 'params' ? 'not-found' : 'validation-error',
    where === 'params' ? 'Resource not found' : 'The request is not valid',
    errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    errors,
  );
}

export const notFoundRoute: RequestHandler = (req, _res, next) => {
  next(
    new Problem(
      404,
      'no-such-route',
      'No such route',
      `${req.method} ${req.path} is not part of this API; see /openapi.json.`,
    ),
  );
};

/** What body-parser reports for a body it cannot read. */
type ParserError = { type?: unknown; message?: unknown; status?: unknown; expose?: unknown };
const parserError = (err: unknown): ParserError | undefined =>
  typeof err === 'object' && err !== null ? (err as ParserError) : undefined;

/** Another client error of the body's reading (a compressed body that does not inflate, an aborted upload). */
const bodyReadStatus = (e: ParserError | undefined): number | undefined =>
  typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true ? e.status : undefined;

/**
 * A change that met another one committing at the same moment: its checks passed, and then a row it refers to or
 * changes was deleted, or PostgreSQL ended it to break a deadlock. Nothing of it was written; the client may retry.
 */
function concurrentChange(err: unknown): Problem | undefined {
  if (isRecordGone(err))
    return new Problem(404, 'not-found', 'Resource not found', 'It was deleted while this request ran.');
  if (isForeignKeyViolation(err))
    return new Problem(
      409,
      'concurrent-change',
      'Changed meanwhile',
      'A record this change refers to was deleted while it ran; nothing was written. Read it again before retrying.',
    );
  if (isDeadlock(err))
    return new Problem(
      409,
      'concurrent-change',
      'Changed meanwhile',
      'Another change to the same records ran at the same moment; nothing was written. Retry the request.',
    );
  return undefined;
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const parser = parserError(err);
    const down = err instanceof Problem || err instanceof DomainError ? undefined : unavailableDependency(err);
    let problem: Problem;
    if (err instanceof Problem) problem = err;
    else if (err instanceof DomainError) problem = fromDomain(err);
    else if (err instanceof ZodError) problem = fromZod(err, 'body');
    else if (parser?.type === 'entity.parse.failed')
      problem = new Problem(400, 'malformed-json', 'The body is not valid JSON', String(parser.message));
    else if (parser?.type === 'entity.too.large') problem = new Problem(413, 'body-too-large', 'The body is too large');
    else if (parser?.type === 'charset.unsupported' || parser?.type === 'encoding.unsupported')
      problem = new Problem(415, 'unsupported-encoding', 'Unsupported body encoding');
    else if (err instanceof URIError && parser?.status === 400)
      // Express's router could not decode a %-escape of the path (`/v1/contacts/%ZZ`): the client's mistake.
      problem = new Problem(
        400,
        'malformed-path',
        'The path is not valid',
        'A %-escape in the path does not decode; percent-encode the path as UTF-8.',
      );
    else if (bodyReadStatus(parser))
      problem = new Problem(
        bodyReadStatus(parser)!,
        'malformed-body',
        'The body could not be read',
        String(parser!.message),
      );
    else if (concurrentChange(err)) {
      // Warned with its stack: a record not found can also be a wrong id from a bug, not only a race.
      log.warn({ err, requestId: req.id }, 'change met a concurrent one');
      problem = concurrentChange(err)!;
    } else if (down) {
      // PostgreSQL or Temporal not answering, the pool exhausted, a timeout: honest 503, retry later.
      log.warn({ err, requestId: req.id, dependency: down.dependency, reason: down.reason }, 'dependency unavailable');
      problem = new Problem(
        503,
        'service-unavailable',
        'Service temporarily unavailable',
        `A service this API depends on (the ${down.dependency}) is not answering; retry in ${DEFAULT_RETRY_AFTER_SECONDS} s.`,
        undefined,
        DEFAULT_RETRY_AFTER_SECONDS,
      );
    } else {
      log.error({ err, requestId: req.id }, 'unhandled error');
      problem = new Problem(
        500,
        'internal-error',
        'Internal error',
        `Something went wrong; quote request id ${req.id} to support.`,
      );
    }
    // A streamed answer (the CSV report) that fails halfway cannot change its status: cut it off, so the
    // client sees a broken download rather than a complete-looking one. An answer already complete (the
    // request deadline's 503) is left alone.
    if (res.headersSent) return void (res.writableEnded || res.destroy(err instanceof Error ? err : undefined));
    if (problem.status === 503)
      res.set('Retry-After', String(problem.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS));
    res.status(problem.status).type('application/problem+json').json(problemBody(problem, req.originalUrl));
  };
}
