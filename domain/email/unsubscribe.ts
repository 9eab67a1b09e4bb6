// One-click unsubscribe (RFC 8058). Every email to a client carries a link with a signed, expiring,
// single-purpose token naming the firm, the contact email (and a digest of its address) and the category (a
// mixed digest's: each category it carries); posting it switches that off for that address. The token is an
// HMAC-SHA256 (node:crypto) under a key derived from the server secret for this purpose only, compared in
// constant time; nothing is stored to issue one, so the worker signs and the API checks with the same secret
// (UNSUBSCRIBE_SECRET).
import type { Db, Tx } from '../../prisma/client';
import { audit } from '../audit/audit';
import { DomainError } from '../errors';
import { addressDigest, hmacMatches, hmacSha256 } from '../hmac';
import { CATEGORY_OF_ITEM, type PreferenceCategory } from '../../shared/recipients';
import type { ItemKind } from '../../shared/reminder-types';
import { CATALOGS, DEFAULT_LANGUAGE, isLanguage, type Language } from './messages';
import { formatMessage } from './render';

/** What a link switches off: one preference category, or `all` (the address's notify toggle). */
export type UnsubscribeCategory = Extract<PreferenceCategory, 'messages' | 'signatures' | 'approvals'> | 'all';
export const UNSUBSCRIBE_CATEGORIES: readonly UnsubscribeCategory[] = ['messages', 'signatures', 'approvals', 'all'];

/** An item's category: what its notifications and reminders, alone or in a digest, can switch off. */
export type ItemUnsubscribeCategory = Exclude<UnsubscribeCategory, 'all'>;
const ITEM_CATEGORIES: readonly ItemUnsubscribeCategory[] = ['messages', 'signatures', 'approvals'];

/**
 * What one link switches off: a category (an item email's), `all` (an invitation's, a GDPR email's), or
 * the several item categories of a digest, each switched off on its own: a digest carries no invitation or
 * GDPR email, so its link must not stop them as `all` would (allCategoryExclusions).
 */
export type UnsubscribeTarget = UnsubscribeCategory | readonly ItemUnsubscribeCategory[];

/** The categories a target switches off, in a fixed order. */
export const categoriesOf = (target: UnsubscribeTarget): UnsubscribeCategory[] =>
  typeof target === 'string' ? [target] : ITEM_CATEGORIES.filter((c) => target.includes(c));

/** The link target of an email about items of these kinds: their category, or each of theirs. */
export function unsubscribeTargetOf(kinds: readonly ItemKind[]): UnsubscribeTarget {
  const of = new Set(kinds.map((k) => CATEGORY_OF_ITEM[k]));
  const categories = ITEM_CATEGORIES.filter((c) => of.has(c));
  return categories.length === 1 ? categories[0] : categories;
}

/** How the unsubscribe page names what a link stops, in the recipient's language. */
export function unsubscribeTargetName(language: Language, target: UnsubscribeTarget): string {
  const texts = CATALOGS[language].unsubscribe;
  const categories = categoriesOf(target);
  if (categories.length === 1) return texts.categories[categories[0]];
  const list = new Intl.ListFormat(language, { type: 'conjunction' });
  const topics = list.format(categories.map((c) => texts.topics[c as ItemUnsubscribeCategory]));
  return formatMessage(texts.several, language, { topics });
}

const COLUMN: Record<UnsubscribeCategory, 'prefMessages' | 'prefSignatures' | 'prefApprovals' | 'notify'> = {
  messages: 'prefMessages',
  signatures: 'prefSignatures',
  approvals: 'prefApprovals',
  all: 'notify',
};

/** Why an email of category `all` (an invitation, a GDPR email) does not go to an address. */
export type AllCategoryExclusion = 'bounced' | 'unsubscribed';

/**
 * The addresses an email of category `all` does not go to, with why. The firm sends these on purpose, so its
 * notify toggle (about item notifications) does not hold them back; an address that bounces does, and so does
 * the client's own one-click unsubscribe from all emails (until the firm turns notifications back on, which
 * forgets it: forgetUnsubscribes).
 */
