// The /v1 JSON body, read the same way wherever a JSON route is mounted (api/app.ts, and the client-action
// routes mounted before it): a request that carries a body must declare it application/json (or
// application/*+json), or it is refused with 415 before anything is read or written; a body, when sent,
// must be a JSON object, as every /v1 request body is. Requests without a body (none, or Content-Length 0)
// pass untouched.
import express, { type Request, type RequestHandler } from 'express';
import { Problem } from './problem';

const JSON_TYPES = ['application/json', 'application/*+json'];

/** Whether the request carries body bytes: a chunked body, or a Content-Length above 0. */
const carriesBody = (req: Request) =>
  req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

const requireJsonType: RequestHandler = (req, _res, next) => {
  if (!carriesBody(req) || req.is(JSON_TYPES)) return next();
  req.resume(); // the body is not read: let it drain
  const sent = req.get('content-type');
  next(
    new Problem(
      415,
      'unsupported-media-type',
      'Send the body as application/json',
      `This API reads JSON bodies only; set Content-Type: application/json (the request said ${
        sent ? `"${sent}"` : 'no Content-Type'
      }).`,
    ),
  );
};

const kindOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`);

/** Valid JSON that is not an object (null, an array, a number, a string, a boolean) is bad input, not bad JSON. */
const requireObject: RequestHandler = (req, _res, next) => {
  const body: unknown = req.body;
  if (body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body))) return next();
  const message = `must be a JSON object, not ${kindOf(body)}`;
  next(
    new Problem(422, 'validation-error', 'The request is not valid', `body: ${message}`, [{ field: 'body', message }]),
  );
};

/** What PostgreSQL text cannot hold: a NUL character, or half of a UTF-16 pair (JSON's "\ud800" parses alone). */
function unstorable(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain a NUL character (\\u0000)';
  if (/\p{Cs}/u.test(text)) return 'must be valid Unicode: a lone surrogate (such as \\ud800) cannot be stored';
  return null;
}

/** The first place in a parsed value holding text that cannot be stored, as a dotted path, with why. */
function unstorableAt(value: unknown, path: string): { field: string; message: string } | null {
  if (typeof value === 'string') {
    const message = unstorable(value);
    return message ? { field: path, message } : null;
  }
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, v] of Object.entries(value)) {
    const message = unstorable(key);
    const at = message ? { field: `${path}.${key}`, message } : unstorableAt(v, `${path}.${key}`);
    if (at) return at;
  }
  return null;
}

/** Text PostgreSQL cannot store is refused here, naming the field, rather than failing as a 500. */
const refuseUnstorableText: RequestHandler = (req, _res, next) => {
  const at = unstorableAt(req.query, 'query') ?? unstorableAt(req.body, 'body');
  if (!at) return next();
  const { field, message } = at;
  next(new Problem(422, 'validation-error', 'The request is not valid', `${field}: ${message}`, [{ field, message }]));
};

/** The JSON body middleware of /v1: media type check, parse (any JSON value, then checked), object check. */
export const jsonBody = (): RequestHandler[] => [
  requireJsonType,
  express.json({ limit: '1mb', strict: false, type: () => true }),
  requireObject,
  refuseUnstorableText,
];
