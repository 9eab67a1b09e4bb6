// A firm's own text: every date and time style renders in the recipient's zone (a time naming it), as the
// catalogs' long dates and short times do; a straight apostrophe that would quote a value is refused at save
// with its position, and Nudge's own catalogs pass that check.
import { CATALOGS, EMAIL_KINDS, LANGUAGES } from '../../domain/email/messages';
import { checkMessage, renderEmailKind, sampleValues } from '../../domain/email/render';

const KIRITIMATI = 'Pacific/Kiritimati'; // UTC+14: 20:30 UTC on 14 March is 10:30 on 15 March there
const expiresAt = new Date(Date.UTC(2026, 2, 14, 20, 30));

const invitationWith = (body: string, language: 'en' | 'it' = 'en') =>
  renderEmailKind(
    'invitation',
    language,
    { ...sampleValues('invitation'), expiresAt },
    { override: { subject: 'x', body }, timeZone: KIRITIMATI },
  ).text;

test.each([
  ['{expiresAt, date, short}', '3/15/26'],
  ['{expiresAt, date, medium}', 'Mar 15, 2026'],
  ['{expiresAt, date}', '3/15/2026'],
  ['{expiresAt, date, full}', 'Sunday, March 15, 2026'],
  ['{expiresAt, date, ::yyyyMMMd}', 'Mar 15, 2026'],
  ['{expiresAt, time}', '10:30:00 AM GMT+14'],
  ['{expiresAt, time, short}', '10:30 AM GMT+14'],
  ['{expiresAt, time, medium}', '10:30:00 AM GMT+14'],
  ['{expiresAt, time, full}', '10:30:00 AM GMT+14'],
  ['{expiresAt, time, ::jmm}', '10:30 AM GMT+14'],
  ['{expiresAt, date, long}', 'March 15, 2026'],
])('%s renders in the recipient’s zone', (body, shown) => {
  expect(invitationWith(body)).toBe(shown);
});

test('every style agrees with the long date on the day, in the text’s language', () => {
  expect(invitationWith('{expiresAt, date, short} {expiresAt, time}; {expiresAt, date, long}')).toBe(
    '3/15/26 10:30:00 AM GMT+14; March 15, 2026',
  );
  expect(invitationWith('{expiresAt, date, short} {expiresAt, time}', 'it')).toBe('15/03/26 10:30:00 GMT+14');
});

test('a straight apostrophe before a value is refused with its line and column', () => {
  const err = checkMessage('item_reminder', 'fr', "Rappel d'{firmName}\u00a0: {itemTitle}");
  expect(err?.message).toMatch(/apostrophe before \{/);
  expect(err?.position).toEqual({ offset: 8, line: 1, column: 9 });

  const body = "Bonjour,\n\nle cabinet {firmName} attend l’élément {itemTitle}.\nDe la part d'{firmName}";
  expect(checkMessage('item_reminder', 'fr', body)?.position).toEqual({ offset: 74, line: 4, column: 13 });
  // Before a closing brace, or `#` in a plural, it quotes too.
  expect(checkMessage('item_reminder', 'it', "{daysWaiting, plural, other {dall'# giorni}}")).not.toBeNull();
  expect(checkMessage('item_reminder', 'it', "{daysWaiting, plural, other {{firmName}'}}")).not.toBeNull();
});

test('a typographic apostrophe, a doubled one and one before a letter pass, and render as written', () => {
  for (const subject of ['Rappel d’{firmName}', "Rappel d''{firmName}", "L'élément {itemTitle}"])
    expect(checkMessage('item_reminder', 'fr', subject)).toBeNull();
  const m = renderEmailKind('item_reminder', 'fr', sampleValues('item_reminder'), {
    override: { subject: "Rappel d''{firmName}, l'élément {itemTitle}", body: 'x' },
  });
  expect(m.subject).toBe("Rappel d'Studio Rossi, l'élément 2025 tax return");
});

test.each(LANGUAGES.flatMap((l) => EMAIL_KINDS.map((k) => [l, k] as const)))(
  'the %s catalog text of %s passes the apostrophe check',
  (language, kind) => {
    const texts = CATALOGS[language].emails[kind];
    expect(checkMessage(kind, language, texts.subject)).toBeNull();
    expect(checkMessage(kind, language, texts.body)).toBeNull();
  },
);

test('no catalog text anywhere has an apostrophe that quotes', () => {
  const strings = (v: unknown): string[] =>
    typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(strings) : [];
  const quoting = LANGUAGES.flatMap((l) => strings(CATALOGS[l]).filter((t) => /'[{}<>#]/.test(t.replace(/''/g, ''))));
  expect(quoting).toEqual([]);
});
