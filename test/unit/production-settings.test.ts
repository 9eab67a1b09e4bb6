// The links in client emails as configured (config/config.ts): their defaults follow PORT, and a production process
// refuses links a client could not safely use (plain http to another machine) and warns of links to itself.
import { loadConfig, requireProductionSettings } from '../../config/config';

const secret = 'a-production-secret-of-more-than-32-characters';
const production = { NODE_ENV: 'production', PORTAL_LINK_SECRET: secret, UNSUBSCRIBE_SECRET: secret };
const check = (env: Record<string, string>) => requireProductionSettings(loadConfig(env), env);

test('unset, the portal and unsubscribe links point at this API on its PORT (3000 for any free port)', () => {
  const onPort = loadConfig({ PORT: '8080' });
  expect([onPort.portalUrl, onPort.unsubscribe.url]).toEqual([
    'http://localhost:8080/portal',
    'http://localhost:8080/unsubscribe',
  ]);
  const anyPort = loadConfig({ PORT: '0' });
  expect([anyPort.portalUrl, anyPort.unsubscribe.url]).toEqual([
    'http://localhost:3000/portal',
    'http://localhost:3000/unsubscribe',
  ]);
});

test('in production, a link over plain http to another machine is refused, naming it', () => {
  expect(() => check({ ...production, UNSUBSCRIBE_URL: 'http://crm.example.com/unsubscribe' })).toThrow(
    /UNSUBSCRIBE_URL must be https with NODE_ENV=production/,
  );
  expect(() =>
    check({
      ...production,
      PORTAL_URL: 'http://clients.example.com',
      UNSUBSCRIBE_URL: 'http://crm.example.com/unsubscribe',
    }),
  ).toThrow(/PORTAL_URL and UNSUBSCRIBE_URL must be https/);
  // The secrets are named first: without them nothing else matters.
  expect(() => check({ NODE_ENV: 'production', PORTAL_URL: 'http://clients.example.com' })).toThrow(
    /PORTAL_LINK_SECRET and UNSUBSCRIBE_SECRET must be set/,
  );
});

test('in production, https links pass; links to this machine (a trial of the image) only warn', () => {
  expect(
    check({
      ...production,
      PORTAL_URL: 'https://clients.example.com/portal',
      UNSUBSCRIBE_URL: 'https://crm.example.com/unsubscribe',
    }),
  ).toEqual([]);
  const warnings = check({ ...production, UNSUBSCRIBE_URL: 'https://crm.example.com/unsubscribe' });
  expect(warnings).toEqual([expect.stringMatching(/^PORTAL_URL is http:\/\/localhost:3000\/portal: client emails/)]);
  expect(check({ ...production, PORTAL_URL: 'http://127.0.0.1:3000/portal' })).toHaveLength(2);
});

test('outside production nothing is required or warned of', () => {
  expect(check({ PORTAL_URL: 'http://clients.example.com' })).toEqual([]);
});

test.each([
  'http://127.0.0.2:3000/portal',
  'http://localhost.:3000/portal',
  'http://app.localhost/portal',
  'http://[::ffff:127.0.0.1]/portal',
  'http://[0:0::1]/portal',
  'http://LOCALHOST/portal',
])('in production, %s is this machine: a warning, not a refusal', (url) => {
  expect(check({ ...production, PORTAL_URL: url, UNSUBSCRIBE_URL: 'https://crm.example.com/unsubscribe' })).toEqual([
    expect.stringMatching(/^PORTAL_URL is /),
  ]);
});
