// The typed client (client/) against the real API: credentials and Idempotency-Key on the wire, a lost answer
// retried into exactly one row, a 422 returned as a typed problem at once, 503/429 retried after Retry-After, a
// retry that finds the first attempt still running (409 idempotency-key-in-use) retried into that attempt's answer.
// Faults are made by the transport the client is given: it counts the attempts, drops an answer after the
// server handled the request, or answers 503/429 itself without reaching the server.
import { randomUUID } from 'node:crypto';
import { createNudgeClient, type Body, type NudgeClientOptions, type NudgeProblem } from '../client';
import { eventually, useStackWithFirm, type FirmHandle, type Stack } from './support/stack';

const ctx = useStackWithFirm({ daySeconds: 1 });
let stack: Stack;
let firm: FirmHandle;
beforeAll(() => ({ stack, firm } = ctx));

type Fault = 'lose-answer' | { status: 429 | 503; retryAfter?: string };
interface Attempt {
  method: string;
  path: string;
  key: string | null;
  auth: string | null;
  actor: string | null;
}

/** A client over a transport that records each attempt and plays the queued faults, one per attempt. */
function clientWithFaults(extra: Partial<NudgeClientOptions> = {}) {
  const attempts: Attempt[] = [];
  const faults: Fault[] = [];
  const transport = async (req: Request): Promise<Response> => {
    const h = req.headers;
    attempts.push({
      method: req.method,
      path: new URL(req.url).pathname,
      key: h.get('idempotency-key'),
      auth: h.get('authorization'),
      actor: h.get('x-acting-user'),
    });
    const fault = faults.shift();
    if (fault && fault !== 'lose-answer') {
      const problem = { type: 'https://nudge.dev/problems/unavailable', title: 'Try later', status: fault.status };
      return new Response(JSON.stringify(problem), {
        status: fault.status,
        headers: {
          'content-type': 'application/problem+json',
          ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}),
        },
      });
    }
    const res = await fetch(req);
    if (fault === 'lose-answer') {
      // The server has handled the request (its answer arrived); the caller never sees it.
      await res.body?.cancel();
      throw new TypeError('fetch failed: connection reset (simulated)');
    }
    return res;
  };
  const nudge = createNudgeClient({
    baseUrl: stack.baseUrl,
    apiKey: firm.apiKey,
    actingUser: firm.ownerId,
    fetch: transport,
    retry: { baseDelayMs: 10 },
    ...extra,
  });
  return { nudge, attempts, faults };
}

/** Compiled, never run: the request types refuse what the API would refuse (`npx tsc --noEmit` checks it). */
export function typeChecks(nudge: ReturnType<typeof createNudgeClient>) {
  // @ts-expect-error an account's type is one of individual, company, other
  void nudge.createAccount({ body: { name: 'x', type: 'spaceship' } });
  // @ts-expect-error the path needs its accountId
  void nudge.GET('/v1/accounts/{accountId}', {});
  // @ts-expect-error no such operation
  void nudge.createSpaceship({});
}

/** Most routes declare no response schema yet: their `data` is typed `unknown` (scripts/generate-client.ts). */
const idOf = (data: unknown) => (data as { id: string }).id;
const accountsNamed = (name: string) => stack.db.account.count({ where: { firmId: firm.firmId, name } });

