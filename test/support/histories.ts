// Keeps workflow histories for the replay test (test/histories/, replayed by replay.test.ts).
// NUDGE_RECORD_HISTORIES=1 (`npm run history:record`) refreshes `<name>.json`; any other value is a label,
// written as `<name>.<label>.json`, so histories of today's code join those recorded before a `patched()`
// change instead of replacing them: both kinds of run must keep replaying.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const historiesDir = path.join(__dirname, '..', 'histories');

export async function recordHistory(client: Client, name: string, workflowId: string, runId?: string) {
  const label = process.env.NUDGE_RECORD_HISTORIES;
  if (!label) return;
  const file = label === '1' ? `${name}.json` : `${name}.${label}.json`;
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  // Stack traces in failures name files relative to the project, not this machine's folders (replay reads none).
  const root = path.join(__dirname, '..', '..') + path.sep;
  writeFileSync(path.join(historiesDir, file), historyToJSON(history).split(root).join(''));
}
