// A TCP proxy on loopback for fault tests: put it between a client (an API's or worker's database pool)
// and its server, and switch what the network does while the test runs:
// - pass: bytes flow both ways (the default);
// - blackhole: a silent partition — every socket stays open and nothing moves either way: the proxy stops
//   reading, so bytes wait in the kernel's buffers and then in the sender, as with a partitioned network
//   where TCP keeps retransmitting; new connections are accepted but not connected onwards;
// - resetAll: every open connection is reset at once (RST to both sides), as a restart or a cut would;
// - heal: back to pass; what waited flows on, in order, and connections accepted meanwhile connect onwards.
// Connections a client gave up on during the blackhole are closed by that client and go away with it.
import net from 'node:net';

export type ProxyMode = 'pass' | 'blackhole';

export interface TcpProxy {
  /** The proxy's own port on 127.0.0.1. */
  port: number;
  /** `url` with its host and port replaced by the proxy's (e.g. a postgresql:// URL). */
  urlFor(url: string): string;
  mode(): ProxyMode;
  /** Client connections open now. */
  openConnections(): number;
  pass(): void;
  blackhole(): void;
  /** Resets every open connection (both sides); the mode stays as it is. */
  resetAll(): void;
  /** Same as pass(): the partition ends. */
  heal(): void;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream?: net.Socket;
}

/** Starts a proxy to `target` on a free loopback port. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  const pairs = new Set<Pair>();

  const destroy = (p: Pair, reset: boolean) => {
    pairs.delete(p);
    for (const s of [p.client, p.upstream]) {
      if (!s || s.destroyed) continue;
      if (reset) s.resetAndDestroy();
      else s.destroy();
    }
  };

  /** Connects a pair onwards; bytes are forwarded by hand (not piped) so pause() alone stops them. */
  const connectUpstream = (p: Pair) => {
    const upstream = net.connect(target.port, target.host);
    p.upstream = upstream;
    upstream.on('error', () => destroy(p, false));
    upstream.on('close', () => destroy(p, false));
    upstream.on('data', (d) => p.client.write(d));
    p.client.on('data', (d) => upstream.write(d));
    p.client.resume();
  };

  const server = net.createServer((client) => {
    const pair: Pair = { client };
    pairs.add(pair);
    client.on('error', () => destroy(pair, false));
    client.on('close', () => destroy(pair, false));
    client.pause();
    if (mode === 'pass') connectUpstream(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  const proxy: TcpProxy = {
    port,
    urlFor(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    mode: () => mode,
    openConnections: () => pairs.size,
    pass() {
      mode = 'pass';
      for (const p of pairs) {
        if (!p.upstream) connectUpstream(p);
        else {
          p.client.resume();
          p.upstream.resume();
        }
      }
    },
    blackhole() {
      mode = 'blackhole';
      for (const p of pairs) {
        p.client.pause();
        p.upstream?.pause();
      }
    },
    resetAll() {
      for (const p of [...pairs]) destroy(p, true);
    },
    heal: () => proxy.pass(),
    async close() {
      for (const p of [...pairs]) destroy(p, false);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
