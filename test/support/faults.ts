// Fault injection for the fault suite (test/faults.test.ts): a Temporal dev server of the file's own, as a
// child process it can SIGKILL and start again on the same port and SQLite file, and the figures every
// fault case reports (lost and duplicated emails).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { ensureTemporalCli } from '../../scripts/temporal-cli';
import { SEARCH_ATTRIBUTES } from '../../shared/contracts/search-attributes';
import { freePort } from '../../scripts/free-port';
import type { CapturedMail } from './smtp-capture';
import { startStack, type Stack, type StackOptions } from './stack';

export interface KillableTemporal {
  address: string;
  port: number;
  dbFile: string;
  /** Whether the server process is running. */
  running(): boolean;
  /** SIGKILL: no graceful shutdown; what is in its SQLite file survives. */
  kill(): Promise<void>;
  /** Starts it again on the same port and file, and waits until it answers. */
  start(): Promise<void>;
  /** The server's output so far (for failure messages). */
  log(): string;
  /** Kills it and deletes its state. */
  dispose(): Promise<void>;
}

/** Resolves once the frontend answers `getSystemInfo`, or rejects after `timeoutMs`. */
export async function waitForTemporal(address: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      // The default namespace is registered a moment after the frontend answers.
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      return;
    } catch (err) {
      last = err;
    } finally {
      await connection?.close().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Temporal at ${address} did not answer within ${timeoutMs} ms: ${String(last)}`);
}

/** A Temporal dev server of this test file's own, with Nudge's search attributes, persisted to a file. */
export async function startKillableTemporal(): Promise<KillableTemporal> {
  const bin = ensureTemporalCli();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nudge-faults-'));
  const dbFile = path.join(dir, 'temporal.db');
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';

  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--headless',
    '--db-filename',
    dbFile,
    '--log-level',
    'error',
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([k, t]) => ['--search-attribute', `${k}=${t}`]),
  ];

  const server: KillableTemporal = {
    address,
    port,
    dbFile,
    running: () => !!child && child.exitCode === null && child.signalCode === null,
    async start() {
      if (server.running()) throw new Error('dev server already running');
      const c = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      child = c;
      const onData = (d: Buffer) => {
        output = (output + d.toString()).slice(-20_000);
      };
      c.stdout!.on('data', onData);
      c.stderr!.on('data', onData);
      const exited = new Promise<never>((_, reject) =>
        c.once('exit', (code, signal) =>
          reject(new Error(`dev server exited (${code ?? signal}) before answering:\n${output}`)),
        ),
      );
      exited.catch(() => undefined);
      await Promise.race([waitForTemporal(address, 60_000), exited]);
    },
    async kill() {
      const c = child;
      if (!c || !server.running()) return;
      const gone = new Promise((r) => c.once('exit', r));
      process.kill(-c.pid!, 'SIGKILL');
      await gone;
    },
    log: () => output,
    async dispose() {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

export interface DeliveryFigures {
  /** Emails expected but not received (per address: expected − received, when positive). */
  lost: number;
  /** Emails received more than once: extra copies per address, plus repeated idempotency keys. */
  duplicates: number;
  /** Mails whose X-Nudge-Key repeats another's. */
  repeatedKeys: number;
}

/** Counts lost and duplicated mails of `kind` to each address, expecting `perAddress` each. */
export function deliveryFigures(
  mails: CapturedMail[],
  addresses: string[],
  perAddress: number,
  kind: (m: CapturedMail) => boolean = () => true,
): DeliveryFigures {
  let lost = 0;
  let extra = 0;
  const relevant = mails.filter(kind);
  for (const address of addresses) {
    const got = relevant.filter((m) => m.to.includes(address.toLowerCase())).length;
    if (got < perAddress) lost += perAddress - got;
    if (got > perAddress) extra += got - perAddress;
  }
  const keys = relevant.map((m) => m.key ?? '(no key)');
  const repeatedKeys = keys.length - new Set(keys).size;
  return { lost, duplicates: Math.max(extra, repeatedKeys), repeatedKeys };
}

/**
 * For a describe block: a stack whose Temporal is the block's own killable dev server (so killing it leaves the
 * shared one up for the other files). Read `stack` and `temporal` inside the tests.
 */
export function useStackOnKillableTemporal(opts: StackOptions): { stack?: Stack; temporal?: KillableTemporal } {
  const ctx: { stack?: Stack; temporal?: KillableTemporal } = {};
  const sharedAddress = process.env.NUDGE_TEST_TEMPORAL_ADDRESS;
  beforeAll(async () => {
    ctx.temporal = await startKillableTemporal();
    process.env.NUDGE_TEST_TEMPORAL_ADDRESS = ctx.temporal.address;
    try {
      ctx.stack = await startStack(opts);
    } finally {
      process.env.NUDGE_TEST_TEMPORAL_ADDRESS = sharedAddress;
    }
  }, 60_000);
  afterAll(async () => {
    // The server must answer for the worker to shut down cleanly.
    if (ctx.temporal && !ctx.temporal.running()) await ctx.temporal.start().catch(() => undefined);
    await ctx.stack?.stop();
    await ctx.temporal?.dispose();
  }, 60_000);
  return ctx;
}
