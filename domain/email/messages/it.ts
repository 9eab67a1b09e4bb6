// Italiano: registro formale (Lei) verso i clienti, "tu" tra colleghi dello studio. ICU MessageFormat.
import type { Catalog } from './kinds';

const WHAT =
  '{itemKind, select, chat {un messaggio} signature {un documento da firmare} approval {un documento da approvare} other {un elemento}}';
const TO_DO =
  '{itemKind, select, chat {legga il messaggio e risponda} signature {firmi il documento} approval {esamini e approvi il documento} other {lo consulti}}';

export const it: Catalog = {
  emails: {
    item_notification: {
      subject: `{firmName} Le ha inviato ${WHAT}: {itemTitle}`,
      body: `{firmName} Le ha inviato ${WHAT} per {accountName}: «{itemTitle}».\n\n{message}\n\nLo trova nel Suo portale clienti: {link}`,
    },
    item_reminder: {
      subject: 'Promemoria da {firmName}: {itemTitle}',
      body:
        `{firmName} è ancora in attesa che Lei ${TO_DO} per {accountName}: «{itemTitle}».\n\n` +
        'Inviato in data {sentOn, date, long}{daysWaiting, plural, =0 {.} one { (# giorno fa).} other { (# giorni fa).}}\n\n' +
        '{message}\n\nLo trova nel Suo portale clienti: {link}',
    },
    item_manual_resend: {
      subject: 'Promemoria da {firmName}: {itemTitle}',
      body: `{firmName} è ancora in attesa che Lei ${TO_DO} per {accountName}: «{itemTitle}».\n\n{message}\n\nLo trova nel Suo portale clienti: {link}`,
    },
    activation_banner: {
      subject: 'Attivi il Suo account',
      body: 'Per rispondere serve un account attivo. Può attivarlo qui: {link}',
    },
    invitation: {
      subject: '{firmName} La invita nel portale clienti dello studio{resend, select, yes { (nuovo link)} other {}}',
      body:
        '{named, select, yes {Gentile {contactName},} other {Gentile cliente,}}\n\n' +
        '{firmName} La invita nel portale clienti dello studio, dove potrà scambiare messaggi e documenti, firmarli o approvarli.\n\n' +
        '{message}\n\n' +
        'Attivi il Suo account: {link}\n\n' +
        'Il link si può usare una sola volta ed è valido {validDays, plural, one {# giorno} other {# giorni}} (scadenza: {expiresAt, date, long}, ore {expiresAt, time, short}).',
    },
    note_participant: {
      subject: 'Nota su {about}',
      body: '{authorName} ha condiviso con te una nota su {about}:\n\n{body}',
    },
    note_comment: {
      subject: 'Nuovo commento a una nota su {about}',
      body: '{authorName} ha commentato una nota su {about}:\n\n{body}',
    },
    note_calendar: {
      subject: 'Calendario: nota su {about}',
      body: 'Promemoria in calendario per la tua nota su {about}:\n\n{body}',
    },
    digest: {
      subject:
        'Promemoria da {firmName}: {itemCount, plural, one {# richiesta in sospeso} other {# richieste in sospeso}}',
      body: '{firmName} è ancora in attesa di un Suo riscontro su {itemCount, plural, one {una richiesta} other {# richieste}}:\n\n{items}',
    },
  },
  words: { aColleague: 'Un collega', aClient: 'un cliente' },
  digest: {
    item: '{itemKind, select, chat {Messaggio} signature {Documento da firmare} approval {Documento da approvare} other {Elemento}} per {accountName}: «{itemTitle}», inviato in data {sentOn, date, long}.\nLo trova nel Suo portale clienti: {link}',
  },
  unsubscribe: {
    title: 'Annullare l’iscrizione',
    question: 'Non ricevere più {category} all’indirizzo {address}?',
    button: 'Annulla l’iscrizione',
    done: 'Fatto: all’indirizzo {address} non arriveranno più {category}. Se cambia idea, lo studio può annullare questa modifica.',
    invalid: 'Questo link per annullare l’iscrizione non è valido o è scaduto. Usi il link di un’email più recente.',
    footer: 'Non desidera più ricevere queste email? Annulli l’iscrizione: {unsubscribeUrl}',
    categories: {
      messages: 'le email sui messaggi',
      signatures: 'le email sui documenti da firmare',
      approvals: 'le email sui documenti da approvare',
      all: 'notifiche e promemoria',
    },
  },
};
