// What a slow dependency or an impatient client does, for tests: a test transaction holding a lock (so
// concurrent requests reach the same point before any commits, or wait on a stalled table), and a client
// that gives up on its request and closes its connection.
import http from 'node:http';
import type { Db, Tx } from '../../prisma/client';
import type { FirmHandle } from './stack';

/** Opens a transaction that runs `hold`, then keeps it open until the returned function commits it. */
export async function holdInTransaction(db: Db, hold: (tx: Tx) => Promise<unknown>): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let holding!: () => void;
  const held = new Promise<void>((r) => (holding = r));
  const transaction = db.$transaction(
    async (tx) => {
      await hold(tx);
      holding();
      await released;
    },
    { timeout: 20_000 },
  );
  await held;
  return async () => {
    release();
    await transaction;
  };
}

/** Until at least `n` statements of this database wait for a lock (one a test transaction holds, or one of
 * theirs): a request under test has reached the point where it waits, however slow the machine. */
export async function untilWaitingForLocks(db: Db, n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ waiting }] = await db.$queryRaw<{ waiting: number }[]>`SELECT count(*)::int AS waiting
      FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
    if (waiting >= n) return;
    if (Date.now() > deadline) throw new Error(`${waiting} statements wait for a lock, not ${n}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Until a statement of this database whose text matches `pattern` (ILIKE) waits for a lock: the change under test,
 * not some other statement (a worker's) that happens to wait at that moment. */
export async function untilStatementWaits(db: Db, pattern: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ waiting }] = await db.$queryRaw<{ waiting: number }[]>`SELECT count(*)::int AS waiting
      FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE ${pattern}`;
    if (waiting > 0) return;
    if (Date.now() > deadline) throw new Error(`no statement like ${pattern} waits for a lock`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs `fn` while a test transaction holds what `hold` wrote or locked, for `holdMs`; then commits it. */
export async function whileHeld<T>(
  db: Db,
  hold: (tx: Tx) => Promise<unknown>,
  fn: () => Promise<T>,
  holdMs = 500,
): Promise<T> {
  const release = await holdInTransaction(db, hold);
  const result = fn();
  await new Promise((r) => setTimeout(r, holdMs));
  await release();
  return result;
}

/** Concurrent changes all get as far as their audit entry before any of them commits. */
export const withAuditHeld = <T>(db: Db, fn: () => Promise<T>) =>
  whileHeld(db, (tx) => tx.$executeRawUnsafe('LOCK TABLE "AuditEvent" IN EXCLUSIVE MODE'), fn);

/** Holds the account table (ACCESS EXCLUSIVE) until the returned function is called; resolves once it is held. */
export const lockAccounts = (db: Db) =>
  holdInTransaction(db, (tx) => tx.$executeRawUnsafe('LOCK TABLE "Account" IN ACCESS EXCLUSIVE MODE'));

/** Posts JSON as the firm's owner, then gives up after `ms` and closes its connection (a client timeout). */
export function postThenLeave(firm: FirmHandle, url: string, body: unknown, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: 'POST',
      // Its own connection, gone with it: fetch's pool opens a spare one that a server's close waits on.
      agent: false,
      headers: {
        authorization: `Bearer ${firm.apiKey}`,
        'x-acting-user': firm.ownerId,
        'content-type': 'application/json',
      },
    });
    req.on('error', () => undefined); // the destroy below
    req.end(JSON.stringify(body));
    setTimeout(() => {
      req.destroy();
      resolve();
    }, ms);
  });
}
