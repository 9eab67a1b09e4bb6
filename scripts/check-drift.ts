// `npm run db:check-drift`: fails (exit 1, with a diff) when prisma/schema.prisma and
// prisma/migrations/*/migration.sql describe different databases.
//
// Prisma's own `migrate diff --from-migrations` needs a shadow database, which is broken with the
// pg driver adapter here (and the native schema engine can't be downloaded). So we build both
// sides for real in two scratch databases and compare their pg_dump output:
//   A = the migrations, applied by our own runner (exactly what production gets);
//   B = the SQL `prisma migrate diff --from-empty --to-schema-datamodel` prints for the schema.
// Usage: tsx scripts/check-drift.ts [--schema <file>] [--migrations <dir>]   (to test with copies)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { dropDatabase, migrate } from '../prisma/migration-runner';
import { ensureDatabaseOn, openDatabase, type Database } from './database';

const root = path.resolve(__dirname, '..');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return path.resolve(i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback);
};
const schemaPath = arg('--schema', path.join(root, 'prisma', 'schema.prisma'));
const migrationsDir = arg('--migrations', path.join(root, 'prisma', 'migrations'));

// The server `npm start` and `npm test` would use (DATABASE_URL, the default one, or a throwaway embedded one),
// the app's user; only the database name differs, unique so parallel runs don't collide.
let server: Database | undefined;
function scratchUrl(serverUrl: string, suffix: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/nudge_drift_${process.pid}_${Date.now()}_${suffix}`;
  return url.toString();
}
let scratch: string[] = [];
const dbName = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= Promise.all(
    scratch.map((u) => dropDatabase(u).catch((e) => console.error(`could not drop ${dbName(u)}: ${e.message}`))),
  )
    .then(() => server?.stop())
    .catch((e) => console.error(`could not stop the embedded PostgreSQL: ${e.message}`));
  return cleaning;
}
// Ctrl-C / kill: still drop the scratch databases (DROP ... WITH (FORCE) ends our open sessions).
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => void cleanup().finally(() => process.exit(130)));
}

/** The SQL Prisma would generate for the schema, from an empty database (`dbB`, a scratch one). */
function schemaSql(dbB: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const bin = path.join(root, 'node_modules', '.bin', 'prisma');
    const args = ['migrate', 'diff', '--from-empty', '--to-schema-datamodel', schemaPath, '--script'];
    // DATABASE_URL points at scratch B: prisma.config.ts builds its adapter from it, so nothing
    // Prisma does here can touch the real database.
    const child = spawn(bin, args, { cwd: root, env: { ...process.env, DATABASE_URL: dbB } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`prisma migrate diff failed (exit ${code}):\n${err}`)),
    );
  });
}

async function exec(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Schema-only dump, reduced to the lines that describe structure, comparable across databases. */
async function dump(url: string): Promise<string[]> {
  const u = new URL(url);
  const r = spawnSync(
    'pg_dump',
    [
      '--schema-only',
      '--no-owner',
      '--no-privileges',
      '--exclude-table=public._prisma_migrations',
      '-h',
      u.hostname,
      '-p',
      u.port || '5432',
      '-U',
      decodeURIComponent(u.username || 'postgres'),
      dbName(url),
    ],
    { encoding: 'utf8', env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password) || process.env.PGPASSWORD } },
  );
  if (r.status !== 0) return catalog(url, r.error?.message ?? r.stderr); // e.g. pg_dump older than the server
  const lines = r.stdout
    .split('\n')
    .map((l) => l.replaceAll(dbName(url), '<db>').trimEnd())
    // comments, session SETs and pg_dump 15.14+'s random \restrict token differ between dumps
    .filter((l) => l && !l.startsWith('--') && !/^(SET |SELECT pg_catalog\.set_config|\\(un)?restrict )/.test(l));
  return sortColumns(lines);
}

// A column added by a later migration lands at the end of the table, while the schema puts it where
// it is declared. Column order isn't drift, so sort the column lines inside each CREATE TABLE.
function sortColumns(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]);
    if (!/^CREATE TABLE .*\($/.test(lines[i])) continue;
    const cols: string[] = [];
    while (i + 1 < lines.length && lines[i + 1] !== ');') cols.push(lines[++i].replace(/,$/, ''));
    out.push(...cols.sort());
  }
  return out;
}

// Fallback when pg_dump can't dump this server: columns, constraints, indexes and enums from the catalog.
async function catalog(url: string, why: string): Promise<string[]> {
  console.error(`pg_dump unusable (${why.trim().split('\n')[0]}); comparing catalogs instead`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`
      SELECT format('column %s.%s %s%s%s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                    CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
                    coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')) AS l
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0
         AND NOT a.attisdropped AND c.relname <> '_prisma_migrations'
      UNION ALL
      SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid <> 0
         AND conrelid::regclass::text <> '_prisma_migrations'
         -- PostgreSQL 18 lists NOT NULL as constraints, named after the table they were made on (a renamed
         -- table keeps the old names): the column lines above already say NOT NULL.
         AND contype <> 'n'
      UNION ALL
      SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'
      UNION ALL
      SELECT format('enum %s (%s)', t.typname, string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder))
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
       WHERE t.typnamespace = 'public'::regnamespace GROUP BY t.typname
      ORDER BY 1`);
    return rows.map((r) => r.l as string);
  } finally {
    await client.end();
  }
}

function unifiedDiff(a: string[], b: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drift-'));
  try {
    writeFileSync(path.join(dir, 'a'), a.join('\n') + '\n');
    writeFileSync(path.join(dir, 'b'), b.join('\n') + '\n');
    const r = spawnSync('diff', ['-u', '--label', 'migrations', '--label', 'schema', 'a', 'b'], {
      cwd: dir,
      encoding: 'utf8',
    });
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const db = (server = await openDatabase());
  const [dbA, dbB] = (scratch = [scratchUrl(db.url, 'a'), scratchUrl(db.url, 'b')]);
  await Promise.all([ensureDatabaseOn(db, dbA), ensureDatabaseOn(db, dbB)]);
  // Both sides are independent; prisma's ~10 s startup dominates, so overlap it with the migrations.
  await Promise.all([migrate(dbA, migrationsDir), schemaSql(dbB).then((sql) => exec(dbB, sql))]);
  const [a, b] = await Promise.all([dump(dbA), dump(dbB)]);
  if (a.join('\n') === b.join('\n')) {
    console.log('schema and migrations agree');
    return 0;
  }
  console.error('Drift: the migrations (-) and the schema (+) produce different databases.');
  console.error(
    "Add a migration (prisma migrate diff --from-empty ... prints the schema's full SQL) or fix the schema.\n",
  );
  console.error(unifiedDiff(a, b));
  return 1;
}

void main()
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    return 1;
  })
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  });
