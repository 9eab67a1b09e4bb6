// Emails in the recipient's language (ICU MessageFormat): every catalog complete and valid, plurals and
// dates in the locale, firm texts checked with the parser's position, HTML derived safely from the text.
import { renderItemEmail } from '../../domain/email/item-email';
import { renderInvitationEmail } from '../../domain/email/invitation-email';
import { CATALOGS, EMAIL_KINDS, LANGUAGES } from '../../domain/email/messages';
import { checkMessage, renderEmailKind, sampleValues, textToHtml } from '../../domain/email/render';

const item = {
  firmName: 'Studio Rossi',
  accountName: 'Famiglia Bianchi',
  itemKind: 'approval' as const,
  itemTitle: 'Bilancio 2025',
  dispatchKind: 'reminder' as const,
  link: 'http://portal.test/x',
  now: new Date(Date.UTC(2026, 11, 4, 10)),
};

test.each(LANGUAGES.flatMap((l) => EMAIL_KINDS.map((k) => [l, k] as const)))(
  'the %s catalog text of %s compiles, uses only its values and renders',
  (language, kind) => {
    const texts = CATALOGS[language].emails[kind];
    expect(checkMessage(kind, language, texts.subject)).toBeNull();
    expect(checkMessage(kind, language, texts.body)).toBeNull();
    const m = renderEmailKind(kind, language, sampleValues(kind, CATALOGS[language]));
    expect(m.subject).not.toMatch(/[{}]/);
    expect(m.text).not.toMatch(/[{}]/);
  },
);

test('Italian reminder: formal text, Italian date and plural', () => {
  const m = renderItemEmail({ ...item, language: 'it', sentOn: new Date(Date.UTC(2026, 11, 1, 9)) });
  expect(m.subject).toBe('Promemoria da Studio Rossi: Bilancio 2025');
  expect(m.text).toContain('Studio Rossi è ancora in attesa che Lei esamini e approvi il documento');
  expect(m.text).toContain('Inviato in data 1 dicembre 2026 (3 giorni fa).');
  const one = renderItemEmail({ ...item, language: 'it', sentOn: new Date(Date.UTC(2026, 11, 3, 9)) });
  expect(one.text).toContain('(1 giorno fa)');
});

test('French notification: non-breaking spaces and guillemets', () => {
  const m = renderItemEmail({ ...item, dispatchKind: 'notification', itemKind: 'signature', language: 'fr' });
  expect(m.subject).toBe('Studio Rossi vous a envoyé un document à signer\u00a0: Bilancio 2025');
  expect(m.text).toContain('«\u00a0Bilancio 2025\u00a0»');
  expect(m.html).toContain('<a href="http://portal.test/x">Retrouvez-le dans votre portail client</a>');
});

test('German invitation: plural of days and the German date', () => {
  const m = renderInvitationEmail({
    firmName: 'Kanzlei Weber',
    contactName: 'Jonas Keller',
    link: 'http://portal.test/inv',
    expiresAt: new Date(Date.UTC(2026, 2, 14, 17, 30)),
    validDays: 1,
    resend: true,
    language: 'de',
  });
  expect(m.subject).toBe('Kanzlei Weber lädt Sie zum Mandantenportal ein (neuer Link)');
  expect(m.text).toContain('Guten Tag Jonas Keller,');
  expect(m.text).toContain('1 Tag gültig: bis zum 14. März 2026, 17:30 UTC.');
});

test('a firm text replaces the catalog, the personal message and banner still fit in', () => {
  const m = renderItemEmail({
    ...item,
    language: 'es',
    override: { subject: 'Aviso de {firmName}', body: 'Hola:\n\n{message}\n\nEnlace: {link}' },
    message: 'Gracias',
    activationLink: 'http://portal.test/act',
  });
  expect(m.subject).toBe('Aviso de Studio Rossi');
  expect(m.text).toMatch(/^Active su cuenta\n/);
  expect(m.text).toContain('Hola:\n\nGracias\n\nEnlace: http://portal.test/x');
});

describe('checking a firm text', () => {
  test('a syntax error reports the parser position (line, column, offset)', () => {
    const err = checkMessage('item_reminder', 'it', 'Gentile cliente,\nla pratica {itemTitle è in attesa');
    expect(err?.position).toEqual({ line: 2, column: 12, offset: 28 });
    expect(err?.message).toMatch(/not a valid ICU message/);
  });

  test('an unknown value is refused where it is named', () => {
    const err = checkMessage('invitation', 'en', 'Hi {firstName}');
    expect(err?.message).toMatch(/unknown value \{firstName\}/);
    expect(err?.position).toEqual({ line: 1, column: 4, offset: 3 });
  });

  test('a value used with the wrong type fails with sample values', () => {
    expect(checkMessage('item_notification', 'en', 'Since {firmName, date, long}')?.message).toMatch(/sample values/);
  });

  test('every branch of a select is formatted, and a message present as well as absent', () => {
    const branch = '{itemKind, select, chat {Sent {itemTitle, date, long}} other {ok}}';
    expect(checkMessage('item_notification', 'en', branch)?.message).toMatch(/sample values/);
    expect(checkMessage('item_notification', 'en', 'Note: {message, date, long}')?.message).toMatch(/sample values/);
    expect(
      checkMessage('invitation', 'en', '{named, select, no {{contactName, time, short}} other {Hi}}'),
    ).not.toBeNull();
  });

  test('a firm text that still cannot format its values falls back to the built-in text', () => {
    const values = { ...sampleValues('item_notification'), message: 'Please sign by Friday.' };
    const override = { subject: 'From {firmName}', body: 'Note: {message, date, long}' };
    const m = renderEmailKind('item_notification', 'en', values, { override });
    expect(m).toEqual(renderEmailKind('item_notification', 'en', values));
    expect(renderEmailKind('item_notification', 'en', values, { override: { ...override, body: 'Hi' } }).text).toBe(
      'Hi',
    );
  });

  test('angle brackets are text, not markup', () => {
    expect(checkMessage('note_comment', 'en', 'a <b>bold</b> {about}')).toBeNull();
  });
});

test('HTML: escaped, paragraphs, links labelled by their line', () => {
  const html = textToHtml(
    'Hi <you> & co,\nline two\n\nOpen: http://x.test/a?b=1&c=2\n\nSee http://x.test/a?b=1&c=2 too',
    ['http://x.test/a?b=1&c=2'],
  );
  expect(html).toBe(
    [
      '<p>Hi &lt;you&gt; &amp; co,<br>line two</p>',
      '<p><a href="http://x.test/a?b=1&amp;c=2">Open</a></p>',
      '<p>See <a href="http://x.test/a?b=1&amp;c=2">http://x.test/a?b=1&amp;c=2</a> too</p>',
    ].join('\n'),
  );
});

test('HTML: only the last sentence before a link is its label', () => {
  expect(textToHtml('You need an active account. Activate it here: http://a.test/x', ['http://a.test/x'])).toBe(
    '<p>You need an active account. <a href="http://a.test/x">Activate it here</a></p>',
  );
});
