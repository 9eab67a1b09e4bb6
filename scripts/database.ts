// Which PostgreSQL `npm start`, `npm test` and the operator CLI use:
//   1. DATABASE_URL when set;
//   2. the default server (postgresql://postgres@127.0.0.1:5432) when something answers there;
//   3. otherwise an embedded PostgreSQL (scripts/embedded-postgres.ts), started for the run.
// NUDGE_DB_PROBE_ADDRESS (host:port) replaces the default address for the probe only: tests point it at a
// closed port to take the embedded path on a machine that has a server.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDatabase } from '../prisma/migration-runner';
import { canConnect, forwardLines, spawnTypeScript, terminate, waitUntil } from './temporal-dev';

export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/nudge';
const root = path.resolve(__dirname, '..');
/** Where a running `npm start` leaves its embedded server's URL, for the CLI's `firm create`. */
export const EMBEDDED_URL_FILE = path.join(root, '.data', 'embedded-postgres.url');
const START_TIMEOUT_MS = 90_000;

export interface Database {
  /** A URL of the server (its path names the `nudge` database; callers may swap it). */
  url: string;
  kind: 'configured' | 'default' | 'embedded';
  /** For the banner. */
  description: string;
  /** The embedded server's process (for start.ts to watch), if any. */
  process?: ChildProcess;
  stop(): Promise<void>;
}

function probeAddress(): { host: string; port: number } {
  const [host, port] = (process.env.NUDGE_DB_PROBE_ADDRESS ?? '127.0.0.1:5432').split(':');
  return { host, port: Number(port) };
}

const withDatabase = (serverUrl: string, name: string) => {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

/** DATABASE_URL, or the default server if it answers; undefined when neither (then: embedded). */
export async function configuredDatabase(): Promise<Omit<Database, 'stop' | 'process'> | undefined> {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, kind: 'configured', description: redact(process.env.DATABASE_URL) };
  }
  const { host, port } = probeAddress();
  if (await canConnect(host, port)) {
    return { url: DEFAULT_DATABASE_URL, kind: 'default', description: `PostgreSQL at ${host}:${port}` };
  }
  return undefined;
}

/** The database to use: configured, default, or an embedded server started now (stop it when done). */
export async function openDatabase(
  opts: {
    /** The embedded server's data folder, kept across runs; none: a throwaway one (fsync off), removed at stop. */
    dataDir?: string;
    /** Leave the URL in EMBEDDED_URL_FILE while it runs (npm start). */
    announce?: boolean;
  } = {},
): Promise<Database> {
  const configured = await configuredDatabase();
  if (configured) return { ...configured, stop: async () => undefined };
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'nudge-pg-'));
  const server = await startEmbeddedPostgres(dataDir, !opts.dataDir).catch((err) => {
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  const url = withDatabase(server.url, 'nudge');
  if (opts.announce) writeFileSync(EMBEDDED_URL_FILE, `${url}\n`);
  return {
    url,
    kind: 'embedded',
    // The password is a fixed local one (scripts/embedded-postgres.ts): shown, so the URL can be used as is.
    description: `embedded PostgreSQL, ${url}${opts.dataDir ? ` (data in ${path.relative(root, dataDir)})` : ''}`,
    process: server.process,
    stop: async () => {
      if (opts.announce) rmSync(EMBEDDED_URL_FILE, { force: true });
      await server.stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** For the CLI: DATABASE_URL, the default server, or the embedded one a running `npm start` announced. */
export async function findDatabase(): Promise<Pick<Database, 'url' | 'kind' | 'description'>> {
  const configured = await configuredDatabase();
  if (configured) return configured;
  if (existsSync(EMBEDDED_URL_FILE)) {
    const url = readFileSync(EMBEDDED_URL_FILE, 'utf8').trim();
    const { hostname, port } = new URL(url);
    if (await canConnect(hostname, Number(port)))
      return { url, kind: 'embedded', description: `embedded PostgreSQL, ${url}` };
  }
  throw new Error(
    'no PostgreSQL found: set DATABASE_URL, run a server at 127.0.0.1:5432, or start Nudge with `npm start` (its embedded server)',
  );
}

export const findDatabaseUrl = async (): Promise<string> => (await findDatabase()).url;

/**
 * Creates the database `url` names (default: the app's) on `db`'s server if it is missing: our first words with
 * the server, so a refusal (a server at the default address that wants a password, which the default URL
 * lacks) says which server refused and what to do.
 */
export async function ensureDatabaseOn(db: Pick<Database, 'url' | 'kind'>, url = db.url): Promise<void> {
  try {
    await ensureDatabase(url);
  } catch (err) {
    if (db.kind === 'embedded') throw err;
    const server = new URL(db.url).host;
    const why = err instanceof Error ? err.message : String(err);
    if (db.kind === 'configured') throw new Error(`PostgreSQL at ${server} (DATABASE_URL): ${why}`, { cause: err });
    throw new Error(
      `PostgreSQL at ${server} (the default server): ${why}; ` +
        `set DATABASE_URL (with its password) or stop the server at ${server} to use the embedded one`,
      { cause: err },
    );
  }
}

async function startEmbeddedPostgres(dataDir: string, fast = false) {
  // Straight in node (spawnTypeScript): a wrapper the tsx command SIGKILLed would leave postgres running, and the
  // next start would fail on the data folder's lock.
  const args = ['--data-dir', dataDir, ...(fast ? ['--fast'] : [])];
  const child = spawnTypeScript(path.join(root, 'scripts', 'embedded-postgres.ts'), args);
  let url: string | undefined;
  const tail = forwardLines(child, (line) => {
    const ready = /^READY (\S+)$/.exec(line);
    if (ready) url = ready[1];
    else if (url) console.error(`[postgres] ${line}`); // after start only problems are printed
  });
  const stop = () => terminate(child, 10_000);
  try {
    await waitUntil(child, START_TIMEOUT_MS, async () => !!url);
  } catch (err) {
    await stop();
    throw new Error(
      `embedded PostgreSQL did not start: ${err instanceof Error ? err.message : err}\n--- last output ---\n${tail.join('\n')}`,
    );
  }
  return { url: url!, process: child, stop };
}

/** A URL without its password, for printing. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid DATABASE_URL>';
  }
}
