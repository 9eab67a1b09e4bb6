// The Temporal dev server a test run starts (the CLI binary built by scripts/prepare.ts), with Nudge's
// search attributes registered: shared by the real-stack and the fast projects' global setups.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureTemporalCli } from '../../scripts/temporal-cli';
import { ALL_SEARCH_ATTRIBUTE_KEYS } from '../../shared/contracts/search-attributes';

export function startTestTemporal(extraArgs: string[] = []): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: ensureTemporalCli() },
      ip: '127.0.0.1',
      searchAttributes: ALL_SEARCH_ATTRIBUTE_KEYS,
      log: { format: 'pretty', level: 'warn' },
      extraArgs,
    },
  });
}
