// The worker's tuning from the environment: parsed and bounded at start, absent (or empty) means the default.
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

test('an empty variable counts as unset, except a secret, which is refused', () => {
  const empty = loadConfig({
    ...env,
    WORKER_MAX_CACHED_WORKFLOWS: '',
    API_RATE_LIMIT_BURST: '',
    RECONCILER_INTERVAL_SECONDS: '',
    PORT: '',
  });
  expect(empty.workerMaxCachedWorkflows).toBeUndefined(); // not 0: a worker that caches no workflow
  expect(empty.rateLimit.burst).toBe(100);
  expect(empty.reconciler.intervalSeconds).toBe(60);
  expect(empty.port).toBe(3000);
  expect(() => loadConfig({ ...env, PORTAL_LINK_SECRET: '' })).toThrow(/PORTAL_LINK_SECRET/);
  expect(() => loadConfig({ ...env, UNSUBSCRIBE_SECRET: '' })).toThrow(/UNSUBSCRIBE_SECRET/);
});
