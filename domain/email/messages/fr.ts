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
  },
};
