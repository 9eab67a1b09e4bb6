// Applies prisma/migrations/*/migration.sql with plain pg, recording each one in
// _prisma_migrations exactly as `prisma migrate deploy` does, so Prisma's own tooling
// (`migrate status`, `migrate deploy`) sees the database as up to date.
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const LOCK_ID = 72707369; // the advisory lock key Prisma Migrate uses

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export function listMigrations(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort();
}

/** Runs `fn` on a connection to the server's `postgres` database, with the quoted name of the URL's database. */
async function withServer(
  databaseUrl: string,
  fn: (admin: pg.Client, quotedName: string, name: string) => Promise<void>,
) {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await fn(admin, `"${name.replace(/"/g, '""')}"`, name);
  } finally {
    await admin.end();
  }
}

/** Creates the database if missing. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  await withServer(databaseUrl, async (admin, quoted, name) => {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return;
    await admin.query(`CREATE DATABASE ${quoted}`).catch((err) => {
      if (err.code !== '42P04') throw err; // created concurrently
    });
  });
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  await withServer(databaseUrl, (admin, quoted) =>
    admin.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`).then(() => undefined),
  );
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(databaseUrl: string, migrationsDir: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    await client.query(CREATE_TABLE);
    const { rows } = await client.query(
      'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const done = new Map<string, string>(rows.map((r) => [r.migration_name, r.checksum]));
    for (const name of listMigrations(migrationsDir)) {
      const sql = readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      if (done.has(name)) {
        if (done.get(name) !== checksum) {
          throw new Error(
            `Migration ${name} was edited after it was applied (checksum differs). Add a new migration instead.`,
          );
        }
        continue;
      }
      // An earlier failed attempt (rolled back with its transaction) is marked so, as `prisma migrate resolve
      // --rolled-back` would: Prisma refuses a database with a failed row left (P3009). The lock keeps others out.
      await client.query(
        'UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL',
        [name],
      );
      const id = randomUUID();
      await client.query(
        'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())',
        [id, checksum, name],
      );
      try {
        await client.query('BEGIN');
        await client.query(sql);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        await client.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, String(err)]);
        throw new Error(`Migration ${name} failed: ${(err as Error).message}`);
      }
      await client.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [
        id,
      ]);
      applied.push(name);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => {});
    await client.end();
  }
  return applied;
}
