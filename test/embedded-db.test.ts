// The defaults `npm start` and `npm test` set up with only Node: the database they pick (scripts/database.ts):
// DATABASE_URL, else the default server if something answers at its address, else an embedded PostgreSQL —
// this machine runs a server at the default address, so NUDGE_DB_PROBE_ADDRESS points the probe at a closed
// port (or at a listener of ours); `npm run db:migrate` picks the same way; a server that refuses us says what
// to do; an embedded server that cannot start fails at once; and the order in which the Temporal CLI is found
// (scripts/temporal-cli.ts).
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { listMigrations, ensureDatabase, migrate } from '../prisma/migration-runner';
import { ensureDatabaseOn, openDatabase, DEFAULT_DATABASE_URL, type Database } from '../scripts/database';
import { canConnect, forwardLines, signalGroup, spawnTypeScript } from '../scripts/temporal-dev';
import { ensureTemporalCli, TEMPORAL_CLI_VERSION } from '../scripts/temporal-cli';

const MIGRATIONS = path.join(__dirname, '..', 'prisma', 'migrations');
const MIGRATE = path.join(__dirname, '..', 'prisma', 'migrate.ts');
const EMBEDDED_POSTGRES = path.join(__dirname, '..', 'scripts', 'embedded-postgres.ts');
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

/** `script` in its own process, as npm runs it, with `env` added: its exit code and output. */
async function run(script: string, env: Record<string, string>) {
  const child = spawnTypeScript(script, [], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.once('close', r));
  return { code, stdout, stderr };
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

test('a server that wants a password, reached without one: the error names it and what to do', async () => {
  process.env.NUDGE_DB_PROBE_ADDRESS = `127.0.0.1:${await closedPort()}`;
  const db = await openDatabase(); // embedded, with a password (scram-sha-256)
  try {
    // As the default URL, which has none, reaches a server at 127.0.0.1:5432 that wants one.
    const url = new URL(db.url);
    url.password = '';
    const server = `127.0.0.1:${url.port}`;
    await expect(ensureDatabaseOn({ kind: 'default', url: url.toString() })).rejects.toThrow(
      `PostgreSQL at ${server} (the default server): SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string; ` +
        `set DATABASE_URL (with its password) or stop the server at ${server} to use the embedded one`,
    );
  } finally {
    await db.stop();
  }
});

test('an embedded PostgreSQL that cannot start (its port taken) fails at once, with exit 1', async () => {
  const taken = net.createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const parent = mkdtempSync(path.join(os.tmpdir(), 'nudge-embedded-test-'));
  chmodSync(parent, 0o755);
  const args = [
    '--data-dir',
    path.join(parent, 'postgres'),
    '--port',
    String((taken.address() as net.AddressInfo).port),
  ];
  const child = spawnTypeScript(EMBEDDED_POSTGRES, [...args, '--fast']);
  const output: string[] = [];
  forwardLines(child, (line) => output.push(line));
  try {
    const started = Date.now();
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    // It used to wait 10 s for a stop of the server that had already exited, then exit 0.
    expect({ code, afterStart: Date.now() - started < 10_000 }).toEqual({ code: 1, afterStart: true });
    expect(output.join('\n')).toMatch(/embedded PostgreSQL did not start: the server exited before it was ready/);
  } finally {
    signalGroup(child, 'SIGKILL');
    await new Promise((r) => taken.close(r));
    rmSync(parent, { recursive: true, force: true });
  }
});

test('db:migrate with no DATABASE_URL and nothing at the default address does not migrate the default URL', async () => {
  // (No `npm start` of this checkout running: its embedded server would be found.)
  const { stdout, stderr, code } = await run(MIGRATE, {
    DATABASE_URL: '',
    NUDGE_DB_PROBE_ADDRESS: `127.0.0.1:${await closedPort()}`,
  });
  expect({ code, stdout, stderr }).toEqual({
    code: 1,
    stdout: '',
    stderr: expect.stringMatching(/^no PostgreSQL found: set DATABASE_URL, run a server at 127\.0\.0\.1:5432/),
  });
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
