// The defaults `npm start` and `npm test` set up with only Node: the database they pick (scripts/database.ts):
// DATABASE_URL, else the default server if something answers at its address, else an embedded PostgreSQL —
// this machine runs a server at the default address, so NUDGE_DB_PROBE_ADDRESS points the probe at a closed
// port (or at a listener of ours); and the order in which the Temporal CLI is found (scripts/temporal-cli.ts).
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { listMigrations, ensureDatabase, migrate } from '../prisma/migration-runner';
import { openDatabase, DEFAULT_DATABASE_URL, type Database } from '../scripts/database';
import { canConnect } from '../scripts/temporal-dev';
import { ensureTemporalCli, TEMPORAL_CLI_VERSION } from '../scripts/temporal-cli';

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

describe('Temporal CLI discovery', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'nudge-cli-discovery-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** A folder with a fake `temporal` that reports `version`. */
  function fakeCli(version: string): string {
    const dir = mkdtempSync(path.join(scratch, 'bin-'));
    writeFileSync(
      path.join(dir, 'temporal'),
      `#!/bin/sh\necho "temporal version ${version} (Server 1.29.1, UI 2.42.1)"\n`,
    );
    chmodSync(path.join(dir, 'temporal'), 0o755);
    return dir;
  }

  /** A cache folder holding a go-built CLI (the real binary, linked). */
  function cacheWithGoBuild(): string {
    const cache = mkdtempSync(path.join(scratch, 'cache-'));
    mkdirSync(path.join(cache, `temporal-cli-${TEMPORAL_CLI_VERSION}`));
    symlinkSync(ensureTemporalCli(), path.join(cache, `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal'));
    return cache;
  }

  /** What scripts/temporal-cli.ts finds in a fresh process with this environment. */
  async function discover(env: Record<string, string | undefined>) {
    const script = `require('./scripts/temporal-cli').prepareTemporalCli().then((r) => console.log(JSON.stringify(r)))`;
    const fullEnv: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_CLI_PATH: undefined, ...env };
    for (const [k, v] of Object.entries(fullEnv)) if (v === undefined) delete fullEnv[k];
    const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
    const { stdout } = await promisify(execFile)(tsx, ['-e', script], {
      cwd: path.join(__dirname, '..'),
      env: fullEnv,
    });
    return JSON.parse(stdout) as { path: string; how: string; notices: string[] };
  }

  test('TEMPORAL_CLI_PATH comes first, even with a temporal on PATH', async () => {
    const found = await discover({
      TEMPORAL_CLI_PATH: ensureTemporalCli(),
      PATH: `${fakeCli('1.5.1')}:${process.env.PATH}`,
    });
    expect(found).toMatchObject({ path: ensureTemporalCli(), how: 'TEMPORAL_CLI_PATH' });
  });

  test('then `temporal` on PATH when its version is recent enough', async () => {
    const bin = fakeCli('1.5.1');
    const found = await discover({ PATH: `${bin}:${process.env.PATH}`, NUDGE_CACHE_DIR: cacheWithGoBuild() });
    expect(found).toMatchObject({ path: path.join(bin, 'temporal'), how: '1.5.1 on PATH' });
  });

  test('an old `temporal` on PATH is passed over, with a notice, for the cached build', async () => {
    const bin = fakeCli('1.2.0');
    const cache = cacheWithGoBuild();
    const found = await discover({ PATH: `${bin}:${process.env.PATH}`, NUDGE_CACHE_DIR: cache });
    expect(found).toMatchObject({
      path: path.join(cache, `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal'),
      how: `go build ${TEMPORAL_CLI_VERSION}, cached`,
      notices: [expect.stringMatching(/version 1\.2\.0, need ≥ 1\.3\.0; not used/)],
    });
  });
});
