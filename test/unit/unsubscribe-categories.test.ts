// A mixed digest's unsubscribe link names each category it carries (never `all`, which would stop the firm's
// invitations and GDPR emails too); links signed the old way, with one category, keep working; the page names
// what stops in each language.
import {
  unsubscribeTargetName,
  unsubscribeTargetOf,
  unsubscribeToken,
  verifyUnsubscribeToken,
} from '../../domain/email/unsubscribe';
import { addressDigest, hmacSha256 } from '../../domain/hmac';
import { DomainError } from '../../domain/errors';
import { LANGUAGES } from '../../domain/email/messages';

const secret = 'unit-test-secret-unit-test-secret-0123456789';
const base = {
  firmId: '6f1c3f4e-8a53-4d1e-9a47-2f0f8e0c1a11',
  contactEmailId: '0b7e9d4c-3a1f-4c55-8f0e-1d2c3b4a5e66',
  address: 'anna@example.test',
};
const now = new Date(Date.UTC(2026, 11, 2, 9));
const links = { secret, ttlSeconds: 3600 };

/** A token signed as the code before several categories did (`c` a single category), or with any `c`. */
function signedTheOldWay(c: unknown): string {
  const x = Math.floor(now.getTime() / 1000) + 3600;
  const payload = { p: 'unsubscribe', f: base.firmId, e: base.contactEmailId, a: addressDigest(base.address), c, x };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${hmacSha256(hmacSha256(secret, 'nudge:unsubscribe'), body).toString('base64url')}`;
}

const slugOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err.slug;
    throw err;
  }
  return 'accepted';
};

test('a digest’s target: its items’ one category, or each of a mixed digest’s, never `all`', () => {
  expect(unsubscribeTargetOf(['chat', 'chat'])).toBe('messages');
  expect(unsubscribeTargetOf(['approval', 'chat', 'approval'])).toEqual(['messages', 'approvals']);
  expect(unsubscribeTargetOf(['signature', 'approval', 'chat'])).toEqual(['messages', 'signatures', 'approvals']);
});

test('a token with several categories verifies with them; one with a single category is signed as before', () => {
  const several = unsubscribeToken(links, { ...base, category: ['approvals', 'messages'] }, now);
  expect(verifyUnsubscribeToken(secret, several, now).category).toEqual(['messages', 'approvals']);
  const single = unsubscribeToken(links, { ...base, category: 'messages' }, now);
  expect(JSON.parse(Buffer.from(single.split('.')[0], 'base64url').toString()).c).toBe('messages');
});

test('links already sent (one category, or `all`) keep working', () => {
  for (const c of ['messages', 'signatures', 'approvals', 'all'])
    expect(verifyUnsubscribeToken(secret, signedTheOldWay(c), now).category).toBe(c);
});

test('a signed list that is not distinct item categories is refused', () => {
  for (const c of [[], ['all'], ['messages', 'all'], ['messages', 'messages'], ['invoices'], [1], 'invoices', null])
    expect(slugOf(() => verifyUnsubscribeToken(secret, signedTheOldWay(c), now))).toBe('invalid-unsubscribe-link');
});

test('the page names what stops, in each language', () => {
  const several = ['messages', 'approvals'] as const;
  expect(unsubscribeTargetName('en', several)).toBe('emails about messages and documents to approve');
  expect(unsubscribeTargetName('en', ['messages', 'signatures', 'approvals'])).toBe(
    'emails about messages, documents to sign, and documents to approve',
  );
  expect(unsubscribeTargetName('de', several)).toBe('E-Mails zu Nachrichten und Dokumenten zur Freigabe');
  expect(unsubscribeTargetName('es', several)).toBe('los correos sobre mensajes y documentos para aprobar');
  expect(unsubscribeTargetName('it', several)).toBe('le email sui messaggi e sui documenti da approvare');
  expect(unsubscribeTargetName('fr', several)).toBe('les e-mails concernant vos messages et les documents à approuver');
  for (const language of LANGUAGES) expect(unsubscribeTargetName(language, 'all')).toBeTruthy();
  expect(unsubscribeTargetName('en', 'messages')).toBe('emails about messages');
});
