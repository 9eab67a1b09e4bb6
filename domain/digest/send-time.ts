// When an address's digest may go (issue 12): it is a reminder too, so once its collection window has passed
// it waits for the firm's send window, read in the recipient's time zone, and for the recipient's own pause.
// An item paused on its own stays out (its reminder waits for the pause): the window is the oldest other
// entry's, and while every item is paused the digest waits for the first of those pauses to end.
import type { Queryable } from '../../prisma/client';
import type { ItemKind } from '../../shared/reminder-types';
import { planSend, type SendPlan } from '../../shared/send-window';
import { readSendWindow } from '../settings/send-window';
import { readItemReminderSettings } from '../items/snapshot';
import { itemPauseTarget as itemTarget } from '../items/pauses';
import type { DigestAddress } from './send';

/** The send window a digest of these items keeps: the firm's, unless every item's reminders go anytime. */
async function windowFor(db: Queryable, firmId: string, items: { itemKind: ItemKind; itemId: string }[]) {
  const distinct = [...new Map(items.map((i) => [`${i.itemKind}:${i.itemId}`, i])).values()];
  const rules = await Promise.all(
    distinct.map((i) => readItemReminderSettings(db, { firmId, kind: i.itemKind, itemId: i.itemId })),
  );
  return rules.length && rules.every((r) => r.sendWindow === 'anytime') ? null : readSendWindow(db, firmId);
}

/** The items' own pauses running at `now`: when each paused item's ends, by `<itemKind>:<itemId>`. */
async function itemPauses(db: Queryable, firmId: string, items: { itemKind: ItemKind; itemId: string }[], now: number) {
  const rows = await db.reminderPause.findMany({
    where: { firmId, target: { in: [...new Set(items.map(itemTarget))] }, until: { gt: new Date(now) } },
    select: { target: true, until: true },
  });
  return new Map(rows.map((r) => [r.target, r.until.getTime()]));
}

export interface DigestSendPlan extends SendPlan {
  /** Whether an item's own pause holds its reminder now: it stays out of the digest (and waits for the next). */
  itemPaused: (item: { itemKind: ItemKind; itemId: string }) => boolean;
  /** Every waiting item is paused on its own: nothing may go before the first pause ends. */
  allPaused: boolean;
}

type Waiting = { itemKind: ItemKind; itemId: string; createdAt: Date };

/**
 * The plan for a digest of the waiting `items` (oldest first) with a collection window of `windowMs`, made at
 * `now`: the window is opened by the oldest item not paused on its own (a paused one waiting for weeks would
 * otherwise have every later reminder go alone at once).
 */
export async function planDigestSend(
  db: Queryable,
  { firmId, contactEmailId }: DigestAddress,
  items: Waiting[],
  windowMs: number,
  now: number,
): Promise<DigestSendPlan> {
  const [window, email, paused] = await Promise.all([
    windowFor(db, firmId, items),
    db.contactEmail.findFirst({
      where: { id: contactEmailId, firmId },
      select: { contactId: true, contact: { select: { timeZone: true } } },
    }),
    itemPauses(db, firmId, items, now),
  ]);
  const pause = email
    ? await db.reminderPause.findFirst({
        where: { firmId, contactId: email.contactId, until: { gt: new Date(now) } },
        orderBy: { until: 'desc' },
        select: { until: true },
      })
    : null;
  const itemPaused = (i: { itemKind: ItemKind; itemId: string }) => paused.has(itemTarget(i));
  const first = items.find((i) => !itemPaused(i));
  // Held while the recipient is paused, or while every item is (until the first of those pauses ends).
  const allPausedUntil = first ? null : Math.min(...paused.values());
  const ends = [pause?.until.getTime() ?? null, allPausedUntil].filter((t): t is number => t !== null);
  const plan = planSend({
    dueAt: (first ?? items[0]).createdAt.getTime() + windowMs,
    now,
    window,
    zone: email?.contact.timeZone ?? null,
    pausedUntil: ends.length ? Math.max(...ends) : null,
  });
  return { ...plan, itemPaused, allPaused: !first };
}
