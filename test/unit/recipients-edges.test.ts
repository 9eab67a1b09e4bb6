// selectRecipients beyond recipients.test.ts: precedence of the exclusion reasons, order, and the tables.
import {
  CATEGORY_OF_ITEM,
  PREFERENCE_CATEGORIES,
  selectRecipients,
  type CandidateEmail,
  type PreferenceCategory,
} from '../../shared/recipients';
import { ITEM_KINDS } from '../../shared/reminder-types';

const allOn = Object.fromEntries(PREFERENCE_CATEGORIES.map((c) => [c, true])) as Record<PreferenceCategory, boolean>;
const allOff = Object.fromEntries(PREFERENCE_CATEGORIES.map((c) => [c, false])) as Record<PreferenceCategory, boolean>;
const email = (id: string, over: Partial<CandidateEmail> = {}): CandidateEmail => ({
  contactEmailId: id,
  contactId: `c-${id}`,
  login: 'active',
  notify: true,
  preferences: allOn,
  ...over,
});

test('every item kind maps to a preference category', () => {
  expect(new Set(PREFERENCE_CATEGORIES).size).toBe(PREFERENCE_CATEGORIES.length);
  for (const kind of ITEM_KINDS) expect(PREFERENCE_CATEGORIES).toContain(CATEGORY_OF_ITEM[kind]);
});

test('no candidates: nobody, nothing excluded', () => {
  expect(selectRecipients('chat', [])).toEqual({ recipients: [], excluded: [] });
});

test('for signatures, the signer checks come before notify and preferences', () => {
  const d = selectRecipients('signature', [
    email('signed-and-off', { pendingSigner: false, notify: false, preferences: allOff }),
    email('stranger-and-off', { notify: false }),
    email('signer-notify-off', { pendingSigner: true, notify: false, preferences: allOff }),
    email('signer-pref-off', { pendingSigner: true, preferences: { ...allOn, signatures: false } }),
  ]);
  expect(d.recipients).toEqual([]);
  expect(d.excluded.map((e) => [e.contactEmailId, e.reason])).toEqual([
    ['signed-and-off', 'already_signed'],
    ['stranger-and-off', 'not_a_signer'],
    ['signer-notify-off', 'notify_off'],
    ['signer-pref-off', 'category_off'],
  ]);
});

test('notify off is reported before the category', () => {
  expect(selectRecipients('approval', [email('a', { notify: false, preferences: allOff })]).excluded[0].reason).toBe(
    'notify_off',
  );
});

test.each(['chat', 'approval'] as const)('%s ignores signer status', (kind) => {
  const d = selectRecipients(kind, [
    email('a', { pendingSigner: false }),
    email('b', { pendingSigner: true }),
    email('c'),
  ]);
  expect(d.recipients.map((r) => r.contactEmailId)).toEqual(['a', 'b', 'c']);
});

test('input order is kept in both lists; several emails of one contact are decided one by one', () => {
  const d = selectRecipients('chat', [
    email('1', { contactId: 'same' }),
    email('2', { contactId: 'same', notify: false }),
    email('3', { login: 'pending' }),
    email('4', { preferences: { ...allOn, messages: false } }),
    email('5', { contactId: 'same', login: 'off' }),
  ]);
  expect(d.recipients).toEqual([
    { contactEmailId: '1', contactId: 'same', activationBanner: false },
    { contactEmailId: '3', contactId: 'c-3', activationBanner: true },
    { contactEmailId: '5', contactId: 'same', activationBanner: false },
  ]);
  expect(d.excluded).toEqual([
    { contactEmailId: '2', contactId: 'same', reason: 'notify_off' },
    { contactEmailId: '4', contactId: 'c-4', reason: 'category_off' },
  ]);
});

test("only the item's own category matters: everything else off still receives", () => {
  for (const kind of ITEM_KINDS) {
    const only = { ...allOff, [CATEGORY_OF_ITEM[kind]]: true };
    expect(selectRecipients(kind, [email('a', { preferences: only, pendingSigner: true })]).recipients).toHaveLength(1);
  }
});
