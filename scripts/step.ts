// One line per set-up step, `[setup] <what>: <outcome> (<seconds> s)`, so a slow start shows where its time went.

export const elapsed = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** Runs `fn` and prints its outcome with the time it took; a failure is rethrown with the step's name. */
export async function step<T extends string>(tag: string, what: string, fn: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const outcome = await fn();
    console.log(`[${tag}] ${what}: ${outcome} (${elapsed(started)})`);
    return outcome;
  } catch (err) {
    throw new Error(`${what}: ${err instanceof Error ? err.message : err} (after ${elapsed(started)})`);
  }
}
