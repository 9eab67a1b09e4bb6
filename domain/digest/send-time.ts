// When an address's digest may go (issue 12): it is a reminder too, so once its collection window has passed
// it waits for the firm's send window, read in the recipient's time zone, and for the recipient's own pause.
import type { Queryable } from '../../prisma/client';
import { planSend, type SendPlan } from '../../shared/send-window';
import { readSendWindow } from '../settings/send-window';
import type { DigestAddress } from './send';

/** The plan for a digest whose collection window ends at `collectedAt`, made at `now`. */
export async function planDigestSend(
  db: Queryable,
  { firmId, contactEmailId }: DigestAddress,
  collectedAt: number,
  now: number,
): Promise<SendPlan> {
  const [window, email] = await Promise.all([
    readSendWindow(db, firmId),
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
