// SMTP delivery through nodemailer; the one place that knows about the transport.
import net from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { PassThrough, type Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
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
  /** The domain of the sender's address, the right side of every Message-ID (absent: "nudge"). */
  readonly messageIdDomain?: string;
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
  verify(): Promise<void>;
  close(): void;
  /** Runs `fn` holding one of the pool's connections (sendEmailOnce claims and sends inside it), calling
   * `waiting` every few seconds while it waits for one (the activity's heartbeat); absent, at once. */
  withConnection?<T>(fn: () => Promise<T>, waiting?: () => void): Promise<T>;
}

const CONNECT_TIMEOUT_MS = 10_000;

/** The pool's connections to the relay: sends beyond them wait in withConnection, not in nodemailer's queue. */
const MAX_CONNECTIONS = 5;

/**
 * Longest a send waits for a connection. In nodemailer's own queue it waited unbounded, after its claim: with a
 * slow relay and many sends at once one could outlive the claim's lease while another attempt took the email
 * over and sent it too. Past this it fails before its claim (a transient failure, retried by its activity).
 */
export const CONNECTION_WAIT_MS = 30_000;

export class ConnectionWaitError extends Error {
  constructor(waitMs: number) {
    super(`no SMTP connection free within ${waitMs} ms (the relay is slow or the worker sends more than it keeps)`);
    this.name = 'ConnectionWaitError';
  }
}

/** A waiting send tells its activity it is alive this often (the dispatch's heartbeat timeout is 10 s). */
const WAITING_BEAT_MS = 2_000;

/** At most `max` holders at once, the others served in order, each waiting at most `waitMs`. */
function connectionGate(max: number, waitMs: number) {
  let free = max;
  const waiting: (() => void)[] = [];
  const take = (beat?: () => void) =>
    new Promise<void>((resolve, reject) => {
      if (free > 0) return void (free--, resolve());
      const beats = beat ? setInterval(beat, WAITING_BEAT_MS) : undefined;
      const admit = () => {
        clearTimeout(timer);
        clearInterval(beats);
        resolve();
      };
      const timer = setTimeout(() => {
        clearInterval(beats);
        waiting.splice(waiting.indexOf(admit), 1);
        reject(new ConnectionWaitError(waitMs));
      }, waitMs);
      waiting.push(admit);
    });
  const give = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  return async <T>(fn: () => Promise<T>, beat?: () => void): Promise<T> => {
    await take(beat);
    try {
      return await fn();
    } finally {
      give();
    }
  };
}

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

/**
 * `tls`: extra options for the TLS session (tests trust their server's self-signed certificate with it).
 * Without `SMTP_SECURE`, the session is upgraded with STARTTLS whenever the server offers it, credentials or
 * not: an unauthenticated relay (allowed by IP) carries client emails too, and may refuse them in plain text.
 */
export function createMailer(
  smtp: Config['smtp'],
  tls?: ConnectionOptions,
  connectionWaitMs = CONNECTION_WAIT_MS,
): Mailer {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(tls ? { tls } : {}),
    auth: smtp.user ? { user: smtp.user, pass: smtp.pass } : undefined,
    pool: true,
    maxConnections: MAX_CONNECTIONS,
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
    messageIdDomain: addressDomain(smtp.from),
    async send(mail) {
      const info = await transport.sendMail({ from: smtp.from, ...mail });
      return { messageId: info.messageId };
    },
    async verify() {
      await transport.verify();
    },
    close: () => transport.close(),
    withConnection: connectionGate(MAX_CONNECTIONS, connectionWaitMs),
  };
}

/** "Nudge <no-reply@firm.example>" → "firm.example"; undefined when the address has no domain. */
export function addressDomain(from: string): string | undefined {
  const [first] = addressparser(from, { flatten: true });
  const domain = first?.address?.split('@')[1]?.toLowerCase();
  return domain && /^[a-z0-9.-]+$/.test(domain) ? domain : undefined;
}

interface SmtpErrorFields {
  command?: unknown;
  responseCode?: unknown;
  response?: unknown;
}

/** The enhanced status code (RFC 3463) opening a reply, "5.1.1" of "550 5.1.1 …"; null without one. */
export function enhancedStatus(response: unknown): string | null {
  return typeof response === 'string' ? (/^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})\b/.exec(response)?.[1] ?? null) : null;
}

