// Authorization: Bearer <firm API key> selects the firm; X-Acting-User names the firm user acting, who
// must belong to that firm. Keys are stored as SHA-256 hashes only. The key's rate limit is taken as soon
// as the key is known, before the acting user is looked at.
import type { RequestHandler } from 'express';
import type { Db } from '../prisma/client';
import { hashApiKey, touchApiKey } from '../domain/firms/api-keys';
import { Problem } from './problem';
import { hotQuery, hotSql } from '../domain/outbox/hot-sql';
import type { RateLimit } from './rate-limit';
import { isUuid } from '../shared/ids';

const unauthorized = (detail: string) => new Problem(401, 'unauthorized', 'Authentication required', detail);

type ApiKey = { firmId: string; revoked: boolean };
/** The acting user as the request carries it (one object per lookup, not per request), and whether active. */
type FirmUser = {
  actor: { id: string; role: 'owner' | 'admin' | 'employee'; canViewAllAccounts: boolean };
  active: boolean;
};

/**
 * Keys and acting users are each looked up on their own and remembered briefly: every API call needs them,
 * and a revoked key, a changed role or a deactivated user takes effect within LOOKUP_TTL_MS.
 */
const LOOKUP_TTL_MS = 5_000;
/** Rows remembered at most, per kind: only rows that exist land here. */
const FOUND_MAX = 10_000;
/** Misses remembered at most, per kind: values a client made up land here, and push out only each other. */
const MISSED_MAX = 1_000;

/**
 * Lookups remembered for LOOKUP_TTL_MS from when their read began: a read that began before a revoke and
 * answered late must not make the revoked key last longer. Reads of one key in flight are shared (a burst,
 * or an entry expiring under load, sends one query), but only by requests arriving within LOOKUP_TTL_MS of its
 * start: with the database slow, a request later than that reads again rather than take an answer older.
 */
function rememberedLookups<T>() {
  const found = new Map<string, { at: number; value: T }>();
  const missed = new Map<string, number>();
  const pending = new Map<string, { at: number; lookup: Promise<T | null> }>();

  function keep(key: string, value: T | null, at: number) {
    // A read that began before the one already kept (both slow, not shared) leaves the newer answer.
    if ((found.get(key)?.at ?? missed.get(key) ?? -Infinity) > at) return;
    if (value === null) {
      if (missed.size >= MISSED_MAX) missed.clear();
      found.delete(key);
      missed.set(key, at);
    } else {
      if (found.size >= FOUND_MAX) found.clear();
      missed.delete(key);
      found.set(key, { at, value });
    }
  }

  /** The remembered value, or the read's promise (a hit answers at once, without a turn of the event loop). */
  return (key: string, read: () => Promise<T | null>): T | null | Promise<T | null> => {
    const now = Date.now();
    const hit = found.get(key);
    if (hit && now - hit.at < LOOKUP_TTL_MS) return hit.value;
    const missedAt = missed.get(key);
    if (missedAt !== undefined && now - missedAt < LOOKUP_TTL_MS) return null;
    const shared = pending.get(key);
    if (shared && now - shared.at < LOOKUP_TTL_MS) return shared.lookup;
    const entry = {
      at: now,
      lookup: read()
        .then((value) => {
          keep(key, value, now);
          return value;
        })
        .finally(() => {
          if (pending.get(key) === entry) pending.delete(key);
        }),
    };
    pending.set(key, entry);
    return entry.lookup;
  };
}

/**
 * The API's authentication, with the key's rate limit (none when absent) taken once the key is known and
 * valid, before the acting user is checked: a request with a valid key counts whatever its X-Acting-User,
 * or a made-up acting user per request would step around the limit (each costing a lookup).
 */
export function authenticate(db: Db, limit?: RateLimit): RequestHandler {
  const keys = rememberedLookups<ApiKey>();
  const users = rememberedLookups<FirmUser>();

  // On the pg pool (hot-sql.ts), not through Prisma's query engine: they run for every key and acting user
  // once per LOOKUP_TTL_MS, and several at once when the entries expire under load.
  async function readKey(hash: string): Promise<ApiKey | null> {
    const [row] = await hotQuery<{ firmId: string; revokedAt: Date | null }>(
      db,
      hotSql`SELECT k."firmId"::text AS "firmId", k."revokedAt" FROM "ApiKey" k WHERE k.hash = ${hash}::text`,
    );
    if (!row) return null;
    // "Last used" for the key list: written off the request path, at most once a minute per key.
    if (row.revokedAt === null) void touchApiKey(db, hash).catch(() => undefined);
    return { firmId: row.firmId, revoked: row.revokedAt !== null };
  }

  async function readUser(firmId: string, userId: string): Promise<FirmUser | null> {
    const [row] = await hotQuery<FirmUser['actor'] & { deactivatedAt: Date | null }>(
      db,
      hotSql`SELECT u.id::text AS id, u.role::text AS role, u."canViewAllAccounts", u."deactivatedAt"
      FROM "FirmUser" u WHERE u."firmId" = ${firmId}::uuid AND u.id = ${userId}::uuid`,
    );
    if (!row) return null;
    const actor = { id: row.id, role: row.role, canViewAllAccounts: !!row.canViewAllAccounts };
    return { actor, active: !row.deactivatedAt };
  }

  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return next(unauthorized('Send the firm API key as "Authorization: Bearer <key>".'));
    const hash = hashApiKey(match[1]);
    const keyLookup = keys(hash, () => readKey(hash));
    const key = keyLookup instanceof Promise ? await keyLookup : keyLookup;
    if (!key || key.revoked) {
      res.set('WWW-Authenticate', 'Bearer');
      return next(unauthorized('The API key is unknown or revoked.'));
    }
    const limited = limit?.(hash, res);
    if (limited) return next(limited);
    const actor = req.get('x-acting-user') ?? '';
    if (!isUuid(actor)) {
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
    const userLookup = users(`${key.firmId}:${actor.toLowerCase()}`, () => readUser(key.firmId, actor));
    const user = userLookup instanceof Promise ? await userLookup : userLookup;
    if (!user) {
      return next(
        new Problem(403, 'unknown-acting-user', 'Unknown acting user', 'X-Acting-User is not a user of this firm.', [
          { field: 'headers.x-acting-user', message: 'not a user of this firm' },
        ]),
      );
    }
    if (!user.active) {
      return next(
        new Problem(
          403,
          'acting-user-deactivated',
          'Deactivated acting user',
          'X-Acting-User was taken out of the firm; an owner or admin may make them active again.',
          [{ field: 'headers.x-acting-user', message: 'deactivated' }],
        ),
      );
    }
    req.firmId = key.firmId;
    req.actorId = user.actor.id;
    req.actor = user.actor;
    next();
  };
}
