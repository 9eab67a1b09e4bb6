// SMTP delivery through nodemailer; the one place that knows about the transport.
import net from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
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

const CONNECT_TIMEOUT_MS = 10_000;

type SocketCallback = (err: Error | null, socket?: { connection: net.Socket }) => void;

/**
 * The SMTP connection, opened with Nagle's algorithm off (nodemailer leaves it on): a command written right
 * after another small one otherwise waits for the server's delayed ACK, about 40 ms on every email
 * (issue 10: 44 ms per email to a server on loopback, 2 ms with it off). nodemailer runs the session on it,
 * TLS included (`secure` upgrades it at once, STARTTLS after EHLO).
 */
function connectNoDelay(host: string, port: number, callback: SocketCallback): void {
  const socket = net.connect({ host, port, noDelay: true, keepAlive: true, timeout: CONNECT_TIMEOUT_MS });
  // Failures carry the codes nodemailer gives its own connection's: ESOCKET, or ETIMEDOUT for the timeout.
  const fail = (err: Error, code: string) => {
    socket.off('error', onError).off('timeout', onTimeout).destroy();
    callback(Object.assign(err, { code, command: 'CONN' }));
  };
  const onError = (err: Error) => fail(err, 'ESOCKET');
  const onTimeout = () => fail(new Error('Connection timeout'), 'ETIMEDOUT');
  socket.once('error', onError).once('timeout', onTimeout);
  socket.once('connect', () => {
    socket.off('error', onError).off('timeout', onTimeout).setTimeout(0);
    callback(null, { connection: socket });
  });
}

/**
 * The message handed to the SMTP session as one chunk: nodemailer streams it part by part (headers, each
 * boundary, each body), and on a connection with Nagle's algorithm off every part was a write and a TCP
 * segment of its own (ten for a reminder), each costing a system call here and a wake-up at the server.
 * Our emails are small (no attachments), so holding one whole costs nothing; DKIM signing does the same.
 */
function wholeMessage(input: Readable): Readable {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  input.on('data', (chunk: Buffer) => chunks.push(chunk));
  input.once('end', () => output.end(Buffer.concat(chunks)));
  input.once('error', (err) => output.destroy(err));
  return output;
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
    getSocket: (_options: unknown, callback: SocketCallback) => connectNoDelay(smtp.host, smtp.port, callback),
    // Bounded so one stuck SMTP session cannot outlive the email claim lease (outbound-email.ts).
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  transport.use('stream', (mail, done) => {
    mail.message.processFunc(wholeMessage);
    done();
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
