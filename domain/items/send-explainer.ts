// The reminder explainer's send-window part (issue 12): when the next reminder falls due, when it will
// go and why ("due Saturday 10:00, goes Monday 09:00: weekend"), and the pauses that hold it.
import type { Db } from '../../prisma/client';
import type { ReminderStateView } from '../../shared/contracts/item-reminder';
import type { ItemRef } from '../../shared/reminder-types';
import { explainPlan, type SendPlan } from '../../shared/send-window';
import { planItemSend } from './send-time';
import { nextReminderDigest } from '../digest/explain';

const iso = (ms: number) => new Date(ms).toISOString();

export async function explainSendSchedule(db: Db, ref: ItemRef, workflow: ReminderStateView | null, now = Date.now()) {
  // Held by a window or pause, the workflow says when it fell due; otherwise its next reminder is the due time.
  const due = workflow?.reminderDueAt ?? workflow?.nextReminderAt ?? null;
  const dueAt = due ? Date.parse(due) : null;
  // Without a reminder ahead the plan still tells which pauses run.
  const [plan, digest] = await Promise.all([
    planItemSend(db, ref, dueAt ?? now, now),
    nextReminderDigest(db, ref.firmId),
  ]);
  return {
    pausedContacts: plan.pauses.contacts,
    nextReminder:
      dueAt === null
        ? null
        : {
            dueAt: iso(dueAt),
            sendAt: iso(plan.sendAt),
            reasons: plan.reasons,
            timeZone: plan.timeZone,
            explanation: explainPlan(plan, now),
            // With the firm's digests on, it goes in each recipient's digest (issue 12).
            ...(digest ? { digest } : {}),
          },
    pauses: {
      item: plan.pauses.item ? { until: plan.pauses.item.toISOString() } : null,
      contacts: [...plan.pauses.contacts].map(([contactId, until]) => ({ contactId, until: until.toISOString() })),
    },
  };
}

/**
 * For each reminder a window or pause held, what the explainer says of it once sent: "due Saturday 10:00,
 * sent Monday 09:00: weekend". Keyed `<cycleKey>:<seq>`.
 */
export async function heldReminders(
  db: Db,
  ref: ItemRef,
  dispatches: { kind: string; cycleKey: string; seq: number; createdAt: Date }[],
) {
  const holds = await db.reminderHold.findMany({ where: { itemKind: ref.kind, itemId: ref.itemId } });
  const sent = new Map(dispatches.filter((d) => d.kind === 'reminder').map((d) => [`${d.cycleKey}:${d.seq}`, d]));
  const held = new Map<string, { dueAt: string; reasons: string[]; explanation: string }>();
  for (const h of holds) {
    const key = `${h.cycleKey}:${h.seq}`;
    const dispatch = sent.get(key);
    if (!dispatch) continue; // still waiting: nextReminder says when it goes
    const plan = {
      dueAt: h.dueAt.getTime(),
      sendAt: dispatch.createdAt.getTime(),
      reasons: h.reasons as SendPlan['reasons'],
      timeZone: h.timeZone,
      pausedUntil: h.pausedUntil?.getTime() ?? null,
    };
    held.set(key, { dueAt: iso(plan.dueAt), reasons: h.reasons, explanation: explainPlan(plan, plan.sendAt) });
  }
  return held;
}
