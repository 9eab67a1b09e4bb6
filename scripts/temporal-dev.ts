// The Temporal CLI dev server (SQLite file + Web UI) for `npm start`, plus the small child-process helpers
// that scripts/start.ts shares with it.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { SEARCH_ATTRIBUTES } from '../shared/contracts/search-attributes';
import { ensureTemporalCli } from './temporal-cli';

const root = path.resolve(__dirname, '..');
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const run = promisify(execFile);

export interface TemporalDevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
  process: ChildProcess;
}

export async function startTemporalDevServer(
  opts: {
    port?: number;
    uiPort?: number;
    dbFile?: string;
    ip?: string;
    /** The namespace the worker and the API use (TEMPORAL_NAMESPACE), created beside `default`. */
    namespace?: string;
    log?: (line: string) => void;
  } = {},
): Promise<TemporalDevServer> {
  const { port = 7233, uiPort = 8233, ip = '127.0.0.1', dbFile = path.join(root, '.data', 'temporal.db') } = opts;
  const namespaces = [...new Set(['default', opts.namespace ?? 'default'])];
  const log = opts.log ?? ((line: string) => console.log(`[temporal] ${line}`));
  const address = `${ip}:${port}`;
  const bin = ensureTemporalCli();
  // The health probe below would happily accept a server someone else left running on this port.
  await assertPortFree(ip, port, `Temporal (set TEMPORAL_ADDRESS=${address} to use the server already there)`);
  mkdirSync(path.dirname(dbFile), { recursive: true });

  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--db-filename',
    dbFile,
    ...namespaces.flatMap((namespace) => ['--namespace', namespace]),
    '--log-level',
    'warn',
  ];
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  const child = spawnGroup(bin, args, cliEnv());
  let stopping = false;
  // Once stopping, the server logs connection-refused warnings and context-canceled errors: noise, not news.
  const tail = forwardLines(child, (line) => (stopping && /level=(WARN|ERROR)/.test(line) ? undefined : log(line)));
  const stop = () => {
    stopping = true;
    return terminate(child, STOP_GRACE_MS, () => log('did not stop in time; killing it'));
  };

  try {
    await waitUntil(
      child,
      READY_TIMEOUT_MS,
      async () => (await cli(bin, ['operator', 'cluster', 'health', '--address', address])).ok,
    );
    for (const namespace of namespaces) await registerSearchAttributes(bin, address, namespace, dbFile);
  } catch (err) {
    const lastLines = tail.join('\n'); // before stopping adds its own noise
    await stop();
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`Temporal dev server did not start: ${why}${lastLines && `\n--- last output ---\n${lastLines}`}`);
  }
  return { address, uiUrl: `http://localhost:${uiPort}`, stop, process: child };
}

// start-dev only applies --search-attribute when it creates the namespace, i.e. on a fresh --db-filename,
// so attributes added to SEARCH_ATTRIBUTES since are created here. (Only the missing ones: re-creating an
// existing one succeeds, but makes the server log a warning each start.)
async function registerSearchAttributes(bin: string, address: string, namespace: string, dbFile: string) {
  const target = ['--address', address, '--namespace', namespace];
  const list = await cli(bin, ['operator', 'search-attribute', 'list', ...target, '--output', 'json']);
  if (!list.ok) throw new Error(`listing search attributes failed: ${list.output.trim()}`);
  const existing: Record<string, string> = JSON.parse(list.output).customAttributes ?? {};
  const missing: string[] = [];
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
    const want = `INDEXED_VALUE_TYPE_${type.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
    if (!existing[name]) missing.push('--name', name, '--type', type);
    else if (existing[name] !== want) {
      throw new Error(
        `search attribute ${name} exists as ${existing[name]}, not ${type}; delete ${dbFile} to start afresh`,
      );
    }
  }
  if (!missing.length) return;
  // One --type per --name: the CLI pairs them up, and silently drops names beyond the number of types.
  const created = await cli(bin, ['operator', 'search-attribute', 'create', ...target, ...missing]);
  if (!created.ok) throw new Error(`creating search attributes failed: ${created.output.trim()}`);
}

async function cli(bin: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(bin, [...args, '--command-timeout', '5s'], { env: cliEnv() });
    return { ok: true, output: stdout || stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stderr ?? ''}${e.stdout ?? ''}` || e.message };
  }
}

// The CLI reads TEMPORAL_* variables (address, namespace, TLS, API key) meant for a real cluster.
function cliEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_')));
}

/**
 * Spawns in its own process group, so a terminal Ctrl-C reaches only our parent, which stops children in
 * order (API and worker before Temporal), and so a last-resort SIGKILL also reaches grandchildren.
 */
export function spawnGroup(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(cmd, args, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => signalGroup(child, 'SIGKILL');
  // Last resort if the parent exits without stopping us: never leave a detached child behind.
  process.on('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  return child;
}

/**
 * Runs a TypeScript entry point (our apps, the embedded PostgreSQL) in node itself with tsx's loader, in its own
 * group. Not through the `tsx` command: that relays a SIGTERM to the node process it runs and SIGKILLs it unless
 * the child reports the signal within about 30 ms, which a busy event loop (a worker at work) misses, so the
 * worker was killed before it could drain.
 */
export function spawnTypeScript(
  script: string,
  args: readonly string[] = [],
  opts: { nodeFlags?: readonly string[]; env?: NodeJS.ProcessEnv } = {},
): ChildProcess {
  // `--import tsx` resolves from the child's working directory, the project root (spawnGroup).
  return spawnGroup(process.execPath, [...(opts.nodeFlags ?? []), '--import', 'tsx', script, ...args], opts.env);
}

/** Sends each stdout/stderr line to `log`; returns a live buffer of the last lines, for error messages. */
export function forwardLines(child: ChildProcess, log: (line: string) => void, keep = 30): string[] {
  const tail: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      if (!line.trim()) return;
      tail.push(line);
      if (tail.length > keep) tail.shift();
      log(line);
    });
  }
  return tail;
}

/**
 * SIGTERM to the child, SIGKILL to its whole group after `graceMs`; resolves once the child has exited.
 * SIGTERM goes to the child alone: a process it started (postgres under the embedded wrapper) is stopped by
 * it, and a copy sent to the group could arrive after the Temporal worker has removed its handler, killing
 * it mid-drain.
 */
export function terminate(child: ChildProcess, graceMs: number, onKill?: () => void): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      onKill?.();
      signalGroup(child, 'SIGKILL');
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

/** Polls `probe` until true; fails on timeout or if the child exits first. */
export async function waitUntil(child: ChildProcess, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`it exited (${child.signalCode ?? `code ${child.exitCode}`})`);
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket
      .once('connect', () => done(true))
      .once('error', () => done(false))
      .once('timeout', () => done(false));
  });
}

export async function assertPortFree(host: string, port: number, what: string) {
  if (await canConnect(host, port))
    throw new Error(`port ${port} on ${host} is already in use; it is needed for ${what}`);
}
