// The Idempotency-Key of the request making a change, carried to the change's transaction without threading
// it through every call: the API's idempotency middleware runs the request inside `withRequestKey`, and the
// transaction that writes the change's outbox rows marks that key committed. A retry of a request whose
// answer was lost (the process died after the commit) then finds the key committed and does not run it again.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db, Tx } from '../../prisma/client';

interface RequestKey {
  firmId: string;
  key: string;
}

const storage = new AsyncLocalStorage<RequestKey>();

export function withRequestKey<T>(requestKey: RequestKey, fn: () => T): T {
  return storage.run(requestKey, fn);
}

/** In the change's transaction: the request's key (if any) is committed with it. */
export async function markRequestCommitted(tx: Tx): Promise<void> {
  const k = storage.getStore();
  if (!k) return;
  await tx.idempotencyRecord.updateMany({
    where: { firmId: k.firmId, key: k.key, committedAt: null },
    data: { committedAt: new Date() },
  });
}

/**
 * The database as the API's domain services use it: every interactive transaction also marks the request's
 * key committed, so every change made in one (not only those with Temporal calls) is covered.
 */
export function markingCommits(db: Db): Db {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === '$transaction') {
        return (arg: unknown, options?: unknown) =>
          typeof arg === 'function'
            ? target.$transaction(
                async (tx) => {
                  const result = await (arg as (tx: Tx) => Promise<unknown>)(tx);
                  await markRequestCommitted(tx);
                  return result;
                },
                options as Parameters<Db['$transaction']>[1],
              )
            : target.$transaction(arg as Parameters<Db['$transaction']>[0]);
      }
      const value: unknown = Reflect.get(target, prop, target);
      // Bound to the client itself: its methods use private fields a proxy does not have.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
