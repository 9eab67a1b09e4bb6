// Sends an address's digest (issue 12): the reminders waiting for it go as one email listing each item that
// is still pending, exactly once. The digest workflow's activities call it.
//
// An entry is `pending` until a send claims it (`claimed`, with the digest's key), then `sent` or `dropped`.
// Until the email's send-once row exists, an item done meanwhile (or an address that no longer receives it)
// drops out; from then on the digest's list is fixed, so a retry sends the same email under the same key
// (outbound-email.ts: claimed before SMTP, never twice). Reminders queued after the claim wait for the next.
import type { Db, Tx } from '../../prisma/client';
import type { DispatchDeps } from '../items/dispatch';
import { digestEmailKey, type DigestPlan, type DigestSendResult } from '../../shared/contracts/digest';
import { CATEGORY_OF_ITEM, selectRecipients } from '../../shared/recipients';
import type { ItemKind, ItemRef } from '../../shared/reminder-types';
import { dispatchKey, reminderWorkflowId } from '../../shared/contracts/item-reminder';
import { readItemSnapshot } from '../items/snapshot';
import { loadCandidateEmails } from '../items/recipient-lookup';
import { clientUnsubscribe, contactEmailLanguage, contactTimeZone, firmOverride } from '../email/compose';
import { EmailInFlightError, sendEmailOnce } from '../email/outbound-email';
import { unsubscribeTargetOf } from '../email/unsubscribe';
import { portalEmailLinks } from '../portal/email-links';
import { recordEmailBounced } from '../webhooks/item-events';
import { renderDigestEmail, type DigestItem } from './digest-email';
import { readDigestSetting, windowMs } from './settings';
import { planDigestSend } from './send-time';

/** What the item dispatcher needs (mailer, portal links, unsubscribe links), and the reminder clock. */
export interface DigestDeps extends DispatchDeps {
  /** REMINDER_DAY_SECONDS: the digest window is measured on the reminder clock (86400 in production). */
  reminderDaySeconds?: number;
}

export interface DigestAddress {
  firmId: string;
  contactEmailId: string;
}

type Entry = {
  id: string;
  accountId: string;
  itemKind: ItemKind;
  itemId: string;
  dispatchKey: string;
  activationBanner: boolean;
};

const ORDER = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];
const refOf = (firmId: string, e: Entry): ItemRef => ({
  firmId,
  accountId: e.accountId,
  kind: e.itemKind,
  itemId: e.itemId,
});

/** Whether the entry's reminder belongs to the item's current cycle (its dispatch key names the cycle). */
const inCycle = (e: Entry, cycleKey: string) =>
  e.dispatchKey.startsWith(dispatchKey(reminderWorkflowId(e.itemKind, e.itemId), cycleKey, 'reminder', ''));

/**
 * Why an entry leaves its digest unsent, as its reminder would not go alone: the item is done, its cycle moved
 * on (a chat reply then a new firm message, or a reopen), its reminders were switched off, or the address no
 * longer receives them.
 */
async function dropReason(tx: Tx, firmId: string, contactEmailId: string, e: Entry): Promise<string | null> {
  const ref = refOf(firmId, e);
  const snapshot = await readItemSnapshot(tx, ref);
  if (snapshot.doneReason) return snapshot.doneReason;
  if (!inCycle(e, snapshot.cycleKey)) return 'stale_cycle';
  if (!snapshot.settings.enabled) return 'reminders_off';
  const decision = selectRecipients(e.itemKind, await loadCandidateEmails(tx as unknown as Db, ref));
  if (decision.recipients.some((r) => r.contactEmailId === contactEmailId)) return null;
  return decision.excluded.find((x) => x.contactEmailId === contactEmailId)?.reason ?? 'not_a_recipient';
}

/** The item's title and when it was first sent, for its line in the digest; null once the item is deleted. */
async function itemFacts(db: Db, e: Entry): Promise<{ title: string; createdAt: Date } | null> {
  const where = { id: e.itemId };
  if (e.itemKind === 'chat') {
    const t = await db.chatThread.findUnique({ where, select: { subject: true, createdAt: true } });
    return t && { title: t.subject, createdAt: t.createdAt };
  }
  const select = { createdAt: true, document: { select: { name: true } } } as const;
  const r =
    e.itemKind === 'signature'
      ? await db.signatureRequest.findUnique({ where, select })
      : await db.approvalRequest.findUnique({ where, select });
  return r && { title: r.document.name, createdAt: r.createdAt };
}

