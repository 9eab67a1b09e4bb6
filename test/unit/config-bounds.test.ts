// Settings validated at start (config/config.ts): a delay in ms beyond what a Node timer takes is refused (it
// would fire after 1 ms), and a value of spaces only counts as unset, like an empty one.
import { MAX_TIMER_MS, loadConfig } from '../../config/config';
import { loadObservabilityConfig } from '../../observability/config';

const MS_SETTINGS = [
  'DB_CONNECT_TIMEOUT_MS',
  'DB_QUERY_TIMEOUT_MS',
  'DB_IDLE_TIMEOUT_MS',
  'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS',
  'API_QUEUE_WAIT_MS',
  'API_REQUEST_TIMEOUT_MS',
  'OUTBOX_POLL_MS',
  'OUTBOX_FAST_PATH_WAIT_MS',
];

test.each(MS_SETTINGS)('%s: at most 2^31 - 1 ms, the longest a Node timer waits', (name) => {
  expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
  expect(() => loadConfig({ [name]: String(MAX_TIMER_MS) })).not.toThrow();
  for (const bad of [String(MAX_TIMER_MS + 1), '3000000000'])
    expect(() => loadConfig({ [name]: bad })).toThrow(new RegExp(`${name}: Too big`));
});

test('API_REQUEST_TIMEOUT_MS=3000000000 is refused at start, not turned into a 1 ms deadline', () => {
  expect(() => loadConfig({ API_REQUEST_TIMEOUT_MS: '3000000000' })).toThrow(/API_REQUEST_TIMEOUT_MS/);
});

test('DB_STATEMENT_TIMEOUT_MS leaves room for its query timeout, 5 s longer, within a timer', () => {
  expect(loadConfig({ DB_STATEMENT_TIMEOUT_MS: String(MAX_TIMER_MS - 5_000) }).db.statementTimeoutMs).toBe(
    MAX_TIMER_MS - 5_000,
  );
  expect(() => loadConfig({ DB_STATEMENT_TIMEOUT_MS: String(MAX_TIMER_MS - 4_999) })).toThrow(
    /DB_STATEMENT_TIMEOUT_MS/,
  );
});

test('a value of spaces only counts as unset and takes the default; a secret of spaces is still refused', () => {
  const blank = loadConfig({
    API_RATE_LIMIT_BURST: ' ',
    API_RATE_LIMIT_PER_SECOND: '\t',
    API_REQUEST_TIMEOUT_MS: '  ',
    RECONCILER_INTERVAL_SECONDS: ' \n',
    PORT: ' ',
    TEMPORAL_ADDRESS: ' ',
  });
  expect(blank.rateLimit).toEqual({ burst: 100, perSecond: 50 }); // not 0: no rate limit
  expect(blank.admission.requestTimeoutMs).toBe(15_000);
  expect(blank.reconciler.intervalSeconds).toBe(60);
  expect(blank.port).toBe(3000);
  expect(blank.temporal.address).toBe('127.0.0.1:7233');
  expect(loadConfig({ API_RATE_LIMIT_BURST: ' 7 ' }).rateLimit.burst).toBe(7);
  expect(() => loadConfig({ PORTAL_LINK_SECRET: '   ' })).toThrow(/PORTAL_LINK_SECRET/);
  expect(() => loadConfig({ UNSUBSCRIBE_SECRET: ' ' })).toThrow(/UNSUBSCRIBE_SECRET/);
});

test('WORKER_METRICS_PORT of spaces only takes the default port, not 0 (no metrics)', () => {
  expect(loadObservabilityConfig({ WORKER_METRICS_PORT: '  ' }).workerMetricsPort).toBe(9464);
  expect(loadObservabilityConfig({ WORKER_METRICS_PORT: '0' }).workerMetricsPort).toBe(0);
});

test('the links put in emails are http(s) URLs; ports are at most 65535', () => {
  for (const name of ['PORTAL_URL', 'UNSUBSCRIBE_URL']) {
    // The scheme forgotten: "portal.acme.com:" would read as one, and every link in emails would be broken.
    expect(() => loadConfig({ [name]: 'portal.acme.com:443/portal' })).toThrow(new RegExp(`${name}: must be an http`));
    expect(() => loadConfig({ [name]: 'ftp://acme.com/portal' })).toThrow(new RegExp(name));
  }
  expect(loadConfig({ PORTAL_URL: 'https://acme.com/portal/' }).portalUrl).toBe('https://acme.com/portal');
  for (const name of ['PORT', 'SMTP_PORT']) {
    expect(() => loadConfig({ [name]: '70000' })).toThrow(new RegExp(`${name}: Too big`));
    expect(() => loadConfig({ [name]: '65535' })).not.toThrow();
  }
});
