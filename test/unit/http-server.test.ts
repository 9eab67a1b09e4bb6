// The API's HTTP server (api/http-server.ts) on loopback: the keep-alive timeout it sets, and a stop during
// a request that answers it and then closes its kept connection at once, not after the keep-alive timeout.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeHttp, listenHttp } from '../../api/http-server';
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS, loadConfig } from '../../config/config';

test('listens with API_KEEP_ALIVE_TIMEOUT_MS, 65 s unless set', async () => {
  expect(loadConfig({}).keepAliveTimeoutMs).toBe(DEFAULT_KEEP_ALIVE_TIMEOUT_MS);
  expect(DEFAULT_KEEP_ALIVE_TIMEOUT_MS).toBe(65_000);
  expect(loadConfig({ API_KEEP_ALIVE_TIMEOUT_MS: '90000' }).keepAliveTimeoutMs).toBe(90_000);
  for (const bad of ['0', '-1', 'soon', '3600000'])
    expect(() => loadConfig({ API_KEEP_ALIVE_TIMEOUT_MS: bad })).toThrow(/API_KEEP_ALIVE_TIMEOUT_MS/);
  const server = await listenHttp((_req, res) => res.end('ok'), { port: 0, host: '127.0.0.1' });
  expect(server.keepAliveTimeout).toBe(65_000);
  await closeHttp(server);
});

test('a stop during a request answers it, then closes the kept connection at once', async () => {
  const server = await listenHttp((_req, res) => void setTimeout(() => res.end('done'), 300), {
    port: 0,
    host: '127.0.0.1',
  });
  const agent = new http.Agent({ keepAlive: true });
  const answer = new Promise<string>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, agent }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
    });
    req.on('error', reject);
  });
  await new Promise((r) => setTimeout(r, 100));
  const started = Date.now();
  await closeHttp(server); // server.close() alone: closed only after the keep-alive timeout (65 s)
  expect(await answer).toBe('200 done');
  expect(Date.now() - started).toBeLessThan(2_000);
  agent.destroy();
});
