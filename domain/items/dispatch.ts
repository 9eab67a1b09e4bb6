// Sends one notification, reminder or manual resend of an item to its recipients, exactly once per
// dispatch key and email; the reminder workflow's activities call it.
import type { Db, Queryable } from '../../prisma/client';
import type { Mailer } from '../email/mailer';
import { toCandidate } from './recipient-lookup';
import { leaveOutPaused, type ActivePauses, type PauseAwareDecision } from './pauses';
import { composeItemEmailFrom, emailLanguage, emailTimeZone } from '../email/compose';
import { ITEM_EMAIL_KIND } from '../email/item-email';
import type { UnsubscribeLinks } from '../email/unsubscribe';
import { EmailInFlightError, sendEmailOnce } from '../email/outbound-email';
import {
  selectRecipients,
  CATEGORY_OF_ITEM,
  type CandidateEmail,
  type RecipientDecision,
} from '../../shared/recipients';
import type {
  DispatchRequest,
  DispatchResult,
  DoneReason,
  FirstNotification,
  ItemRef,
} from '../../shared/reminder-types';
import { dispatchKey } from '../../shared/contracts/item-reminder';
import { portalEmailLinks } from '../portal/email-links';
import { recordEmailBounced, reminderEventCtes } from '../webhooks/item-events';
import { queueForDigest } from '../digest/queue';
import { hotQuery, hotTransaction, type HotTx } from '../outbox/hot-sql';
import {
  recordDispatch,
  selectDispatchFacts,
  type CycleRow,
  type DispatchFacts,
  type DispatchRecord,
} from './dispatch-sql';
import { isResendId } from './manual-resends';
import { notificationKeyAround, reminderSettingsFrom, snapshotFrom, type ItemReminderSettings } from './snapshot';
import { planItemSendFrom, recordHold } from './send-time';
import type { SendWindow } from '../../shared/send-window';

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
  /** Sends a dispatch with what was read for it (selectDispatchFacts). */
  async function send(req: DispatchRequest, facts: DispatchFacts, heartbeat: () => void): Promise<DispatchResult> {
    const { item } = req;
    // A resend's message is read from the database; older signals carried it themselves.
    const message = req.message ?? facts.resendMessage ?? undefined;
    const pauses = activePausesOf(facts);
    // A signature request's signers as read so far; the record reads them again under the item's lock.
    let signers = facts.signers;
    const first = recipientsOf(req, signers, facts, pauses);
    let { candidates, decision } = first;
    const title = facts.cycle?.title ?? '';
    // One recorded already (this is a retry, e.g. after an SMTP outage) sends the emails not out yet, unless
    // the client acted or the cycle moved on since: the facts just read tell, as the record's check would.
    const over = facts.existing ? noLongerDue(req, facts.cycle) : null;
    if (over) return { status: 'skipped', reason: over };
    // The workflow holds the settings it last read, and a change may not have reached it: its signal still in
    // the outbox, or none sent (an application cancelled or superseded, a row written down by a change not
    // applied, a thread following the policy as it is now). The stored settings decide whether an automatic
    // reminder may go; on a skip the workflow re-reads and stops (off, count reached). A retry of one recorded
    // goes on; manual resends go whatever the settings say.
    if (req.kind === 'reminder' && !facts.existing && settingsNoLongerAllow(req.seq, facts)) {
      return { status: 'skipped', reason: 'stale_cycle' };
    }
    // A reminder that just fell due asks the send window and pauses first (issue 12); one recorded already
    // (this is a retry) goes on.
    if (req.dueAt !== undefined && !facts.existing) {
      const contactIds = [...new Set(first.unpaused.recipients.map((r) => r.contactId))];
      const zones = new Map(facts.emails.map((e) => [e.contactId, e.timeZone]));
      const plan = planItemSendFrom({
        dueAt: req.dueAt,
        now: Date.now(),
        firmWindow: facts.sendWindow as SendWindow | null,
        rule: settingsOf(facts).sendWindow,
        contactIds,
        zones: contactIds.map((id) => zones.get(id) ?? null),
        pauses,
      });
      await recordHold(db, item, req.cycleKey, req.seq, plan);
      if (plan.sendAt > Date.now()) return { status: 'held', sendAt: plan.sendAt };
    }

    let dispatch = facts.existing;
    let digested = new Set(facts.digested);
    let skipped: DispatchResult | null = null;
    if (!dispatch) {
      const now = new Date();
      // What recordDispatch writes, for the recipients and to-dos decided so far.
      const dispatchRecord = (): DispatchRecord => ({
        item,
        kind: req.kind,
        cycleKey: req.cycleKey,
        seq: req.seq,
        dispatchKey: req.dispatchKey,
        recipients: decision.recipients.length,
        actor: { type: req.requestedBy ? 'firm_user' : 'system', id: req.requestedBy ?? null },
        action: AUDIT_ACTION[req.kind],
        data: {
          dispatchKey: req.dispatchKey,
          seq: req.seq,
          recipients: decision.recipients.map((r) => r.contactEmailId),
          excluded: decision.excluded,
          ...(message ? { message } : {}),
        },
        now,
        todos: {
          contactEmailIds: portalTodoEmails(item, candidates, req.kind),
          title,
          bump: req.kind === 'manual',
        },
        pendingSigners: signers.filter((s) => s.pending).map((s) => s.contactId),
        // Firm webhooks hear of each reminder once (and of the cycle's last): events keyed by the dispatch.
        also: facts.hasWebhooks
          ? (dispatchRow) => reminderEventCtes(req, decision.recipients.length, settingsOf(facts).settings, dispatchRow)
          : null,
      });
      const record = async (q: HotTx | Queryable) => {
        // Lock the item and look again: a reply, signature, approval or withdrawal committing meanwhile
        // either happened before (nothing is recorded) or waits for this transaction (and closes its to-dos).
        await lockItem(q, item);
        let recorded = await recordDispatch(q, dispatchRecord());
        // A signer who signed before the lock came (the facts were read earlier) is neither emailed nor has a
        // to-do reopened: nothing was written, so it is decided again without them. Signing takes the same
        // lock, so the second look finds no more.
        while (recorded.signedSince.length > 0 && !recorded.doneReason) {
          const signed = new Set(recorded.signedSince);
          signers = signers.map((s) => (signed.has(s.contactId) ? { ...s, pending: false } : s));
          ({ candidates, decision } = recipientsOf(req, signers, facts, pauses));
          recorded = await recordDispatch(q, dispatchRecord());
        }
        if (!recorded.found) skipped = { status: 'skipped', reason: 'deleted' };
        else if (recorded.doneReason) skipped = { status: 'skipped', reason: recorded.doneReason };
        else if (recorded.createdAt === null) skipped = { status: 'skipped', reason: 'stale_cycle' };
        if (skipped) return null;
        // With the firm's digests on, an automatic reminder's emails wait in each recipient's digest instead
        // (issue 12, domain/digest/); the dispatch and its audit entry above are the same either way.
        if (
          req.kind === 'reminder' &&
          facts.digestOn &&
          (await queueForDigest(q, item, req.dispatchKey, decision.recipients))
        )
          digested = new Set(decision.recipients.map((r) => r.contactEmailId));
        return { createdAt: recorded.createdAt!, recipients: decision.recipients.length };
      };
      dispatch = await hotTransaction(db, record);
    }
    if (!dispatch) return skipped!;

    // Recipients whose email went in their digest (recorded with the dispatch) get none of their own.
    const alone = decision.recipients.filter((r) => !digested.has(r.contactEmailId));
    const emails = new Map(facts.emails.map((e) => [e.id, e]));
    // One signed link per recipient: it names the contact email that may act on the item.
    const links = portalEmailLinks({ portalUrl, secret: portalLinkSecret, ttlSeconds: portalLinkTtlSeconds });
    for (const r of alone) {
      const email = emails.get(r.contactEmailId);
      if (!email) continue;
      const to = email.address;
      // In the recipient's language, with the firm's texts if any, and the one-click unsubscribe headers.
      const language = emailLanguage(email.language, facts.firm?.language);
      const template = (kind: string) =>
        facts.templates.find((t) => t.kind === kind && t.language === language) ?? null;
      const content = composeItemEmailFrom(
        unsubscribe,
        {
          item,
          contactEmailId: r.contactEmailId,
          to,
          firmName: facts.firm?.name ?? '',
          accountName: facts.accountName ?? '',
          itemKind: item.kind,
          itemTitle: title,
          dispatchKind: req.kind,
          reminderNumber: req.seq,
          link: links.item(item, r.contactEmailId, to),
          activationLink: r.activationBanner ? links.activation(item.firmId, r.contactEmailId, to) : undefined,
          message,
        },
        {
          language,
          override: template(ITEM_EMAIL_KIND[req.kind]),
          bannerOverride: r.activationBanner ? template('activation_banner') : null,
          sentOn: facts.cycle ? new Date(facts.cycle.createdAt) : undefined,
          timeZone: emailTimeZone(email.timeZone, facts.sendWindow?.timeZone),
        },
      );
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
      // Only a refused address is a bounce for the firm's webhooks; a refused message fails that email alone.
      if (outcome === 'bounced')
        await recordEmailBounced(db, item, `${req.dispatchKey}:${r.contactEmailId}`, r.contactEmailId);
    }

    return { status: 'sent', sentAt: dispatch.createdAt, recipients: dispatch.recipients };
  }

  return {
    /**
     * Sends one notification, reminder or manual resend to every eligible email, unless the item is done
     * or the cycle moved on (checked under the item's row lock as the dispatch is recorded, and by a retry
     * in what it reads). The dispatch row and its audit entry are written once, under the dispatch key; each
     * email has its own key, so a retry sends only what did not go out. What it reads comes in one statement
     * (dispatch-sql.ts).
     */
    async dispatchItemEmail(req: DispatchRequest, heartbeat: () => void = () => undefined): Promise<DispatchResult> {
      heartbeat();
      const facts = await selectDispatchFacts(db, {
        item: req.item,
        emailKind: ITEM_EMAIL_KIND[req.kind],
        dispatchKey: req.dispatchKey,
        resendId: req.resendId && isResendId(req.resendId) ? req.resendId : null,
        now: new Date(),
      });
      return send(req, facts, heartbeat);
    },

    /**
     * A workflow run's first read (issue 10): the item's snapshot, read with what its notification needs in the
     * same statement, and the notification sent when the snapshot says it is due. The snapshot answered is the
     * one after the notification. A notification recorded since `run.attemptsSince` (when the activity was
     * first scheduled, or as a local activity when its run started, less a margin for clocks; absent on an
     * activity's first attempt) is an earlier attempt's: it is finished as a dispatchItemEmail retry would
     * finish it (the emails not out yet go, unless the item is done since).
     * One recorded before (an earlier run's) is never sent again.
     */
    async notifyItem(
      item: ItemRef,
      run: { workflowId: string; attemptsSince?: number },
      heartbeat: () => void = () => undefined,
    ): Promise<FirstNotification> {
      heartbeat();
      const facts = await selectDispatchFacts(db, {
        item,
        emailKind: ITEM_EMAIL_KIND.notification,
        dispatchKey: { notificationKey: notificationKeyAround(run.workflowId) },
        resendId: null,
        now: new Date(),
      });
      const snapshot = snapshotFrom(item, {
        cycle: facts.cycle,
        settings: facts.settings,
        policy: facts.policy,
        notificationAt: facts.existing?.createdAt ?? null,
        reminders: facts.sent?.reminders ?? 0,
        lastReminderAt: facts.sent?.lastReminderAt ?? null,
      });
      const unfinished =
        !!facts.existing && run.attemptsSince !== undefined && facts.existing.createdAt >= run.attemptsSince;
      if (!unfinished && (snapshot.doneReason !== null || snapshot.notificationSent)) return { snapshot, result: null };
      const { subjectKey } = snapshot;
      const key = dispatchKey(run.workflowId, subjectKey, 'notification', 0);
      const req: DispatchRequest = { item, kind: 'notification', dispatchKey: key, cycleKey: subjectKey, seq: 0 };
      const result = await send(req, facts, heartbeat);
      if (result.status !== 'sent') return { snapshot, result };
      const anchorAt = Math.max(snapshot.anchorAt ?? result.sentAt, result.sentAt);
      return { snapshot: { ...snapshot, notificationSent: true, anchorAt }, result };
    },
  };
}

