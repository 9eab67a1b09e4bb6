// Pauses of reminders (issue 12): a firm pauses one item's or one contact's automatic reminders until a
// moment (a client on holiday). Nothing goes meanwhile; the reminder waiting meanwhile goes once at the
// pause's end (the schedule then counts from it, so no backlog burst). Ended pauses are simply inert.
import type { Db, Queryable, Tx } from '../../prisma/client';
import type { RecipientDecision, ExclusionReason } from '../../shared/recipients';
import type { ItemKind, ItemRef } from '../../shared/reminder-types';
import { requireAccountAccess, requireWritableAccount, seesAllAccounts, type Actor } from '../access/access';
import { audit } from '../audit/audit';
import { requireContact } from '../access/contact-access';
import { invalid } from '../errors';
import { requireItemAccess } from './item-refs';

/** The farthest a pause may reach: a year. */
export const MAX_PAUSE_MS = 366 * 24 * 3600 * 1000;

export const itemTarget = (kind: ItemKind, itemId: string) => `${kind}:${itemId}`;
/** An item's pause target, as digests look their items' pauses up (domain/digest/send-time.ts). */
export const itemPauseTarget = (i: { itemKind: ItemKind; itemId: string }) => itemTarget(i.itemKind, i.itemId);
export const contactTarget = (contactId: string) => `contact:${contactId}`;

function checkUntil(until: Date, now = Date.now()): void {
  if (until.getTime() <= now) throw invalid('body.until', 'must be in the future');
  if (until.getTime() > now + MAX_PAUSE_MS) throw invalid('body.until', 'must be within a year');
}

const present = (p: { until: Date; createdBy: string; createdAt: Date }) => ({
  until: p.until.toISOString(),
  pausedBy: p.createdBy,
  pausedAt: p.createdAt.toISOString(),
});

/** A contact's pause concerns every account it is linked to: the actor needs access to one of them. */
export async function requireContactPauseAccess(db: Db, firmId: string, actor: Actor, contactId: string) {
  await requireContact(db, firmId, contactId);
  if (seesAllAccounts(actor)) return;
  const links = await db.accountContact.findMany({ where: { contactId }, select: { accountId: true } });
  let denial: unknown = null;
  for (const l of links) {
    try {
      await requireAccountAccess(db, firmId, actor, l.accountId);
      return;
    } catch (err) {
      denial = err;
    }
  }
  // A contact linked to no account is the firm's to pause, as it is to change.
  if (denial) throw denial;
}

/** An item's pause is a change to its account, which an archive makes read-only; a contact's is the firm's. */
async function savePause(
  db: Db,
  firmId: string,
  actor: Actor,
  target: string,
  fields: { itemKind?: ItemKind; itemId?: string; contactId?: string; accountId?: string },
  until: Date,
) {
  checkUntil(until);
  const { accountId, ...keys } = fields;
  return db.$transaction(async (tx) => {
    if (accountId) await requireWritableAccount(tx, firmId, accountId);
    const row = await tx.reminderPause.upsert({
      where: { firmId_target: { firmId, target } },
      create: { firmId, target, ...keys, until, createdBy: actor.id },
      update: { until, createdBy: actor.id, createdAt: new Date() },
    });
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'reminders.paused',
      accountId: accountId ?? null,
      contactId: keys.contactId ?? null,
      itemKind: keys.itemKind,
      itemId: keys.itemId,
      data: { target, until: until.toISOString() },
    });
    return present(row);
  });
}

/** Ends a target's pause in the caller's transaction, with its audit entry; whether one was running. */
export async function removePause(
  tx: Tx,
  firmId: string,
  actor: Actor,
  target: string,
  fields: { itemKind?: ItemKind; itemId?: string; contactId?: string; accountId?: string },
): Promise<boolean> {
  if (fields.accountId) await requireWritableAccount(tx, firmId, fields.accountId);
  const { count } = await tx.reminderPause.deleteMany({ where: { firmId, target } });
  if (!count) return false;
  await audit(tx, {
    firmId,
    actorId: actor.id,
    action: 'reminders.resumed',
    accountId: fields.accountId ?? null,
    contactId: fields.contactId ?? null,
    itemKind: fields.itemKind,
    itemId: fields.itemId,
    data: { target },
  });
  return true;
}