export function createDigestSender(deps: DigestDeps) {
  const { db, mailer } = deps;
  const dayMs = (deps.reminderDaySeconds ?? 86_400) * 1000;

  /** Claims the address's digest (or finds the one a failed attempt claimed) and drops what no longer goes. */
  function claim({ firmId, contactEmailId }: DigestAddress) {
    return db.$transaction(async (tx) => {
      // One digest at a time per address: concurrent attempts queue on the address's row.
      const address = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM "ContactEmail" WHERE id = ${contactEmailId}::uuid AND "firmId" = ${firmId}::uuid FOR UPDATE`;
      const open = { firmId, contactEmailId, state: { in: ['pending', 'claimed'] } };
      if (!address.length) {
        const { count } = await tx.digestEntry.updateMany({
          where: open,
          data: { state: 'dropped', dropReason: 'address_removed', settledAt: new Date() },
        });
        return { key: null, entries: [] as Entry[], dropped: count };
      }
      let entries = await tx.digestEntry.findMany({
        where: { firmId, contactEmailId, state: 'claimed' },
        orderBy: ORDER,
      });
      if (!entries.length) {
        const pending = await tx.digestEntry.findMany({
          where: { firmId, contactEmailId, state: 'pending' },
          orderBy: ORDER,
        });
        if (!pending.length) return { key: null, entries: [] as Entry[], dropped: 0 };
        // Not before the send window opens and the recipient's pause ends (a claimed digest goes regardless:
        // it may have gone already). Items paused on their own stay pending for a later digest.
        const now = Date.now();
        const collecting = windowMs(await readDigestSetting(tx, firmId), deps.reminderDaySeconds);
        const plan = await planDigestSend(tx, { firmId, contactEmailId }, pending, collecting, now);
        if (plan.sendAt > now) return { key: null, entries: [] as Entry[], dropped: 0, heldUntil: plan.sendAt };
        const ready = pending.filter((p) => !plan.itemPaused(p));
        const key = digestEmailKey(contactEmailId, ready[0].id);
        await tx.digestEntry.updateMany({
          where: { id: { in: ready.map((p) => p.id) } },
          data: { state: 'claimed', digestKey: key },
        });
        entries = ready.map((p) => ({ ...p, state: 'claimed', digestKey: key }));
      }
      const key = entries[0].digestKey!;
      // Once the email's send-once row exists it may have gone: its list no longer changes.
      if (await tx.outboundEmail.findUnique({ where: { idempotencyKey: key }, select: { id: true } }))
        return { key, entries: entries as Entry[], dropped: 0 };
      const kept: Entry[] = [];
      let dropped = 0;
      for (const e of entries) {
        const reason = await dropReason(tx, firmId, contactEmailId, e);
        if (!reason) {
          kept.push(e);
          continue;
        }
        await tx.digestEntry.update({
          where: { id: e.id },
          data: { state: 'dropped', dropReason: reason, settledAt: new Date() },
        });
        dropped++;
      }
      return { key, entries: kept, dropped };
    });
  }

  return {
    /**
     * When the address's waiting reminders go (null: none wait): the first one's arrival plus the firm's window,
     * then inside the send window and after the recipient's pause. Asked again at least once a reminder day
     * (sendDigest holds it meanwhile), so a window or pause changed in between applies.
     */
    async planDigest(address: DigestAddress): Promise<DigestPlan> {
      const { firmId, contactEmailId } = address;
      const [setting, waiting] = await Promise.all([
        readDigestSetting(db, firmId),
        db.digestEntry.findMany({
          where: { firmId, contactEmailId, state: { in: ['pending', 'claimed'] } },
          orderBy: ORDER,
          select: { createdAt: true, state: true, itemKind: true, itemId: true },
        }),
      ]);
      const idleMs = windowMs(setting, deps.reminderDaySeconds);
      const first = waiting[0];
      if (!first) return { sendAt: null, idleMs };
      // A claimed digest is one an attempt started and did not finish: it goes now.
      const now = Date.now();
      if (first.state === 'claimed') return { sendAt: now, idleMs };
      const plan = await planDigestSend(db, address, waiting, idleMs, now);
      // The workflow's wait is not woken by a new reminder: while only paused items wait, it looks again a window
      // later, so a reminder queued meanwhile goes at its own window's end, not at the pause's.
      const askAgainAt = plan.allPaused ? now + idleMs : Math.max(now, first.createdAt.getTime() + idleMs) + dayMs;
      return { sendAt: Math.min(plan.sendAt, askAgainAt), idleMs };
    },

    /** One email with every item still pending, or nothing when none is left; heartbeats while it sends. */
    async sendDigest(address: DigestAddress, heartbeat: () => void = () => undefined): Promise<DigestSendResult> {
      const { firmId, contactEmailId } = address;
      heartbeat();
      const { key, entries, dropped, heldUntil } = await claim(address);
      if (heldUntil !== undefined) return { status: 'held', sendAt: heldUntil };
      if (!key || !entries.length) return { status: 'nothing', dropped };

      const [firm, email, language] = await Promise.all([
        db.firm.findUniqueOrThrow({ where: { id: firmId }, select: { name: true } }),
        db.contactEmail.findUniqueOrThrow({
          where: { id: contactEmailId },
          select: { address: true, contactId: true, login: true },
        }),
        contactEmailLanguage(db, firmId, contactEmailId),
      ]);
      const accounts = new Map(
        (
          await db.account.findMany({
            where: { firmId, id: { in: [...new Set(entries.map((e) => e.accountId))] } },
            select: { id: true, name: true },
          })
        ).map((a) => [a.id, a.name]),
      );
      const links = portalEmailLinks({
        portalUrl: deps.portalUrl,
        secret: deps.portalLinkSecret,
        ttlSeconds: deps.portalLinkTtlSeconds,
      });
      const items: DigestItem[] = [];
      for (const e of entries) {
        const facts = await itemFacts(db, e);
        // Deleted after the list was fixed (a retry after a crash): its line is left out rather than failing.
        if (!facts) continue;
        items.push({
          itemKind: e.itemKind,
          itemTitle: facts.title,
          accountId: e.accountId,
          accountName: accounts.get(e.accountId) ?? '',
          sentOn: facts.createdAt,
          link: links.item(refOf(firmId, e), contactEmailId, email.address),
        });
      }
      if (!items.length) {
        await db.digestEntry.updateMany({
          where: { id: { in: entries.map((e) => e.id) } },
          data: { state: 'dropped', dropReason: 'deleted', settledAt: new Date() },
        });
        return { status: 'nothing', dropped: dropped + entries.length };
      }
      const banner = email.login === 'pending' && entries.some((e) => e.activationBanner);
      const [override, bannerOverride, timeZone] = await Promise.all([
        firmOverride(db, firmId, 'digest', language),
        banner ? firmOverride(db, firmId, 'activation_banner', language) : null,
        contactTimeZone(db, firmId, email.contactId),
      ]);
      // The link stops what the digest carries: its items' category, or each of a mixed digest's categories
      // (not `all`, which would stop the firm's invitations and GDPR emails too).
      const unsubscribe = clientUnsubscribe(deps.unsubscribe, {
        firmId,
        contactEmailId,
        address: email.address,
        category: unsubscribeTargetOf(entries.map((e) => e.itemKind)),
      });
      // The email's own category, as listed in the account profile: a mixed digest's reads `all`, as before.
      const categories = new Set(entries.map((e) => CATEGORY_OF_ITEM[e.itemKind]));
      const category = categories.size === 1 ? [...categories][0] : 'all';
      const content = renderDigestEmail({
        firmName: firm.name,
        items,
        language,
        override,
        bannerOverride,
        activationLink: banner ? links.activation(firmId, contactEmailId, email.address) : undefined,
        unsubscribeUrl: unsubscribe.url,
        timeZone,
      });
      heartbeat();
      // A digest of one account's items is that account's email; a mixed one the profile finds by its entries.
      const oneAccount = new Set(entries.map((e) => e.accountId)).size === 1;
      const outcome = await sendEmailOnce(
        db,
        mailer,
        {
          firmId,
          accountId: oneAccount ? entries[0].accountId : undefined,
          idempotencyKey: key,
          contactEmailId,
          to: email.address,
          category,
          ...content,
          headers: unsubscribe.headers,
        },
        { heartbeat },
      );
      if (outcome === 'in_flight') throw new EmailInFlightError(key);
      const ids = entries.map((e) => e.id);
      if (outcome === 'failed' || outcome === 'bounced') {
        // Refused for good. A bounce (the address is now bouncing: send-once marked it) reaches the firm's
        // webhooks per item, before the entries settle, so a retry after a crash in between records them (keyed:
        // never twice); a refused message (its content, a policy) drops the entries as `refused`, the address stays.
        if (outcome === 'bounced')
          for (const e of entries)
            await recordEmailBounced(db, refOf(firmId, e), `${key}:${e.itemKind}:${e.itemId}`, contactEmailId);
        await db.digestEntry.updateMany({
          where: { id: { in: ids } },
          data: { state: 'dropped', dropReason: outcome === 'bounced' ? 'bounced' : 'refused', settledAt: new Date() },
        });
        return { status: 'nothing', dropped: dropped + entries.length };
      }
      await db.digestEntry.updateMany({
        where: { id: { in: ids }, state: 'claimed' },
        data: { state: 'sent', settledAt: new Date() },
      });
      return { status: 'sent', items: entries.length, dropped };
    },
  };
}
