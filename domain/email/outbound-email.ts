// Sends one logical email at most once: the row keyed by its idempotency key is claimed right before the
// SMTP call and marked sent right after it, so a retried activity (or a second worker) skips what already
// went out.
//
// Send-once that survives the database (issue 9), the design and its trade-off:
// - Before the mail server accepted: a transient failure (4xx, connection, or a 5xx to the login, the sender
//   or TLS, which the operator fixes) releases the claim and throws, so the activity's retry sends it; a
//   permanent refusal (5xx) of the recipient or the message (smtpRefusal in mailer.ts) marks the email
//   `failed` and, when the recipient was refused, a contact's address bouncing (outcome `bounced`: excluded
//   from later sends with reason `bounced` until it is edited, and the firm's owners and admins get an inbox
//   notification).
// - A claim statement that failed mid-flight (a connection reset) may still have committed: the next attempt
//   in this process takes that claim back at once instead of after the lease, since the process knows it
//   sent nothing under it.
// - Once the mail server accepted, the claim is never released and this process never sends the email
//   again. Nothing else is awaited between the acceptance and the "sent" mark, and the mark is retried on
//   its own (MARK_RETRY_DELAYS_MS, about 35 s, heartbeating between tries) rather than sharing the SMTP
//   call's `try`. If it still cannot be written, the accepted email goes to a per-process background marker
//   that keeps writing the mark until the database answers (the row then says so in `lastError`), and the
//   call throws EmailInFlightError: the activity retries later. A retry in this process finds the key
//   waiting for its mark and never calls SMTP; a retry on another worker finds the row `sending` with a
//   live claim and waits for the lease (CLAIM_LEASE_MS), by which time the database that is back for it
//   is normally back for the background marker too.
// - What remains: the database alone cannot tell "accepted, mark not written" from "died before the mail
//   server answered" (both leave a `sending` row whose claim ages), and a dead attempt must be retried or
//   the email is lost. So an expired claim is sent again, and an accepted email is sent twice only if the
//   worker died between the acceptance and the mark, or the database stayed unwritable for the whole mark
//   retry and the process holding the accepted mark died before the database came back (or lost the race
//   with another worker's retry then). The copy carries the same Message-ID (derived from the key, so mail
//   clients fold the two), and the row records the takeover in `lastError` for an operator.
import { createHash } from 'node:crypto';
import type { Db, Tx } from '../../prisma/client';
import { smtpRefusal, type Mailer, type OutgoingMail } from './mailer';
import { hotQuery, hotSql } from '../outbox/hot-sql';

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
  /** Extra headers, e.g. List-Unsubscribe on emails to clients (unsubscribe.ts). */
  headers?: Record<string, string>;
}

/**
 * `bounced`: refused for good, the contact's address with it (marked bouncing); `failed`: refused for good, this
 * email only (its content or size, a policy, or an address that is no contact's): the address stays.
 */
export type SendOutcome = 'sent' | 'already_sent' | 'in_flight' | 'failed' | 'bounced';

/** Another attempt holds the email's claim: try again later (the activity layer makes this a retry). */
export class EmailInFlightError extends Error {
  constructor(readonly idempotencyKey: string) {
    super(`email ${idempotencyKey} is being sent by another attempt`);
    this.name = 'EmailInFlightError';
  }
}

/**
 * A claim older than this is taken to belong to an attempt that died (its activity timed out long
 * before), so the email is sent again. Longer than the mailer's connection + socket timeouts plus the
 * mark's retries, so a live attempt never loses its claim. Invitation delivery checks claims with it too.
 */
export const CLAIM_LEASE_MS = 90_000;

const TAKEOVER_NOTE = 'an earlier attempt ended without an outcome (crash or database outage); sent again';

/** Waits between tries of the "sent" mark after the mail server accepted: about 35 s in all. */
export const MARK_RETRY_DELAYS_MS: readonly number[] = [250, 500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000];

/** No heartbeat goes longer than this while the mark waits (the dispatch activity's timeout is 10 s). */
const HEARTBEAT_EVERY_MS = 2_000;

