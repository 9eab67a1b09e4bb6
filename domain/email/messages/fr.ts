// Français : vouvoiement pour les clients, formulations neutres entre collègues. ICU MessageFormat ; espaces
// insécables (\u00a0) avant « : ? » et à l’intérieur des guillemets.
import type { Catalog } from './kinds';

const WHAT =
  '{itemKind, select, chat {un message} signature {un document à signer} approval {un document à approuver} other {un élément}}';
const TO_DO =
  '{itemKind, select, chat {lisiez le message et y répondiez} signature {signiez le document} approval {examiniez et approuviez le document} other {en preniez connaissance}}';

export const fr: Catalog = {
  emails: {
    item_notification: {
      subject: `{firmName} vous a envoyé ${WHAT}\u00a0: {itemTitle}`,
      body: `{firmName} vous a envoyé ${WHAT} pour {accountName}\u00a0: «\u00a0{itemTitle}\u00a0».\n\n{message}\n\nRetrouvez-le dans votre portail client\u00a0: {link}`,
    },
    item_reminder: {
      subject: 'Rappel – {firmName}\u00a0: {itemTitle}',
      body:
        `{firmName} attend toujours que vous ${TO_DO} pour {accountName}\u00a0: «\u00a0{itemTitle}\u00a0».\n\n` +
        'Il vous a été envoyé le {sentOn, date, long}{daysWaiting, plural, =0 {.} one { (il y a # jour).} other { (il y a # jours).}}\n\n' +
        '{message}\n\nRetrouvez-le dans votre portail client\u00a0: {link}',
    },
    item_manual_resend: {
      subject: 'Rappel – {firmName}\u00a0: {itemTitle}',
      body: `{firmName} attend toujours que vous ${TO_DO} pour {accountName}\u00a0: «\u00a0{itemTitle}\u00a0».\n\n{message}\n\nRetrouvez-le dans votre portail client\u00a0: {link}`,
    },
    activation_banner: {
      subject: 'Activez votre compte',
      body: 'Pour répondre, il vous faut un compte actif. Activez-le ici\u00a0: {link}',
    },
    invitation: {
      subject: '{firmName} vous invite sur son portail client{resend, select, yes { (nouveau lien)} other {}}',
      body:
        '{named, select, yes {Bonjour {contactName},} other {Bonjour,}}\n\n' +
        '{firmName} vous invite sur son portail client, où vous pourrez échanger messages et documents, et les signer ou les approuver.\n\n' +
        '{message}\n\n' +
        'Activez votre compte\u00a0: {link}\n\n' +
        'Ce lien ne fonctionne qu’une fois et reste valable {validDays, plural, one {# jour} other {# jours}}, jusqu’au {expiresAt, date, long} à {expiresAt, time, short}.',
    },
    note_participant: {
      subject: 'Note concernant {about}',
      body: '{authorName} a partagé avec vous une note concernant {about}\u00a0:\n\n{body}',
    },
    note_comment: {
      subject: 'Nouveau commentaire sur une note concernant {about}',
      body: '{authorName} a commenté une note concernant {about}\u00a0:\n\n{body}',
    },
    note_calendar: {
      subject: 'Agenda\u00a0: note concernant {about}',
      body: 'Entrée d’agenda pour votre note concernant {about}\u00a0:\n\n{body}',
    },
    digest: {
      subject:
        'Rappel – {firmName}\u00a0: {itemCount, plural, one {# demande en attente} other {# demandes en attente}}',
      body: '{firmName} attend toujours votre retour sur {itemCount, plural, one {une demande} other {# demandes}}\u00a0:\n\n{items}',
    },
  },
  words: { aColleague: 'Un collègue', aClient: 'un client' },
  digest: {
    item: '{itemKind, select, chat {Message} signature {Document à signer} approval {Document à approuver} other {Élément}} pour {accountName}\u00a0: «\u00a0{itemTitle}\u00a0», envoyé le {sentOn, date, long}.\nRetrouvez-le dans votre portail client\u00a0: {link}',
  },
  unsubscribe: {
    title: 'Se désabonner',
    question: 'Ne plus recevoir {category} à l’adresse {address}\u00a0?',
    button: 'Me désabonner',
    done: 'C’est fait\u00a0: {address} ne recevra plus {category}. Si vous changez d’avis, votre cabinet peut annuler ce changement.',
    invalid: 'Ce lien de désabonnement n’est pas valide ou a expiré. Utilisez celui d’un e-mail plus récent.',
    footer: 'Vous ne souhaitez plus recevoir ces e-mails\u00a0? Désabonnez-vous\u00a0: {unsubscribeUrl}',
    categories: {
      messages: 'les e-mails concernant vos messages',
      signatures: 'les e-mails concernant les documents à signer',
      approvals: 'les e-mails concernant les documents à approuver',
      all: 'les notifications et rappels',
    },
    several: 'les e-mails concernant {topics}',
    topics: {
      messages: 'vos messages',
      signatures: 'les documents à signer',
      approvals: 'les documents à approuver',
    },
  },
  portal: {
    title: 'Pages clients Nudge',
    landing: 'Ouvrez le lien de l’e-mail envoyé par votre cabinet pour voir ce qu’il attend de vous.',
    hello: 'Bonjour {name},',
    status: {
      open: 'Ouverte',
      archived: 'Close',
      pending: 'En attente de votre part',
      waitingForOthers: 'En attente des autres signataires',
      approved: 'Approuvé',
      signed: 'Signé',
      cancelled: 'Retiré',
    },
    done: {
      replied: 'Votre réponse a été envoyée.',
      approved: 'Merci\u00a0: le document est approuvé.',
      signed: 'Merci\u00a0: votre signature est enregistrée.',
    },
    reply: { label: 'Votre réponse', button: 'Envoyer la réponse', closed: 'Cette conversation est close.' },
    approve: { ask: '{firmName} vous demande d’examiner et d’approuver ce document.', button: 'Approuver' },
    sign: {
      ask: '{firmName} vous demande de signer ce document.',
      button: 'Marquer comme signé',
      signed: 'signé',
      notSigned: 'pas encore signé',
      you: 'vous',
    },
    invitation: {
      title: 'Invitation au portail',
      heading: '{firmName} vous invite',
      body: 'Bonjour {contactName}, {firmName} vous invite à son portail client avec l’adresse {address}.',
      button: 'Accepter l’invitation',
      activeHeading: 'Vous avez déjà accès',
      activeBody: 'L’accès au portail pour {address} est déjà actif.',
    },
    activation: {
      title: 'Activez votre compte',
      body: 'Bonjour {contactName}, activez l’accès de {address} au portail de {firmName}.',
      button: 'Activer',
      activeHeading: 'Votre compte est actif',
      activeBody: '{address} a accès au portail de {firmName}.',
    },
    accepted: { title: 'Bienvenue', notice: 'Votre compte est actif.', accounts: 'Vos dossiers\u00a0:' },
    errors: {
      'portal-link-invalid': {
        title: 'Ce lien n’est pas valide',
        detail:
          'Le lien est incomplet ou a été modifié. Ouvrez-le à nouveau depuis votre e-mail, ou demandez au cabinet de vous le renvoyer.',
      },
      'portal-link-wrong-purpose': {
        title: 'Ce lien sert à autre chose',
        detail: 'Le lien ne permet pas cette action. Ouvrez à nouveau la page depuis le lien de votre e-mail.',
      },
      'portal-link-expired': {
        title: 'Ce lien a expiré',
        detail:
          'Les liens des e-mails fonctionnent pendant une durée limitée. Demandez au cabinet de vous en envoyer un nouveau.',
      },
      'portal-link-revoked': {
        title: 'Ce lien ne fonctionne plus',
        detail: 'Le lien a été envoyé avant un changement au cabinet. Utilisez un e-mail plus récent du cabinet.',
      },
      'invitation-invalid': {
        title: 'Lien d’invitation non valide',
        detail:
          'Ce lien d’invitation est inconnu ou a été remplacé par un plus récent. Utilisez le dernier e-mail d’invitation.',
      },
      'invitation-revoked': { title: 'Invitation retirée', detail: 'Le cabinet a retiré cette invitation.' },
      'invitation-expired': {
        title: 'Invitation expirée',
        detail: 'Cette invitation a expiré\u00a0; demandez-en une nouvelle au cabinet.',
      },
      'invitation-already-accepted': {
        title: 'Invitation déjà acceptée',
        detail: 'Ce lien d’invitation a déjà été utilisé.',
      },
      'activation-unavailable': {
        title: 'Aucune invitation à accepter',
        detail:
          'Votre invitation au portail a expiré, a été retirée ou n’a pas encore été envoyée. Demandez au cabinet de vous inviter à nouveau.',
      },
      'validation-error': {
        title: 'Vérifiez votre saisie',
        detail: 'Ouvrez à nouveau la page et envoyez le formulaire.',
      },
      'empty-message': { title: 'Vérifiez votre saisie', detail: 'Écrivez un message avant de l’envoyer.' },
      'message-too-long': { title: 'Vérifiez votre saisie', detail: 'Le message est trop long.' },
      'not-found': { title: 'Page introuvable', detail: 'Cette page n’existe pas.' },
      'unreadable-form': { title: 'Le formulaire n’a pas pu être lu', detail: 'Réessayez depuis la page.' },
      busy: { title: 'Réessayez dans un instant', detail: 'Le service est occupé\u00a0; réessayez dans une minute.' },
      unexpected: { title: 'Une erreur s’est produite', detail: 'Réessayez plus tard.' },
      other: {
        title: 'Cette action n’a pas pu être effectuée',
        detail: 'Ouvrez à nouveau la page depuis le lien de votre e-mail pour voir où en sont les choses.',
      },
    },
  },
};
