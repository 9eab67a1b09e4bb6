// Replays the workflow histories recorded in test/histories/ against today's workflow code: a change that
// is not deterministic fails here (TMPRL1100) instead of in production. Refresh with `npm run history:record`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { workflowBundle } from './support/stack';
import { historiesDir } from './support/histories';

const files = readdirSync(historiesDir).filter((f) => f.endsWith('.json'));

test('histories are checked in', () => {
  expect(files.length).toBeGreaterThanOrEqual(3);
});

test.each(files)('replays %s', async (file) => {
  const history = historyFromJSON(JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8')));
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file.replace(/\.json$/, ''));
});