export interface SendOnceOptions {
  now?: Date;
  /** Called while waiting for a connection and between the tries of the "sent" mark (the dispatcher passes the
   * activity heartbeat). */
  heartbeat?: () => void;
  /** Overrides MARK_RETRY_DELAYS_MS (tests). */
  markRetryDelaysMs?: readonly number[];
}

/**
 * The Message-ID of a logical email: the same for every copy, so mail clients fold a resent one. Its right side
 * is the sender's domain (RFC 5322 3.6.4: a domain keeps it unique; filters score a bare word as spam).
 */
export function messageIdFor(idempotencyKey: string, domain = 'nudge'): string {
  return `<${createHash('sha256').update(idempotencyKey).digest('hex')}@${domain}>`;
}

/** Every email Nudge sends is made by a process, not a person: out-of-office replies skip it (RFC 3834). */
const AUTOMATED_HEADERS = { 'Auto-Submitted': 'auto-generated' } as const;

const errorText = (err: unknown) => String((err as Error)?.message ?? err);

/**
 * Holding one of the mailer's connections, then claimed and sent: an email waiting for a connection has no
 * claim yet, so however long the relay keeps the others busy, its lease (CLAIM_LEASE_MS) cannot run out while
 * it waits and let another attempt send it too.
 */
export function sendEmailOnce(
  db: Db,
  mailer: Mailer,
  email: LogicalEmail,
  opts: SendOnceOptions = {},
): Promise<SendOutcome> {
  const send = () => claimAndSend(db, mailer, email, opts);
  return mailer.withConnection ? mailer.withConnection(send, opts.heartbeat) : send();
}

