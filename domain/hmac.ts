// HMAC-SHA256 for the signed links Nudge puts in emails (portal links, unsubscribe links): one way to sign
// and one constant-time check, so each link format only says what it signs.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const hmacSha256 = (key: string | Buffer, data: string): Buffer =>
  createHmac('sha256', key).update(data).digest();

/**
 * Whether `signature` (base64url) is the HMAC of `data` under `key`, compared in constant time. Only its one
 * canonical spelling: Node's decoder skips characters it does not know (a "=" or "!" added) and ignores the
 * unused bits of the last one, so several texts would decode to the same signature.
 */
export function hmacMatches(key: string | Buffer, data: string, signature: string): boolean {
  const expected = hmacSha256(key, data);
  const given = Buffer.from(signature, 'base64url');
  if (given.toString('base64url') !== signature) return false;
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What a signed link keeps of the address it was sent to: a link for an address since changed is refused. */
export const addressDigest = (address: string): string =>
  createHash('sha256').update(address.trim().toLowerCase()).digest().subarray(0, 16).toString('base64url');