/** The candidates of the recipient rules, from the facts (a signature request's signers marked). */
function candidatesOf(item: ItemRef, facts: DispatchFacts, signers: DispatchFacts['signers']): CandidateEmail[] {
  const pending = new Map(signers.map((s) => [s.contactId, s.pending]));
  return facts.emails.map((e) => toCandidate(e, item.kind === 'signature' ? pending.get(e.contactId) : undefined));
}

/** Who gets the dispatch by the recipient rules (`unpaused`), less the contacts paused now for an automatic
 * reminder that goes to others (issue 12): `decision`. `signers` are the request's as last read. */
function recipientsOf(
  req: DispatchRequest,
  signers: DispatchFacts['signers'],
  facts: DispatchFacts,
  pauses: ActivePauses,
): { candidates: CandidateEmail[]; unpaused: RecipientDecision; decision: PauseAwareDecision } {
  const candidates = candidatesOf(req.item, facts, signers);
  const unpaused = selectRecipients(req.item.kind, candidates);
  const decision = req.kind === 'reminder' ? leaveOutPaused(unpaused, pauses.contacts) : unpaused;
  return { candidates, unpaused, decision };
}

/**
 * Why a dispatch may no longer go, by the cycle as read (null: the item is gone): the item is done, or (for
 * a notification its subject, for a reminder its cycle) moved on. recordDispatch checks the same in SQL.
 */
