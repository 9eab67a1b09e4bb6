// Sends one logical email at most once: the row keyed by its idempotency key is claimed before the SMTP
// call and marked sent after it, so a retried activity (or a second worker) skips what already went out.
import type { Db } from '../../prisma/client';
import { isPermanentSmtpError, type Mailer, type OutgoingMail } from './mailer';

export interface LogicalEmail {
  firmId: string;
  accountId?: string;
  idempotencyKey: string;
  contactEmailId?: string;
  to: string;
  category: string;
  subject: string;
  text: string;
  html: string;
  icalEvent?: OutgoingMail['icalEvent'];
}

export type SendOutcome = 'sent' | 'already_sent' | 'in_flight' | 'failed';

/** Another attempt holds the email's claim: try again later (the activity layer makes this a retry). */
export class EmailInFlightError extends Error {
  constructor(readonly idempotencyKey: string) {
    super(`email ${idempotencyKey} is being sent by another attempt`);
    this.name = 'EmailInFlightError';
  }
}

/**
 * A claim older than this is taken to belong to an attempt that died (its activity timed out long
 * before), so the email is sent again. Only a crash between SMTP acceptance and the "sent" update can
 * then duplicate an email; everything else is exactly once.
 */
const CLAIM_LEASE_MS = 90_000; // longer than the mailer's connection + socket timeouts

export async function sendEmailOnce(
  db: Db,
  mailer: Mailer,
  email: LogicalEmail,
  now = new Date(),
): Promise<SendOutcome> {
  await db.outboundEmail.upsert({
    where: { idempotencyKey: email.idempotencyKey },
    update: {},
    create: {
      firmId: email.firmId,
      accountId: email.accountId,
      idempotencyKey: email.idempotencyKey,
      contactEmailId: email.contactEmailId,
      toAddress: email.to,
      category: email.category,
      subject: email.subject,
    },
  });
  const claimed = await db.outboundEmail.updateMany({
    where: {
      idempotencyKey: email.idempotencyKey,
      OR: [{ status: 'pending' }, { status: 'sending', claimedAt: { lt: new Date(now.getTime() - CLAIM_LEASE_MS) } }],
    },
    data: { status: 'sending', claimedAt: now, attempts: { increment: 1 } },
  });
  if (claimed.count === 0) {
    const row = await db.outboundEmail.findUniqueOrThrow({ where: { idempotencyKey: email.idempotencyKey } });
    if (row.status === 'sent') return 'already_sent';
    if (row.status === 'failed') return 'failed';
    return 'in_flight';
  }
  try {
    const { messageId } = await mailer.send({
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      messageId: `<${email.idempotencyKey.replace(/[^A-Za-z0-9.-]/g, '.')}@nudge>`,
      headers: { 'X-Nudge-Key': email.idempotencyKey },
      ...(email.icalEvent ? { icalEvent: email.icalEvent } : {}),
    });
    await db.outboundEmail.update({
      where: { idempotencyKey: email.idempotencyKey },
      data: { status: 'sent', sentAt: new Date(), messageId, lastError: null },
    });
    return 'sent';
  } catch (err) {
    const permanent = isPermanentSmtpError(err);
    await db.outboundEmail.update({
      where: { idempotencyKey: email.idempotencyKey },
      // A transient failure releases the claim so the activity's retry sends it.
      data: permanent
        ? { status: 'failed', lastError: String((err as Error).message ?? err) }
        : { status: 'pending', claimedAt: null, lastError: String((err as Error).message ?? err) },
    });
    if (permanent) return 'failed';
    throw err;
  }
}