async function claimAndSend(db: Db, mailer: Mailer, email: LogicalEmail, opts: SendOnceOptions): Promise<SendOutcome> {
  const now = opts.now ?? new Date();
  const key = email.idempotencyKey;
  // Accepted by the mail server earlier in this process, mark not written yet: never send it again.
  const unmarked = unmarkedSends.get(key);
  if (unmarked) {
    if (await writeSentMark(unmarked).catch(() => false)) return 'already_sent';
    throw new EmailInFlightError(key);
  }
  // Created claimed, or claimed when pending; a claim past its lease (the attempt holding it ended without
  // recording an outcome: it died, or could not write to the database) is taken over: sent again with the
  // same Message-ID, and noted for an operator. A claim this process abandoned (below) is taken back at
  // once, without a note: nothing went out under it. One statement (issue 10).
  const leaseCutoff = new Date(now.getTime() - CLAIM_LEASE_MS);
  const abandoned = abandonedClaims.get(key) ?? null;
  const claimed = hotQuery<{ tookOver: boolean }>(
    db,
    hotSql`
    INSERT INTO "OutboundEmail" (id, "firmId", "accountId", "idempotencyKey", "contactEmailId", "toAddress", category,
      subject, status, attempts, "claimedAt", "createdAt")
    VALUES (gen_random_uuid(), ${email.firmId}::uuid, ${email.accountId ?? null}::uuid, ${key}::text,
      ${email.contactEmailId ?? null}::uuid, ${email.to}::text, ${email.category}::text, ${email.subject}::text,
      'sending', 1, ${now}::timestamp(3), ${now}::timestamp(3))
    ON CONFLICT ("idempotencyKey") DO UPDATE SET status = 'sending', "claimedAt" = EXCLUDED."claimedAt",
      attempts = "OutboundEmail".attempts + 1,
      "lastError" = CASE WHEN "OutboundEmail".status = 'sending'
          AND "OutboundEmail"."claimedAt" IS DISTINCT FROM ${abandoned}::timestamp(3) THEN ${TAKEOVER_NOTE}::text
        ELSE "OutboundEmail"."lastError" END
    WHERE "OutboundEmail".status = 'pending'
      OR ("OutboundEmail".status = 'sending' AND "OutboundEmail"."claimedAt" < ${leaseCutoff}::timestamp(3))
      OR ("OutboundEmail".status = 'sending' AND "OutboundEmail"."claimedAt" = ${abandoned}::timestamp(3))
    RETURNING "lastError" IS NOT DISTINCT FROM ${TAKEOVER_NOTE}::text AS "tookOver"`,
  );
  // The statement failed (a connection reset mid-flight): it may have committed the claim, but this
  // attempt stops here and never sends under it, so a retry in this process may take it back at once
  // instead of waiting out the lease.
  const [claim] = await claimed.catch((err: unknown) => {
    abandonedClaims.set(key, now);
    throw err;
  });
  abandonedClaims.delete(key);
  const tookOver = claim?.tookOver ?? false;
  if (!claim) {
    const row = await db.outboundEmail.findUniqueOrThrow({ where: { idempotencyKey: key } });
    if (row.status === 'sent') return 'already_sent';
    if (row.status === 'failed') return recordedRefusal(db, row);
    return 'in_flight';
  }

  let messageId: string;
  try {
    ({ messageId } = await mailer.send({
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      messageId: messageIdFor(key, mailer.messageIdDomain),
      headers: { ...AUTOMATED_HEADERS, ...email.headers, 'X-Nudge-Key': key },
      ...(email.icalEvent ? { icalEvent: email.icalEvent } : {}),
    }));
  } catch (err) {
    // The mail server did not accept it: nothing went out.
    const refused = smtpRefusal(err);
    if (refused) {
      if (refused !== 'recipient' || !email.contactEmailId) {
        await hotQuery(
          db,
          hotSql`UPDATE "OutboundEmail" SET status = 'failed', "lastError" = ${errorText(err)}::text
            WHERE "idempotencyKey" = ${key}::text`,
        );
        return 'failed';
      }
      // The refusal, the address's bounce and the firm's notices together: a retry reads a refused row as a bounce
      // only once its address is marked, so a crash between them would leave the address unmarked or unnoticed.
      // Not written, the claim is released: the retry tries again, and the server refuses again (nothing went).
      try {
        await db.$transaction(async (tx) => {
          await tx.$executeRaw`UPDATE "OutboundEmail" SET status = 'failed', "lastError" = ${errorText(err)}
            WHERE "idempotencyKey" = ${key}`;
          await markBouncing(tx, email, errorText(err), now);
        });
      } catch (markErr) {
        await releaseClaim(db, key, err).catch(() => undefined);
        throw markErr;
      }
      return 'bounced';
    }
    // A transient failure releases the claim so the activity's retry sends it. If even that cannot be
    // written, the claim's lease runs out and the retry sends it then.
    await releaseClaim(db, key, err).catch(() => undefined);
    throw err;
  }

  // Accepted: from here on the email is never sent again by this process, and the claim stays.
  // The takeover note stays on the sent row, for an operator counting possible duplicates.
  const mark: UnmarkedSend = {
    db,
    key,
    messageId,
    sentAt: new Date(),
    ...(tookOver ? { lastError: TAKEOVER_NOTE } : {}),
  };
  if (await retrySentMark(mark, opts)) return 'sent';
  holdUntilMarked(mark);
  throw new EmailInFlightError(key);
}

interface UnmarkedSend {
  db: Db;
  key: string;
  messageId: string;
  sentAt: Date;
  lastError?: string;
}

async function writeSentMark(m: UnmarkedSend): Promise<boolean> {
  await hotQuery(
    m.db,
    hotSql`UPDATE "OutboundEmail" SET status = 'sent', "sentAt" = ${m.sentAt}::timestamp(3),
      "messageId" = ${m.messageId}::text, "lastError" = ${m.lastError ?? null}::text
      WHERE "idempotencyKey" = ${m.key}::text`,
  );
  unmarkedSends.delete(m.key);
  return true;
}

