// Which database errors a bulk account retries (transient) and which fail it at once (permanent).
import { Prisma } from '../../prisma/client';
import { isDeadlock, isForeignKeyViolation, isPermanentError } from '../../prisma/errors';

const known = (code: string, cause?: object) =>
  new Prisma.PrismaClientKnownRequestError('boom', {
    code,
    clientVersion: 'test',
    meta: cause ? { driverAdapterError: { cause } } : undefined,
  });

test.each([
  ['a unique violation', known('P2002'), true],
  ['a unique violation through the adapter', known('P2002', { kind: 'UniqueConstraintViolation' }), true],
  ['a trigger RAISE through the adapter', known('P2010', { kind: 'postgres', code: 'P0001' }), true],
  ['a validation error', new Prisma.PrismaClientValidationError('bad', { clientVersion: 'test' }), true],
  ['an unreachable database', known('P1001'), false],
  ['a closed connection', known('P1017'), false],
  ['a closed connection through the adapter', known('P2010', { kind: 'ConnectionClosed' }), false],
  ['a driver error (connection terminated)', known('P2010', { kind: 'GenericJs', id: 1 }), false],
  ['a connection SQLSTATE', known('P2010', { kind: 'postgres', code: '08006' }), false],
  ['a deadlock', known('P2034'), false],
  ['a pool timeout', known('P2024'), false],
  ['an unknown error', new Error('socket hang up'), false],
])('%s', (_name, err, permanent) => {
  expect(isPermanentError(err)).toBe(permanent);
});

// What the API answers 409 concurrent-change (api/error-handler.ts), however the error reached it.
const pgError = (code: string) => Object.assign(new Error('pg'), { code });
test.each([
  ['Prisma', known('P2034'), true, false],
  ['the adapter', known('P2010', { kind: 'postgres', code: '40P01' }), true, false],
  ['the pg pool (a hot statement)', pgError('40P01'), true, false],
  ['Prisma', known('P2003'), false, true],
  ['the adapter', known('P2010', { kind: 'ForeignKeyConstraintViolation' }), false, true],
  ['the pg pool (a hot statement)', pgError('23503'), false, true],
  ['a unique violation from', pgError('23505'), false, false],
  ['a socket error from', pgError('EPIPE'), false, false],
])('a deadlock or foreign-key violation through %s', (_via, err, deadlock, foreignKey) => {
  expect([isDeadlock(err), isForeignKeyViolation(err)]).toEqual([deadlock, foreignKey]);
});
