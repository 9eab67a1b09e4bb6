// How domain failures become Temporal activity failures, decided in one place. Temporal keeps a failure's
// message and stack in the workflow's history, which holds no client personal data: an SMTP error's text
// quotes the server's reply (often the recipient's address) and a database error's may quote a query's values,
// so they leave with their codes only. The SMTP text stays in OutboundEmail.lastError (outbound-email.ts).
import { ApplicationFailure } from '@temporalio/activity';
import { EmailInFlightError } from '../domain/email/outbound-email';
import { ConnectionWaitError, enhancedStatus, isPermanentSmtpError } from '../domain/email/mailer';
import { Prisma } from '../prisma/client';

interface SmtpErrorFields {
  code?: unknown;
  command?: unknown;
  responseCode?: unknown;
  response?: unknown;
}

/** nodemailer's errors name the SMTP command that failed (`CONN` for the connection) or carry the reply code. */
const isSmtpError = (e: SmtpErrorFields) => typeof e.command === 'string' || typeof e.responseCode === 'number';

const word = (v: unknown, pattern: RegExp) => (typeof v === 'string' && pattern.test(v) ? v : null);

/** "SMTP error EENVELOPE at RCPT TO, reply 450 4.2.0": nodemailer's code, the command, the reply code and its
 * enhanced status (RFC 3463), never the reply's text. */
export function smtpFailureMessage(e: SmtpErrorFields): string {
  const code = typeof e.responseCode === 'number' ? String(e.responseCode) : null;
  const reply = [code, enhancedStatus(e.response)].filter(Boolean);
  const command = word(e.command, /^[A-Z]{2,10}( [A-Z]{2,10})?$/);
  const head = ['SMTP error', word(e.code, /^E[A-Z]{2,20}$/), command && `at ${command}`].filter(Boolean).join(' ');
  return reply.length ? `${head}, reply ${reply.join(' ')}` : head;
}

/** The codes of a database error (Prisma's, the driver adapter's kind and SQLSTATE, or pg's SQLSTATE); null
 * for anything else. */
export function databaseErrorCodes(err: unknown): string | null {
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    const cause = (err.meta as { driverAdapterError?: { cause?: { kind?: unknown; code?: unknown } } } | undefined)
      ?.driverAdapterError?.cause;
    return [err.code, word(cause?.kind, /^\w{1,40}$/), word(cause?.code, /^\w{5}$/)].filter(Boolean).join(' ');
  }
  if (err instanceof Prisma.PrismaClientValidationError) return 'validation';
  if (err instanceof Prisma.PrismaClientInitializationError) return err.errorCode ?? 'initialization';
  if (err instanceof Prisma.PrismaClientUnknownRequestError) return 'unknown request';
  if (err instanceof Prisma.PrismaClientRustPanicError) return 'panic';
  // pg's DatabaseError (the hot statements run on the pool directly): a severity and a SQLSTATE.
  const e = err as { severity?: unknown; code?: unknown } | null;
  if (typeof e?.severity === 'string' && typeof e.code === 'string') return word(e.code, /^[0-9A-Z]{5}$/) ?? 'pg';
  return null;
}

/** The Temporal failure an error leaves an activity as; errors without personal data leave as they are. */
export function activityFailure(err: unknown): unknown {
  // Another attempt holds the email's claim: retried later (the claim expires if that attempt died).
  if (err instanceof EmailInFlightError) return ApplicationFailure.retryable(err.message, 'EmailInFlight');
  // No SMTP connection free in time: nothing was claimed or sent, so the retry simply sends it.
  if (err instanceof ConnectionWaitError) return ApplicationFailure.retryable(err.message, 'SmtpConnectionWait');
  if (err instanceof ApplicationFailure || typeof err !== 'object' || err === null) return err;
  if (isSmtpError(err)) {
    // A permanent refusal (of the recipient or the message) is normally an outcome (send-once marks the email
    // failed); thrown, it must not loop. A 5xx to the login, the sender, the relay or TLS is retried until fixed.
    const message = smtpFailureMessage(err);
    return isPermanentSmtpError(err)
      ? ApplicationFailure.nonRetryable(message, 'SmtpRefused')
      : ApplicationFailure.retryable(message, 'SmtpError');
  }
  const db = databaseErrorCodes(err);
  if (db !== null) return ApplicationFailure.retryable(`database error ${db}`, 'DatabaseError');
  return err;
}

/** Runs an activity's work, its failures made Temporal failures by activityFailure. */
export async function withActivityFailures<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw activityFailure(err);
  }
}

/** The name the reminder and digest activities call it by (an email in flight was its first case). */
export const retryWhenInFlight = withActivityFailures;
