// The CLI's door to Nudge's HTTP API: base URL, API key and acting user from flags or the environment, JSON
// in and out, problem+json answers turned into readable errors.
import { retryAfterMs } from '../client/retry';

export interface ApiOptions {
  url: string;
  apiKey?: string;
  as?: string;
}

/** An error for the operator: printed as is, no stack; `exitCode` 2 for usage, 1 otherwise. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A failed call: the API's error answer (its status, and its Retry-After if any), or none at all (no status). */
export class ApiError extends CliError {
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface ApiClient {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  /** Like `get`, but a 404 answers undefined (to probe which kind an item is). */
  find<T>(path: string): Promise<T | undefined>;
}

export function apiClient(opts: ApiOptions): ApiClient {
  if (!opts.apiKey) throw new CliError('an API key is needed: --api-key or NUDGE_API_KEY', 2);
  if (!opts.as) throw new CliError('the acting firm user is needed: --as or NUDGE_ACTING_USER', 2);
  const headers = { authorization: `Bearer ${opts.apiKey}`, 'x-acting-user': opts.as };

  async function call<T>(method: string, path: string, body?: unknown, allow404 = false): Promise<T | undefined> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(apiUrl(opts.url, path), {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      // In here: a connection lost while the answer arrives is no answer either.
      text = await res.text();
    } catch (err) {
      const why = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw new ApiError(`cannot reach the Nudge API at ${opts.url} (${why}); set --url or NUDGE_API_URL`);
    }
    if (allow404 && res.status === 404) return undefined;
    const parsed = text ? safeJson(text) : undefined;
    if (!res.ok) {
      const retryAfter = retryAfterMs(res.headers.get('retry-after'));
      throw new ApiError(problemMessage(res.status, parsed ?? text), res.status, retryAfter);
    }
    return parsed as T;
  }

  return {
    get: async (path) => (await call('GET', path))!,
    post: async (path, body) => (await call('POST', path, body ?? {}))!,
    find: (path) => call('GET', path, undefined, true),
  };
}

/** `path` under the base URL's path (`http://gw/nudge` + `/v1/…`): `new URL(path, base)` would drop the
 * base's path for an absolute one, and its last segment for a relative one unless it ends in a slash. */
export function apiUrl(base: string, path: string): URL {
  const dir = new URL(base);
  if (!dir.pathname.endsWith('/')) dir.pathname += '/';
  return new URL(`./${path.replace(/^\/+/, '')}`, dir);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `409 The firm’s last API key: Create another key before revoking this one.` plus each field error. */
function problemMessage(status: number, body: unknown): string {
  if (!body || typeof body !== 'object') return `${status}: ${String(body ?? '').slice(0, 200) || 'no answer body'}`;
  const p = body as { title?: string; detail?: string; errors?: { field?: string; message?: string }[] };
  const lines = [`${status} ${p.title ?? 'error'}${p.detail ? `: ${p.detail}` : ''}`];
  for (const e of p.errors ?? []) lines.push(`  ${e.field ?? '(body)'}: ${e.message ?? ''}`);
  return lines.join('\n');
}
