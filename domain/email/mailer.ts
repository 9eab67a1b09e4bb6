// SMTP delivery through nodemailer; the one place that knows about the transport.
import nodemailer from 'nodemailer';
import type { Config } from '../../config/config';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable Message-ID derived from the email's idempotency key. */
  messageId: string;
  headers?: Record<string, string>;
  /** A calendar invitation (text/calendar part), e.g. { method: 'REQUEST', content: <ics text> }. */
  icalEvent?: { method: string; content: string; filename?: string };
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
  verify(): Promise<void>;
  close(): void;
}

export function createMailer(smtp: Config['smtp']): Mailer {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ignoreTLS: !smtp.secure && !smtp.user,
    auth: smtp.user ? { user: smtp.user, pass: smtp.pass } : undefined,
    pool: true,
    maxConnections: 5,
    // Bounded so one stuck SMTP session cannot outlive the email claim lease (outbound-email.ts).
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail) {
      const info = await transport.sendMail({ from: smtp.from, ...mail });
      return { messageId: info.messageId };
    },
    async verify() {
      await transport.verify();
    },
    close: () => transport.close(),
  };
}

/** SMTP reply codes 5xx are permanent: retrying the same message will not help. */
export function isPermanentSmtpError(err: unknown): boolean {
  const code = (err as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}
