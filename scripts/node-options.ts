// How `npm start` (and the bench, like for like) runs Node for our apps, as the image does (Dockerfile,
// docker-compose.yml). Measured with 3,000 reminders due at once (bench/README.md, the runs of 2026-12-05).

// Node 22+ sizes V8's young generation from the machine's memory (32 MiB semi-spaces here, new space 64,
// against Node 20's 16 and 32): on Node 24 the worker peaked at 812-895 MiB, 647-675 MiB with Node 20's size,
// at the same rate. On Node 20 it changes nothing.
const YOUNG_GENERATION = '--max-semi-space-size=16';

/** `env` with Node 20's young generation added to NODE_OPTIONS, unless the operator chose a size. */
export function withYoungGeneration(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const options = env.NODE_OPTIONS?.trim() ?? '';
  if (/(^|\s)--max[-_]semi[-_]space[-_]size\b/.test(options)) return env;
  return { ...env, NODE_OPTIONS: options ? `${options} ${YOUNG_GENERATION}` : YOUNG_GENERATION };
}

/**
 * Node flags for a worker process, before its script. Between full collections V8 let the worker's main heap
 * grow to 3 times what it kept (69 to 209 MiB on Node 24); capped at 1.5 times, the peak fell from 635-684 to
 * 457 MiB on Node 24 and from 513-527 to 454-457 on Node 20, at the same rate and CPU. Node refuses this flag in
 * NODE_OPTIONS, so it goes on the command line.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--heap-growing-percent=50'];
