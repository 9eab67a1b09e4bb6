// When an item's reminder due at some instant may go (issue 12): the firm's send window read in the
// recipients' time zone, after any pause. The reminder workflow asks when a reminder falls due; the
// explainer shows the same plan.
import type { Db, Queryable } from '../../prisma/client';
import { selectRecipients } from '../../shared/recipients';
import type { ItemRef } from '../../shared/reminder-types';
import { planSend, type SendPlan, type SendWindow } from '../../shared/send-window';
import type { SendWindowRule } from '../reminder-policy/rules';
import { readSendWindow } from '../settings/send-window';
import { activePauses, pausedUntil, type ActivePauses } from './pauses';
import { loadCandidateEmails } from './recipient-lookup';
import { readItemReminderSettings } from './snapshot';

export interface ItemSendPlan extends SendPlan {
  pauses: ActivePauses;
}

/**
 * The zone the window is read in: the recipients' own when they agree on one (contacts without a zone
 * count as the firm's), otherwise the firm's, so a reminder to several people never waits on the latest.
 */
function recipientZone(zones: (string | null)[], firmZone: string | null): string | null {
  const distinct = new Set(zones.map((z) => z ?? firmZone));
  return distinct.size === 1 ? [...distinct][0] : firmZone;
}

/** `rule` given overrides the item's send-window rule (a manual resend keeps to the firm's window). */
export async function planItemSend(
  db: Db,
  item: ItemRef,
  dueAt: number,
  now: number,
  rule?: SendWindowRule,
): Promise<ItemSendPlan> {
  const [firmWindow, candidates, windowRule] = await Promise.all([
    readSendWindow(db, item.firmId),
    loadCandidateEmails(db, item),
    rule ?? readItemReminderSettings(db, item).then((s) => s.sendWindow),
  ]);
  const contactIds = [...new Set(selectRecipients(item.kind, candidates).recipients.map((r) => r.contactId))];
  const [contacts, pauses] = await Promise.all([
    db.contact.findMany({ where: { id: { in: contactIds }, firmId: item.firmId }, select: { timeZone: true } }),
    activePauses(db, item, contactIds),
  ]);
  return planItemSendFrom({
    dueAt,
    now,
    firmWindow,
    rule: windowRule,
    contactIds,
    zones: contacts.map((c) => c.timeZone),
    pauses,
  });
}

/**
 * The plan from what was read: the recipients' contacts, their zones, the firm's window and the pauses,
 * made at `now` (a due time already past waits for the window to be open now).
 */
export function planItemSendFrom(p: {
  dueAt: number;
  now: number;
  firmWindow: SendWindow | null;
  rule: SendWindowRule;
  contactIds: string[];
  zones: (string | null)[];
  pauses: ActivePauses;
}): ItemSendPlan {
  // The kind's policy may let its reminders go whenever due (issue 12); pauses still hold them.
  const window = p.rule === 'anytime' ? null : p.firmWindow;
  const plan = planSend({
    dueAt: p.dueAt,
    now: p.now,
    window,
    zone: recipientZone(p.zones, window?.timeZone ?? null),
    pausedUntil: pausedUntil(p.pauses, p.contactIds),
  });
  return { ...plan, pauses: p.pauses };
}

/**
 * Keeps what held an automatic reminder (its due time, the reasons, the planned send time), so the
 * explainer can still say why once it went. Re-asked while it waits, the row follows the latest plan; a
 * plan that no longer holds it (the window opened meanwhile) keeps the reasons it waited for.
 */
export async function recordHold(db: Queryable, item: ItemRef, cycleKey: string, seq: number, plan: SendPlan) {
  if (plan.reasons.length === 0) return;
  const data = {
    dueAt: new Date(plan.dueAt),
    sendAt: new Date(plan.sendAt),
    reasons: plan.reasons,
    timeZone: plan.timeZone,
    pausedUntil: plan.pausedUntil === null ? null : new Date(plan.pausedUntil),
  };
  await db.reminderHold.upsert({
    where: { itemKind_itemId_cycleKey_seq: { itemKind: item.kind, itemId: item.itemId, cycleKey, seq } },
    create: { firmId: item.firmId, itemKind: item.kind, itemId: item.itemId, cycleKey, seq, ...data },
    update: data,
  });
}