/** Replies that ask for a login or TLS first (RFC 4954, 3207): the session's fault, whatever the command. */
const LOGIN_OR_TLS_REQUIRED = new Set([530, 534, 535, 538]);

/** X.1.7 and X.1.8 are about the sender's address; Postfix gives them at RCPT TO (it delays its refusals there). */
const SENDER_STATUS = /^5\.1\.[78]$/;

/**
 * A refusal at RCPT TO of the sender or the client, not the recipient: Postfix's fixed phrases for its sender,
 * client and HELO checks (delayed to RCPT TO) and for a relay that no longer trusts us, under any status, and
 * Exchange Online's relay refusals (X.7.54, X.7.64).
 */
const ENVELOPE_REFUSAL =
  /\b(?:(?:Sender address|Client host|Helo command) (?:rejected|\[[^\]]*\] blocked)|Relay access denied)\b/i;
const RELAY_STATUS = /^5\.7\.(54|64)$/;

/** At RCPT TO, the recipient's address: a reply without a status, or with an address (X.1.x) or mailbox (X.2.x) one. */
const RECIPIENT_STATUS = /^5\.[12]\.\d+$/;

/**
 * Or a reply whose words say the address does not exist, under another status: Outlook.com's "550 5.5.0 Requested
 * action not taken: mailbox unavailable", Exchange Online's "550 5.4.1 Recipient address rejected: Access denied".
 */
const UNKNOWN_RECIPIENT =
  /\b(?:mailbox (?:unavailable|not found|does not exist)|recipient address rejected|user unknown|unknown user|no such (?:user|mailbox|recipient))\b/i;

/**
 * The recipient's address (X.1.x) or mailbox (X.2.x) at DATA. X.2.0, the catch-all, is left out: Exchange
 * Online gives it to a sender that may not send as MAIL_FROM.
 */
const MAILBOX_STATUS = /^5\.(1\.\d+|2\.[1-9]\d*)$/;

/**
 * What a mail server refused for good (a 5xx reply): `recipient`, the address (its email fails and the
 * address is marked bouncing); `message`, this one email (it fails, the address stays: refused at DATA for its
 * content or size, or at RCPT TO by a policy, X.7.x and the like, rather than for the address); null, nothing
 * for good. A 5xx to the greeting, EHLO, STARTTLS, AUTH or MAIL FROM, or at RCPT TO one refusing the sender,
 * the client or the relay, is the sender's or the configuration's (a rotated password, an unverified
 * MAIL_FROM, TLS required, a new IP): the email is retried once the operator fixes it, and the addresses stay.
 * nodemailer names the command of every reply; an error without one (a mailer of our own, in tests) is read by
 * its code alone, as a refusal of the address.
 */
export function smtpRefusal(err: unknown): 'recipient' | 'message' | null {
  const { command, responseCode, response } = (err ?? {}) as SmtpErrorFields;
  if (typeof responseCode !== 'number' || responseCode < 500 || responseCode >= 600) return null;
  const status = enhancedStatus(response);
  if (LOGIN_OR_TLS_REQUIRED.has(responseCode) || (status !== null && SENDER_STATUS.test(status))) return null;
  if (command === undefined) return 'recipient';
  if (command === 'RCPT TO') return recipientRefusal(response, status);
  if (command === 'DATA') return status !== null && MAILBOX_STATUS.test(status) ? 'recipient' : 'message';
  return null;
}

/** A 5xx at RCPT TO: the recipient's address only when the reply says so (see RECIPIENT_STATUS). */
function recipientRefusal(response: unknown, status: string | null): 'recipient' | 'message' | null {
  if ((typeof response === 'string' && ENVELOPE_REFUSAL.test(response)) || (status && RELAY_STATUS.test(status)))
    return null;
  if (status === null || RECIPIENT_STATUS.test(status)) return 'recipient';
  return typeof response === 'string' && UNKNOWN_RECIPIENT.test(response) ? 'recipient' : 'message';
}

/** Retrying the same email will not help: the mail server refused its recipient or the message for good. */
export function isPermanentSmtpError(err: unknown): boolean {
  return smtpRefusal(err) !== null;
}
