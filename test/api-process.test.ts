// The API as api/main.ts serves it, in its own process: an idle keep-alive connection stays open past Node's
// default (the next request on it does not meet a socket the server is closing), and SIGTERM still stops
// the API at once with that connection open, or while a call to an unreachable Temporal is still retrying. It
// starts with Temporal unreachable, and with PORT=0 names the port it got.
import http from 'node:http';
import { freePort } from '../scripts/free-port';
import { startStack, sleep, type FirmHandle, type Stack } from './support/stack';
import { accountWithContacts } from './support/fixtures';
import { startTcpProxy } from './support/tcp-proxy';
import { killNudgeProcess, spawnNudgeProcess, type NudgeProcess } from './support/nudge-process';

let stack: Stack;
let api: NudgeProcess | undefined;

beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(async () => {
  await killNudgeProcess(api);
  await stack?.stop();
});

/** A firm message posted to the API process on `port` (its reminders off). */
const postMessage = (port: number, firm: FirmHandle, threadId: string, body: string) =>
  fetch(`http://127.0.0.1:${port}/v1/chat-threads/${threadId}/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${firm.apiKey}`,
      'x-acting-user': firm.ownerId,
    },
    body: JSON.stringify({ author: 'firm', body, reminders: { enabled: false } }),
  });

/** GET on `agent`: the status, whether the request went on a kept connection, and the Keep-Alive header. */
const get = (port: number, agent: http.Agent, path: string) =>
  new Promise<{ status?: number; reused: boolean; keepAlive: string }>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode, reused: req.reusedSocket, keepAlive: String(res.headers['keep-alive']) }),
      );
    });
    req.on('error', reject);
  });

