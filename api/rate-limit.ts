// Per API key rate limit of /v1 (issue 9): a token bucket per key, taken by authentication as soon as the
// key is known and valid, before the acting user is checked (api/auth.ts). Each key may send `burst`
// requests at once and `perSecond` a second on average; beyond, 429 problem+json with Retry-After. Every
// answer to a request with a valid key carries the IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers):
//   RateLimit-Policy: "burst";q=<burst>;w=<seconds to refill an empty bucket>
//   RateLimit: "burst";r=<requests left now>;t=<seconds until the bucket is full again>
// Buckets live in this process's memory (one set per API process), keyed by the SHA-256 hash of the key
// (never the key itself); a bucket idle long enough to be full again is the same as a new one, so it is
// dropped, and at most `maxKeys` are kept.
import type { RequestHandler, Response } from 'express';
import { Problem } from './problem';

export interface RateLimitOptions {
  /** Bucket capacity: requests a key may send at once. 0: no limit. */
  burst: number;
  /** Refill rate: requests a second on average. 0: no limit. */
  perSecond: number;
  /** Buckets kept at most (least recently used dropped first). */
  maxKeys: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 100, perSecond: 50, maxKeys: 100_000 };

const POLICY = 'burst';

interface Bucket {
  tokens: number;
  at: number;
}

/** The token buckets, one per key, with the clock passed in (tests) . */
export function tokenBuckets(o: Pick<RateLimitOptions, 'burst' | 'perSecond' | 'maxKeys'>, now = () => Date.now()) {
  const buckets = new Map<string, Bucket>();
  const fullAfterMs = (o.burst / o.perSecond) * 1000;
  let sweptAt = now();

  /** Drops the buckets that are full again (the same as absent). */
  function sweep(t: number) {
    sweptAt = t;
    for (const [key, b] of buckets) if (t - b.at >= fullAfterMs) buckets.delete(key);
  }

  /** Takes one token for `key` if there is one; says what is left and when to come back. */
  function take(key: string): { allowed: boolean; remaining: number; resetSeconds: number; retryAfterSeconds: number } {
    const t = now();
    if (t - sweptAt >= fullAfterMs) sweep(t);
    const prior = buckets.get(key);
    const tokens = prior ? Math.min(o.burst, prior.tokens + ((t - prior.at) / 1000) * o.perSecond) : o.burst;
    const allowed = tokens >= 1;
    const left = allowed ? tokens - 1 : tokens;
    buckets.delete(key); // re-inserted last: the Map's order is least recently used first
    buckets.set(key, { tokens: left, at: t });
    if (buckets.size > o.maxKeys) buckets.delete(buckets.keys().next().value as string);
    return {
      allowed,
      remaining: Math.floor(left),
      resetSeconds: Math.ceil((o.burst - left) / o.perSecond),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - left) / o.perSecond)),
    };
  }

  return { take, size: () => buckets.size };
}

/**
 * Takes one request from the bucket of a key (its SHA-256 hash) and sets the RateLimit headers on the answer;
 * gives the 429 problem when the bucket is empty.
 */
export type RateLimit = (keyHash: string, res: Response) => Problem | undefined;

/**
 * The limit authentication takes once the key is known and valid (api/auth.ts); undefined: no limit. `subject`
 * names what is limited in the 429's detail.
 */
export function rateLimit(options: Partial<RateLimitOptions> = {}, subject = 'This API key'): RateLimit | undefined {
  const o = { ...DEFAULT_RATE_LIMIT, ...options };
  if (o.burst <= 0 || o.perSecond <= 0) return undefined;
  const buckets = tokenBuckets(o);
  const policy = `"${POLICY}";q=${o.burst};w=${Math.ceil(o.burst / o.perSecond)}`;
  return (keyHash, res) => {
    const r = buckets.take(keyHash);
    res.set('RateLimit-Policy', policy);
    res.set('RateLimit', `"${POLICY}";r=${r.remaining};t=${r.resetSeconds}`);
    if (r.allowed) return undefined;
    res.set('Retry-After', String(r.retryAfterSeconds));
    return new Problem(
      429,
      'rate-limited',
      'Too many requests',
      `${subject} may send ${o.burst} requests at once and ${o.perSecond} a second; retry in ${r.retryAfterSeconds} s.`,
    );
  };
}

/** The bucket of a client address: an IPv6 client by its /64, which one host or network is given whole. */
export function clientBucket(ip: string): string {
  if (!ip.includes(':') || /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip)) return `ip:${ip.replace(/^::ffff:/i, '')}`;
  const [head, tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `ip6:${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * The public routes' limit (the client pages, one-click unsubscribe, the portal's accept): no API key names the
 * caller, so a bucket per client address (an IPv6 one by its /64). Behind a proxy that API_TRUST_PROXY does not
 * name, every request comes from the proxy's address: one bucket for all clients would refuse them all, so a
 * request carrying X-Forwarded-For is then let through, and `untrusted` is told once. Undefined: no limit.
 */
export function clientRateLimit(
  options: Partial<RateLimitOptions>,
  opts: { proxyTrusted: boolean; untrusted?: () => void },
): RequestHandler | undefined {
  const limit = rateLimit(options, 'This address');
  if (!limit) return undefined;
  let told = false;
  return (req, res, next) => {
    if (!opts.proxyTrusted && req.get('x-forwarded-for') !== undefined) {
      if (!told) {
        told = true;
        opts.untrusted?.();
      }
      return next();
    }
    next(limit(clientBucket(req.ip ?? ''), res));
  };
}
