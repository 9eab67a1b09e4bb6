// Authorization: Bearer <firm API key> selects the firm; X-Acting-User names the firm user acting, who
// must belong to that firm. Keys are stored as SHA-256 hashes only.
import { createHash, randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Db } from '../prisma/client';
import { Problem } from './problem';

const KEY_PREFIX = 'nk_';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function newApiKey(): { key: string; prefix: string; hash: string } {
  const key = KEY_PREFIX + randomBytes(24).toString('base64url');
  return { key, prefix: key.slice(0, 10), hash: hashApiKey(key) };
}

const unauthorized = (detail: string) => new Problem(401, 'unauthorized', 'Authentication required', detail);

export function authenticate(db: Db): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return next(unauthorized('Send the firm API key as "Authorization: Bearer <key>".'));
    const key = await db.apiKey.findUnique({ where: { hash: hashApiKey(match[1]) }, select: { firmId: true, revokedAt: true } });
    if (!key || key.revokedAt) {
      res.set('WWW-Authenticate', 'Bearer');
      return next(unauthorized('The API key is unknown or revoked.'));
    }
    const actor = req.get('x-acting-user');
    if (!actor || !UUID.test(actor)) {
      return next(new Problem(400, 'acting-user-required', 'X-Acting-User header required', 'Name the firm user acting (their id) in the X-Acting-User header.', [{ field: 'headers.x-acting-user', message: 'must be a firm user id' }]));
    }
    const user = await db.firmUser.findFirst({ where: { id: actor, firmId: key.firmId }, select: { id: true, role: true, canViewAllAccounts: true } });
    if (!user) {
      return next(new Problem(403, 'unknown-acting-user', 'Unknown acting user', 'X-Acting-User is not a user of this firm.', [{ field: 'headers.x-acting-user', message: 'not a user of this firm' }]));
    }
    req.firmId = key.firmId;
    req.actorId = user.id;
    req.actor = user;
    next();
  };
}
