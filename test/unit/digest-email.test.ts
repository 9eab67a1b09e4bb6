// The digest email (issue 12) rendered on its own: every language's text with its plurals and dates, each
// item a paragraph with its link as an anchor, the activation banner and unsubscribe line, a firm's text;
// and the window's length on the reminder clock.
import { renderDigestEmail, type DigestItem } from '../../domain/digest/digest-email';
import { windowMs } from '../../domain/digest/settings';
import { LANGUAGES } from '../../domain/email/messages';

const sentOn = new Date(Date.UTC(2026, 11, 1, 9));
const receipts: DigestItem = {
  itemKind: 'chat',
  itemTitle: 'Receipts 2025',
  accountId: 'a1',
  accountName: 'Bianchi family',
  sentOn,
  link: 'http://portal.test/accounts/a1/chat/t1?token=x',
};
const balance: DigestItem = {
  itemKind: 'approval',
  itemTitle: 'Balance <2025>',
  accountId: 'a2',
  accountName: 'Bianchi Srl',
  sentOn,
  link: 'http://portal.test/accounts/a2/approval/r1?token=y',
};

test.each([
  [
    'en',
    'Reminder from Studio Rossi: 2 items are waiting for you',
    'Reminder from Studio Rossi: 1 item is waiting for you',
  ],
  ['it', 'Promemoria da Studio Rossi: 2 richieste in sospeso', 'Promemoria da Studio Rossi: 1 richiesta in sospeso'],
  ['fr', 'Rappel – Studio Rossi\u00a0: 2 demandes en attente', 'Rappel – Studio Rossi\u00a0: 1 demande en attente'],
  ['es', 'Recordatorio de Studio Rossi: 2 asuntos pendientes', 'Recordatorio de Studio Rossi: 1 asunto pendiente'],
  ['de', 'Erinnerung von Studio Rossi: 2 offene Vorgänge', 'Erinnerung von Studio Rossi: 1 offener Vorgang'],
] as const)('%s: subject with its plural, one paragraph per item', (language, two, one) => {
  const m = renderDigestEmail({ firmName: 'Studio Rossi', items: [receipts, balance], language });
  expect(m.subject).toBe(two);
  expect(renderDigestEmail({ firmName: 'Studio Rossi', items: [receipts], language }).subject).toBe(one);
  const paragraphs = m.text.split('\n\n');
  expect(paragraphs).toHaveLength(3);
  expect(paragraphs[1]).toContain('Receipts 2025');
  expect(paragraphs[1].split('\n')[1]).toMatch(/: http:\/\/portal\.test\/accounts\/a1\/chat\/t1\?token=x$/);
  expect(paragraphs[2]).toContain('Bianchi Srl');
});

test('Italian and German items: kind, account, title and the date in the language', () => {
  const it = renderDigestEmail({ firmName: 'Studio Rossi', items: [receipts, balance], language: 'it' });
  expect(it.text).toBe(
    'Studio Rossi è ancora in attesa di un Suo riscontro su 2 richieste:\n\n' +
      'Messaggio per Bianchi family: «Receipts 2025», inviato in data 1 dicembre 2026.\n' +
      'Lo trova nel Suo portale clienti: http://portal.test/accounts/a1/chat/t1?token=x\n\n' +
      'Documento da approvare per Bianchi Srl: «Balance <2025>», inviato in data 1 dicembre 2026.\n' +
      'Lo trova nel Suo portale clienti: http://portal.test/accounts/a2/approval/r1?token=y',
  );
  const de = renderDigestEmail({ firmName: 'Studio Rossi', items: [balance], language: 'de' });
  expect(de.text).toContain('Dokument zur Freigabe für Bianchi Srl: „Balance <2025>“, gesendet am 1. Dezember 2026.');
  expect(de.text).toContain('zu einem Vorgang:');
});

test('HTML: each link an anchor labelled by its line, values escaped', () => {
  const m = renderDigestEmail({ firmName: 'Studio Rossi', items: [receipts, balance], language: 'en' });
  expect(m.html).toContain('<a href="http://portal.test/accounts/a1/chat/t1?token=x">Open it in your portal</a>');
  expect(m.html).toContain('<a href="http://portal.test/accounts/a2/approval/r1?token=y">Open it in your portal</a>');
  expect(m.html).toContain('Balance &lt;2025&gt;');
  expect(m.html).not.toContain('<2025>');
});

test('a pending login gets the activation banner; every digest the unsubscribe line', () => {
  const m = renderDigestEmail({
    firmName: 'Studio Rossi',
    items: [receipts],
    language: 'fr',
    activationLink: 'http://portal.test/activate?token=z',
    unsubscribeUrl: 'http://api.test/unsubscribe?token=u',
  });
  expect(m.text.startsWith('Activez votre compte\n')).toBe(true);
  expect(m.text).toMatch(/Désabonnez-vous|désabonner|désinscri/i);
  expect(m.text.endsWith('http://api.test/unsubscribe?token=u')).toBe(true);
});

test('a firm text replaces the catalog for its language', () => {
  const m = renderDigestEmail({
    firmName: 'Studio Rossi',
    items: [receipts, balance],
    language: 'es',
    override: { subject: '{firmName}: {itemCount} pendientes', body: 'Hola:\n\n{items}\n\n{accountCount} cuentas' },
  });
  expect(m.subject).toBe('Studio Rossi: 2 pendientes');
  expect(m.text).toContain('Mensaje para Bianchi family: «Receipts 2025», enviado el 1 de diciembre de 2026.');
  expect(m.text.endsWith('2 cuentas')).toBe(true);
});

test.each(LANGUAGES)('%s: no placeholder is left in a digest', (language) => {
  const m = renderDigestEmail({ firmName: 'S', items: [receipts, balance], language });
  expect(m.subject + m.text).not.toMatch(/[{}#]/);
});

test('the window on the reminder clock: a minute is 1/1440 of a reminder day', () => {
  expect(windowMs({ enabled: true, windowMinutes: 60 })).toBe(3_600_000);
  expect(windowMs({ enabled: true, windowMinutes: 1440 }, 6)).toBe(6_000);
  expect(windowMs({ enabled: true, windowMinutes: 60 }, 10)).toBe(417);
});
