// Benchmark configuration from the environment, logging, and cleanup on exit.
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const PORTAL_URL = 'http://portal.bench';

export function envInt(name: string, def: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return Math.floor(n);
}

export function envList(name: string, def: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return def;
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n <= 0))
    throw new Error(`${name} must be a comma-separated list of positive integers, got ${JSON.stringify(raw)}`);
  return list;
}

export function envBool(name: string, def: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  return !['0', 'false', 'no', 'off'].includes(raw.toLowerCase());
}

const t0 = Date.now();
export function log(msg: string): void {
  const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
  console.log(`[bench ${s}s] ${msg}`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Cleanup steps (drop the database, stop Temporal and the worker), run in reverse order by `run()` at the
 * end, or on SIGINT/SIGTERM, after which the process exits 130 (at the latest 20 s later).
 */
export function cleanupOnExit(onSignal?: () => void) {
  const steps: (() => Promise<unknown> | unknown)[] = [];
  const run = async () => {
    for (const step of steps.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        console.error('[bench] cleanup:', err instanceof Error ? err.message : err);
      }
    }
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      console.error(`[bench] ${sig}: stopping and cleaning up`);
      onSignal?.();
      const hard = setTimeout(() => process.exit(130), 20_000);
      void run().then(() => {
        clearTimeout(hard);
        process.exit(130);
      });
    });
  }
  return { steps, run };
}
