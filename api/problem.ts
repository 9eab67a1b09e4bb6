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
    /** For a 503: when to try again, sent as the Retry-After header (seconds). */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail ?? title);
  }
}

/** Retry-After of a 503 that names none: a dependency that is down, or a domain "unavailable" error. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;
