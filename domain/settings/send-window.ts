// The firm's send window (issue 12): its time zone, business hours per weekday and closed days. Everyone
// reads it; owners and admins change it. Reminders read it when they fall due (domain/items/send-time.ts).
import type { Db, Queryable } from '../../prisma/client';
import type { Prisma } from '../../prisma/client';
import { sendWindowProblems, WEEKDAYS, type SendWindow } from '../../shared/send-window';
import type { Actor } from '../access/access';
import { audit } from '../audit/audit';
import { invalidFields } from '../errors';
import { requireFirmAdmin } from './admin';

/** The firm's window, or null: reminders go whenever they fall due. */
export async function readSendWindow(db: Queryable, firmId: string): Promise<SendWindow | null> {
  const row = await db.firmSendWindow.findUnique({ where: { firmId } });
  if (!row) return null;
  return { timeZone: row.timeZone, hours: row.hours as SendWindow['hours'], closedDays: row.closedDays };
}

export async function getSendWindow(db: Db, firmId: string) {
  return { window: await readSendWindow(db, firmId) };
}

/** Replaces the window; one that never opens, or with a bad zone or interval, is refused with each field. */
export async function putSendWindow(db: Db, firmId: string, actor: Actor, input: SendWindow) {
  requireFirmAdmin(actor);
  const problems = sendWindowProblems(input, Date.now());
  if (problems.length) throw invalidFields(problems.map((p) => ({ field: `body.${p.field}`, message: p.message })));
  const window: SendWindow = {
    timeZone: input.timeZone,
    // Stored in weekday order, each day's intervals by start, holidays sorted and once each.
    hours: Object.fromEntries(
      WEEKDAYS.filter((d) => input.hours[d]?.length).map((d) => [
        d,
        [...input.hours[d]!].sort((a, b) => a.from.localeCompare(b.from)),
      ]),
    ),
    closedDays: [...new Set(input.closedDays)].sort(),
  };
  const data = {
    timeZone: window.timeZone,
    hours: window.hours as Prisma.InputJsonObject,
    closedDays: window.closedDays,
  };
  await db.$transaction(async (tx) => {
    await tx.firmSendWindow.upsert({ where: { firmId }, create: { firmId, ...data }, update: data });
    await audit(tx, { firmId, actorId: actor.id, action: 'send_window.changed', data: { ...data } });
  });
  return { window };
}

/** Removes the window: reminders go whenever they fall due again. */
export async function deleteSendWindow(db: Db, firmId: string, actor: Actor): Promise<void> {
  requireFirmAdmin(actor);
  await db.$transaction(async (tx) => {
    const { count } = await tx.firmSendWindow.deleteMany({ where: { firmId } });
    if (count) await audit(tx, { firmId, actorId: actor.id, action: 'send_window.removed' });
  });
}