export async function allCategoryExclusions(
  db: Pick<Db, 'emailUnsubscribe'>,
  emails: { id: string; bouncedAt: Date | null }[],
): Promise<Map<string, AllCategoryExclusion>> {
  const rest = emails.filter((e) => !e.bouncedAt).map((e) => e.id);
  const opted = rest.length
    ? await db.emailUnsubscribe.findMany({
        where: { contactEmailId: { in: rest }, category: 'all' },
        select: { contactEmailId: true },
      })
    : [];
  const unsubscribed = new Set(opted.map((u) => u.contactEmailId));
  // In the emails' order.
  const out = new Map<string, AllCategoryExclusion>();
  for (const e of emails)
    if (e.bouncedAt) out.set(e.id, 'bounced');
    else if (unsubscribed.has(e.id)) out.set(e.id, 'unsubscribed');
  return out;
}

/**
 * UNSUBSCRIBE_SECRET, UNSUBSCRIBE_URL and UNSUBSCRIBE_LINK_TTL_DAYS (in seconds); each absent one takes
 * its development default (a secret anyone can read: production sets its own, see config/config.ts).
 */
export interface UnsubscribeLinks {
  secret?: string;
  /** The public address of the API's unsubscribe route. */
  url?: string;
  ttlSeconds?: number;
}

export const DEV_UNSUBSCRIBE_SECRET = 'nudge-development-unsubscribe-secret-do-not-use-in-production';
export const DEFAULT_UNSUBSCRIBE_URL = 'http://localhost:3000/unsubscribe';
export const DEFAULT_UNSUBSCRIBE_TTL_SECONDS = 90 * 86_400;

export interface UnsubscribeClaims {
  firmId: string;
  contactEmailId: string;
  address: string;
  category: UnsubscribeTarget;
}

const PURPOSE = 'unsubscribe';

interface SignedPayload {
  /** Purpose: a token signed for anything else is refused even if its signature is good. */
  p: string;
  f: string;
  e: string;
  /** Digest of the address the email went to: the link stops working once the address is changed. */
  a: string;
  /** A category, or the list of a mixed digest's categories. */
  c: string | string[];
  /** Expiry, seconds since the epoch. */
  x: number;
}

/** A key per purpose, so a token signed for one use can never verify for another. */
const keyFor = (secret: string, purpose: string) => hmacSha256(secret, `nudge:${purpose}`);

