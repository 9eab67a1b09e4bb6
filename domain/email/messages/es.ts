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
    several: 'los correos sobre {topics}',
    topics: { messages: 'mensajes', signatures: 'documentos para firmar', approvals: 'documentos para aprobar' },
  },
  portal: {
    title: 'Páginas de cliente de Nudge',
    landing: 'Abra el enlace del correo que le envió su asesor para ver qué está pendiente de usted.',
    hello: 'Buenos días, {name}:',
    status: {
      open: 'Abierta',
      archived: 'Cerrada',
      pending: 'Pendiente de usted',
      waitingForOthers: 'Pendiente de los demás firmantes',
      approved: 'Aprobado',
      signed: 'Firmado',
      cancelled: 'Retirado',
    },
    done: {
      replied: 'Su respuesta se ha enviado.',
      approved: 'Gracias: el documento está aprobado.',
      signed: 'Gracias: su firma ha quedado registrada.',
    },
    reply: { label: 'Su respuesta', button: 'Enviar respuesta', closed: 'Esta conversación está cerrada.' },
    approve: { ask: '{firmName} le pide que revise y apruebe este documento.', button: 'Aprobar' },
    sign: {
      ask: '{firmName} le pide que firme este documento.',
      button: 'Marcar como firmado',
      signed: 'firmado',
      notSigned: 'aún sin firmar',
      you: 'usted',
    },
    invitation: {
      title: 'Invitación al portal',
      heading: '{firmName} le invita',
      body: 'Buenos días, {contactName}: {firmName} le invita a su portal de cliente con la dirección {address}.',
      button: 'Aceptar la invitación',
      activeHeading: 'Ya tiene acceso',
      activeBody: 'El acceso al portal para {address} ya está activo.',
    },
    activation: {
      title: 'Active su cuenta',
      body: 'Buenos días, {contactName}: active el acceso de {address} al portal de {firmName}.',
      button: 'Activar',
      activeHeading: 'Su cuenta está activa',
      activeBody: '{address} tiene acceso al portal de {firmName}.',
    },
    accepted: { title: 'Le damos la bienvenida', notice: 'Su cuenta está activa.', accounts: 'Sus cuentas:' },
    errors: {
      'portal-link-invalid': {
        title: 'Este enlace no es válido',
        detail:
          'El enlace está incompleto o se ha modificado. Ábralo de nuevo desde su correo o pida al despacho que se lo envíe otra vez.',
      },
      'portal-link-wrong-purpose': {
        title: 'Este enlace es para otra cosa',
        detail: 'El enlace no permite esta acción. Abra de nuevo la página desde el enlace de su correo.',
      },
      'portal-link-expired': {
        title: 'Este enlace ha caducado',
        detail:
          'Los enlaces de los correos funcionan durante un tiempo limitado. Pida al despacho que le envíe uno nuevo.',
      },
      'portal-link-revoked': {
        title: 'Este enlace ya no funciona',
        detail: 'El enlace se envió antes de un cambio en el despacho. Use un correo más reciente del despacho.',
      },
      'invitation-invalid': {
        title: 'Enlace de invitación no válido',
        detail:
          'Este enlace de invitación es desconocido o se ha sustituido por uno más reciente. Use el último correo de invitación.',
      },
      'invitation-revoked': { title: 'Invitación retirada', detail: 'El despacho ha retirado esta invitación.' },
      'invitation-expired': {
        title: 'Invitación caducada',
        detail: 'Esta invitación ha caducado; pida una nueva al despacho.',
      },
      'invitation-already-accepted': {
        title: 'Invitación ya aceptada',
        detail: 'Este enlace de invitación ya se ha usado.',
      },
      'activation-unavailable': {
        title: 'No hay ninguna invitación que aceptar',
        detail:
          'Su invitación al portal ha caducado, se ha retirado o aún no se ha enviado. Pida al despacho que le invite de nuevo.',
      },
      'validation-error': { title: 'Revise los datos', detail: 'Abra de nuevo la página y envíe el formulario.' },
      'empty-message': { title: 'Revise los datos', detail: 'Escriba un mensaje antes de enviarlo.' },
      'message-too-long': { title: 'Revise los datos', detail: 'El mensaje es demasiado largo.' },
      'not-found': { title: 'Página no encontrada', detail: 'Esta página no existe.' },
      'unreadable-form': { title: 'No se ha podido leer el formulario', detail: 'Inténtelo de nuevo desde la página.' },
      busy: {
        title: 'Inténtelo de nuevo en un momento',
        detail: 'El servicio está ocupado; inténtelo de nuevo en un minuto.',
      },
      unexpected: { title: 'Se ha producido un error', detail: 'Inténtelo de nuevo más tarde.' },
      other: {
        title: 'No se ha podido hacer',
        detail: 'Abra de nuevo la página desde el enlace de su correo para ver en qué punto está.',
      },
    },
  },
};
