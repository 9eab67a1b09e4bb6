// The API's HTTP server: how long it keeps an idle keep-alive connection, and a stop that lets the requests
// in flight answer without holding their connections open afterwards.
import type { RequestListener, Server } from 'node:http';
import { createServer } from 'node:http';
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS } from '../config/config';

export interface HttpServerOptions {
  port: number;
  host?: string;
  /** API_KEEP_ALIVE_TIMEOUT_MS; absent: its default. */
  keepAliveTimeoutMs?: number;
}

/** Serves `app` and resolves once it listens. */
export function listenHttp(app: RequestListener, o: HttpServerOptions): Promise<Server> {
  const server = createServer(app);
  server.keepAliveTimeout = o.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/**
 * Stops accepting connections and resolves once every connection is gone. close() ends the idle ones, but a
 * connection whose request is in flight would stay open for the keep-alive timeout after its answer: each is
 * closed as soon as it is idle.
 */
export function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    server.close((err) => {
      clearInterval(sweep);
      if (err) reject(err);
      else resolve();
    });
  });
}
