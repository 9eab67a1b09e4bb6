// The API as api/main.ts serves it, in its own process: an idle keep-alive connection stays open past Node's
// default (the next request on it does not meet a socket the server is closing), and SIGTERM still stops
// the API at once with that connection open.
import http from 'node:http';
import { freePort } from '../scripts/free-port';
import { startStack, sleep, type Stack } from './support/stack';
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
  api.child.kill('SIGTERM'); // to tsx, which passes it on (as npm start stops the API)
  const code = await Promise.race([exited, sleep(10_000).then(() => 'still running' as const)]);
  console.log(`[api-process] SIGTERM with a kept connection open: exit ${code} after ${Date.now() - started} ms`);
  expect(code).toBe(0);
  agent.destroy();
});
