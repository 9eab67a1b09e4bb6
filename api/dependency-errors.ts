// Which errors mean "a service the API depends on is unavailable" (PostgreSQL or Temporal not answering,
// the database pool exhausted, a timeout) rather than a bug: api/error-handler.ts answers those 503 with
// Retry-After instead of 500. Errors are recognised by their shape (name, code, driver-adapter cause, gRPC
// status), walking the cause chain, since they reach the API wrapped by Prisma, pg or the Temporal client.

export interface Unavailable {
  dependency: 'database' | 'temporal';
  /** What went wrong, for the log. */
  reason: string;
}

/** Prisma codes of an unreachable or overloaded database (see Prisma's error reference). */
const PRISMA_CODES = new Set([
  'P1001', // can't reach database server
  'P1002', // database server reached but timed out
  'P1008', // operation timed out (socket timeout)
  'P1017', // server closed the connection
  'P2024', // timed out fetching a new connection from the pool
  'P2028', // transaction API error: unable to start a transaction in the given time
  'P2037', // too many database connections opened
]);

/** Driver-adapter error kinds (Prisma's pg adapter) of the same. */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

/** PostgreSQL SQLSTATEs: connection exceptions (08…), statement timeout or cancel (57014), server shutting
 * down or restarting (57P01–57P03), too many connections (53300), idle-in-transaction timeout (25P03). */
const isUnavailableSqlState = (code: string) =>
  code.startsWith('08') || ['57014', '57P01', '57P02', '57P03', '53300', '25P03'].includes(code);

/** Messages of pg and pg-pool for a connection that failed, closed or timed out (they carry no code). */
const PG_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /Connection terminated/i,
  /Query read timeout/i,
  /is not queryable/i,
  /Cannot use a pool after calling end/i,
];

const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** gRPC statuses of a Temporal server that is down, overloaded or too slow. */
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_RESOURCE_EXHAUSTED = 8;

type Shape = {
  name?: unknown;
  code?: unknown;
  errorCode?: unknown;
  message?: unknown;
  details?: unknown;
  metadata?: unknown;
  kind?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
};

function classifyOne(e: Shape): Unavailable | undefined {
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (name.startsWith('PrismaClient')) {
    const code = typeof e.code === 'string' ? e.code : typeof e.errorCode === 'string' ? e.errorCode : '';
    if (PRISMA_CODES.has(code)) return { dependency: 'database', reason: `${code}: ${message.trim().slice(-200)}` };
    if (name === 'PrismaClientInitializationError') return { dependency: 'database', reason: message.slice(-200) };
  }
  // A DriverAdapterError's cause, or the cause object itself: { kind, code?, … }.
  if (typeof e.kind === 'string') {
    if (ADAPTER_KINDS.has(e.kind)) return { dependency: 'database', reason: e.kind };
    if (e.kind === 'postgres' && typeof e.code === 'string' && isUnavailableSqlState(e.code))
      return { dependency: 'database', reason: `SQLSTATE ${e.code}` };
  }
  // A pg error: a server error with its SQLSTATE and severity, or a client-side one with a message only.
  if (
    typeof e.code === 'string' &&
    typeof (e as { severity?: unknown }).severity === 'string' &&
    isUnavailableSqlState(e.code)
  )
    return { dependency: 'database', reason: `SQLSTATE ${e.code}: ${message}` };
  if (PG_MESSAGES.some((re) => re.test(message))) return { dependency: 'database', reason: message };
  // A gRPC error from the Temporal client: a numeric status code with details and metadata.
  if (typeof e.code === 'number' && ('details' in e || 'metadata' in e)) {
    if ([GRPC_UNAVAILABLE, GRPC_DEADLINE_EXCEEDED, GRPC_RESOURCE_EXHAUSTED].includes(e.code))
      return { dependency: 'temporal', reason: message };
  }
  if (/Failed to connect before the deadline/i.test(message)) return { dependency: 'temporal', reason: message };
  if (typeof e.code === 'string' && SOCKET_CODES.has(e.code))
    return { dependency: 'database', reason: `${e.code}: ${message}` };
  return undefined;
}

/** The dependency an error says is unavailable, or undefined when the error means something else. */
export function unavailableDependency(err: unknown): Unavailable | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  let underTemporal = false;
  while (queue.length && seen.size < 10) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    const shape = e as Shape;
    // The Temporal client wraps its gRPC failures in ServiceError: whatever lies under it is Temporal's.
    if (shape.name === 'ServiceError') underTemporal = true;
    const found = classifyOne(shape);
    if (found) return underTemporal ? { ...found, dependency: 'temporal' } : found;
    queue.push(shape.cause, shape.meta?.driverAdapterError);
  }
  return undefined;
}
