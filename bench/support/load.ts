// Bounded load loops and percentiles.
import { performance } from 'node:perf_hooks';
import { cpuDiff, cpuSample } from './cpu';

export interface LoadResult {
  ops: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  latencies: number[];
  /** CPU seconds used by this process during the run. */
  cpuSelf: number;
  /** CPU seconds of the other processes that matter here (Temporal server, PostgreSQL, worker). */
  cpuOthers: Record<string, number>;
}

/**
 * Runs `op(i)` for i in [0, count) with `concurrency` calls in flight; stops starting new ones after
 * `timeLimitMs`. Latencies are per successful call, in ms.
 */
export async function runLoad(
  count: number,
  concurrency: number,
  timeLimitMs: number,
  op: (i: number) => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const cpu0 = process.cpuUsage();
  const others0 = cpuSample();
  const start = performance.now();
  const deadline = start + timeLimitMs;
  async function lane() {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      const t = performance.now();
      try {
        await op(i);
        latencies.push(performance.now() - t);
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const cpuOthers = cpuDiff(others0, cpuSample());
  return {
    ops: latencies.length,
    errors,
    firstError,
    elapsedMs,
    latencies,
    cpuSelf: (cpu.user + cpu.system) / 1e6,
    cpuOthers,
  };
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}
