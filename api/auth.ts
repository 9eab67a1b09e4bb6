// Authorization: Bearer <firm API key> selects the firm; X-Acting-User names the firm user acting, who
// must belong to that firm. Keys are stored as SHA-256 hashes only.
import type { RequestHandler } from 'express';
import type { Db } from '../prisma/client';
import { hashApiKey, touchApiKey } from '../domain/firms/api-keys';
import { Problem } from './problem';
import { hotQuery, hotSql } from '../domain/outbox/hot-sql';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const unauthorized = (detail: string) => new Problem(401, 'unauthorized', 'Authentication required', detail);

type Principal = {
  firmId: string;
  revoked: boolean;
  user: { id: string; role: 'owner' | 'admin' | 'employee'; canViewAllAccounts: boolean } | null;
};

/**
 * Key and acting user are resolved in one query and remembered briefly: every API call needs them, and
 * a revoked key or a changed role takes effect within PRINCIPAL_TTL_MS.
 */
const PRINCIPAL_TTL_MS = 5_000;
const PRINCIPAL_CACHE_MAX = 10_000;

export function authenticate(db: Db): RequestHandler {
  const cache = new Map<string, { at: number; principal: Principal | null }>();
  // Lookups in flight, by cache key: the requests that miss together (a burst, or the entry expiring under
  // load) share one query instead of each sending its own.
  const pending = new Map<string, Promise<Principal | null>>();

  function resolve(hash: string, actorId: string): Principal | null | Promise<Principal | null> {
    const cacheKey = `${hash}:${actorId}`;
    const hit = cache.get(cacheKey);
    if (hit && Date.now() - hit.at < PRINCIPAL_TTL_MS) return hit.principal;
    let lookup = pending.get(cacheKey);
    if (!lookup) {
      lookup = load(hash, actorId, cacheKey).finally(() => pending.delete(cacheKey));
      pending.set(cacheKey, lookup);
    }
    return lookup;
  }

  async function load(hash: string, actorId: string, cacheKey: string): Promise<Principal | null> {
    // On the pg pool (hot-sql.ts), not through Prisma's query engine: it runs for every key and acting user
    // once per PRINCIPAL_TTL_MS, and several at once when the entry expires under load.
    const rows = await hotQuery<{
      firmId: string;
      revokedAt: Date | null;
      id: string | null;
      role: 'owner' | 'admin' | 'employee';
      canViewAllAccounts: boolean | null;
    }>(
      db,
      hotSql`
      SELECT k."firmId"::text AS "firmId", k."revokedAt", u.id::text AS id, u.role::text AS role, u."canViewAllAccounts"
      FROM "ApiKey" k LEFT JOIN "FirmUser" u ON u."firmId" = k."firmId" AND u.id = ${actorId}::uuid
      WHERE k.hash = ${hash}::text`,
    );
    const row = rows[0];
    const principal: Principal | null = row
      ? {
          firmId: row.firmId,
          revoked: row.revokedAt !== null,
          user: row.id ? { id: row.id, role: row.role, canViewAllAccounts: !!row.canViewAllAccounts } : null,
        }
      : null;
    // "Last used" for the key list: written off the request path, at most once a minute per key.
    if (principal && !principal.revoked) void touchApiKey(db, hash).catch(() => undefined);
    if (cache.size >= PRINCIPAL_CACHE_MAX) cache.clear();
    cache.set(cacheKey, { at: Date.now(), principal });
    return principal;
  }

  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return next(unauthorized('Send the firm API key as "Authorization: Bearer <key>".'));
    const actor = req.get('x-acting-user') ?? '';
    const resolved = resolve(hashApiKey(match[1]), UUID.test(actor) ? actor : '00000000-0000-0000-0000-000000000000');
    const principal = resolved instanceof Promise ? await resolved : resolved; // a cache hit answers at once
    if (!principal || principal.revoked) {
      res.set('WWW-Authenticate', 'Bearer');
      return next(unauthorized('The API key is unknown or revoked.'));
    }
    if (!UUID.test(actor)) {
      return next(
        new Problem(
          400,
          'acting-user-required',
          'X-Acting-User header required',
          'Name the firm user acting (their id) in the X-Acting-User header.',
          [{ field: 'headers.x-acting-user', message: 'must be a firm user id' }],
        ),
      );
    }
    if (!principal.user) {
      return next(
        new Problem(403, 'unknown-acting-user', 'Unknown acting user', 'X-Acting-User is not a user of this firm.', [
          { field: 'headers.x-acting-user', message: 'not a user of this firm' },
        ]),
      );
    }
    req.firmId = principal.firmId;
    req.actorId = principal.user.id;
    req.actor = principal.user;
    next();
  };
}