function noLongerDue(req: DispatchRequest, cycle: CycleRow | null): DoneReason | 'stale_cycle' | null {
  if (!cycle) return 'deleted';
  if (cycle.doneReason) return cycle.doneReason;
  if (req.kind === 'manual') return null;
  return (req.kind === 'notification' ? cycle.subjectKey : cycle.cycleKey) === req.cycleKey ? null : 'stale_cycle';
}

/** The pauses running now, as pauses.ts gives them. */
function activePausesOf(facts: DispatchFacts): ActivePauses {
  const pauses: ActivePauses = { item: null, contacts: new Map() };
  for (const p of facts.pauses) {
    if (p.contactId) pauses.contacts.set(p.contactId, new Date(p.until));
    else pauses.item = new Date(p.until);
  }
  return pauses;
}

/** The item's settings as snapshot.ts reads them: its own row, else the firm's policy, else the defaults. */
const settingsOf = (facts: DispatchFacts): ItemReminderSettings => reminderSettingsFrom(facts.settings, facts.policy);

/** Automatic reminder `seq` is no longer allowed by the stored settings (the item's row, else the firm's
 * policy): they are off now, or their count is lower. Nudge's defaults (nothing stored) never change. */
function settingsNoLongerAllow(seq: number, facts: DispatchFacts): boolean {
  if (facts.settings === null && facts.policy === null) return false;
  const { enabled, count } = settingsOf(facts).settings;
  return !enabled || seq > count;
}

/**
 * Portal to-dos exist for every portal user (login pending or active) of the account, or for a signature
 * request its pending signers. A notification creates them, a manual resend moves them to the top
 * (recordDispatch writes them); a reminder leaves them as they are.
 */
function portalTodoEmails(item: ItemRef, emails: CandidateEmail[], kind: DispatchRequest['kind']): string[] {
  if (kind === 'reminder') return [];
  return emails
    .filter((e) => e.login !== 'off' && (item.kind !== 'signature' || e.pendingSigner === true))
    .map((e) => e.contactEmailId);
}

const LOCK_ITEM = {
  chat: 'SELECT 1 FROM "ChatThread" WHERE id = $1::uuid FOR UPDATE',
  signature: 'SELECT 1 FROM "SignatureRequest" WHERE id = $1::uuid FOR UPDATE',
  approval: 'SELECT 1 FROM "ApprovalRequest" WHERE id = $1::uuid FOR UPDATE',
} as const;

async function lockItem(tx: HotTx | Queryable, item: ItemRef): Promise<void> {
  await hotQuery(tx, { text: LOCK_ITEM[item.kind], values: [item.itemId] });
}
