// A mailer that counts what the mail server did with each email (nudge_emails_*_total) and traces each
// SMTP call as a span of the activity that sends it. The worker wraps its mailer with it, so every email
// path (reminders, invitations, participant emails) is counted in one place.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Mailer } from '../domain/email/mailer';
import { count } from './metrics';

/**
 * `isPermanent` tells a refusal for good (a bounce: the mail server's 5xx to the recipient or the message)
 * from a failure worth retrying, a 5xx to the login, the sender or TLS included (isPermanentSmtpError).
 */
export function instrumentMailer(mailer: Mailer, isPermanent: (err: unknown) => boolean): Mailer {
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
          const bounced = isPermanent(err);
          if (bounced) count.emailBounced();
          else count.emailFailed();
          span.setAttribute('nudge.email.bounced', bounced);
          // The reply code only: a mail server's message often quotes the address.
          const code = (err as { responseCode?: number }).responseCode;
          span.setStatus({ code: SpanStatusCode.ERROR, message: code ? `SMTP ${code}` : 'SMTP connection failed' });
          throw err;
        } finally {
          span.end();
        }
      }),
    verify: () => mailer.verify(),
    close: () => mailer.close(),
  };
}
