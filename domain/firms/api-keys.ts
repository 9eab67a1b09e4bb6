// Firm API keys (issue 9): shown once when made, stored only as their SHA-256 hash; owners and admins
// create, list and revoke them. A revoked key stops working within the API's principal cache (5 s).
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../prisma/client';
import type { Actor } from '../access/access';
import { audit } from '../audit/audit';
import { conflict, forbidden, notFound } from '../errors';
import { hotQuery, hotSql } from '../outbox/hot-sql';

const KEY_PREFIX = 'nk_';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function newApiKey(): { key: string; prefix: string; hash: string } {
  const key = KEY_PREFIX + randomBytes(24).toString('base64url');
  return { key, prefix: key.slice(0, 10), hash: hashApiKey(key) };
}

function requireKeyManager(actor: Actor): void {
  if (actor.role === 'employee') throw forbidden('Only the owner and admins may create, list or revoke API keys.');
}

type KeyRow = {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

const presentKey = (k: KeyRow) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
});

/** A new key; the answer is the only place the key itself ever appears. */
export async function createApiKey(db: Db, firmId: string, actor: Actor, input: { name: string }) {
  requireKeyManager(actor);
  const made = newApiKey();
  const row = await db.$transaction(async (tx) => {
    const k = await tx.apiKey.create({ data: { firmId, name: input.name, prefix: made.prefix, hash: made.hash } });
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'api_key.created',
      data: { apiKeyId: k.id, name: k.name, prefix: k.prefix },
    });
    return k;
  });
  return { ...presentKey(row), key: made.key };
}

/** The firm's keys, newest first, revoked ones included: name, prefix, last use. */
export async function listApiKeys(db: Db, firmId: string, actor: Actor) {
  requireKeyManager(actor);
  const rows = await db.apiKey.findMany({ where: { firmId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  return { items: rows.map(presentKey) };
}

/** Revokes a key (again: no change). The firm's last working key cannot be revoked: it would lock the firm out. */
export async function revokeApiKey(db: Db, firmId: string, actor: Actor, keyId: string) {
  requireKeyManager(actor);
  const row = await db.$transaction(async (tx) => {
    // Locked in a fixed order so two revokes of the last two keys cannot both pass the check.
    await tx.$queryRaw`SELECT id FROM "ApiKey" WHERE "firmId" = ${firmId}::uuid ORDER BY id FOR UPDATE`;
    const key = await tx.apiKey.findFirst({ where: { id: keyId, firmId } });
    if (!key) throw notFound('API key', keyId);
    if (key.revokedAt) return key;
    const others = await tx.apiKey.count({ where: { firmId, revokedAt: null, id: { not: keyId } } });
    if (others === 0) {
      throw conflict('last-api-key', 'The firm’s last API key', 'Create another key before revoking this one.');
    }
    const revoked = await tx.apiKey.update({ where: { id: keyId }, data: { revokedAt: new Date() } });
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'api_key.revoked',
      data: { apiKeyId: keyId, prefix: key.prefix },
    });
    return revoked;
  });
  return presentKey(row);
}

/** Records that a key was used, at most once a minute per key (cheap enough for every authentication). */
export async function touchApiKey(db: Db, hash: string): Promise<void> {
  // On the pg pool (hot-sql.ts): the API's authentication calls it each time it looks a key up.
  await hotQuery(
    db,
    hotSql`UPDATE "ApiKey" SET "lastUsedAt" = now()
      WHERE hash = ${hash}::text AND ("lastUsedAt" IS NULL OR "lastUsedAt" < now() - interval '1 minute')`,
  );
}
