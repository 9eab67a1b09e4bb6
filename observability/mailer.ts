// A mailer that counts what the mail server did with each email (nudge_emails_*_total) and traces each
// SMTP call as a span of the activity that sends it. The worker wraps its mailer with it, so every email
// path (reminders, invitations, participant emails) is counted in one place.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Mailer } from '../domain/email/mailer';
import { count } from './metrics';

/**
 * `refusal` tells a refusal for good of the recipient (a bounce: the address is marked) or of the message
 * (content, policy: the address stays) from a failure worth retrying, a 5xx to the login, the sender or TLS
 * included (smtpRefusal).
 */
export function instrumentMailer(mailer: Mailer, refusal: (err: unknown) => 'recipient' | 'message' | null): Mailer {
  const tracer = trace.getTracer('nudge');
  return {
    send: (mail) =>
      // No address or content on the span: traces are no place for client personal data.
      tracer.startActiveSpan('smtp send', { kind: SpanKind.CLIENT }, async (span) => {
        try {
          const sent = await mailer.send(mail);
          count.emailSent();
          return sent;
        } catch (err) {
          const refused = refusal(err);
          if (refused === 'recipient') count.emailBounced();
          else if (refused === 'message') count.emailRefused();
          else count.emailFailed();
          span.setAttribute('nudge.email.bounced', refused === 'recipient');
          if (refused) span.setAttribute('nudge.email.refused', refused);
          // The reply code only: a mail server's message often quotes the address.
          const code = (err as { responseCode?: number }).responseCode;
          span.setStatus({ code: SpanStatusCode.ERROR, message: code ? `SMTP ${code}` : 'SMTP connection failed' });
          throw err;
        } finally {
          span.end();
        }
      }),
    messageIdDomain: mailer.messageIdDomain,
    verify: () => mailer.verify(),
    close: () => mailer.close(),
    // Sends wait for the wrapped mailer's connections as they would without the counters (sendEmailOnce).
    ...(mailer.withConnection && { withConnection: mailer.withConnection.bind(mailer) }),
  };
}
