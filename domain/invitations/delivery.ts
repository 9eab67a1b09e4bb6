// Sending an invitation: issue the email's single-use token and email its link; and marking an invitation
// expired. The invitation workflow's activities call these. The token is made here (derived from the email's
// key under PORTAL_LINK_SECRET): only its SHA-256 hash is stored and it never reaches the workflow's history or
// the logs; the link exists only in the email.
import type { Db, Tx } from '../../prisma/client';
import { audit } from '../audit/audit';
import type { Mailer } from '../email/mailer';
import { CLAIM_LEASE_MS, EmailInFlightError, sendEmailOnce } from '../email/outbound-email';
import { renderInvitationEmail } from '../email/invitation-email';
import { invitationEmailKey, invitationExpiry, type InvitationOutcome } from '../../shared/contracts/invitation';
import { hashInvitationToken, invitationEmailToken } from './token';
import { DEV_PORTAL_LINK_SECRET } from '../portal/links';
import { clientUnsubscribe, contactLanguage, contactTimeZone, firmOverride } from '../email/compose';
import { allCategoryExclusions, type UnsubscribeLinks } from '../email/unsubscribe';
import { lockContactAndEmail, resendsRequested } from './invitations';

export interface InvitationDeliveryDeps {
  db: Db;
  mailer: Mailer;
  portalUrl: string;
  /** PORTAL_LINK_SECRET, under which each invitation email's token is derived; absent: the development secret. */
  portalLinkSecret?: string;
  /** The one-click unsubscribe links of emails to clients (defaults when absent). */
  unsubscribe?: UnsubscribeLinks;
}

export interface SendInvitationRequest {
  invitationId: string;
  /** Absent for the first send; the n-th resend otherwise. */
  resendSeq?: number;
  expiryDays: number;
  daySeconds: number;
}

export type SendInvitationResult =
  | { status: 'sent' | 'already_sent'; expiresAt: number }
  /** accepted, revoked, expired (the row's status), not_open (no row) and login_off: ended elsewhere; bounced
   * and unsubscribed: the invitation is revoked here. */
  | { status: 'skipped'; reason: InvitationOutcome | 'not_open' | 'login_off' | 'bounced' | 'unsubscribed' }
  | { status: 'failed' };

/** How the expiry found the invitation: ended (by it or before it), or resent by a request its workflow has not
 * seen yet (the request's signal is on its way), the newest resend's number. */
export type ExpireInvitationResult = { status: InvitationOutcome } | { status: 'resend_requested'; seq: number };

/** An invitation status that ends it (its workflow's outcome). */
const isEnded = (status: string): status is InvitationOutcome =>
  status === 'accepted' || status === 'revoked' || status === 'expired';

/** A system entry on the contact's timeline about one email of the invitation. */
type RecordOnTimeline = (tx: Tx, action: string, data: Record<string, string>) => Promise<unknown>;

