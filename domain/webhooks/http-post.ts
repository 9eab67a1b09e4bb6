// One HTTP POST of a webhook, with a deadline, no redirects followed (a 3xx is a failed attempt), and the
// host's addresses checked again at connect time: a name that resolves to a private address now is refused
// even if it did not at registration (DNS rebinding), unless private targets are allowed.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isPrivateAddress } from './targets';

export interface PostResult {
  statusCode?: number;
  /** The answer's Retry-After header as sent (seconds or an HTTP date). */
  retryAfter?: string;
  error?: string;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback) => {
    dnsLookup(hostname, { family: options.family ?? 0, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const bad = allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (bad)
        return callback(
          Object.assign(new Error(`${hostname} resolves to ${bad.address}, a private address`), { code: 'EPRIVATE' }),
          [],
        );
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

export function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; allowPrivate: boolean },
): Promise<PostResult> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const request = (target.protocol === 'https:' ? https : http).request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        lookup: guardedLookup(opts.allowPrivate) as never,
        signal: AbortSignal.timeout(opts.timeoutMs),
      },
      (res) => {
        // The answer's body is not used; read (and drop) it so the connection is released.
        res.resume();
        const answer = { statusCode: res.statusCode, retryAfter: res.headers['retry-after'] };
        res.on('end', () => resolve(answer));
        res.on('error', () => resolve(answer));
      },
    );
    request.on('error', (err: NodeJS.ErrnoException) =>
      resolve({
        error: err.name === 'AbortError' ? `no answer within ${opts.timeoutMs} ms` : err.message.slice(0, 500),
      }),
    );
    request.end(body);
  });
}
