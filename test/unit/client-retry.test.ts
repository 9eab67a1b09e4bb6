// The typed client's retrying transport (client/retry.ts) over a scripted transport: which answers are retried
// under the same Idempotency-Key and which go back to the caller at once.
import { retryingFetch, type RetryOptions } from '../../client/retry';

const problem = (status: number, slug: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ type: `https://nudge.dev/problems/${slug}`, title: slug, status }), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
const created = () => new Response('{"id":"a1"}', { status: 201, headers: { 'idempotent-replayed': 'true' } });

/** A retrying fetch over answers played in order; `keys` holds each attempt's Idempotency-Key. */
function scripted(answers: (() => Response)[], retry: RetryOptions = { baseDelayMs: 5 }) {
  const keys: (string | null)[] = [];
  const at: number[] = [];
  const fetch = retryingFetch(async (req) => {
    keys.push(req.headers.get('idempotency-key'));
    at.push(Date.now());
    const next = answers.shift();
    if (!next) throw new Error('no answer scripted');
    return next();
  }, retry);
  const post = () => fetch(new Request('http://api.test/v1/accounts', { method: 'POST', body: '{"name":"A"}' }));
  return { post, keys, at };
}

test('a 409 idempotency-key-in-use (the first attempt still running) is retried under the same key', async () => {
  const { post, keys } = scripted([() => problem(409, 'idempotency-key-in-use'), created]);
  const res = await post();
  expect(res.status).toBe(201);
  expect(res.headers.get('idempotent-replayed')).toBe('true');
  expect(keys).toHaveLength(2);
  expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
  expect(keys[1]).toBe(keys[0]);
});

test('its Retry-After is honoured; one beyond the cap, and the last attempt, are returned readable', async () => {
  const waited = scripted([() => problem(409, 'idempotency-key-in-use', { 'retry-after': '1' }), created]);
  expect((await waited.post()).status).toBe(201);
  expect(waited.at[1] - waited.at[0]).toBeGreaterThanOrEqual(950);

  const long = scripted([() => problem(409, 'idempotency-key-in-use', { 'retry-after': '120' })], {
    baseDelayMs: 5,
    maxDelayMs: 1000,
  });
  const refused = await long.post();
  expect(refused.status).toBe(409);
  expect(long.keys).toHaveLength(1);

  const busy = () => problem(409, 'idempotency-key-in-use');
  const exhausted = scripted([busy, busy, busy, busy]);
  const last = await exhausted.post();
  expect(exhausted.keys).toHaveLength(4);
  expect(new Set(exhausted.keys).size).toBe(1);
  expect(last.status).toBe(409);
  expect(((await last.json()) as { type: string }).type).toMatch(/idempotency-key-in-use$/);
});

test('other 409s and 4xx go back at once: a retry would meet the same answer', async () => {
  for (const slug of ['idempotency-key-committed', 'secret-shown-once', 'conflict']) {
    const { post, keys } = scripted([() => problem(409, slug), created]);
    const res = await post();
    expect(res.status).toBe(409);
    expect(((await res.json()) as { type: string }).type).toMatch(new RegExp(`/${slug}$`));
    expect(keys).toHaveLength(1);
  }
  const notJson = scripted([() => new Response('busy', { status: 409 }), created]);
  expect((await notJson.post()).status).toBe(409);
  const reused = scripted([() => problem(422, 'idempotency-key-reused'), created]);
  expect((await reused.post()).status).toBe(422);
  expect(reused.keys).toHaveLength(1);
});
