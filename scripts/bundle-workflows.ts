// The last step of `npm run build`: bundles the compiled workflows (dist/workflows) once, so that a worker
// started from dist/ loads the bundle instead of running webpack itself (worker/workflow-bundle.ts).
import path from 'node:path';
import { writeWorkflowBundles } from '../worker/workflow-bundle';

async function main() {
  const started = performance.now();
  const files = await writeWorkflowBundles();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`workflow bundles: ${files.map((f) => path.relative(process.cwd(), f)).join(', ')} (${seconds} s)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
