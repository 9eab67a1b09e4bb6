// When an address's digest may go (issue 12): it is a reminder too, so once its collection window has passed
// it waits for the firm's send window, read in the recipient's time zone, and for the recipient's own pause.
import type { Queryable } from '../../prisma/client';
import type { ItemKind } from '../../shared/reminder-types';
import { planSend, type SendPlan } from '../../shared/send-window';
import { readSendWindow } from '../settings/send-window';
import { readItemReminderSettings } from '../items/snapshot';
import type { DigestAddress } from './send';

/** The send window a digest of these items keeps: the firm's, unless every item's reminders go anytime. */
async function windowFor(db: Queryable, firmId: string, items: { itemKind: ItemKind; itemId: string }[]) {
  const distinct = [...new Map(items.map((i) => [`${i.itemKind}:${i.itemId}`, i])).values()];
  const rules = await Promise.all(
    distinct.map((i) => readItemReminderSettings(db, { firmId, kind: i.itemKind, itemId: i.itemId })),
  );
  return rules.length && rules.every((r) => r.sendWindow === 'anytime') ? null : readSendWindow(db, firmId);
}

/** The plan for a digest of `items` whose collection window ends at `collectedAt`, made at `now`. */
export async function planDigestSend(
  db: Queryable,
  { firmId, contactEmailId }: DigestAddress,
  items: { itemKind: ItemKind; itemId: string }[],
  collectedAt: number,
  now: number,
): Promise<SendPlan> {
  const [window, email] = await Promise.all([
    windowFor(db, firmId, items),
    db.contactEmail.findFirst({
      where: { id: contactEmailId, firmId },
      select: { contactId: true, contact: { select: { timeZone: true } } },
    }),
  ]);
  const pause = email
    ? await db.reminderPause.findFirst({
        where: { firmId, contactId: email.contactId, until: { gt: new Date(now) } },
        orderBy: { until: 'desc' },
        select: { until: true },
      })
    : null;
  return planSend({
    dueAt: collectedAt,
    now,
    window,
    zone: email?.contact.timeZone ?? null,
    pausedUntil: pause?.until.getTime() ?? null,
  });
}
