// Domain errors that the API turns into application/problem+json (RFC 9457). Services throw these and
// know nothing else of HTTP; api/error-handler.ts is the one place that renders them.

export interface ProblemField {
  /** JSON pointer-ish path of the offending field, e.g. "body.reminders.count". */
  field: string;
  message: string;
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    /** Stable, documented slug; the full type URI is `https://nudge.dev/problems/<slug>`. */
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: ProblemField[],
  ) {
    super(detail ?? title);
  }
}

export const notFound = (what: string, id?: string) =>
  new Problem(404, 'not-found', `${what} not found`, id ? `No ${what.toLowerCase()} with id ${id} in this firm.` : undefined);

export const conflict = (slug: string, title: string, detail?: string) => new Problem(409, slug, title, detail);

export const invalid = (field: string, message: string) =>
  new Problem(422, 'validation-error', 'The request is not valid', `${field}: ${message}`, [{ field, message }]);