test('an idle keep-alive connection outlives Node’s default; SIGTERM stops the API with it open', async () => {
  const port = await freePort();
  api = await spawnNudgeProcess(stack, 'api/main.ts', 'API listening', { PORT: String(port), LOG_LEVEL: 'info' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  expect(await get(port, agent, '/health/live')).toEqual({ status: 200, reused: false, keepAlive: 'timeout=65' });
  // With Node's default (5 s) the server closes the connection about 6 s after the answer.
  await sleep(7_000);
  expect(await get(port, agent, '/health/live')).toEqual({ status: 200, reused: true, keepAlive: 'timeout=65' });

  const started = Date.now();
  const exited = new Promise<number | null>((r) => api!.child.once('exit', (code) => r(code)));
  api.child.kill('SIGTERM'); // to tsx, which passes it on (the API is idle: its handler reports in time)
  const code = await Promise.race([exited, sleep(10_000).then(() => 'still running' as const)]);
  console.log(`[api-process] SIGTERM with a kept connection open: exit ${code} after ${Date.now() - started} ms`);
  expect(code).toBe(0);
  agent.destroy();
});

test('SIGTERM while a post’s workflow call retries against an unreachable Temporal: exit 0', async () => {
  const firm = await stack.newFirm();
  const acc = await accountWithContacts(firm, [{}]);
  const thread = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, { subject: 'Shutdown' });
  expect(thread.status).toBe(201);
  const [host, temporalPort] = stack.temporalAddress.split(':');
  const temporal = await startTcpProxy({ host, port: Number(temporalPort) });
  // A trace collector that answers after 7 s: the API's last span flush at stop lasts longer than the
  // client's longest wait between retries (5 s + 20 % jitter), so a retry falls within the stop.
  const collector = http.createServer((req, res) => {
    req.resume();
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 7_000);
  });
  const collectorPort = await freePort();
  await new Promise<void>((r) => collector.listen(collectorPort, '127.0.0.1', r));
  const port = await freePort();
  api = await spawnNudgeProcess(stack, 'api/main.ts', 'API listening', {
    PORT: String(port),
    LOG_LEVEL: 'info',
    TEMPORAL_ADDRESS: `127.0.0.1:${temporal.port}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
  });
  try {
    await temporal.close(); // Temporal gone: open connections closed, new ones refused
    const post = await postMessage(port, firm, thread.body.id, 'Please send the signed letter');
    // Saved with its workflow call in the outbox; the call goes on retrying after the answer.
    expect(post.status).toBe(201);

    const started = Date.now();
    const exited = new Promise<number | null>((r) => api!.child.once('exit', (code) => r(code)));
    api.child.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(20_000).then(() => 'still running' as const)]);
    console.log(`[api-process] SIGTERM with a Temporal call retrying: exit ${code} after ${Date.now() - started} ms`);
    expect(api.log()).not.toContain('Channel has been shut down');
    expect(code).toBe(0);
  } finally {
    collector.closeAllConnections();
    collector.close();
  }
}, 60_000);

test('Temporal unreachable at start, PORT=0: the API listens, says on which port, takes a message and is not ready', async () => {
  const firm = await stack.newFirm();
  const acc = await accountWithContacts(firm, [{}]);
  const thread = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, { subject: 'Temporal down' });
  expect(thread.status).toBe(201);
  api = await spawnNudgeProcess(stack, 'api/main.ts', '(docs at /docs)', {
    PORT: '0',
    LOG_LEVEL: 'info',
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, // nothing listens there
  });
  const port = Number(/API listening on http:\/\/localhost:(\d+)/.exec(api.log())?.[1]);
  expect(port).toBeGreaterThan(0);

  const post = await postMessage(port, firm, thread.body.id, 'Saved while Temporal is down');
  expect(post.status).toBe(201); // its workflow call waits in the outbox
  const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
  expect({ status: ready.status, temporal: ((await ready.json()) as any).checks.temporal.ok }).toEqual({
    status: 503,
    temporal: false,
  });

  const exited = new Promise<number | null>((r) => api!.child.once('exit', (code) => r(code)));
  api.child.kill('SIGTERM');
  expect(await Promise.race([exited, sleep(20_000).then(() => 'still running' as const)])).toBe(0);
}, 60_000);

test('with NODE_ENV=production the API and the worker refuse to start without the link secrets or with an http portal, naming them', async () => {
  const secret = 'a-production-secret-of-more-than-32-characters';
  const refusal = (names: string) => new RegExp(`exited \\(1\\)[\\s\\S]*${names} must be set with NODE_ENV=production`);
  for (const entry of ['api/main.ts', 'worker/main.ts']) {
    await expect(spawnNudgeProcess(stack, entry, 'listening', { NODE_ENV: 'production', PORT: '0' })).rejects.toThrow(
      refusal('PORTAL_LINK_SECRET and UNSUBSCRIBE_SECRET'),
    );
  }
  await expect(
    spawnNudgeProcess(stack, 'api/main.ts', 'listening', {
      NODE_ENV: 'production',
      PORT: '0',
      PORTAL_LINK_SECRET: secret,
    }),
  ).rejects.toThrow(refusal('UNSUBSCRIBE_SECRET'));
  // Both set, a portal link over plain http to another host is refused too (the tests' portal is one).
  await expect(
    spawnNudgeProcess(stack, 'api/main.ts', 'listening', {
      NODE_ENV: 'production',
      PORT: '0',
      PORTAL_LINK_SECRET: secret,
      UNSUBSCRIBE_SECRET: secret,
    }),
  ).rejects.toThrow(/exited \(1\)[\s\S]*PORTAL_URL must be https with NODE_ENV=production/);
  // Both set and the portal on https, it starts.
  api = await spawnNudgeProcess(stack, 'api/main.ts', '(docs at /docs)', {
    NODE_ENV: 'production',
    PORT: '0',
    PORTAL_LINK_SECRET: secret,
    UNSUBSCRIBE_SECRET: secret,
    PORTAL_URL: 'https://portal.test',
  });
  await killNudgeProcess(api);
}, 90_000);