/** Signs a token for `purpose` (exported for tests, which prove other purposes are refused). */
export function signToken(secret: string, purpose: string, claims: UnsubscribeClaims, expiresAt: Date): string {
  const payload: SignedPayload = {
    p: purpose,
    f: claims.firmId,
    e: claims.contactEmailId,
    a: addressDigest(claims.address),
    c: typeof claims.category === 'string' ? claims.category : categoriesOf(claims.category),
    x: Math.floor(expiresAt.getTime() / 1000),
  };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${hmacSha256(keyFor(secret, purpose), body).toString('base64url')}`;
}

export function unsubscribeToken(links: UnsubscribeLinks, claims: UnsubscribeClaims, now = new Date()): string {
  const ttl = links.ttlSeconds ?? DEFAULT_UNSUBSCRIBE_TTL_SECONDS;
  return signToken(links.secret ?? DEV_UNSUBSCRIBE_SECRET, PURPOSE, claims, new Date(now.getTime() + ttl * 1000));
}

export function unsubscribeUrl(links: UnsubscribeLinks, claims: UnsubscribeClaims, now = new Date()): string {
  return `${links.url ?? DEFAULT_UNSUBSCRIBE_URL}?token=${unsubscribeToken(links, claims, now)}`;
}

/** The RFC 8058 headers of an email to a client, and the link for its footer. */
export function unsubscribeHeaders(links: UnsubscribeLinks, claims: UnsubscribeClaims, now = new Date()) {
  const url = unsubscribeUrl(links, claims, now);
  return {
    url,
    headers: { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  };
}

const invalidLink = (detail: string) =>
  new DomainError('bad-request', 'invalid-unsubscribe-link', 'Invalid unsubscribe link', detail);

export interface VerifiedToken {
  firmId: string;
  contactEmailId: string;
  addressDigest: string;
  category: UnsubscribeTarget;
}

/** A signed payload's category as a target: one known category, or several distinct item categories. */
function targetOf(c: unknown): UnsubscribeTarget | null {
  if (typeof c === 'string')
    return UNSUBSCRIBE_CATEGORIES.includes(c as UnsubscribeCategory) ? (c as UnsubscribeCategory) : null;
  if (!Array.isArray(c) || !c.length || new Set(c).size !== c.length) return null;
  return c.every((x) => ITEM_CATEGORIES.includes(x as ItemUnsubscribeCategory))
    ? (c as ItemUnsubscribeCategory[])
    : null;
}

/** Checks a token's form, signature (constant time), purpose and expiry; throws a DomainError otherwise. */
export function verifyUnsubscribeToken(secret: string | undefined, token: string, now = new Date()): VerifiedToken {
  const parts = token.split('.');
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]) || !/^[A-Za-z0-9_-]+$/.test(parts[1]))
    throw invalidLink('The link is damaged: copy the whole link from the email.');
  if (!hmacMatches(keyFor(secret ?? DEV_UNSUBSCRIBE_SECRET, PURPOSE), parts[0], parts[1]))
    throw invalidLink('The link was not issued by Nudge for unsubscribing.');
  let payload: SignedPayload;
  try {
    payload = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as SignedPayload;
  } catch {
    throw invalidLink('The link is damaged: copy the whole link from the email.');
  }
  const category = targetOf(payload.c);
  if (payload.p !== PURPOSE || !category) throw invalidLink('The link was not issued for unsubscribing.');
  if (!Number.isFinite(payload.x) || payload.x * 1000 <= now.getTime())
    throw new DomainError(
      'gone',
      'unsubscribe-link-expired',
      'Unsubscribe link expired',
      'Use the link in a more recent email.',
    );
  return { firmId: payload.f, contactEmailId: payload.e, addressDigest: payload.a, category };
}

/** The address a verified token names, with its contact's language; refused if it changed since. */
async function addressOf(db: Pick<Db, 'contactEmail'>, t: VerifiedToken) {
  const email = await db.contactEmail.findFirst({
    where: { id: t.contactEmailId, firmId: t.firmId },
    select: {
      id: true,
      address: true,
      contactId: true,
      contact: { select: { language: true, firm: { select: { language: true } } } },
    },
  });
  // A deleted email, or one whose address was changed: the link was for an address this row no longer has.
  if (!email || addressDigest(email.address) !== t.addressDigest)
    throw invalidLink('The link was issued for an address that is no longer on file.');
  const own = email.contact.language ?? email.contact.firm.language;
  return { ...email, language: isLanguage(own) ? own : DEFAULT_LANGUAGE };
}

/** What the confirmation page shows before anything is changed. */
export async function describeUnsubscribe(db: Db, secret: string | undefined, token: string, now = new Date()) {
  const t = verifyUnsubscribeToken(secret, token, now);
  const email = await addressOf(db, t);
  return { address: email.address, category: t.category, language: email.language };
}

/**
 * Switches the token's categories off for its address, records each unsubscribe (shown as `unsubscribed`
 * in the reminder explainer) and writes an audit entry for each; a repeated post changes and writes nothing.
 */
export async function applyUnsubscribe(db: Db, secret: string | undefined, token: string, now = new Date()) {
  const t = verifyUnsubscribeToken(secret, token, now);
  return db.$transaction(async (tx) => {
    // The row is locked before its address is checked: an address change under way (the link's address
    // replaced by another) is waited for and then refused, rather than unsubscribing the new address. And two
    // posts at once (a mail client and its user) take turns: with the preference already off, neither update
    // would lock the row, and both would record the unsubscribe.
    await tx.$executeRaw`
      SELECT 1 FROM "ContactEmail" WHERE id = ${t.contactEmailId}::uuid AND "firmId" = ${t.firmId}::uuid FOR UPDATE`;
    const email = await addressOf(tx, t);
    const switched: UnsubscribeCategory[] = [];
    let changed = false;
    for (const category of categoriesOf(t.category)) {
      const column = COLUMN[category];
      const { count } = await tx.contactEmail.updateMany({
        where: { id: email.id, firmId: t.firmId, [column]: true },
        data: { [column]: false },
      });
      const existing = await tx.emailUnsubscribe.findUnique({
        where: { contactEmailId_category: { contactEmailId: email.id, category } },
      });
      // A click that switched the preference off again (the firm had turned it back on) is a new unsubscribe:
      // the explainer shows its date, not the first one's.
      if (!existing)
        await tx.emailUnsubscribe.create({ data: { firmId: t.firmId, contactEmailId: email.id, category } });
      else if (count > 0) await tx.emailUnsubscribe.update({ where: { id: existing.id }, data: { createdAt: now } });
      if (count > 0 || !existing) switched.push(category);
      changed ||= count > 0;
    }
    if (switched.length) {
      const links = await tx.accountContact.findMany({
        where: { contactId: email.contactId },
        select: { accountId: true },
      });
      // One entry per category, each as a single-category link writes it.
      for (const category of switched)
        await audit(tx, {
          firmId: t.firmId,
          actorId: null,
          actorType: 'client',
          action: 'contact_email.unsubscribed',
          contactId: email.contactId,
          data: {
            contactEmailId: email.id,
            category,
            via: 'one_click',
            accountIds: links.map((l) => l.accountId),
          },
        });
    }
    return { address: email.address, category: t.category, language: email.language, changed };
  });
}

/** The unsubscribe categories a change of an address's toggles switches on (notify → `all`). */
export function unsubscribeCategoriesTurnedOn(change: {
  notify?: boolean;
  preferences?: Partial<Record<PreferenceCategory, boolean>>;
}): UnsubscribeCategory[] {
  return UNSUBSCRIBE_CATEGORIES.filter((c) =>
    c === 'all' ? change.notify === true : change.preferences?.[c] === true,
  );
}

/**
 * The firm switched preferences back on: their one-click records no longer explain anything, so a later
 * switch-off by the firm reads `category_off` / `notify_off`, not `unsubscribed` with an old date. For the
 * writers of the toggles (the contact email PATCH, the bulk contact toggles), in their transaction.
 */
export async function forgetUnsubscribes(
  tx: Pick<Tx, 'emailUnsubscribe'>,
  firmId: string,
  contactEmailId: string,
  change: Parameters<typeof unsubscribeCategoriesTurnedOn>[0],
): Promise<number> {
  const categories = unsubscribeCategoriesTurnedOn(change);
  if (!categories.length) return 0;
  const { count } = await tx.emailUnsubscribe.deleteMany({
    where: { firmId, contactEmailId, category: { in: categories } },
  });
  return count;
}

/** When a one-click unsubscribe switched this category off for the address, if one did (and still stands). */
export async function unsubscribedAt(
  db: Pick<Db, 'emailUnsubscribe'>,
  contactEmailId: string,
  category: UnsubscribeCategory,
): Promise<Date | null> {
  const row = await db.emailUnsubscribe.findUnique({
    where: { contactEmailId_category: { contactEmailId, category } },
    select: { createdAt: true },
  });
  return row?.createdAt ?? null;
}

/** The unsubscribe route's view of the above, bound to the database and the secret. */
export function createUnsubscribeService(db: Db, secret: string | undefined) {
  return {
    describe: (token: string) => describeUnsubscribe(db, secret, token),
    apply: (token: string) => applyUnsubscribe(db, secret, token),
  };
}
export type UnsubscribeService = ReturnType<typeof createUnsubscribeService>;

/**
 * For the reminder explainer: an address left out because the item's category (or its notify toggle) is
 * off reads `unsubscribed` when that was a one-click unsubscribe, with when it happened.
 */
export async function unsubscribeExplainer(
  db: Db,
  firmId: string,
  kind: ItemKind,
  excluded: { contactEmailId: string; reason: string }[],
) {
  const ids = excluded.filter((e) => e.reason === 'category_off' || e.reason === 'notify_off');
  const rows = ids.length
    ? await db.emailUnsubscribe.findMany({
        where: {
          firmId,
          contactEmailId: { in: ids.map((e) => e.contactEmailId) },
          category: { in: [CATEGORY_OF_ITEM[kind], 'all'] },
        },
        select: { contactEmailId: true, category: true, createdAt: true },
      })
    : [];
  const at = (id: string, category: string) =>
    rows.find((r) => r.contactEmailId === id && r.category === category)?.createdAt;
  return (r: { contactEmailId: string; reason: string }) => {
    const when =
      r.reason === 'category_off'
        ? at(r.contactEmailId, CATEGORY_OF_ITEM[kind])
        : r.reason === 'notify_off'
          ? at(r.contactEmailId, 'all')
          : undefined;
    return when ? { reason: 'unsubscribed', unsubscribedAt: when.toISOString() } : { reason: r.reason };
  };
}
