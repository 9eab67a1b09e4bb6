// The Prisma client over the pg driver adapter (no native query engine needed).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { Prisma, PrismaClient } from '../generated/prisma';

export type Db = PrismaClient;
/** The client inside an interactive transaction. */
export type Tx = Prisma.TransactionClient;
/** Either: for reads and writes that work inside or outside a transaction. */
export type Queryable = Db | Tx;
export { Prisma } from '../generated/prisma';

/** Timeouts of the connection pool: nothing waits on PostgreSQL forever (issue 9). */
export interface DbPoolOptions {
  /** Opening a connection, or waiting for a free one in a full pool (pg `connectionTimeoutMillis`). */
  connectTimeoutMs?: number;
  /** One statement on the server (`statement_timeout`); the server cancels it. */
  statementTimeoutMs?: number;
  /** One query seen from the client (pg `query_timeout`): a server that stops answering (a network
   * partition) fails the query and the connection is dropped. Default: the statement timeout + 5 s. */
  queryTimeoutMs?: number;
  /** An idle pooled connection is closed after this long (pg `idleTimeoutMillis`). */
  idleTimeoutMs?: number;
  /** A session left idle inside a transaction is ended by the server (`idle_in_transaction_session_timeout`). */
  idleInTransactionTimeoutMs?: number;
  /** Longest an interactive transaction may run unless it says otherwise (Prisma's `transactionOptions.timeout`;
   * its own default 5 s). Its wait for a connection is the pool's (`connectTimeoutMs`). */
  transactionTimeoutMs?: number;
}

export const DEFAULT_DB_POOL_OPTIONS: Required<Omit<DbPoolOptions, 'queryTimeoutMs' | 'transactionTimeoutMs'>> = {
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  idleInTransactionTimeoutMs: 60_000,
};

/**
 * The worker's transactions: activities' may take longer than Prisma's 5 s (a policy batch of 200 items, a digest's
 * claim, on a busy database), and are retried when they fail, so one past 5 s would fail on every retry and stall
 * its workflow. As long as the bulk steps allow theirs.
 */
export const ACTIVITY_TRANSACTIONS = { transactionTimeoutMs: 60_000 } as const;

export function createDb(databaseUrl: string, poolSize = 10, options: DbPoolOptions = {}): Db {
  const o = { ...DEFAULT_DB_POOL_OPTIONS, ...options };
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    connectionTimeoutMillis: o.connectTimeoutMs,
    idleTimeoutMillis: o.idleTimeoutMs,
    statement_timeout: o.statementTimeoutMs,
    query_timeout: o.queryTimeoutMs ?? o.statementTimeoutMs + 5_000,
    idle_in_transaction_session_timeout: o.idleInTransactionTimeoutMs,
    // TCP keepalive: a connection whose peer vanished is noticed by the OS, not kept forever.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  guardCheckedOutConnections(pool);
  // An idle connection that breaks (a database restart) leaves the pool, which then emits 'error': unheard, that
  // would end the process. Prisma's adapter listens only once Prisma has connected, and the hot statements
  // (domain/outbox/hot-sql.ts) may be the only users of the pool until then.
  pool.on('error', () => undefined);
  const transactionOptions = o.transactionTimeoutMs ? { timeout: o.transactionTimeoutMs } : {};
  const client = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }), transactionOptions });
  // Prisma ends the pool only if it connected itself. When the hot statements were the pool's only users (an
  // idle worker), its idle connections kept the process alive for idleTimeoutMs (30 s) after a SIGTERM.
  const disconnect = client.$disconnect.bind(client);
  client.$disconnect = async () => {
    await disconnect();
    if (!pool.ended) await pool.end();
  };
  registerPgPool(client, pool);
  return client;
}

const pgPools = new WeakMap<object, pg.Pool>();

/** The pg pool under a client createDb made (or one registered), for the event path's own SQL (domain/outbox/hot-sql.ts). */
export function pgPoolOf(db: object): pg.Pool | undefined {
  return pgPools.get(db);
}

/** Tells pgPoolOf which pool a client (or a wrapper of one) runs on. */
export function registerPgPool(db: object, pool: pg.Pool): void {
  pgPools.set(db, pool);
}

/**
 * A connection that breaks inside a transaction (killed by the server, a query timed out, the socket
 * closed) must leave the pool. Prisma 6.19's adapter releases a transaction's connection only after its
 * ROLLBACK succeeds, and on a broken connection that ROLLBACK fails, so each such connection would stay
 * checked out forever and the pool would shrink to nothing after a database restart or a partition. Here a
 * checked-out connection is released (and discarded) as soon as it breaks, and a second release is a no-op.
 */
function guardCheckedOutConnections(pool: pg.Pool): void {
  const connect = pool.connect.bind(pool);
  // The callback form is pool.query's own check-out, which releases (and discards) on any error already.
  pool.connect = ((callback?: Parameters<typeof connect>[0]) =>
    callback ? connect(callback) : connect().then(guard)) as typeof pool.connect;
}

function guard(client: pg.PoolClient): pg.PoolClient {
  const release = client.release;
  let released = false;
  const releaseOnce = (err?: Error | boolean) => {
    if (released) return;
    released = true;
    client.removeListener('error', onError);
    delete (client as { query?: unknown }).query; // back to the prototype's query for the next check-out
    release(err);
  };
  const onError = (err: Error) => releaseOnce(err);
  client.on('error', onError);
  client.release = releaseOnce;
  const query = client.query;
  client.query = ((...args: unknown[]) => {
    const result: unknown = (query as (...a: unknown[]) => unknown).apply(client, args);
    if (result instanceof Promise)
      result.catch((err: unknown) => {
        if (isBrokenConnection(err)) releaseOnce(err as Error);
      });
    return result;
  }) as typeof client.query;
  return client;
}

/** A failure of the connection itself rather than of a statement: the server's errors carry a severity,
 * and only FATAL or PANIC ones end the session; anything without one (timeouts, closed sockets) is the
 * connection's. */
function isBrokenConnection(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const severity = (err as { severity?: unknown }).severity;
  return typeof severity !== 'string' || severity === 'FATAL' || severity === 'PANIC';
}

/** A unique constraint refused the write (Prisma's P2002): the row exists already. */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}
