// The HTTP side of errors: the status of each domain error kind, and the Problem the api layer throws
// for its own HTTP-only failures (authentication, malformed JSON, body size and type, unknown routes).
// api/error-handler.ts renders both as application/problem+json (RFC 9457).
import type { ErrorKind, FieldError } from '../domain/errors';

export const STATUS_OF_KIND: Record<ErrorKind, number> = {
  'bad-request': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  gone: 410,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  invalid: 422,
  unavailable: 503,
};

export class Problem extends Error {
  constructor(
    readonly status: number,
    /** Stable, documented slug; the full type URI is `https://nudge.dev/problems/<slug>`. */
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
  ) {
    super(detail ?? title);
  }
}
