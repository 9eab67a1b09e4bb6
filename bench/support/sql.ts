// SQL statements counted by their normalized text: the event bench's instrumented pool and the worker
// process's statement counter (the reminder bench) name statements the same way.
import type pg from 'pg';

/**
 * A statement's verb and table ("SELECT Item", "INSERT INTO ReminderDispatch ON CONFLICT"); a statement with
 * common table expressions by their names, its main verb and the tables it writes ("WITH cyc, ok, d, a SELECT;
 * writes ReminderDispatch, AuditEvent"); else its start.
 */
export function normalizeSql(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  if (/^WITH\s/i.test(s)) return normalizeWith(s);
  const m = /^(SELECT|INSERT INTO|UPDATE|DELETE FROM)\s.*?(?:"public"\.)?"(\w+)"/i.exec(s);
  const verb = m?.[1].toUpperCase();
  // The table: after FROM for a SELECT, else the statement's target.
  const table = verb === 'SELECT' ? /\bFROM\s+(?:"public"\.)?"(\w+)"/i.exec(s)?.[1] : m?.[2];
  if (verb && table) return `${verb} ${table}${/ON CONFLICT/i.test(s) ? ' ON CONFLICT' : ''}`;
  return s.slice(0, 40);
}

function normalizeWith(s: string): string {
  // The names of the top-level CTEs and what follows the last: scanned at parenthesis depth 0.
  const names: string[] = [];
  let depth = 0;
  let main = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') {
      if (depth === 0) {
        const name = /(?:^WITH|,)\s*(?:RECURSIVE\s+)?"?(\w+)"?\s+AS\s+(?:NOT\s+)?(?:MATERIALIZED\s+)?$/i.exec(
          s.slice(main, i),
        );
        if (!name) break; // a parenthesis of the main statement
        names.push(name[1]);
      }
      depth++;
    } else if (s[i] === ')' && --depth === 0) main = i + 1;
  }
  const verb = /^\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b/i.exec(s.slice(main))?.[1].toUpperCase() ?? '?';
  const writes = [
    ...new Set([...s.matchAll(/\b(?:INSERT INTO|UPDATE|DELETE FROM)\s+(?:"public"\.)?"(\w+)"/gi)].map((m) => m[1])),
  ];
  return `WITH ${names.join(', ')} ${verb}${writes.length ? `; writes ${writes.join(', ')}` : ''}`;
}

/** The text of a pg query() call's first argument (a string, or a config object with `text`). */
export function queryText(arg: unknown): string {
  return typeof arg === 'string' ? arg : ((arg as { text?: string } | undefined)?.text ?? '?');
}

/** What a pool ran since the last reset; `statements` leaves out BEGIN, COMMIT and ROLLBACK, counted apart. */
export interface SqlCounts {
  statements: number;
  begins: number;
  commits: number;
  rollbacks: number;
  /** By normalized text, most frequent first; transaction control is not listed. */
  byStatement: { sql: string; count: number }[];
}

export interface SqlCounter {
  reset(): void;
  read(): SqlCounts;
}

/**
 * Counts every statement run on the pool's connections. Each connection gets, when the pool opens it, a
 * prototype of its own between it and pg's Client whose query() counts, so that every path reaches it
 * exactly once: pool.query's check-out, connect()'s (prisma/client.ts wraps a checked-out client's query
 * in an own property and deletes that property on release, which leaves this layer in place), and Prisma's
 * adapter. Install before the pool opens its first connection.
 */
export function countPoolStatements(pool: pg.Pool): SqlCounter {
  let counts = { begins: 0, commits: 0, rollbacks: 0, sql: new Map<string, number>() };
  const record = (text: string) => {
    const head = text.trimStart().slice(0, 20).toUpperCase();
    if (/^(BEGIN|START TRANSACTION)\b/.test(head)) counts.begins++;
    else if (/^(COMMIT|END)\b/.test(head)) counts.commits++;
    else if (/^ROLLBACK\s*;?$/.test(head.trim())) counts.rollbacks++;
    else {
      const key = normalizeSql(text);
      counts.sql.set(key, (counts.sql.get(key) ?? 0) + 1);
    }
  };
  const layers = new WeakMap<object, object>();
  pool.on('connect', (client) => {
    const base = Object.getPrototypeOf(client) as { query: (...a: unknown[]) => unknown };
    let layer = layers.get(base);
    if (!layer) {
      layer = Object.create(base, {
        query: {
          value(this: pg.PoolClient, ...args: unknown[]) {
            record(queryText(args[0]));
            return base.query.apply(this, args);
          },
          writable: true,
          configurable: true,
        },
      }) as object;
      layers.set(base, layer);
    }
    Object.setPrototypeOf(client, layer);
  });
  return {
    reset() {
      counts = { begins: 0, commits: 0, rollbacks: 0, sql: new Map() };
    },
    read() {
      const byStatement = mostFrequentFirst(counts.sql);
      return {
        statements: byStatement.reduce((a, s) => a + s.count, 0),
        begins: counts.begins,
        commits: counts.commits,
        rollbacks: counts.rollbacks,
        byStatement,
      };
    },
  };
}

/** The counts of several worker processes together (null when none could count). */
export function addSqlCounts(all: (SqlCounts | null)[]): SqlCounts | null {
  const some = all.filter((c): c is SqlCounts => c !== null);
  if (!some.length) return null;
  const bySql = new Map<string, number>();
  for (const c of some) for (const s of c.byStatement) bySql.set(s.sql, (bySql.get(s.sql) ?? 0) + s.count);
  const sum = (f: (c: SqlCounts) => number) => some.reduce((a, c) => a + f(c), 0);
  return {
    statements: sum((c) => c.statements),
    begins: sum((c) => c.begins),
    commits: sum((c) => c.commits),
    rollbacks: sum((c) => c.rollbacks),
    byStatement: mostFrequentFirst(bySql),
  };
}

const mostFrequentFirst = (counts: Map<string, number>) =>
  [...counts.entries()]
    .map(([sql, count]) => ({ sql, count }))
    .sort((a, b) => b.count - a.count || a.sql.localeCompare(b.sql));

/** Counts per unit of work (a reminder, a notification): statements, transactions, each statement. */
export interface SqlPerOp {
  /** The units the counts are divided by. */
  ops: number;
  /** Statements other than BEGIN, COMMIT and ROLLBACK. */
  statements: number;
  /** BEGINs. */
  transactions: number;
  rollbacks: number;
  /** Every normalized statement, most frequent first. */
  byStatement: { sql: string; perOp: number }[];
}

export function sqlPerOp(c: SqlCounts | null, ops: number): SqlPerOp | undefined {
  if (!c || ops <= 0) return undefined;
  return {
    ops,
    statements: c.statements / ops,
    transactions: c.begins / ops,
    rollbacks: c.rollbacks / ops,
    byStatement: c.byStatement.map((s) => ({ sql: s.sql, perOp: s.count / ops })),
  };
}
