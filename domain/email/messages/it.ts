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
    several: 'le email {topics}',
    topics: {
      messages: 'sui messaggi',
      signatures: 'sui documenti da firmare',
      approvals: 'sui documenti da approvare',
    },
  },
  portal: {
    title: 'Pagine clienti Nudge',
    landing: 'Apra il link nell’email che Le ha inviato il Suo commercialista per vedere che cosa attende da Lei.',
    hello: 'Gentile {name},',
    status: {
      open: 'Aperta',
      archived: 'Chiusa',
      pending: 'In attesa di Lei',
      waitingForOthers: 'In attesa degli altri firmatari',
      approved: 'Approvato',
      signed: 'Firmato',
      cancelled: 'Ritirato',
    },
    done: {
      replied: 'La Sua risposta è stata inviata.',
      approved: 'Grazie: il documento è approvato.',
      signed: 'Grazie: la Sua firma è registrata.',
    },
    reply: { label: 'La Sua risposta', button: 'Invia risposta', closed: 'Questa conversazione è chiusa.' },
    approve: { ask: '{firmName} Le chiede di esaminare e approvare questo documento.', button: 'Approva' },
    sign: {
      ask: '{firmName} Le chiede di firmare questo documento.',
      button: 'Segna come firmato',
      signed: 'firmato',
      notSigned: 'non ancora firmato',
      you: 'Lei',
    },
    invitation: {
      title: 'Invito al portale',
      heading: '{firmName} La invita',
      body: 'Gentile {contactName}, {firmName} La invita al suo portale clienti con l’indirizzo {address}.',
      button: 'Accetta l’invito',
      activeHeading: 'Ha già accesso',
      activeBody: 'L’accesso al portale per {address} è già attivo.',
    },
    activation: {
      title: 'Attivi il Suo account',
      body: 'Gentile {contactName}, attivi l’accesso al portale di {firmName} per {address}.',
      button: 'Attiva',
      activeHeading: 'Il Suo account è attivo',
      activeBody: '{address} ha accesso al portale di {firmName}.',
    },
    accepted: { title: 'Le diamo il benvenuto', notice: 'Il Suo account è attivo.', accounts: 'I Suoi conti:' },
    errors: {
      'portal-link-invalid': {
        title: 'Questo link non è valido',
        detail:
          'Il link è incompleto o è stato modificato. Lo apra di nuovo dalla Sua email o chieda allo studio di inviarlo di nuovo.',
      },
      'portal-link-wrong-purpose': {
        title: 'Questo link serve ad altro',
        detail: 'Il link non consente questa azione. Apra di nuovo la pagina dal link nella Sua email.',
      },
      'portal-link-expired': {
        title: 'Questo link è scaduto',
        detail: 'I link nelle email funzionano per un tempo limitato. Chieda allo studio di inviarne uno nuovo.',
      },
      'portal-link-revoked': {
        title: 'Questo link non funziona più',
        detail:
          'Il link è stato inviato prima di una modifica presso lo studio. Usi un’email più recente dello studio.',
      },
      'invitation-invalid': {
        title: 'Link di invito non valido',
        detail:
          'Questo link di invito è sconosciuto o è stato sostituito da uno più recente. Usi l’ultima email di invito.',
      },
      'invitation-revoked': { title: 'Invito ritirato', detail: 'Lo studio ha ritirato questo invito.' },
      'invitation-expired': {
        title: 'Invito scaduto',
        detail: 'Questo invito è scaduto; ne chieda uno nuovo allo studio.',
      },
      'invitation-already-accepted': {
        title: 'Invito già accettato',
        detail: 'Questo link di invito è già stato usato.',
      },
      'activation-unavailable': {
        title: 'Nessun invito da accettare',
        detail:
          'Il Suo invito al portale è scaduto, è stato ritirato o non è ancora stato inviato. Chieda allo studio di invitarLa di nuovo.',
      },
      'validation-error': { title: 'Controlli i dati inseriti', detail: 'Apra di nuovo la pagina e invii il modulo.' },
      'empty-message': { title: 'Controlli i dati inseriti', detail: 'Scriva un messaggio prima di inviarlo.' },
      'message-too-long': { title: 'Controlli i dati inseriti', detail: 'Il messaggio è troppo lungo.' },
      'not-found': { title: 'Pagina non trovata', detail: 'Questa pagina non esiste.' },
      'unreadable-form': { title: 'Impossibile leggere il modulo', detail: 'Riprovi dalla pagina.' },
      busy: { title: 'Riprovi tra poco', detail: 'Il servizio è occupato; riprovi tra un minuto.' },
      unexpected: { title: 'Si è verificato un errore', detail: 'Riprovi più tardi.' },
      other: {
        title: 'Operazione non riuscita',
        detail: 'Apra di nuovo la pagina dal link nella Sua email per vedere a che punto siamo.',
      },
    },
  },
};
