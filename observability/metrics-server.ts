// The worker's /metrics: Nudge's own metrics (observability/metrics.ts) followed by the Temporal SDK's
// runtime metrics, on one port (WORKER_METRICS_PORT), so Prometheus scrapes one target per worker. The
// SDK's metrics come from its own Prometheus exporter (Runtime.install telemetryOptions), bound to a
// loopback port nothing else reads.
import http from 'node:http';
import net from 'node:net';
import { Runtime } from '@temporalio/worker';
import { enableProcessMetrics, registry } from './metrics';

/** A free TCP port on loopback, for the SDK's internal exporter. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The SDK's metrics text, or a comment saying it is missing when its exporter does not answer. */
async function sdkMetrics(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? await res.text() : `# Temporal SDK metrics unavailable: HTTP ${res.status}\n`;
  } catch {
    return '# Temporal SDK metrics unavailable\n';
  }
}

/**
 * Serves GET /metrics on `port` (all interfaces, for Prometheus in another container). Resolves to the
 * server, or to undefined when the port is taken: the worker runs on without metrics rather than failing.
 */
export function serveWorkerMetrics(
  port: number,
  sdkMetricsUrl: string | undefined,
  warn: (message: string) => void,
): Promise<http.Server | undefined> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    void Promise.all([registry.metrics(), sdkMetricsUrl ? sdkMetrics(sdkMetricsUrl) : ''])
      .then(([own, sdk]) => res.writeHead(200, { 'content-type': registry.contentType }).end(`${own}\n${sdk}`))
      .catch(() => res.writeHead(500).end());
  });
  return new Promise((resolve) => {
    server.once('error', (err) => {
      warn(`worker metrics not served on port ${port}: ${err.message}`);
      resolve(undefined);
    });
    server.listen(port, () => resolve(server));
  });
}

/**
 * The worker process's metrics: installs the Temporal runtime with its Prometheus exporter on a free loopback
 * port (before any connection is made, as the SDK requires) and serves both on `port`. Port 0: neither.
 */
export async function startWorkerMetrics(port: number, warn: (message: string) => void) {
  if (port === 0) return undefined;
  const sdkPort = await freeLoopbackPort();
  Runtime.install({
    telemetryOptions: {
      // Prometheus naming: seconds, unit suffixes, `_total` on counters (temporal_request_total, …).
      metrics: {
        prometheus: {
          bindAddress: `127.0.0.1:${sdkPort}`,
          countersTotalSuffix: true,
          unitSuffix: true,
          useSecondsForDurations: true,
        },
      },
    },
  });
  enableProcessMetrics();
  return serveWorkerMetrics(port, `http://127.0.0.1:${sdkPort}/metrics`, warn);
}
