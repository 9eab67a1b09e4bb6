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
    several: 'E-Mails zu {topics}',
    topics: {
      messages: 'Nachrichten',
      signatures: 'Dokumenten zur Unterschrift',
      approvals: 'Dokumenten zur Freigabe',
    },
  },
  portal: {
    title: 'Nudge-Mandantenseiten',
    landing: 'Öffnen Sie den Link in der E-Mail Ihrer Kanzlei, um zu sehen, worauf sie wartet.',
    hello: 'Guten Tag {name},',
    status: {
      open: 'Offen',
      archived: 'Geschlossen',
      pending: 'Wartet auf Sie',
      waitingForOthers: 'Wartet auf die anderen Unterzeichner',
      approved: 'Freigegeben',
      signed: 'Unterschrieben',
      cancelled: 'Zurückgezogen',
    },
    done: {
      replied: 'Ihre Antwort wurde gesendet.',
      approved: 'Vielen Dank: Das Dokument ist freigegeben.',
      signed: 'Vielen Dank: Ihre Unterschrift ist erfasst.',
    },
    reply: { label: 'Ihre Antwort', button: 'Antwort senden', closed: 'Diese Unterhaltung ist geschlossen.' },
    approve: { ask: '{firmName} bittet Sie, dieses Dokument zu prüfen und freizugeben.', button: 'Freigeben' },
    sign: {
      ask: '{firmName} bittet Sie, dieses Dokument zu unterschreiben.',
      button: 'Als unterschrieben markieren',
      signed: 'unterschrieben',
      notSigned: 'noch nicht unterschrieben',
      you: 'Sie',
    },
    invitation: {
      title: 'Einladung zum Portal',
      heading: '{firmName} lädt Sie ein',
      body: 'Guten Tag {contactName}, {firmName} lädt Sie mit der Adresse {address} zum Mandantenportal ein.',
      button: 'Einladung annehmen',
      activeHeading: 'Sie haben bereits Zugang',
      activeBody: 'Der Portalzugang für {address} ist bereits aktiv.',
    },
    activation: {
      title: 'Aktivieren Sie Ihr Konto',
      body: 'Guten Tag {contactName}, aktivieren Sie den Zugang von {address} zum Portal von {firmName}.',
      button: 'Aktivieren',
      activeHeading: 'Ihr Konto ist aktiv',
      activeBody: '{address} hat Zugang zum Portal von {firmName}.',
    },
    accepted: { title: 'Willkommen', notice: 'Ihr Konto ist aktiv.', accounts: 'Ihre Mandate:' },
    errors: {
      'portal-link-invalid': {
        title: 'Dieser Link ist ungültig',
        detail:
          'Der Link ist unvollständig oder wurde verändert. Öffnen Sie ihn erneut aus Ihrer E-Mail oder bitten Sie die Kanzlei, ihn noch einmal zu senden.',
      },
      'portal-link-wrong-purpose': {
        title: 'Dieser Link ist für etwas anderes',
        detail: 'Der Link erlaubt diese Aktion nicht. Öffnen Sie die Seite erneut über den Link in Ihrer E-Mail.',
      },
      'portal-link-expired': {
        title: 'Dieser Link ist abgelaufen',
        detail: 'Links in E-Mails gelten nur eine begrenzte Zeit. Bitten Sie die Kanzlei um einen neuen.',
      },
      'portal-link-revoked': {
        title: 'Dieser Link funktioniert nicht mehr',
        detail:
          'Der Link wurde vor einer Änderung bei der Kanzlei gesendet. Verwenden Sie eine neuere E-Mail der Kanzlei.',
      },
      'invitation-invalid': {
        title: 'Einladungslink ungültig',
        detail:
          'Dieser Einladungslink ist unbekannt oder wurde durch einen neueren ersetzt. Verwenden Sie die neueste Einladungs-E-Mail.',
      },
      'invitation-revoked': {
        title: 'Einladung zurückgezogen',
        detail: 'Die Kanzlei hat diese Einladung zurückgezogen.',
      },
      'invitation-expired': {
        title: 'Einladung abgelaufen',
        detail: 'Diese Einladung ist abgelaufen; bitten Sie die Kanzlei um eine neue.',
      },
      'invitation-already-accepted': {
        title: 'Einladung bereits angenommen',
        detail: 'Dieser Einladungslink wurde bereits verwendet.',
      },
      'activation-unavailable': {
        title: 'Keine Einladung zum Annehmen',
        detail:
          'Ihre Einladung zum Portal ist abgelaufen, wurde zurückgezogen oder noch nicht gesendet. Bitten Sie die Kanzlei, Sie erneut einzuladen.',
      },
      'validation-error': {
        title: 'Bitte prüfen Sie Ihre Eingabe',
        detail: 'Öffnen Sie die Seite erneut und senden Sie das Formular.',
      },
      'empty-message': {
        title: 'Bitte prüfen Sie Ihre Eingabe',
        detail: 'Schreiben Sie eine Nachricht, bevor Sie sie senden.',
      },
      'message-too-long': { title: 'Bitte prüfen Sie Ihre Eingabe', detail: 'Die Nachricht ist zu lang.' },
      'not-found': { title: 'Seite nicht gefunden', detail: 'Diese Seite gibt es nicht.' },
      'unreadable-form': {
        title: 'Das Formular konnte nicht gelesen werden',
        detail: 'Bitte versuchen Sie es erneut von der Seite aus.',
      },
      busy: {
        title: 'Bitte versuchen Sie es gleich noch einmal',
        detail: 'Der Dienst ist ausgelastet; versuchen Sie es in einer Minute erneut.',
      },
      unexpected: { title: 'Etwas ist schiefgelaufen', detail: 'Bitte versuchen Sie es später erneut.' },
      other: {
        title: 'Das hat nicht geklappt',
        detail: 'Öffnen Sie die Seite erneut über den Link in Ihrer E-Mail, um den aktuellen Stand zu sehen.',
      },
    },
  },
};
