// Deutsch: Sie-Form gegenüber Mandanten, neutrale Formulierungen unter Kollegen. ICU MessageFormat.
import type { Catalog } from './kinds';

const WHAT =
  '{itemKind, select, chat {eine Nachricht} signature {ein Dokument zur Unterschrift} approval {ein Dokument zur Freigabe} other {einen Eintrag}}';
const TO_DO =
  '{itemKind, select, chat {die Nachricht lesen und beantworten} signature {das Dokument unterschreiben} approval {das Dokument prüfen und freigeben} other {den Eintrag ansehen}}';

export const de: Catalog = {
  emails: {
    item_notification: {
      subject: `{firmName} hat Ihnen ${WHAT} gesendet: {itemTitle}`,
      body: `{firmName} hat Ihnen für {accountName} ${WHAT} gesendet: „{itemTitle}“.\n\n{message}\n\nIn Ihrem Mandantenportal öffnen: {link}`,
    },
    item_reminder: {
      subject: 'Erinnerung von {firmName}: {itemTitle}',
      body:
        `{firmName} wartet noch darauf, dass Sie für {accountName} ${TO_DO}: „{itemTitle}“.\n\n` +
        'Gesendet am {sentOn, date, long}{daysWaiting, plural, =0 {.} one { (vor # Tag).} other { (vor # Tagen).}}\n\n' +
        '{message}\n\nIn Ihrem Mandantenportal öffnen: {link}',
    },
    item_manual_resend: {
      subject: 'Erinnerung von {firmName}: {itemTitle}',
      body: `{firmName} wartet noch darauf, dass Sie für {accountName} ${TO_DO}: „{itemTitle}“.\n\n{message}\n\nIn Ihrem Mandantenportal öffnen: {link}`,
    },
    activation_banner: {
      subject: 'Aktivieren Sie Ihr Konto',
      body: 'Um antworten zu können, brauchen Sie ein aktives Konto. Hier aktivieren: {link}',
    },
    invitation: {
      subject: '{firmName} lädt Sie zum Mandantenportal ein{resend, select, yes { (neuer Link)} other {}}',
      body:
        '{named, select, yes {Guten Tag {contactName},} other {Guten Tag,}}\n\n' +
        '{firmName} lädt Sie zum Mandantenportal ein. Dort können Sie Nachrichten und Dokumente austauschen und Dokumente unterschreiben oder freigeben.\n\n' +
        '{message}\n\n' +
        'Konto aktivieren: {link}\n\n' +
        'Dieser Link funktioniert nur einmal und ist {validDays, plural, one {# Tag} other {# Tage}} gültig: bis zum {expiresAt, date, long}, {expiresAt, time, short}.',
    },
    note_participant: {
      subject: 'Notiz zu {about}',
      body: '{authorName} hat eine Notiz zu {about} mit Ihnen geteilt:\n\n{body}',
    },
    note_comment: {
      subject: 'Neuer Kommentar zur Notiz zu {about}',
      body: '{authorName} hat eine Notiz zu {about} kommentiert:\n\n{body}',
    },
    note_calendar: {
      subject: 'Kalender: Notiz zu {about}',
      body: 'Kalendereintrag für Ihre Notiz zu {about}:\n\n{body}',
    },
    digest: {
      subject: 'Erinnerung von {firmName}: {itemCount, plural, one {# offener Vorgang} other {# offene Vorgänge}}',
      body: '{firmName} wartet noch auf Ihre Rückmeldung zu {itemCount, plural, one {einem Vorgang} other {# Vorgängen}}:\n\n{items}',
    },
  },
  words: { aColleague: 'Jemand aus Ihrem Team', aClient: 'einem Mandanten' },
  digest: {
    item: '{itemKind, select, chat {Nachricht} signature {Dokument zur Unterschrift} approval {Dokument zur Freigabe} other {Eintrag}} für {accountName}: „{itemTitle}“, gesendet am {sentOn, date, long}.\nIn Ihrem Mandantenportal öffnen: {link}',
  },
  unsubscribe: {
    title: 'Abmelden',
    question: 'Keine {category} mehr an {address} senden?',
    button: 'Abmelden',
    done: 'Erledigt: An {address} gehen keine {category} mehr. Wenn Sie es sich anders überlegen, kann Ihre Kanzlei dies rückgängig machen.',
    invalid: 'Dieser Abmeldelink ist ungültig oder abgelaufen. Bitte verwenden Sie den Link aus einer neueren E-Mail.',
    footer: 'Sie möchten diese E-Mails nicht mehr erhalten? Hier abmelden: {unsubscribeUrl}',
    categories: {
      messages: 'E-Mails zu Nachrichten',
      signatures: 'E-Mails zu Dokumenten zur Unterschrift',
      approvals: 'E-Mails zu Dokumenten zur Freigabe',
      all: 'Benachrichtigungen und Erinnerungen',
    },
  },
};
