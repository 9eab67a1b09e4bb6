// The portal links that go into item emails: the item page (purpose "view") and, for a client whose login
// is still pending, the activation banner's link (purpose "activate"). Each carries a signed token for its
// one recipient, so the link works by itself on the built-in client pages; a firm's own portal
// (PORTAL_URL) gets the same paths as before, the token as an extra query parameter.
import type { ItemRef } from '../../shared/reminder-types';
import { addressDigest } from '../hmac';
import { DEFAULT_LINK_TTL_SECONDS, DEV_PORTAL_LINK_SECRET, signLink } from './links';

export interface PortalLinkOptions {
  portalUrl: string;
  /** PORTAL_LINK_SECRET; absent: the development secret. */
  secret?: string;
  /** PORTAL_LINK_TTL_DAYS in seconds; absent: 30 days. */
  ttlSeconds?: number;
}

export function portalEmailLinks(opts: PortalLinkOptions, now = Date.now()) {
  const secret = opts.secret ?? DEV_PORTAL_LINK_SECRET;
  const expiresAt = now + (opts.ttlSeconds ?? DEFAULT_LINK_TTL_SECONDS) * 1000;
  const base = opts.portalUrl.replace(/\/+$/, '');
  return {
    /** The item page's link for the contact email at `address` (the link stops working if it changes). */
    item(item: ItemRef, contactEmailId: string, address: string): string {
      const token = signLink(secret, {
        firmId: item.firmId,
        contactEmailId,
        purpose: 'view',
        expiresAt,
        item: { accountId: item.accountId, kind: item.kind, itemId: item.itemId },
        addressDigest: addressDigest(address),
      });
      return `${base}/accounts/${item.accountId}/${item.kind}/${item.itemId}?token=${token}`;
    },
    activation(firmId: string, contactEmailId: string, address: string): string {
      const token = signLink(secret, {
        firmId,
        contactEmailId,
        purpose: 'activate',
        expiresAt,
        addressDigest: addressDigest(address),
      });
      return `${base}/activate?token=${token}`;
    },
  };
}
