// Español: trato de usted con los clientes, de tú entre compañeros del despacho. ICU MessageFormat.
import type { Catalog } from './kinds';

const WHAT =
  '{itemKind, select, chat {un mensaje} signature {un documento para firmar} approval {un documento para aprobar} other {un elemento}}';
const TO_DO =
  '{itemKind, select, chat {lea el mensaje y responda} signature {firme el documento} approval {revise y apruebe el documento} other {lo consulte}}';

export const es: Catalog = {
  emails: {
    item_notification: {
      subject: `{firmName} le ha enviado ${WHAT}: {itemTitle}`,
      body: `{firmName} le ha enviado ${WHAT} para {accountName}: «{itemTitle}».\n\n{message}\n\nLo encontrará en su portal de cliente: {link}`,
    },
    item_reminder: {
      subject: 'Recordatorio de {firmName}: {itemTitle}',
      body:
        `{firmName} sigue esperando a que ${TO_DO} para {accountName}: «{itemTitle}».\n\n` +
        'Se lo enviamos el {sentOn, date, long}{daysWaiting, plural, =0 {.} one { (hace # día).} other { (hace # días).}}\n\n' +
        '{message}\n\nLo encontrará en su portal de cliente: {link}',
    },
    item_manual_resend: {
      subject: 'Recordatorio de {firmName}: {itemTitle}',
      body: `{firmName} sigue esperando a que ${TO_DO} para {accountName}: «{itemTitle}».\n\n{message}\n\nLo encontrará en su portal de cliente: {link}`,
    },
    activation_banner: {
      subject: 'Active su cuenta',
      body: 'Para responder necesita una cuenta activa. Puede activarla aquí: {link}',
    },
    invitation: {
      subject:
        '{firmName} le invita al portal de clientes del despacho{resend, select, yes { (nuevo enlace)} other {}}',
      body:
        '{named, select, yes {Buenos días, {contactName}:} other {Buenos días:}}\n\n' +
        '{firmName} le invita al portal de clientes del despacho, donde podrá intercambiar mensajes y documentos, y firmarlos o aprobarlos.\n\n' +
        '{message}\n\n' +
        'Active su cuenta: {link}\n\n' +
        'Este enlace solo puede usarse una vez y es válido durante {validDays, plural, one {# día} other {# días}}: hasta el {expiresAt, date, long} ({expiresAt, time, short}).',
    },
    note_participant: {
      subject: 'Nota sobre {about}',
      body: '{authorName} ha compartido contigo una nota sobre {about}:\n\n{body}',
    },
    note_comment: {
      subject: 'Nuevo comentario en una nota sobre {about}',
      body: '{authorName} ha comentado una nota sobre {about}:\n\n{body}',
    },
    note_calendar: {
      subject: 'Calendario: nota sobre {about}',
      body: 'Entrada de calendario para tu nota sobre {about}:\n\n{body}',
    },
    digest: {
      subject: 'Recordatorio de {firmName}: {itemCount, plural, one {# asunto pendiente} other {# asuntos pendientes}}',
      body: '{firmName} sigue esperando su respuesta sobre {itemCount, plural, one {un asunto} other {# asuntos}}:\n\n{items}',
    },
  },
  words: { aColleague: 'Un compañero', aClient: 'un cliente' },
  digest: {
    item: '{itemKind, select, chat {Mensaje} signature {Documento para firmar} approval {Documento para aprobar} other {Elemento}} para {accountName}: «{itemTitle}», enviado el {sentOn, date, long}.\nLo encontrará en su portal de cliente: {link}',
  },
  unsubscribe: {
    title: 'Darse de baja',
    question: '¿Dejar de recibir {category} en {address}?',
    button: 'Darme de baja',
    done: 'Hecho: {address} ya no recibirá {category}. Si cambia de opinión, su despacho puede deshacer este cambio.',
    invalid: 'Este enlace para darse de baja no es válido o ha caducado. Use el de un correo más reciente.',
    footer: '¿No desea recibir estos correos? Puede darse de baja aquí: {unsubscribeUrl}',
    categories: {
      messages: 'los correos sobre mensajes',
      signatures: 'los correos sobre documentos para firmar',
      approvals: 'los correos sobre documentos para aprobar',
      all: 'notificaciones y recordatorios',
    },
  },
};
