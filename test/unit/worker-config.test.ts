// The worker's tuning from the environment: parsed and bounded at start, absent means the SDK's default.
import { loadConfig } from '../../config/config';

const env = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/nudge' } as NodeJS.ProcessEnv;

test('WORKER_STICKY_QUEUE_TIMEOUT_SECONDS: seconds, absent for the SDK default, refused when not positive', () => {
  expect(loadConfig({ ...env, WORKER_STICKY_QUEUE_TIMEOUT_SECONDS: '60' }).workerStickyQueueTimeoutSeconds).toBe(60);
  expect(loadConfig(env).workerStickyQueueTimeoutSeconds).toBeUndefined();
  for (const bad of ['0', '-5', 'soon', '7200'])
    expect(() => loadConfig({ ...env, WORKER_STICKY_QUEUE_TIMEOUT_SECONDS: bad })).toThrow(
      /WORKER_STICKY_QUEUE_TIMEOUT_SECONDS/,
    );
});
