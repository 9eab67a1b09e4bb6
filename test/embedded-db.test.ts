// The database `npm start` and `npm test` pick (scripts/database.ts): DATABASE_URL, else the default server
// if something answers at its address, else an embedded PostgreSQL. This machine runs a server at the default
// address, so NUDGE_DB_PROBE_ADDRESS points the probe at a closed port (or at a listener of ours).
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { listMigrations, ensureDatabase, migrate } from '../prisma/migration-runner';
import { openDatabase, DEFAULT_DATABASE_URL, type Database } from '../scripts/database';
import { canConnect } from '../scripts/temporal-dev';

const MIGRATIONS = path.join(__dirname, '..', 'prisma', 'migrations');
const saved = { probe: process.env.NUDGE_DB_PROBE_ADDRESS, url: process.env.DATABASE_URL };

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

beforeEach(() => delete process.env.DATABASE_URL);
afterAll(() => {
  const restore = (name: string, value: string | undefined) =>
    value === undefined ? delete process.env[name] : (process.env[name] = value);
  restore('NUDGE_DB_PROBE_ADDRESS', saved.probe);
  restore('DATABASE_URL', saved.url);
});

test('nothing at the default address: an embedded PostgreSQL starts with its data folder, migrations apply, queries run, data survives a restart', async () => {
  process.env.NUDGE_DB_PROBE_ADDRESS = `127.0.0.1:${await closedPort()}`;
  const parent = mkdtempSync(path.join(os.tmpdir(), 'nudge-embedded-test-'));
  chmodSync(parent, 0o755); // run as root, the server runs as the postgres user, who must reach its folder
  const dataDir = path.join(parent, 'postgres');
  let db: Database | undefined;
  try {
    db = await openDatabase({ dataDir });
    expect(db.kind).toBe('embedded');
    expect(db.description).toMatch(/^embedded PostgreSQL, postgresql:\/\/postgres:nudge@127\.0\.0\.1:\d+\/nudge/);
    await ensureDatabase(db.url);
    const applied = await migrate(db.url, MIGRATIONS);
    expect(applied).toEqual(listMigrations(MIGRATIONS));

    const [{ version }] = await query<{ version: string }>(db.url, 'SELECT version()');
    expect(version).toMatch(/^PostgreSQL 18\./);
    await query(db.url, `CREATE TABLE kept (name text); INSERT INTO kept VALUES ('Kept')`);

    const { port } = new URL(db.url);
    await db.stop();
    db = undefined;
    expect(await canConnect('127.0.0.1', Number(port))).toBe(false);

    // Same folder, a new server (and port): the data and the applied migrations are still there.
    db = await openDatabase({ dataDir });
    expect(await migrate(db.url, MIGRATIONS)).toEqual([]);
    expect(await query(db.url, 'SELECT name FROM kept')).toEqual([{ name: 'Kept' }]);
  } finally {
    await db?.stop();
    rmSync(parent, { recursive: true, force: true });
  }
});

test('without a data folder the embedded server is throwaway: its folder is gone after stop', async () => {
  process.env.NUDGE_DB_PROBE_ADDRESS = `127.0.0.1:${await closedPort()}`;
  const db = await openDatabase();
  try {
    expect(db.kind).toBe('embedded');
    expect(await query<{ one: number }>(db.url.replace(/\/nudge$/, '/postgres'), 'SELECT 1 AS one')).toEqual([
      { one: 1 },
    ]);
  } finally {
    await db.stop();
  }
  const dataDir = db.process?.spawnargs[db.process.spawnargs.indexOf('--data-dir') + 1];
  expect(dataDir && existsSync(dataDir)).toBe(false);
});

test('something answers at the default address: the default URL, no embedded server', async () => {
  const listener = net.createServer((socket) => socket.destroy());
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  process.env.NUDGE_DB_PROBE_ADDRESS = `127.0.0.1:${(listener.address() as net.AddressInfo).port}`;
  try {
    const db = await openDatabase();
    expect(db).toMatchObject({ kind: 'default', url: DEFAULT_DATABASE_URL });
    expect(db.process).toBeUndefined();
  } finally {
    await new Promise((r) => listener.close(r));
  }
});

test('DATABASE_URL set: used as is, whatever answers at the default address', async () => {
  process.env.NUDGE_DB_PROBE_ADDRESS = `127.0.0.1:${await closedPort()}`;
  process.env.DATABASE_URL = 'postgresql://someone:secret@db.example.test:6543/app';
  const db = await openDatabase();
  expect(db).toMatchObject({ kind: 'configured', url: process.env.DATABASE_URL });
  expect(db.description).not.toContain('secret');
});
