// Sends one notification, reminder or manual resend of an item to its recipients, exactly once per
// dispatch key and email; the reminder workflow's activities call it.
import { Prisma, type Db, type Tx } from '../../prisma/client';
import type { Mailer } from '../email/mailer';
import { readItemSnapshot } from './snapshot';
import { loadCandidateEmails } from './recipient-lookup';
import { manualResendMessage } from './manual-resends';
import { withoutPausedContacts } from './pauses';
import { composeItemEmail } from '../email/compose';
import type { UnsubscribeLinks } from '../email/unsubscribe';
import { EmailInFlightError, sendEmailOnce } from '../email/outbound-email';
import { selectRecipients, CATEGORY_OF_ITEM, type CandidateEmail } from '../../shared/recipients';
import type { DispatchRequest, DispatchResult, ItemRef } from '../../shared/reminder-types';
import { portalEmailLinks } from '../portal/email-links';
import { recordEmailBounced, recordReminderEvents } from '../webhooks/item-events';
import { digestedRecipients, queueForDigest } from '../digest/queue';

export interface DispatchDeps {
  db: Db;
  mailer: Mailer;
  portalUrl: string;
  /** PORTAL_LINK_SECRET and PORTAL_LINK_TTL_DAYS (in seconds) of the signed portal links; absent: defaults. */
  portalLinkSecret?: string;
  portalLinkTtlSeconds?: number;
  /** UNSUBSCRIBE_* settings of the one-click unsubscribe links in client emails; absent: defaults. */
  unsubscribe?: UnsubscribeLinks;
}

const AUDIT_ACTION = {
  notification: 'item.notification_sent',
  reminder: 'item.reminder_sent',
  manual: 'item.manual_resend',
} as const;

