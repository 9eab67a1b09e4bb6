// Finds the Temporal CLI (it holds the dev server), in this order:
//   1. TEMPORAL_CLI_PATH;
//   2. `temporal` on PATH, if its version is at least MIN_CLI_VERSION;
//   3. a binary this machine already has in the cache (an SDK download or a go build, below);
//   4. the Temporal SDK's own download (temporal.download), only when that host answers: offline it fails
//      within a second and we fall through;
//   5. `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` into the cache (minutes, once).
// The cache is NUDGE_CACHE_DIR, ~/.cache/nudge by default.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

// v1.5.1 is the newest tag `go install` accepts (later ones carry a `replace` directive).
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
/** Oldest CLI on PATH we accept: the dev-server and operator flags we use are there from this version on. */
export const MIN_CLI_VERSION = '1.3.0';
const DOWNLOAD_HOST = 'https://temporal.download/';
const REACHABLE_TIMEOUT_MS = 3_000;

export interface FoundCli {
  path: string;
  /** How it was found, for the setup line. */
  how: string;
}

export const cacheDir = () => process.env.NUDGE_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'nudge');
const goBuildPath = () => path.join(cacheDir(), `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
const sdkDownloadDir = () => path.join(cacheDir(), 'temporal-cli-sdk-download');

/** The go-built binary's path (the historical location); TEMPORAL_CLI_PATH overrides it. */
export function temporalCliPath(): string {
  return process.env.TEMPORAL_CLI_PATH ?? goBuildPath();
}

/** `temporal --version` as [major, minor, patch], or undefined when it does not run. */
function cliVersion(bin: string): number[] | undefined {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const m = r.status === 0 ? /(\d+)\.(\d+)\.(\d+)/.exec(r.stdout) : null;
  return m ? m.slice(1).map(Number) : undefined;
}

/** A release at least `min`, or a `go install` build, which calls itself 0.0.0-DEV (as our own build does). */
const acceptable = (v: number[], min: string) => atLeast(v, min) || v.join('.') === '0.0.0';

const atLeast = (v: number[], min: string) => {
  const m = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (v[i] !== m[i]) return v[i] > m[i];
  return true;
};

function onPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = dir && path.join(dir, 'temporal');
    if (candidate && existsSync(candidate)) return candidate;
  }
  return undefined;
}

let found: FoundCli | undefined;
const notices: string[] = [];

/** Steps 1–3: a binary already on this machine, or undefined. Memoised for the process. */
export function findTemporalCli(): FoundCli | undefined {
  if (found) return found;
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} does not exist`);
    return (found = { path: fromEnv, how: 'TEMPORAL_CLI_PATH' });
  }
  const system = onPath();
  if (system) {
    const v = cliVersion(system);
    if (v && acceptable(v, MIN_CLI_VERSION)) {
      return (found = { path: system, how: `${v.join('.') === '0.0.0' ? 'a source build' : v.join('.')} on PATH` });
    }
    notices.push(`${system} is ${v ? `version ${v.join('.')}` : 'not runnable'}, need ≥ ${MIN_CLI_VERSION}; not used`);
  }
  const downloaded = cachedSdkDownload();
  if (downloaded) return (found = { path: downloaded, how: 'SDK download, cached' });
  if (existsSync(goBuildPath()))
    return (found = { path: goBuildPath(), how: `go build ${TEMPORAL_CLI_VERSION}, cached` });
  return undefined;
}

function cachedSdkDownload(): string | undefined {
  const dir = sdkDownloadDir();
  if (!existsSync(dir)) return undefined;
  const file = readdirSync(dir).find((f) => f.startsWith('temporal-') && !f.endsWith('.part'));
  return file && path.join(dir, file);
}

/** Synchronous form for test and bench setups: a binary on this machine, else the go build. */
export function ensureTemporalCli(): string {
  return (findTemporalCli() ?? goInstall()).path;
}

/** Steps 1–5, for scripts/prepare.ts: returns the binary and how it was found; notices explain skipped ones. */
export async function prepareTemporalCli(): Promise<FoundCli & { notices: string[] }> {
  const local = findTemporalCli();
  if (local) return { ...local, notices };
  const download = await sdkDownload();
  return { ...(download ?? goInstall()), notices };
}

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(REACHABLE_TIMEOUT_MS) });
    return true;
  } catch {
    return false;
  }
}

/**
 * The SDK downloads its default CLI when a dev server is first started with `cached-download`; we start one
 * into a scratch folder, stop it, and keep the binary (the SDK would delete its copy after a day).
 */
async function sdkDownload(): Promise<FoundCli | undefined> {
  if (!(await reachable(DOWNLOAD_HOST))) {
    notices.push(`${DOWNLOAD_HOST} not reachable: no SDK download`);
    return undefined;
  }
  mkdirSync(cacheDir(), { recursive: true });
  const scratch = mkdtempSync(path.join(cacheDir(), 'download-'));
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir: scratch }, ip: '127.0.0.1' },
    });
    await env.teardown();
    const file = readdirSync(scratch).find((f) => f.startsWith('temporal-'));
    if (!file) throw new Error('no binary in the download folder');
    const target = path.join(sdkDownloadDir(), file);
    mkdirSync(sdkDownloadDir(), { recursive: true });
    copyFileSync(path.join(scratch, file), `${target}.part`);
    renameSync(`${target}.part`, target);
    return (found = { path: target, how: 'SDK download' });
  } catch (err) {
    notices.push(`SDK download failed (${err instanceof Error ? err.message.split('\n')[0] : err})`);
    return undefined;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function goInstall(): FoundCli {
  const bin = goBuildPath();
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) {
    throw new Error(
      [
        'No Temporal CLI found: TEMPORAL_CLI_PATH is not set, no usable `temporal` is on PATH, and the SDK download',
        'is unreachable; building it needs Go ≥ 1.25, not found on PATH. Install one of them, or set',
        'TEMPORAL_ADDRESS to an existing Temporal server.',
        ...notices.map((n) => `  (${n})`),
      ].join('\n'),
    );
  }
  mkdirSync(path.dirname(bin), { recursive: true });
  console.log(`[setup] Temporal CLI: building ${TEMPORAL_CLI_VERSION} with go install (a few minutes, once)…`);
  const r = spawnSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, GOBIN: path.dirname(bin) },
  });
  if (r.status !== 0 || !existsSync(bin)) {
    // go prints one "downloading" line per module on stderr: only worth showing when it failed.
    throw new Error(`go install of the Temporal CLI failed (exit ${r.status}):\n${r.stderr.trim().slice(-4000)}`);
  }
  return (found = { path: bin, how: `go build ${TEMPORAL_CLI_VERSION}` });
}
