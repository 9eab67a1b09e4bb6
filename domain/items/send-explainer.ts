// The reminder explainer's send-window part (issue 12): when the next reminder falls due, when it will
// go and why ("due Saturday 10:00, goes Monday 09:00: weekend"), and the pauses that hold it.
import type { Db } from '../../prisma/client';
import type { ReminderStateView } from '../../shared/contracts/item-reminder';
import type { ItemRef } from '../../shared/reminder-types';
import { explainPlan } from '../../shared/send-window';
import { planItemSend } from './send-time';

const iso = (ms: number) => new Date(ms).toISOString();

export async function explainSendSchedule(db: Db, ref: ItemRef, workflow: ReminderStateView | null, now = Date.now()) {
  // Held by a window or pause, the workflow says when it fell due; otherwise its next reminder is the due time.
  const due = workflow?.reminderDueAt ?? workflow?.nextReminderAt ?? null;
  const dueAt = due ? Date.parse(due) : null;
  // Without a reminder ahead the plan still tells which pauses run.
  const plan = await planItemSend(db, ref, dueAt ?? now);
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
          },
    pauses: {
      item: plan.pauses.item ? { until: plan.pauses.item.toISOString() } : null,
      contacts: [...plan.pauses.contacts].map(([contactId, until]) => ({ contactId, until: until.toISOString() })),
    },
  };
}