export function createItemDispatcher({
  db,
  mailer,
  portalUrl,
  portalLinkSecret,
  portalLinkTtlSeconds,
  unsubscribe,
}: DispatchDeps) {
  async function itemTitle(item: ItemRef): Promise<string> {
    if (item.kind === 'chat') {
      const t = await db.chatThread.findUniqueOrThrow({ where: { id: item.itemId }, select: { subject: true } });
      return t.subject;
    }
    const req =
      item.kind === 'signature'
        ? await db.signatureRequest.findUniqueOrThrow({
            where: { id: item.itemId },
            select: { document: { select: { name: true } } },
          })
        : await db.approvalRequest.findUniqueOrThrow({
            where: { id: item.itemId },
            select: { document: { select: { name: true } } },
          });
    return req.document.name;
  }

  return {
    /**
     * Sends one notification, reminder or manual resend to every eligible email, unless the item is done
     * or the cycle moved on (checked once, under the item's row lock, as the dispatch is recorded). The dispatch row and its audit entry are written once, under the dispatch key;
     * each email has its own key, so a retry sends only what did not go out.
     */
    async dispatchItemEmail(req: DispatchRequest, heartbeat: () => void = () => undefined): Promise<DispatchResult> {
      const { item } = req;
      heartbeat();
      // A resend's message is read from the database; older signals carried it themselves.
      const message = req.message ?? (req.resendId ? await manualResendMessage(db, req.resendId) : null) ?? undefined;
      const existing = await db.reminderDispatch.findUnique({ where: { dispatchKey: req.dispatchKey } });
      let skipped: DispatchResult | null = null;

      const candidates = await loadCandidateEmails(db, item);
      // Contacts paused now are left out of an automatic reminder that goes to others (issue 12).
      const selected = selectRecipients(item.kind, candidates);
      const decision = req.kind === 'reminder' ? await withoutPausedContacts(db, item, selected) : selected;
      const title = await itemTitle(item);
      const dispatch =
        existing ??
        (await db.$transaction(async (tx) => {
          // Lock the item and look again: a reply, signature, approval or withdrawal committing meanwhile
          // either happened before (nothing is recorded) or waits for this transaction (and closes its to-dos).
          await lockItem(tx, item);
          const now = await readItemSnapshot(tx as unknown as Db, item);
          const current = req.kind === 'notification' ? now.subjectKey : now.cycleKey;
          if (now.doneReason) skipped = { status: 'skipped', reason: now.doneReason };
          else if (req.kind !== 'manual' && current !== req.cycleKey)
            skipped = { status: 'skipped', reason: 'stale_cycle' };
          if (skipped) return null;
          const row = await tx.reminderDispatch.create({
            data: {
              firmId: item.firmId,
              accountId: item.accountId,
              itemKind: item.kind,
              itemId: item.itemId,
              cycleKey: req.cycleKey,
              kind: req.kind,
              seq: req.seq,
              dispatchKey: req.dispatchKey,
              recipients: decision.recipients.length,
            },
          });
          await tx.auditEvent.create({
            data: {
              firmId: item.firmId,
              accountId: item.accountId,
              actorType: req.requestedBy ? 'firm_user' : 'system',
              actorId: req.requestedBy ?? null,
              action: AUDIT_ACTION[req.kind],
              itemKind: item.kind,
              itemId: item.itemId,
              data: {
                dispatchKey: req.dispatchKey,
                seq: req.seq,
                recipients: decision.recipients.map((r) => r.contactEmailId),
                excluded: decision.excluded,
                ...(message ? { message } : {}),
              },
            },
          });
          // Firm webhooks hear of each reminder once (and of the cycle's last): events keyed by the dispatch.
          await recordReminderEvents(tx, req, decision.recipients.length, now.settings);
          // In the same transaction as the dispatch: a to-do is never created after the item was closed.
          await upsertPortalTodos(
            tx,
            item,
            candidates,
            title,
            req.kind === 'notification' ? 'create' : req.kind === 'manual' ? 'bump' : 'keep',
          );
          // With the firm's digests on, an automatic reminder's emails wait in each recipient's digest instead
          // (issue 12, domain/digest/); the dispatch and its audit entry above are the same either way.
          if (req.kind === 'reminder') await queueForDigest(tx, item, req.dispatchKey, decision.recipients);
          return row;
        }));
      if (!dispatch) return skipped!;

      // Recipients whose email went in their digest (recorded with the dispatch) get none of their own.
      const digested = req.kind === 'reminder' ? await digestedRecipients(db, req.dispatchKey) : new Set<string>();
      const alone = decision.recipients.filter((r) => !digested.has(r.contactEmailId));
      if (alone.length) {
        const [firm, account] = await Promise.all([
          db.firm.findUniqueOrThrow({ where: { id: item.firmId }, select: { name: true } }),
          db.account.findUniqueOrThrow({ where: { id: item.accountId }, select: { name: true } }),
        ]);
        const addresses = new Map(
          (
            await db.contactEmail.findMany({
              where: { id: { in: alone.map((r) => r.contactEmailId) } },
              select: { id: true, address: true },
            })
          ).map((e) => [e.id, e.address]),
        );
        // One signed link per recipient: it names the contact email that may act on the item.
        const links = portalEmailLinks({ portalUrl, secret: portalLinkSecret, ttlSeconds: portalLinkTtlSeconds });
        for (const r of alone) {
          const to = addresses.get(r.contactEmailId);
          if (!to) continue; // the email was deleted meanwhile
          // In the recipient's language, with the firm's texts if any, and the one-click unsubscribe headers.
          const content = await composeItemEmail(db, unsubscribe, {
            item,
            contactEmailId: r.contactEmailId,
            to,
            firmName: firm.name,
            accountName: account.name,
            itemKind: item.kind,
            itemTitle: title,
            dispatchKind: req.kind,
            reminderNumber: req.seq,
            link: links.item(item, r.contactEmailId),
            activationLink: r.activationBanner ? links.activation(item.firmId, r.contactEmailId) : undefined,
            message,
          });
          heartbeat();
          // The heartbeat also keeps the activity alive while a "sent" mark is retried after the mail
          // server accepted (outbound-email.ts).
          const outcome = await sendEmailOnce(
            db,
            mailer,
            {
              firmId: item.firmId,
              accountId: item.accountId,
              idempotencyKey: `${req.dispatchKey}:${r.contactEmailId}`,
              contactEmailId: r.contactEmailId,
              to,
              category: CATEGORY_OF_ITEM[item.kind],
              ...content,
            },
            { heartbeat },
          );
          if (outcome === 'in_flight') throw new EmailInFlightError(`${req.dispatchKey}:${r.contactEmailId}`);
          if (outcome === 'failed')
            await recordEmailBounced(db, item, `${req.dispatchKey}:${r.contactEmailId}`, r.contactEmailId);
        }
      }

      return { status: 'sent', sentAt: dispatch.createdAt.getTime(), recipients: dispatch.recipients };
    },
  };
}

/**
 * Portal to-dos exist for every portal user (login pending or active) of the account, or for a signature
 * request its pending signers. A notification creates them; a manual resend moves them to the top.
 */
async function upsertPortalTodos(
  tx: Tx,
  item: ItemRef,
  emails: CandidateEmail[],
  title: string,
  mode: 'create' | 'bump' | 'keep',
): Promise<void> {
  if (mode === 'keep') return;
  const portalUsers = emails.filter(
    (e) => e.login !== 'off' && (item.kind !== 'signature' || e.pendingSigner === true),
  );
  const now = new Date();
  for (const e of portalUsers) {
    await tx.portalTodo.upsert({
      where: {
        contactEmailId_itemKind_itemId: { contactEmailId: e.contactEmailId, itemKind: item.kind, itemId: item.itemId },
      },
      create: {
        firmId: item.firmId,
        accountId: item.accountId,
        contactEmailId: e.contactEmailId,
        itemKind: item.kind,
        itemId: item.itemId,
        title,
        bumpedAt: now,
      },
      update: mode === 'bump' ? { bumpedAt: now, status: 'open' } : {},
    });
  }
}

const ITEM_TABLE = {
  chat: Prisma.sql`"ChatThread"`,
  signature: Prisma.sql`"SignatureRequest"`,
  approval: Prisma.sql`"ApprovalRequest"`,
} as const;

async function lockItem(tx: Tx, item: ItemRef): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM ${ITEM_TABLE[item.kind]} WHERE id = ${item.itemId}::uuid FOR UPDATE`;
}
