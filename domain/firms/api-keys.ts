// Firm API keys: shown once when made, stored only as their SHA-256 hash.
import { createHash, randomBytes } from 'node:crypto';

const KEY_PREFIX = 'nk_';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function newApiKey(): { key: string; prefix: string; hash: string } {
  const key = KEY_PREFIX + randomBytes(24).toString('base64url');
  return { key, prefix: key.slice(0, 10), hash: hashApiKey(key) };
}