test('creates an account, a contact and a chat thread with a message, then reads the reminder explainer', async () => {
  const { nudge, attempts } = clientWithFaults();
  const account = await nudge.POST('/v1/accounts', { body: { name: 'Typed & Co', type: 'company' } });
  expect(account.response.status).toBe(201);
  const accountId = idOf(account.data);

  const contact = await nudge.POST('/v1/contacts', {
    body: {
      firstName: 'Tina',
      lastName: 'Typed',
      emails: [{ address: `tina-${randomUUID().slice(0, 8)}@client.test` }],
      accounts: [{ accountId }],
    },
  });
  expect(contact.response.status).toBe(201);

  const thread = await nudge.POST('/v1/accounts/{accountId}/chat-threads', {
    params: { path: { accountId } },
    body: {
      subject: 'Receipts',
      message: { body: 'Please upload your receipts' },
      reminders: { enabled: true, intervalDays: 3, count: 1 },
    },
  });
  expect(thread.response.status).toBe(201);
  const threadId = idOf(thread.data);
  const message = await nudge.POST('/v1/chat-threads/{threadId}/messages', {
    params: { path: { threadId } },
    body: { author: 'firm', body: 'And the bank statements, please' },
  });
  expect(message.response.status).toBe(201);

  const explainer = await nudge.GET('/v1/{kind}/{itemId}/reminders', {
    params: { path: { kind: 'chat-threads', itemId: threadId } },
  });
  expect(explainer.response.status).toBe(200);
  expect(explainer.data).toMatchObject({ item: { id: threadId, kind: 'chat' }, settings: { enabled: true, count: 1 } });

  // The same call by its operationId.
  const byId = await nudge.listItemReminders({ params: { path: { kind: 'chat-threads', itemId: threadId } } });
  expect(byId.data).toMatchObject({ item: { id: threadId, kind: 'chat' } }); // the workflow part moves on
  attempts.pop();

  // On the wire: the firm's credentials on every call, a fresh key on each change, none on a read.
  expect(attempts.map((a) => a.method)).toEqual(['POST', 'POST', 'POST', 'POST', 'GET']);
  for (const a of attempts) expect(a).toMatchObject({ auth: `Bearer ${firm.apiKey}`, actor: firm.ownerId });
  const keys = attempts.filter((a) => a.method === 'POST').map((a) => a.key);
  expect(keys.every((k) => k && /^[0-9a-f-]{36}$/.test(k))).toBe(true);
  expect(new Set(keys).size).toBe(4);
  expect(attempts[4].key).toBeNull();
  expect(await stack.db.chatMessage.count({ where: { threadId } })).toBe(2);
});

test('a POST whose answer is lost is retried with the same Idempotency-Key and creates one row', async () => {
  const { nudge, attempts, faults } = clientWithFaults();
  const name = `Lost answer ${randomUUID().slice(0, 8)}`;
  faults.push('lose-answer');
  const body: Body<'createAccount'> = { name, type: 'individual' };
  const created = await nudge.POST('/v1/accounts', { body });
  expect(created.response.status).toBe(201);
  expect(created.response.headers.get('idempotent-replayed')).toBe('true');
  expect(attempts).toHaveLength(2);
  expect(attempts[0].key).toBeTruthy();
  expect(attempts[1].key).toBe(attempts[0].key);
  expect(await accountsNamed(name)).toBe(1);
  expect(idOf(created.data)).toBe((await stack.db.account.findFirstOrThrow({ where: { name } })).id);

  // A second logical call is a second change, under a new key.
  const again = await nudge.POST('/v1/accounts', { body });
  expect(again.response.status).toBe(201);
  expect(attempts[2].key).not.toBe(attempts[0].key);
  expect(await accountsNamed(name)).toBe(2);

  // A key the caller chose (kept across its own restarts) is sent as is: the same call again is a replay.
  const key = randomUUID();
  const params = { header: { 'Idempotency-Key': key } };
  const mine = await nudge.createAccount({ params, body });
  const replay = await nudge.createAccount({ params, body });
  expect([mine.response.status, replay.response.status]).toEqual([201, 201]);
  expect(replay.response.headers.get('idempotent-replayed')).toBe('true');
  expect(attempts.slice(3).map((a) => a.key)).toEqual([key, key]);
  expect(await accountsNamed(name)).toBe(3);
});

test('a 422 comes back as a typed problem, without a retry and with nothing written', async () => {
  const { nudge, attempts } = clientWithFaults();
  const name = `Invalid ${randomUUID().slice(0, 8)}`;
  const bad = await nudge.POST('/v1/accounts', { body: { name, type: 'spaceship' } as never });
  expect(bad.data).toBeUndefined();
  const problem: NudgeProblem | undefined = bad.error;
  expect(problem).toMatchObject({ status: 422, type: 'https://nudge.dev/problems/validation-error' });
  expect(problem?.errors?.map((e) => e.field)).toContain('body.type');
  expect(attempts).toHaveLength(1);
  expect(await accountsNamed(name)).toBe(0);
});

test('a 503 with Retry-After is waited out and retried; a GET after a network error too', async () => {
  const { nudge, attempts, faults } = clientWithFaults();
  const { data } = await nudge.POST('/v1/accounts', { body: { name: 'Retry target', type: 'other' } });
  const accountId = idOf(data);
  attempts.length = 0;

  faults.push({ status: 503, retryAfter: '1' });
  const started = Date.now();
  const read = await nudge.GET('/v1/accounts/{accountId}', { params: { path: { accountId } } });
  expect(read.response.status).toBe(200);
  expect(read.data).toMatchObject({ id: accountId, name: 'Retry target' });
  expect(attempts).toHaveLength(2);
  expect(Date.now() - started).toBeGreaterThanOrEqual(950); // Retry-After: 1 was honoured

  faults.push('lose-answer');
  const reread = await nudge.GET('/v1/accounts/{accountId}', { params: { path: { accountId } } });
  expect(reread.response.status).toBe(200);
  expect(attempts).toHaveLength(4);
});

