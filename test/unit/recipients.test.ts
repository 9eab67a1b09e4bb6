import { selectRecipients, type CandidateEmail } from '../../shared/recipients';

const prefs = {
  documentUploads: true,
  signatures: true,
  approvals: true,
  messages: true,
  proposals: true,
  questionnaires: true,
  invoices: true,
  clientRequests: true,
};
const email = (id: string, over: Partial<CandidateEmail> = {}): CandidateEmail => ({
  contactEmailId: id,
  contactId: `c-${id}`,
  login: 'active',
  notify: true,
  preferences: prefs,
  ...over,
});

test('notify on and the matching category on: included', () => {
  expect(selectRecipients('chat', [email('a')]).recipients).toEqual([
    { contactEmailId: 'a', contactId: 'c-a', activationBanner: false },
  ]);
});

test('notify off excludes, whatever the preferences', () => {
  expect(selectRecipients('chat', [email('a', { notify: false })]).excluded).toEqual([
    { contactEmailId: 'a', contactId: 'c-a', reason: 'notify_off' },
  ]);
});

test.each([
  ['chat', 'messages'],
  ['signature', 'signatures'],
  ['approval', 'approvals'],
] as const)('%s uses the %s category', (kind, category) => {
  const off = email('a', { preferences: { ...prefs, [category]: false }, pendingSigner: true });
  expect(selectRecipients(kind, [off]).excluded[0].reason).toBe('category_off');
  const otherOff = email('b', { preferences: { ...prefs, invoices: false }, pendingSigner: true });
  expect(selectRecipients(kind, [otherOff]).recipients).toHaveLength(1);
});

test('pending activation still receives, with the banner; login off receives without it', () => {
  const d = selectRecipients('approval', [email('p', { login: 'pending' }), email('o', { login: 'off' })]);
  expect(d.recipients.map((r) => [r.contactEmailId, r.activationBanner])).toEqual([
    ['p', true],
    ['o', false],
  ]);
});

test('signatures go only to signers who have not signed yet', () => {
  const d = selectRecipients('signature', [
    email('s', { pendingSigner: true }),
    email('done', { pendingSigner: false }),
    email('x'),
  ]);
  expect(d.recipients.map((r) => r.contactEmailId)).toEqual(['s']);
  expect(d.excluded.map((e) => e.reason)).toEqual(['already_signed', 'not_a_signer']);
});

test('a bouncing address is excluded with reason bounced, whatever its toggles', () => {
  const d = selectRecipients('chat', [
    email('b', { bounced: true }),
    email('o', { bounced: true, notify: false }),
    email('ok', { bounced: false }),
  ]);
  expect(d.excluded).toEqual([
    { contactEmailId: 'b', contactId: 'c-b', reason: 'bounced' },
    { contactEmailId: 'o', contactId: 'c-o', reason: 'bounced' },
  ]);
  expect(d.recipients.map((r) => r.contactEmailId)).toEqual(['ok']);
});

test('signature rules come before the bounce: a bouncing signer who signed is already_signed', () => {
  const d = selectRecipients('signature', [
    email('s', { bounced: true, pendingSigner: false }),
    email('p', { bounced: true, pendingSigner: true }),
  ]);
  expect(d.excluded.map((e) => e.reason)).toEqual(['already_signed', 'bounced']);
});
