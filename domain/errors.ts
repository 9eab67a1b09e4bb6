// Domain errors: what went wrong, in the domain's own words. Services throw these and know nothing of
// HTTP; api/problem.ts gives each kind its status and api/error-handler.ts renders them as problem+json.

/** What kind of failure, independent of any transport. */
export type ErrorKind =
  | 'bad-request'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'gone'
  | 'invalid'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'unavailable';

export interface FieldError {
  /** JSON pointer-ish path of the offending field, e.g. "body.reminders.count". */
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    /** Stable, documented slug; the full type URI is `https://nudge.dev/problems/<slug>`. */
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
  ) {
    super(detail ?? title);
  }
}

export const notFound = (what: string, id?: string) =>
  new DomainError(
    'not-found',
    'not-found',
    `${what} not found`,
    id ? `No ${what.toLowerCase()} with id ${id} in this firm.` : undefined,
  );

export const conflict = (slug: string, title: string, detail?: string) =>
  new DomainError('conflict', slug, title, detail);

/** One invalid field. */
export const invalid = (field: string, message: string) => invalidFields([{ field, message }]);

/** Several invalid fields at once, each named. */
export const invalidFields = (errors: FieldError[]) =>
  new DomainError(
    'invalid',
    'validation-error',
    'The request is not valid',
    errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    errors,
  );

/** The actor may not do this. */
export const forbidden = (detail: string, title = 'Not allowed') =>
  new DomainError('forbidden', 'forbidden', title, detail);

/** A service the operation depends on (Temporal, …) did not answer; retrying may help. */
export const unavailable = (slug: string, title: string, detail?: string) =>
  new DomainError('unavailable', slug, title, detail);