/** The pause running now on a target, or null (an ended pause is no pause). */
async function runningPause(db: Db, firmId: string, target: string) {
  const row = await db.reminderPause.findFirst({ where: { firmId, target, until: { gt: new Date() } } });
  return { pause: row ? present(row) : null };
}

export async function getItemPause(db: Db, firmId: string, actor: Actor, kind: ItemKind, itemId: string) {
  await requireItemAccess(db, firmId, actor, kind, itemId);
  return runningPause(db, firmId, itemTarget(kind, itemId));
}

export async function getContactPause(db: Db, firmId: string, actor: Actor, contactId: string) {
  await requireContactPauseAccess(db, firmId, actor, contactId);
  return runningPause(db, firmId, contactTarget(contactId));
}

export async function pauseItemReminders(
  db: Db,
  firmId: string,
  actor: Actor,
  kind: ItemKind,
  itemId: string,
  input: { until: Date },
) {
  const ref = await requireItemAccess(db, firmId, actor, kind, itemId);
  const pause = await savePause(
    db,
    firmId,
    actor,
    itemTarget(kind, itemId),
    { itemKind: kind, itemId, accountId: ref.accountId },
    input.until,
  );
  return { item: { kind, id: itemId }, ...pause };
}

export async function pauseContactReminders(
  db: Db,
  firmId: string,
  actor: Actor,
  contactId: string,
  input: { until: Date },
) {
  await requireContactPauseAccess(db, firmId, actor, contactId);
  const pause = await savePause(db, firmId, actor, contactTarget(contactId), { contactId }, input.until);
  return { contactId, ...pause };
}

export interface ActivePauses {
  /** The item's own pause end, when one is running. */
  item: Date | null;
  /** Running pauses of the given contacts. */
  contacts: Map<string, Date>;
}

/** The pauses running now for an item and some of its contacts. */
export async function activePauses(db: Queryable, item: ItemRef, contactIds: string[], now = new Date()) {
  const rows = await db.reminderPause.findMany({
    where: {
      firmId: item.firmId,
      until: { gt: now },
      OR: [{ target: itemTarget(item.kind, item.itemId) }, { contactId: { in: contactIds } }],
    },
  });
  const pauses: ActivePauses = { item: null, contacts: new Map() };
  for (const r of rows) {
    if (r.contactId) pauses.contacts.set(r.contactId, r.until);
    else pauses.item = r.until;
  }
  return pauses;
}

/**
 * When the item's reminders are held: until the item's pause ends, or, when every recipient's contact is
 * paused, until the first of those pauses ends (the reminder then goes to whoever is back). Null: not held.
 */
export function pausedUntil(pauses: ActivePauses, recipientContactIds: string[]): number | null {
  const ids = [...new Set(recipientContactIds)];
  const contactEnds = ids.map((id) => pauses.contacts.get(id)?.getTime());
  const allPaused = ids.length > 0 && contactEnds.every((t) => t !== undefined);
  const ends = [pauses.item?.getTime() ?? null, allPaused ? Math.min(...(contactEnds as number[])) : null];
  const held = ends.filter((t): t is number => t !== null);
  return held.length ? Math.max(...held) : null;
}

export type PausedReason = ExclusionReason | 'paused';
export type PauseAwareDecision = Omit<RecipientDecision, 'excluded'> & {
  excluded: { contactEmailId: string; contactId: string; reason: PausedReason }[];
};

/** Leaves paused contacts out of an automatic reminder that goes to others meanwhile. */
export function leaveOutPaused(decision: RecipientDecision, pausedContacts: Map<string, Date>): PauseAwareDecision {
  if (pausedContacts.size === 0) return decision;
  const paused = decision.recipients.filter((r) => pausedContacts.has(r.contactId));
  return {
    recipients: decision.recipients.filter((r) => !pausedContacts.has(r.contactId)),
    excluded: [
      ...decision.excluded,
      ...paused.map((r) => ({ contactEmailId: r.contactEmailId, contactId: r.contactId, reason: 'paused' as const })),
    ],
  };
}
