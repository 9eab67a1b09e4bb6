// One-click unsubscribe tokens: signed (HMAC-SHA256), expiring, single-purpose, bound to firm, address and
// category; anything else is refused.
import {
  signToken,
  unsubscribeToken,
  unsubscribeHeaders,
  verifyUnsubscribeToken,
  DEV_UNSUBSCRIBE_SECRET,
} from '../../domain/email/unsubscribe';
import { DomainError } from '../../domain/errors';

const secret = 'unit-test-secret-unit-test-secret-0123456789';
const claims = {
  firmId: '6f1c3f4e-8a53-4d1e-9a47-2f0f8e0c1a11',
  contactEmailId: '0b7e9d4c-3a1f-4c55-8f0e-1d2c3b4a5e66',
  address: 'Anna@Example.test',
  category: 'messages' as const,
};
const now = new Date(Date.UTC(2026, 11, 2, 9));
const links = { secret, url: 'https://nudge.example/unsubscribe', ttlSeconds: 3600 };

function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('not refused');
}

test('a token verifies with its secret and names firm, email and category', () => {
  const t = verifyUnsubscribeToken(secret, unsubscribeToken(links, claims, now), now);
  expect(t).toMatchObject({ firmId: claims.firmId, contactEmailId: claims.contactEmailId, category: 'messages' });
});

test('RFC 8058 headers: the https link in angle brackets and the one-click post', () => {
  const { url, headers } = unsubscribeHeaders(links, claims, now);
  expect(url).toMatch(/^https:\/\/nudge\.example\/unsubscribe\?token=[\w-]+\.[\w-]+$/);
  expect(headers).toEqual({ 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
});

test('another secret, a changed payload or a changed signature: refused', () => {
  const token = unsubscribeToken(links, claims, now);
  expect(refusal(() => verifyUnsubscribeToken('another-secret-another-secret-0123456789', token, now)).slug).toBe(
    'invalid-unsubscribe-link',
  );
  expect(refusal(() => verifyUnsubscribeToken(DEV_UNSUBSCRIBE_SECRET, token, now)).slug).toBe(
    'invalid-unsubscribe-link',
  );
  const [body, sig] = token.split('.');
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
  const swapped = Buffer.from(JSON.stringify({ ...payload, c: 'all' })).toString('base64url');
  expect(refusal(() => verifyUnsubscribeToken(secret, `${swapped}.${sig}`, now)).kind).toBe('bad-request');
  expect(refusal(() => verifyUnsubscribeToken(secret, `${body}.${sig.slice(0, -2)}AA`, now)).kind).toBe('bad-request');
  expect(refusal(() => verifyUnsubscribeToken(secret, 'not-a-token', now)).kind).toBe('bad-request');
});

test('a token signed for another purpose is refused, even with the same secret', () => {
  const other = signToken(secret, 'portal-view', claims, new Date(now.getTime() + 3600_000));
  expect(refusal(() => verifyUnsubscribeToken(secret, other, now)).slug).toBe('invalid-unsubscribe-link');
});

test('an expired token is gone (410)', () => {
  const token = unsubscribeToken(links, claims, now);
  const later = new Date(now.getTime() + 3601_000);
  const err = refusal(() => verifyUnsubscribeToken(secret, token, later));
  expect(err.kind).toBe('gone');
  expect(err.slug).toBe('unsubscribe-link-expired');
});
