// Node 22+ sizes V8's young generation from the machine's memory (64 MiB semi-spaces here against Node 20's
// 16): on Node 24 the worker peaked at 812-895 MiB with 3,000 reminders due at once, 647-675 MiB with
// Node 20's size, at the same rate (bench/README.md, the run of 2026-12-05, 16:45). The Dockerfile sets the
// same; on Node 20 it changes nothing.
const YOUNG_GENERATION = '--max-semi-space-size=16';

/** `env` with Node 20's young generation added to NODE_OPTIONS, unless the operator chose a size. */
export function withYoungGeneration(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const options = env.NODE_OPTIONS?.trim() ?? '';
  if (/(^|\s)--max[-_]semi[-_]space[-_]size\b/.test(options)) return env;
  return { ...env, NODE_OPTIONS: options ? `${options} ${YOUNG_GENERATION}` : YOUNG_GENERATION };
}
