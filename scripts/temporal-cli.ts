// Where the Temporal CLI (dev server) binary lives, and how to build it once from the Go module proxy.
import { existsSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

// v1.5.1 is the newest tag `go install` accepts (later ones carry a `replace` directive).
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/** The cached binary, keyed by version; TEMPORAL_CLI_PATH overrides it. */
export function temporalCliPath(): string {
  if (process.env.TEMPORAL_CLI_PATH) return process.env.TEMPORAL_CLI_PATH;
  const cache = process.env.NUDGE_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'nudge');
  return path.join(cache, `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

/** Builds the binary with `go install` if it is not there yet (minutes the first time). */
export function ensureTemporalCli(): string {
  const bin = temporalCliPath();
  if (existsSync(bin)) return bin;
  if (process.env.TEMPORAL_CLI_PATH) throw new Error(`TEMPORAL_CLI_PATH=${bin} does not exist`);
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) {
    throw new Error(
      'The Temporal dev server is built with Go, which was not found on PATH. Install Go ≥ 1.25, or set TEMPORAL_ADDRESS to an existing Temporal server.',
    );
  }
  mkdirSync(path.dirname(bin), { recursive: true });
  console.log(
    `[setup] building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (a few minutes, once) into ${path.dirname(bin)}`,
  );
  const r = spawnSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
    stdio: 'inherit',
    env: { ...process.env, GOBIN: path.dirname(bin) },
  });
  if (r.status !== 0 || !existsSync(bin)) throw new Error(`go install of the Temporal CLI failed (exit ${r.status})`);
  return bin;
}
