// The signature check of every signed link (domain/hmac.ts): only the signature's one canonical spelling passes.
import { hmacMatches, hmacSha256 } from '../../domain/hmac';

const key = 'k'.repeat(32);
const signature = hmacSha256(key, 'payload').toString('base64url');

test('the signature itself passes; another payload or key does not', () => {
  expect(hmacMatches(key, 'payload', signature)).toBe(true);
  expect(hmacMatches(key, 'payload2', signature)).toBe(false);
  expect(hmacMatches('x'.repeat(32), 'payload', signature)).toBe(false);
});

test('texts that decode to the same bytes are refused (padding, characters the decoder skips, spare bits)', () => {
  const last = signature.at(-1)!;
  // 32 bytes in 43 characters: the last one carries 4 spare bits, so 16 characters decode alike.
  const sibling = 'AEIMQUYcgkosw048'.includes(last)
    ? signature.slice(0, -1) + String.fromCharCode(last.charCodeAt(0) + 1)
    : signature;
  for (const variant of [`${signature}=`, `${signature.slice(0, 10)}!${signature.slice(10)}`, ` ${signature}`])
    expect(hmacMatches(key, 'payload', variant)).toBe(false);
  if (sibling !== signature) expect(hmacMatches(key, 'payload', sibling)).toBe(false);
});
