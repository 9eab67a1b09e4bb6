// The event path's own SQL (issue 10): a few statements run once or twice per API request, sent on the pg
// pool under the Prisma client when there is one, as named prepared statements (parsed and planned once per
// connection), instead of through Prisma's query engine, which costs several times the statement itself in
// API CPU (bench/README.md). Without a pool (a client not made by createDb) they go through $queryRawUnsafe,
// the same text and values.
import type pg from 'pg';
import type { Db, Queryable } from '../../prisma/client';
import { pgPoolOf } from '../../prisma/client';

/** A transaction of hot statements on one pooled connection (hotTransaction); hotQuery runs in it. */
export interface HotTx {
  readonly hotClient: pg.PoolClient;
}

export interface HotStatement {
  text: string;
  values: unknown[];
}

/** A piece of a hot statement's text with its own parameters (hotFragment, hotRaw), placed inside hotSql. */
export class HotFragment {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}
}

/** A fragment for hotSql: its interpolations are parameters of the statement it is placed in. */
export const hotFragment = (strings: TemplateStringsArray, ...values: unknown[]) => new HotFragment(strings, values);

/** SQL text placed as it is: for a constant of the call site (a table alias, a FROM list), never for a value. */
export const hotRaw = (text: string) => new HotFragment([text], []);

/**
 * `sql` for a hot statement: each interpolation is a parameter ($1, $2, …; cast it in the text), a Date goes
 * as its ISO text (UTC, as Prisma writes timestamps), a fragment is placed with its own parameters. The text
 * depends only on the call site, so it can be prepared once per connection.
 */
export function hotSql(strings: TemplateStringsArray, ...values: unknown[]): HotStatement {
  const params: unknown[] = [];
  const text = placeFragment(params, new HotFragment(strings, values));
  return { text, values: params };
}

/**
 * The text of `fragment` for a statement whose parameters so far are `params` (a statement written with $1…$n
 * by hand): its own parameters are appended to `params` and numbered after them.
 */
export function placeFragment(params: unknown[], fragment: HotFragment): string {
  let text = '';
  const place = (parts: readonly string[], vals: readonly unknown[]) => {
    text += parts[0];
    vals.forEach((v, i) => {
      if (v instanceof HotFragment) place(v.strings, v.values);
      else text += `$${params.push(v instanceof Date ? v.toISOString() : v)}`;
      text += parts[i + 1];
    });
  };
  place(fragment.strings, fragment.values);
  return text;
}

const names = new Map<string, string>();

/** Runs the statement; rows as pg gives them (int8 as a string or, through Prisma, a bigint: convert with BigInt). */
export async function hotQuery<T>(db: Queryable | HotTx, statement: HotStatement): Promise<T[]> {
  const client = 'hotClient' in db ? db.hotClient : pgPoolOf(db);
  if (!client) return (db as Queryable).$queryRawUnsafe<T[]>(statement.text, ...statement.values);
  let name = names.get(statement.text);
  if (!name) names.set(statement.text, (name = `nudge_hot_${names.size + 1}`));
  const result = await client.query({ name, text: statement.text, values: statement.values });
  return result.rows as T[];
}

/**
 * Runs `fn` in a transaction of hot statements on one pooled connection: BEGIN, its statements, COMMIT, and
 * none of Prisma's transaction machinery. Without a pool, in a Prisma transaction (the same statements).
 */
export async function hotTransaction<T>(db: Db, fn: (tx: HotTx | Queryable) => Promise<T>): Promise<T> {
  const pool = pgPoolOf(db);
  if (!pool) return db.$transaction((tx) => fn(tx));
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn({ hotClient: client });
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (err) {
    // A connection whose ROLLBACK fails too is broken: released with the error, it leaves the pool.
    const rolledBack = await client.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    client.release(rolledBack ? undefined : (err as Error));
    throw err;
  }
}
