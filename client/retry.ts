// The typed client's transport: an Idempotency-Key on every change-making call and safe retries.
// A change-making call keeps one key across its attempts, so when an answer is lost after the server acted,
// the retry is answered with the first result (Idempotent-Replayed) instead of making the change twice.
// Retried: network errors, 503 and 429 (after Retry-After when the server sends one), and a 409
// idempotency-key-in-use: an earlier attempt under the same key is still running on the server, which asks to
// retry shortly; handing it back would leave the caller only a new call under a new key, a second change.
// Never another 4xx: the request itself is wrong and would fail the same way again.

export interface RetryOptions {
  /** Attempts in all, the first included (default 4). */
  attempts?: number;
  /** First backoff delay; doubled on each attempt, with jitter (default 250 ms). */
  baseDelayMs?: number;
  /** The longest wait between attempts. A Retry-After asking for longer is not waited out: that answer is
   * returned to the caller, who knows whether the call is worth a long wait (default 30 s). */
  maxDelayMs?: number;
}

type Fetch = (input: Request) => Promise<Response>;

const CHANGE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const RETRYABLE_STATUS = new Set([429, 503]);

export function retryingFetch(transport: Fetch, options: RetryOptions = {}): Fetch {
  const attempts = Math.max(1, options.attempts ?? 4);
  const baseDelayMs = options.baseDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 30_000;

  return async (original) => {
    // One key per logical call, unless the caller chose one (e.g. to survive its own restart).
    if (CHANGE_METHODS.has(original.method) && !original.headers.has('idempotency-key'))
      original.headers.set('Idempotency-Key', globalThis.crypto.randomUUID());
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= attempts;
      const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
      let response: Response;
      try {
        // A fresh copy each time: a body can be read once.
        response = await transport(original.clone());
      } catch (err) {
        if (last || isAbort(err) || original.signal.aborted) throw err;
        await sleep(backoff, original.signal);
        continue;
      }
      if (last || !(RETRYABLE_STATUS.has(response.status) || (await keyInUse(response)))) return response;
      const asked = retryAfterMs(response.headers.get('retry-after'));
      if (asked !== undefined && asked > maxDelayMs) return response;
      await response.body?.cancel();
      await sleep(asked ?? backoff, original.signal);
    }
  };
}

/** A 409 whose problem type is idempotency-key-in-use (api/idempotency.ts); read from a copy, so the body
 * is still there when the answer goes back to the caller. */
async function keyInUse(response: Response): Promise<boolean> {
  if (response.status !== 409) return false;
  try {
    const problem = (await response.clone().json()) as { type?: unknown };
    return typeof problem?.type === 'string' && problem.type.endsWith('/idempotency-key-in-use');
  } catch {
    return false;
  }
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const isAbort = (err: unknown) => err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
