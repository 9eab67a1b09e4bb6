// Whether another attempt could help: constraint and data errors from PostgreSQL (a trigger's RAISE, a
// check or foreign-key violation) and Prisma's request errors are the same on every attempt; lost
// connections, deadlocks, serialization failures, pool timeouts and unknown errors may not be.
import { Prisma } from './client';

// SQLSTATE classes 08 (connection), 40 (rollback: deadlock, serialization), 53 (resources), 57
// (operator intervention, e.g. a failover), 58 (system); 55P03 is "lock not available".
const TRANSIENT_SQLSTATE = /^(08|40|53|57|58)|^55P03$/;
// Prisma: pool timeout, transaction API error (e.g. expired), write conflict or deadlock.
const TRANSIENT_PRISMA = new Set(['P2024', 'P2028', 'P2034']);

export function isPermanentError(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; kind?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    if (e instanceof Prisma.PrismaClientKnownRequestError) return !TRANSIENT_PRISMA.has(e.code);
    if (e instanceof Prisma.PrismaClientValidationError) return true;
    if (e.kind === 'postgres' && typeof e.code === 'string') return !TRANSIENT_SQLSTATE.test(e.code);
  }
  return false;
}
