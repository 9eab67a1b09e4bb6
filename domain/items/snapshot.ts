// Reads an item's reminder cycle from the database: whether the client still has to act, the settings,
// and what already went out. The workflow and the send activity both rely on it, so a reminder is never
// sent for an item that is done, whatever signals were lost or late.
import type { Queryable } from '../../prisma/client';
import { dispatchKey, reminderWorkflowId } from '../../shared/contracts/item-reminder';
import {
  DEFAULT_REMINDER_SETTINGS,
  type DoneReason,
  type ItemRef,
  type ItemSnapshot,
  type ReminderSettings,
} from '../../shared/reminder-types';
import type { SendWindowRule, SettingsSource } from '../reminder-policy/rules';
import { selectCycle } from './dispatch-sql';

interface ItemCycle {
  doneReason: DoneReason | null;
  subjectKey: string;
  cycleKey: string;
  /** A reopen restarts the schedule from that moment. */
  restartedAt: Date | null;
}

async function readCycle(db: Queryable, item: ItemRef): Promise<ItemCycle> {
  const row = await selectCycle(db, item);
  if (!row) return { doneReason: 'deleted', subjectKey: item.itemId, cycleKey: item.itemId, restartedAt: null };
  const { doneReason, subjectKey, cycleKey, restartedAt } = row;
  return { doneReason, subjectKey, cycleKey, restartedAt: restartedAt === null ? null : new Date(restartedAt) };
}

/** An item's settings, where they come from (issue 12), and whether its reminders wait for the send window. */
export interface ItemReminderSettings {
  settings: ReminderSettings;
  source: SettingsSource;
  sendWindow: SendWindowRule;
}

/**
 * The item's own row; without one (a chat thread started without settings), the firm's policy for the
 * kind, else Nudge's defaults. A policy change writes the policy it replaces into such items' rows first
 * (domain/reminder-policy), so they keep it unless the change is applied to running reminders.
 */
export async function readItemReminderSettings(
  db: Queryable,
  item: Pick<ItemRef, 'kind' | 'itemId'> & { firmId?: string },
): Promise<ItemReminderSettings> {
  const row = await db.reminderSettings.findUnique({
    where: { itemKind_itemId: { itemKind: item.kind, itemId: item.itemId } },
  });
  if (row) {
    return {
      settings: { enabled: row.enabled, intervalDays: row.intervalDays, count: row.count },
      source: row.source,
      sendWindow: row.sendWindow,
    };
  }
  const policy = item.firmId
    ? await db.firmReminderPolicy.findUnique({
        where: { firmId_itemKind: { firmId: item.firmId, itemKind: item.kind } },
      })
    : null;
  if (!policy) return { settings: { ...DEFAULT_REMINDER_SETTINGS }, source: 'default', sendWindow: 'firm' };
  return {
    settings: { enabled: policy.enabled, intervalDays: policy.intervalDays, count: policy.count },
    source: 'policy',
    sendWindow: policy.sendWindow,
  };
}

export async function readReminderSettings(
  db: Queryable,
  item: Pick<ItemRef, 'kind' | 'itemId'> & { firmId?: string },
): Promise<ReminderSettings> {
  return (await readItemReminderSettings(db, item)).settings;
}

export async function readItemSnapshot(db: Queryable, item: ItemRef): Promise<ItemSnapshot> {
  const [cycle, settings] = await Promise.all([readCycle(db, item), readReminderSettings(db, item)]);
  const workflowId = reminderWorkflowId(item.kind, item.itemId);
  const [notification, reminders] = await Promise.all([
    db.reminderDispatch.findUnique({
      where: { dispatchKey: dispatchKey(workflowId, cycle.subjectKey, 'notification', 0) },
    }),
    db.reminderDispatch.findMany({
      where: { itemKind: item.kind, itemId: item.itemId, cycleKey: cycle.cycleKey, kind: 'reminder' },
      orderBy: { seq: 'desc' },
      select: { seq: true, createdAt: true },
    }),
  ]);
  const anchors = [notification?.createdAt, reminders[0]?.createdAt, cycle.restartedAt]
    .filter((d): d is Date => !!d)
    .map((d) => d.getTime());
  return {
    doneReason: cycle.doneReason,
    settings,
    cycleKey: cycle.cycleKey,
    subjectKey: cycle.subjectKey,
    notificationSent: !!notification,
    anchorAt: anchors.length ? Math.max(...anchors) : null,
    remindersSent: reminders.length,
  };
}
