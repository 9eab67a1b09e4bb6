// Signed single-purpose links of the client pages: who (firm, contact email) may do what (view, reply,
// approve, sign, activate) on which item, until when. The token is its claims and an HMAC-SHA256 over
// them with a server secret (PORTAL_LINK_SECRET), so no row is needed to check it and a changed claim
// (another item, another purpose, a later expiry) breaks the signature.
import { hmacMatches, hmacSha256 } from '../hmac';
import { DomainError } from '../errors';
import { ITEM_KINDS, type ItemKind } from '../../shared/reminder-types';

/** Each action has its own purpose, so a link that may view an item cannot approve it. */
export const LINK_PURPOSES = ['view', 'reply', 'approve', 'sign', 'activate'] as const;
export type LinkPurpose = (typeof LINK_PURPOSES)[number];

export interface LinkClaims {
  firmId: string;
  /** The contact email the link was sent to: the client who acts. */
  contactEmailId: string;
  purpose: LinkPurpose;
  /** Epoch milliseconds after which the link answers "expired". */
  expiresAt: number;
  /** The item, for every purpose but `activate`. */
  item?: { accountId: string; kind: ItemKind; itemId: string };
  /**
   * Digest of the address the link was sent to (hmac.ts `addressDigest`): once the email's address changes,
   * its links stop working. Absent from links signed before it was added.
   */
  addressDigest?: string;
}

/**
 * Used when PORTAL_LINK_SECRET is not set, so `npm start` works out of the box; anyone can read it here,
 * so a deployment sets its own (the API logs a warning otherwise).
 */
export const DEV_PORTAL_LINK_SECRET = 'nudge-development-portal-link-secret-not-for-production';

/** Links in emails live this long unless configured (PORTAL_LINK_TTL_DAYS): longer than any reminder series. */
export const DEFAULT_LINK_TTL_SECONDS = 30 * 86400;

const VERSION = 'v1';

const signed = (payload: string) => `${VERSION}.${payload}`;

export function signLink(secret: string, claims: LinkClaims): string {
  const fields = [
    claims.firmId,
    claims.contactEmailId,
    claims.purpose,
    claims.expiresAt,
    claims.item?.accountId ?? '',
    claims.item?.kind ?? '',
    claims.item?.itemId ?? '',
    ...(claims.addressDigest !== undefined ? [claims.addressDigest] : []),
  ];
  const data = signed(Buffer.from(JSON.stringify(fields)).toString('base64url'));
  return `${data}.${hmacSha256(secret, data).toString('base64url')}`;
}

const invalidLink = () =>
  new DomainError(
    'forbidden',
    'portal-link-invalid',
    'This link is not valid',
    'The link is incomplete or has been changed. Open it again from your email, or ask the firm to send it again.',
  );

/**
 * The link's claims if it is genuine, meant for `purpose` and not expired: forbidden when forged, changed
 * or meant for another action, gone when expired (checked after the signature, so a forged expiry is
 * "not valid", never "expired").
 */
export function verifyLink(secret: string, token: unknown, purpose: LinkPurpose, now = Date.now()): LinkClaims {
  if (typeof token !== 'string' || token.length > 2000) throw invalidLink();
  const [version, payload, signature, extra] = token.split('.');
  if (version !== VERSION || !payload || !signature || extra !== undefined) throw invalidLink();
  if (!hmacMatches(secret, signed(payload), signature)) throw invalidLink();

  const claims = parseClaims(payload);
  if (!claims) throw invalidLink(); // signed by us, so only a different version of this code gets here
  if (claims.purpose !== purpose)
    throw new DomainError(
      'forbidden',
      'portal-link-wrong-purpose',
      'This link is for something else',
      'The link does not allow this action. Open the page again from the link in your email.',
    );
  if (claims.expiresAt <= now)
    throw new DomainError(
      'gone',
      'portal-link-expired',
      'This link has expired',
      'Links in emails work for a limited time. Ask the firm to send you a new one.',
    );
  return claims;
}

function parseClaims(payload: string): LinkClaims | null {
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(fields) || fields.length < 7 || fields.length > 8) return null;
  const [firmId, contactEmailId, purpose, expiresAt, accountId, kind, itemId, digest] = fields as unknown[];
  if (typeof firmId !== 'string' || typeof contactEmailId !== 'string' || typeof expiresAt !== 'number') return null;
  if (!LINK_PURPOSES.includes(purpose as LinkPurpose)) return null;
  if (digest !== undefined && typeof digest !== 'string') return null;
  const claims: LinkClaims = { firmId, contactEmailId, purpose: purpose as LinkPurpose, expiresAt };
  if (digest !== undefined) claims.addressDigest = digest;
  if (kind) {
    if (!ITEM_KINDS.includes(kind as ItemKind) || typeof accountId !== 'string' || typeof itemId !== 'string')
      return null;
    claims.item = { accountId, kind: kind as ItemKind, itemId };
  }
  return claims;
}