/** The "sent" mark on its own: a few tries with backoff, heartbeating while it waits. */
async function retrySentMark(m: UnmarkedSend, opts: SendOnceOptions): Promise<boolean> {
  const delays = opts.markRetryDelaysMs ?? MARK_RETRY_DELAYS_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await writeSentMark(m);
    } catch {
      if (attempt >= delays.length) return false;
      for (let waited = 0; waited < delays[attempt]; waited += HEARTBEAT_EVERY_MS) {
        opts.heartbeat?.();
        await sleep(Math.min(HEARTBEAT_EVERY_MS, delays[attempt] - waited));
      }
      opts.heartbeat?.();
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Claims whose statement failed in this process (committed or not, nothing was sent under them): key → time. */
const abandonedClaims = new Map<string, Date>();

/** Accepted emails whose "sent" mark could not be written yet, by key (this process only). */
const unmarkedSends = new Map<string, UnmarkedSend>();
const BACKGROUND_MARK_EVERY_MS = 5_000;

/** Keeps writing the mark in the background, for as long as this process lives, until the database answers. */
function holdUntilMarked(m: UnmarkedSend): void {
  m.lastError = `the sent mark was written late: the database was unavailable after the mail server accepted at ${m.sentAt.toISOString()}`;
  unmarkedSends.set(m.key, m);
  const retry = () => {
    if (unmarkedSends.get(m.key) !== m) return; // written meanwhile by a retry of the activity
    writeSentMark(m).catch(() => setTimeout(retry, BACKGROUND_MARK_EVERY_MS).unref());
  };
  setTimeout(retry, BACKGROUND_MARK_EVERY_MS).unref();
}

/** Keys of emails the mail server accepted whose "sent" mark is still waiting for the database. */
export function unmarkedSendKeys(): string[] {
  return [...unmarkedSends.keys()];
}

/**
 * An email an earlier attempt saw refused (the row does not say of what): a bounce when its contact's address,
 * still the one it went to, is marked bouncing.
 */
async function recordedRefusal(
  db: Db,
  row: { firmId: string; contactEmailId: string | null; toAddress: string },
): Promise<'failed' | 'bounced'> {
  if (!row.contactEmailId) return 'failed';
  const bouncing = await db.contactEmail.count({
    where: {
      id: row.contactEmailId,
      firmId: row.firmId,
      address: { equals: row.toAddress, mode: 'insensitive' },
      bouncedAt: { not: null },
    },
  });
  return bouncing ? 'bounced' : 'failed';
}

/** Gives the email back to the activity's retry, which sends it. */
const releaseClaim = (db: Db, key: string, err: unknown) =>
  hotQuery(
    db,
    hotSql`UPDATE "OutboundEmail" SET status = 'pending', "claimedAt" = NULL, "lastError" = ${errorText(err)}::text
      WHERE "idempotencyKey" = ${key}::text`,
  );

/**
 * A permanent refusal of a contact's address marks that address bouncing (unless it was edited since the
 * email was addressed), and tells the firm's owners and admins in their inbox, once per bounce.
 */
async function markBouncing(db: Tx, email: LogicalEmail, reason: string, now: Date): Promise<void> {
  const marked = await db.contactEmail.updateMany({
    where: {
      id: email.contactEmailId,
      firmId: email.firmId,
      address: { equals: email.to, mode: 'insensitive' },
      bouncedAt: null,
    },
    data: { bouncedAt: now, bounceReason: reason.slice(0, 500) },
  });
  if (marked.count === 0) return;
  const row = await db.contactEmail.findUnique({
    where: { id: email.contactEmailId },
    select: { id: true, contactId: true, address: true },
  });
  if (!row) return;
  const users = await db.firmUser.findMany({
    where: { firmId: email.firmId, role: { in: ['owner', 'admin'] }, deactivatedAt: null },
    select: { id: true },
  });
  await db.inboxNotification.createMany({
    data: users.map((u) => ({
      firmId: email.firmId,
      firmUserId: u.id,
      kind: 'contact_email.bounced',
      title: `Emails to ${row.address} bounce`,
      body: `The mail server refused an email to ${row.address} for good (${reason.slice(0, 200)}). Nudge sends nothing more to this address until it is edited.`,
      data: { contactEmailId: row.id, contactId: row.contactId, accountId: email.accountId ?? null },
    })),
  });
}
