// When an item's reminder due at some instant may go (issue 12): the firm's send window read in the
// recipients' time zone, after any pause. The reminder workflow asks when a reminder falls due; the
// explainer shows the same plan.
import type { Db } from '../../prisma/client';
import { selectRecipients } from '../../shared/recipients';
import type { ItemRef } from '../../shared/reminder-types';
import { planSend, type SendPlan } from '../../shared/send-window';
import { readSendWindow } from '../settings/send-window';
import { activePauses, pausedUntil, type ActivePauses } from './pauses';
import { loadCandidateEmails } from './recipient-lookup';

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

export async function planItemSend(db: Db, item: ItemRef, dueAt: number): Promise<ItemSendPlan> {
  const [window, candidates] = await Promise.all([readSendWindow(db, item.firmId), loadCandidateEmails(db, item)]);
  const contactIds = [...new Set(selectRecipients(item.kind, candidates).recipients.map((r) => r.contactId))];
  const [contacts, pauses] = await Promise.all([
    db.contact.findMany({ where: { id: { in: contactIds }, firmId: item.firmId }, select: { timeZone: true } }),
    activePauses(db, item, contactIds),
  ]);
  const plan = planSend({
    dueAt,
    window,
    zone: recipientZone(
      contacts.map((c) => c.timeZone),
      window?.timeZone ?? null,
    ),
    pausedUntil: pausedUntil(pauses, contactIds),
  });
  return { ...plan, pauses };
}
