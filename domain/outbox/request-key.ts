// The Idempotency-Key of the request making a change, carried to the change's transaction without threading
// it through every call: the API's idempotency middleware runs the request inside `withRequestKey`, and the
// transaction that writes the change's outbox rows marks that key committed. A retry of a request whose
// answer was lost (the process died after the commit) then finds the key committed and does not run it again.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db, Tx } from '../../prisma/client';
import { pgPoolOf, registerPgPool } from '../../prisma/client';

export interface RequestKey {
  firmId: string;
  key: string;
}

const storage = new AsyncLocalStorage<RequestKey>();

/** Transactions whose request key is already marked: one mark per transaction, not one per caller. */
const marked = new WeakSet<object>();

export function withRequestKey<T>(requestKey: RequestKey, fn: () => T): T {
  return storage.run(requestKey, fn);
}

/** The key of the request running now, if it sent one: for a change written as one statement that marks it itself. */
export function currentRequestKey(): RequestKey | undefined {
  return storage.getStore();
}

/**
 * The key of the request running now if this transaction has not marked it yet; the caller marks it in a
 * statement of its own (insertOutboxRows folds it into the outbox insert) and the transaction counts as marked.
 */
export function takeRequestKey(tx: Tx): RequestKey | undefined {
  const k = storage.getStore();
  if (!k || marked.has(tx)) return undefined;
  marked.add(tx);
  return k;
}

/** In the change's transaction: the request's key (if any) is committed with it. */
export async function markRequestCommitted(tx: Tx): Promise<void> {
  const k = takeRequestKey(tx);
  if (!k) return;
  await tx.$executeRaw`
    UPDATE "IdempotencyRecord" SET "committedAt" = ${new Date()}
    WHERE "firmId" = ${k.firmId}::uuid AND key = ${k.key} AND "committedAt" IS NULL`;
}

/**
 * The database as the API's domain services use it: every interactive transaction also marks the request's
 * key committed, so every change made in one (not only those with Temporal calls) is covered.
 */
export function markingCommits(db: Db): Db {
  const transaction = (arg: unknown, options?: unknown) =>
    typeof arg === 'function'
      ? db.$transaction(
          async (tx) => {
            const result = await (arg as (tx: Tx) => Promise<unknown>)(tx);
            await markRequestCommitted(tx);
            return result;
          },
          options as Parameters<Db['$transaction']>[1],
        )
      : db.$transaction(arg as Parameters<Db['$transaction']>[0]);
  const bound = new Map<PropertyKey, unknown>();
  const proxy = new Proxy(db, {
    get(target, prop) {
      if (prop === '$transaction') return transaction;
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      // Bound to the client itself (its methods use private fields a proxy does not have), once per method.
      let fn = bound.get(prop);
      if (!fn) bound.set(prop, (fn = value.bind(target)));
      return fn;
    },
  });
  const pool = pgPoolOf(db);
  if (pool) registerPgPool(proxy, pool); // its one-statement changes run on the same pool (hot-sql.ts)
  return proxy;
}
