// Whether another attempt could help: constraint and data errors from PostgreSQL (a trigger's RAISE, a
// check or foreign-key violation) and Prisma's request errors are the same on every attempt; lost
// connections, deadlocks, serialization failures, pool timeouts and unknown errors may not be.
import { Prisma } from './client';

// SQLSTATE classes 08 (connection), 40 (rollback: deadlock, serialization), 53 (resources), 57
// (operator intervention, e.g. a failover), 58 (system); 55P03 is "lock not available".
const TRANSIENT_SQLSTATE = /^(08|40|53|57|58)|^55P03$/;
// Prisma: every P1 code (the database unreachable, timed out, the connection closed), pool timeout,
// transaction API error (e.g. expired, or its connection lost), write conflict or deadlock, too many
// connections.
const isTransientPrismaCode = (code: string) =>
  code.startsWith('P1') || ['P2024', 'P2028', 'P2034', 'P2037'].includes(code);
// The driver adapter's own kinds of an error that every attempt meets again (constraints, data, schema);
// its other kinds (an unreachable or closed connection, a timeout, a JS error from the driver) may pass.
const PERMANENT_ADAPTER_KINDS = new Set([
  'UniqueConstraintViolation',
  'NullConstraintViolation',
  'ForeignKeyConstraintViolation',
  'ValueOutOfRange',
  'InconsistentColumnData',
  'LengthMismatch',
  'TableDoesNotExist',
  'ColumnNotFound',
  'InvalidIsolationLevel',
  'UnsupportedNativeDataType',
]);

export function isPermanentError(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; kind?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    if (e instanceof Prisma.PrismaClientKnownRequestError) {
      // Under the driver adapter, the connection's own error is the real reason.
      const adapter = (e.meta as { driverAdapterError?: { cause?: { kind?: unknown; code?: unknown } } } | undefined)
        ?.driverAdapterError?.cause;
      if (adapter && typeof adapter.kind === 'string') return isPermanentAdapterError(adapter);
      return !isTransientPrismaCode(e.code);
    }
    if (e instanceof Prisma.PrismaClientValidationError) return true;
    if (e instanceof Prisma.PrismaClientInitializationError) return false;
    if (typeof e.kind === 'string') return isPermanentAdapterError(e);
  }
  return false;
}

function isPermanentAdapterError(e: { kind?: unknown; code?: unknown }): boolean {
  if (e.kind === 'postgres' && typeof e.code === 'string') return !TRANSIENT_SQLSTATE.test(e.code);
  return PERMANENT_ADAPTER_KINDS.has(e.kind as string);
}

type AdapterCause = { code?: unknown; kind?: unknown };
const adapterCause = (err: Prisma.PrismaClientKnownRequestError): AdapterCause | undefined =>
  (err.meta as { driverAdapterError?: { cause?: AdapterCause } } | undefined)?.driverAdapterError?.cause;

/**
 * The SQLSTATE of a database error: under Prisma's client, or its driver adapter's cause, or of the pg pool's
 * own error (the hot statements that skip Prisma, domain/outbox/hot-sql.ts).
 */
function sqlState(err: unknown): string | undefined {
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    const code = adapterCause(err)?.code;
    return typeof code === 'string' ? code : undefined;
  }
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** PostgreSQL chose this transaction to end a deadlock (40P01), as Prisma, its driver adapter or pg reports it. */
export function isDeadlock(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2034') return true;
  return sqlState(err) === '40P01';
}

/** A foreign key refused the write (23503), as Prisma (P2003), its driver adapter or pg reports it. */
export function isForeignKeyViolation(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    if (err.code === 'P2003' || adapterCause(err)?.kind === 'ForeignKeyConstraintViolation') return true;
  }
  return sqlState(err) === '23503';
}

/** The row an update or delete named was not there (P2025): another change removed it first. */
export const isRecordGone = (err: unknown): boolean =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2025';