export function createInvitationDelivery({
  db,
  mailer,
  portalUrl,
  portalLinkSecret,
  unsubscribe,
}: InvitationDeliveryDeps) {
  // A PORTAL_URL given with a trailing slash (a caller other than config) still makes a working link.
  const acceptUrl = `${portalUrl.replace(/\/+$/, '')}/invitations/accept`;
  const tokenOf = (emailKey: string) => invitationEmailToken(portalLinkSecret ?? DEV_PORTAL_LINK_SECRET, emailKey);

  /**
   * Puts back the link of the invitation's newest earlier email that went out (its timeline entry has the
   * email's key, so its token, and its expiry) in place of a refused resend's, while that one is still in force.
   */
  async function restoreEarlierLink(
    inv: { id: string; firmId: string; email: { contactId: string } },
    key: string,
    record: RecordOnTimeline,
  ) {
    const issued = await db.auditEvent.findMany({
      where: {
        firmId: inv.firmId,
        contactId: inv.email.contactId,
        action: { in: ['invitation.sent', 'invitation.resent'] },
        data: { path: ['invitationId'], equals: inv.id },
      },
      orderBy: { id: 'desc' },
      select: { data: true },
    });
    for (const { data } of issued) {
      const { emailKey, expiresAt } = data as { emailKey?: string; expiresAt?: string };
      if (!emailKey || !expiresAt || emailKey === key) continue;
      const earlier = await db.outboundEmail.findUnique({ where: { idempotencyKey: emailKey } });
      if (earlier?.status !== 'sent') continue;
      await db.$transaction(async (tx) => {
        const restored = await tx.invitation.updateMany({
          where: { id: inv.id, status: 'sent', tokenHash: hashInvitationToken(tokenOf(key)) },
          data: { tokenHash: hashInvitationToken(tokenOf(emailKey)), expiresAt: new Date(expiresAt) },
        });
        if (restored.count) await record(tx, 'invitation.resend_failed', { expiresAt });
      });
      return;
    }
  }

  /** How an invitation a send found no longer open ended (an accept or revoke landed meanwhile). */
  async function endedAs(invitationId: string) {
    const row = await db.invitation.findUnique({ where: { id: invitationId }, select: { status: true } });
    return row && isEnded(row.status) ? row.status : 'not_open';
  }

  return {
    async sendInvitation(req: SendInvitationRequest): Promise<SendInvitationResult> {
      const key = invitationEmailKey(req.invitationId, req.resendSeq);
      const inv = await db.invitation.findUnique({
        where: { id: req.invitationId },
        include: {
          email: {
            include: {
              contact: {
                include: { accounts: { select: { accountId: true }, take: 1, orderBy: { createdAt: 'asc' } } },
              },
            },
          },
        },
      });
      if (!inv) return { status: 'skipped', reason: 'not_open' };
      if (inv.status !== 'scheduled' && inv.status !== 'sent') return { status: 'skipped', reason: inv.status };
      if (inv.email.login === 'off') return { status: 'skipped', reason: 'login_off' };

      const contact = inv.email.contact;
      const accountId = contact.accounts[0]?.accountId;
      /** A system entry on the contact's timeline about this email of the invitation. */
      const recordOnTimeline: RecordOnTimeline = (tx, action, data) =>
        audit(tx, {
          firmId: inv.firmId,
          actorId: null,
          accountId: accountId ?? null,
          contactId: contact.id,
          action,
          data: { invitationId: inv.id, contactEmailId: inv.contactEmailId, emailKey: key, ...data },
        });
      // A resend refused for good leaves the client the link they already had (the workflow keeps its expiry);
      // a retry of it puts that link back too if the attempt that was refused could not.
      const refused = async (): Promise<SendInvitationResult> => {
        if (req.resendSeq !== undefined) await restoreEarlierLink(inv, key, recordOnTimeline);
        return { status: 'failed' };
      };

      // An email sent or refused is done (the row keeps the expiry its link went with); one a live attempt is
      // sending is retried later.
      const previous = await db.outboundEmail.findUnique({ where: { idempotencyKey: key } });
      if (previous?.status === 'sent') return { status: 'already_sent', expiresAt: inv.expiresAt.getTime() };
      if (previous?.status === 'failed') return refused();
      if (
        previous?.status === 'sending' &&
        previous.claimedAt &&
        previous.claimedAt.getTime() > Date.now() - CLAIM_LEASE_MS
      ) {
        throw new EmailInFlightError(key);
      }

      // An invitation is an email of category `all`: an address that bounces or whose client unsubscribed from
      // all emails gets none. It cannot reach the address any more, so it ends revoked, with the reason on the
      // contact's timeline (the API refuses a staff resend up front; this is the scheduled send, or a resend
      // whose address opted out meanwhile).
      const excluded = (await allCategoryExclusions(db, [inv.email])).get(inv.email.id);
      if (excluded) {
        await db.$transaction(async (tx) => {
          const revoked = await tx.invitation.updateMany({
            where: { id: inv.id, status: { in: ['scheduled', 'sent'] } },
            data: { status: 'revoked' },
          });
          if (revoked.count === 0) return;
          await recordOnTimeline(tx, 'invitation.skipped', { reason: excluded });
        });
        return { status: 'skipped', reason: excluded };
      }

      // The same token for every attempt at this email: an attempt that takes over a claim past its lease (the
      // one before may have died after the mail server accepted) writes the hash it had written, so the link in
      // a copy already delivered keeps working.
      const token = tokenOf(key);
      // An attempt after one that issued this link already (it ended before its email was claimed, or took
      // over a claim) keeps that link's expiry and its one timeline entry: every copy says the same.
      const issuedBefore = inv.tokenHash === hashInvitationToken(token);
      const expiresAt = issuedBefore
        ? inv.expiresAt
        : new Date(invitationExpiry(Date.now(), req.expiryDays, req.daySeconds));
      const issued = await db.$transaction(async (tx) => {
        // Guarded by status: a revoke or accept that landed meanwhile wins.
        const updated = await tx.invitation.updateMany({
          where: { id: inv.id, status: { in: ['scheduled', 'sent'] } },
          data: { tokenHash: hashInvitationToken(token), status: 'sent', expiresAt },
        });
        if (updated.count === 0) return false;
        if (!issuedBefore) {
          const action = req.resendSeq === undefined ? 'invitation.sent' : 'invitation.resent';
          await recordOnTimeline(tx, action, { expiresAt: expiresAt.toISOString() });
        }
        return true;
      });
      if (!issued) return { status: 'skipped', reason: await endedAs(inv.id) };

      const firm = await db.firm.findUniqueOrThrow({ where: { id: inv.firmId }, select: { name: true } });
      // In the contact's language, with the firm's own texts if it wrote them; unsubscribing from an
      // invitation turns the address's notifications off (category `all`).
      const language = await contactLanguage(db, inv.firmId, contact.id);
      const optOut = clientUnsubscribe(unsubscribe, {
        firmId: inv.firmId,
        contactEmailId: inv.contactEmailId,
        address: inv.address,
        category: 'all',
      });
      const content = renderInvitationEmail({
        firmName: firm.name,
        contactName: `${contact.firstName} ${contact.lastName}`.trim(),
        link: `${acceptUrl}?token=${token}`,
        expiresAt,
        validDays: req.expiryDays,
        message: inv.message,
        resend: req.resendSeq !== undefined,
        language,
        override: await firmOverride(db, inv.firmId, 'invitation', language),
        unsubscribeUrl: optOut.url,
        timeZone: await contactTimeZone(db, inv.firmId, contact.id),
      });
      const outcome = await sendEmailOnce(db, mailer, {
        firmId: inv.firmId,
        accountId,
        idempotencyKey: key,
        contactEmailId: inv.contactEmailId,
        to: inv.address,
        category: 'invitation',
        ...content,
        headers: optOut.headers,
      });
      if (outcome === 'in_flight') throw new EmailInFlightError(key);
      if (outcome === 'failed' || outcome === 'bounced') return refused();
      return { status: outcome, expiresAt: expiresAt.getTime() };
    },

    /**
     * The link ran out without being accepted; the email stays login "pending" until re-invited or turned off.
     * Locked as an accept and a resend lock (contact, then email), so neither can land unseen: an accept that
     * committed first is reported (the workflow ends "accepted", not "expired"), and so is a resend the API took
     * before the link ran out whose signal the workflow (which has seen `resendsSeen`) has not had yet; it is
     * then not expired. Without `resendsSeen`, requested resends are not looked for.
     */
    async expireInvitation(invitationId: string, resendsSeen?: number): Promise<ExpireInvitationResult> {
      const inv = await db.invitation.findUnique({
        where: { id: invitationId },
        include: { email: { select: { contactId: true } } },
      });
      if (!inv) return { status: 'revoked' }; // its email was deleted, which revokes
      return db.$transaction(async (tx) => {
        await lockContactAndEmail(tx, inv.firmId, inv.contactEmailId);
        const now = await tx.invitation.findUnique({ where: { id: invitationId }, select: { status: true } });
        if (!now) return { status: 'revoked' };
        if (isEnded(now.status)) return { status: now.status };
        if (resendsSeen !== undefined) {
          const at = { firmId: inv.firmId, contactId: inv.email.contactId, invitationId };
          const requested = await resendsRequested(tx, at);
          if (requested > resendsSeen) return { status: 'resend_requested', seq: requested };
        }
        const updated = await tx.invitation.updateMany({
          where: { id: invitationId, status: 'sent' },
          data: { status: 'expired' },
        });
        if (updated.count === 0) return { status: 'expired' }; // never sent: nothing to end (as before)
        await tx.auditEvent.create({
          data: {
            firmId: inv.firmId,
            contactId: inv.email.contactId,
            actorType: 'system',
            action: 'invitation.expired',
            data: { invitationId, contactEmailId: inv.contactEmailId },
          },
        });
        return { status: 'expired' };
      });
    },
  };
}