test('429 then a lost answer: one change under one key; a Retry-After beyond the cap and exhausted attempts are returned', async () => {
  const { nudge, attempts, faults } = clientWithFaults({ retry: { baseDelayMs: 10, maxDelayMs: 2000, attempts: 3 } });
  const name = `Tag ${randomUUID().slice(0, 8)}`;
  // Retry-After as an HTTP date (RFC 9110), at most a second away.
  faults.push({ status: 429, retryAfter: new Date(Date.now() + 1000).toUTCString() }, 'lose-answer');
  const tag = await nudge.POST('/v1/tags', { body: { name } });
  expect(tag.response.status).toBe(201);
  expect(attempts).toHaveLength(3);
  expect(new Set(attempts.map((a) => a.key)).size).toBe(1);
  expect(await stack.db.tag.count({ where: { firmId: firm.firmId, name } })).toBe(1);

  // Retry-After longer than the client's cap: the answer goes back to the caller rather than a long wait.
  attempts.length = 0;
  faults.push({ status: 503, retryAfter: '120' });
  const busy = await nudge.GET('/v1/accounts', {});
  expect(busy.response.status).toBe(503);
  expect(busy.response.headers.get('retry-after')).toBe('120');
  expect(attempts).toHaveLength(1);

  // Still unavailable after every attempt: the last answer is returned as a typed problem.
  attempts.length = 0;
  faults.push({ status: 503 }, { status: 503 }, { status: 503 });
  const down = await nudge.GET('/v1/accounts', {});
  expect(down.error?.status).toBe(503);
  expect(attempts).toHaveLength(3);
});

test('a retry that finds the first attempt still running (409 in use) waits for its answer: one change', async () => {
  const name = `Still running ${randomUUID().slice(0, 8)}`;
  // Hold the account table: the first attempt claims its key, then waits on the lock to insert.
  let unlock!: () => void;
  const unlocked = new Promise<void>((r) => (unlock = r));
  let holding!: () => void;
  const held = new Promise<void>((r) => (holding = r));
  const lock = stack.db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe('LOCK TABLE "Account" IN SHARE MODE');
      holding();
      await unlocked;
    },
    { timeout: 30_000 },
  );
  await held;
  let first: Promise<Response> | undefined;
  const answers: string[] = [];
  const transport = async (req: Request): Promise<Response> => {
    if (!first) {
      // Sent, and its connection lost while the server still runs it.
      first = fetch(req);
      const key = { firmId_key: { firmId: firm.firmId, key: req.headers.get('idempotency-key')! } };
      await eventually(() => stack.db.idempotencyRecord.findUnique({ where: key }), 10_000, 'the key claimed');
      throw new TypeError('fetch failed: connection reset (simulated)');
    }
    const res = await fetch(req);
    const type = res.status === 409 ? ((await res.clone().json()) as { type: string }).type : '';
    answers.push(`${res.status}${type.replace(/^.*\//, ' ')}`);
    if (res.status === 409) {
      // The first attempt may now finish; its answer is stored before it is sent.
      unlock();
      await (await first).body?.cancel();
    }
    return res;
  };
  try {
    const nudge = createNudgeClient({
      baseUrl: stack.baseUrl,
      apiKey: firm.apiKey,
      actingUser: firm.ownerId,
      fetch: transport,
      retry: { baseDelayMs: 10 },
    });
    const created = await nudge.POST('/v1/accounts', { body: { name, type: 'company' } });
    expect(answers).toEqual(['409 idempotency-key-in-use', '201']);
    expect(created.error).toBeUndefined();
    expect(created.response.status).toBe(201);
    expect(created.response.headers.get('idempotent-replayed')).toBe('true');
    expect(idOf(created.data)).toBe((await stack.db.account.findFirstOrThrow({ where: { name } })).id);
    expect(await accountsNamed(name)).toBe(1);
  } finally {
    unlock();
    await lock;
    await first?.catch(() => undefined);
  }
});
