// Who gets into /v1 (api/auth.ts), over a fake database that answers the key and acting-user reads: a key's
// rate limit counts before the acting user is looked at, remembered lookups expire 5 s after their read
// began (not after it answered), and made-up keys or acting users never push out the ones that exist.
import type { Request, RequestHandler, Response } from 'express';
import { authenticate } from '../../api/auth';
import { rateLimit } from '../../api/rate-limit';
import { hashApiKey } from '../../domain/firms/api-keys';
import type { Db } from '../../prisma/client';

const KEY = 'nk_test_key';
const FIRM = '11111111-1111-4111-8111-111111111111';
const OWNER = '22222222-2222-4222-8222-222222222222';
const uuid = (n: number) => `33333333-3333-4333-8333-${String(n).padStart(12, '0')}`;

/** The key and its owner, as the database holds them; a read sees them as they are when it is sent. */
function fakeDb() {
  const state = { revoked: false, gate: undefined as Promise<void> | undefined, reads: [] as unknown[][] };
  const db = {
    async $queryRawUnsafe(text: string, ...values: unknown[]) {
      if (!/^\s*SELECT/i.test(text)) return []; // the key's "last used"
      state.reads.push(values);
      const user = values.includes(OWNER)
        ? { id: OWNER, role: 'owner', canViewAllAccounts: true }
        : { id: null, role: null, canViewAllAccounts: null };
      const key = { firmId: FIRM, revokedAt: state.revoked ? new Date(0) : null };
      let rows: object[];
      if (text.includes('"ApiKey"')) rows = values.includes(hashApiKey(KEY)) ? [{ ...key, ...user }] : [];
      else rows = user.id ? [user] : [];
      await state.gate;
      return rows;
    },
  };
  return { db: db as unknown as Db, state };
}

/** One request through the middleware: what it passes to next (undefined: let in). */
function send(mw: RequestHandler, actor: string, key = KEY): Promise<unknown> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, 'x-acting-user': actor };
  const req = { get: (name: string) => headers[name.toLowerCase()] } as unknown as Request;
  const res = { set: () => res } as unknown as Response;
  return new Promise((resolve) => void mw(req, res, resolve));
}

const statusOf = (outcome: unknown) => (outcome as { status?: number } | undefined)?.status ?? 'in';

afterEach(() => jest.restoreAllMocks());

test('a valid key with a made-up acting user per request counts against its burst: 429 after it, no lookup', async () => {
  const { db, state } = fakeDb();
  const mw = authenticate(db, rateLimit({ burst: 2, perSecond: 0.001 }));
  const outcomes: unknown[] = [];
  for (let i = 0; i < 20; i++) outcomes.push(statusOf(await send(mw, uuid(i))));
  expect(outcomes).toEqual([403, 403, ...Array(18).fill(429)]);
  const lookedUp = state.reads.filter((values) => values.some((v) => String(v).startsWith('33333333'))).length;
  expect(lookedUp).toBe(2); // the refused requests cost no acting-user lookup
  expect(statusOf(await send(mw, OWNER))).toBe(429); // the bucket is the key's, whoever acts
});

test('a revoke is seen 5 s after the read that missed it began, even when that read answered late', async () => {
  const { db, state } = fakeDb();
  const mw = authenticate(db);
  const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
  let answer!: () => void;
  state.gate = new Promise<void>((r) => (answer = r));
  const first = send(mw, OWNER); // reads the key while it still works
  await new Promise((r) => setImmediate(r));
  state.revoked = true; // revoked while that read is on its way back
  now.mockReturnValue(1_004_000); // it answers 4 s after it began
  answer();
  expect(statusOf(await first)).toBe('in');
  state.gate = undefined;
  now.mockReturnValue(1_004_900);
  expect(statusOf(await send(mw, OWNER))).toBe('in'); // within 5 s of the read: still remembered
  now.mockReturnValue(1_005_100); // 5.1 s after the read began, 1.1 s after it answered
  expect(statusOf(await send(mw, OWNER))).toBe(401);
});

test('made-up keys and acting users never push out the remembered ones that exist', async () => {
  const { db, state } = fakeDb();
  const mw = authenticate(db);
  jest.spyOn(Date, 'now').mockReturnValue(2_000_000); // nothing expires meanwhile
  expect(statusOf(await send(mw, OWNER))).toBe('in');
  const readsOfOwner = () => state.reads.filter((values) => values.includes(OWNER)).length;
  const before = { all: state.reads.length, owner: readsOfOwner() };
  for (let i = 0; i < 10_001; i++) expect(statusOf(await send(mw, uuid(i)))).toBe(403);
  for (let i = 0; i < 10_001; i++) expect(statusOf(await send(mw, uuid(i), `nk_made_up_${i}`))).toBe(401);
  expect(state.reads.length - before.all).toBeGreaterThanOrEqual(20_002); // each made-up value was read once
  expect(statusOf(await send(mw, OWNER))).toBe('in');
  expect(readsOfOwner()).toBe(before.owner); // the real key and user were still remembered
});
