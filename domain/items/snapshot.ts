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
import { selectSnapshotFacts, type CycleRow, type SettingsRow, type SnapshotFacts } from './dispatch-sql';

interface ItemCycle {
  doneReason: DoneReason | null;
  subjectKey: string;
  cycleKey: string;
  /** A reopen restarts the schedule from that moment. */
  restartedAt: Date | null;
}

/** The cycle as a snapshot gives it; a deleted item is done, with its id as keys. */
function cycleOf(item: ItemRef, row: CycleRow | null): ItemCycle {
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
  if (row) return reminderSettingsFrom(row, null);
  const policy = item.firmId
    ? await db.firmReminderPolicy.findUnique({
        where: { firmId_itemKind: { firmId: item.firmId, itemKind: item.kind } },
      })
    : null;
  return reminderSettingsFrom(null, policy);
}

/** The settings from the item's own row, else the firm's policy for the kind, else Nudge's defaults. */
export function reminderSettingsFrom(
  own: (SettingsRow & { source: SettingsSource & ('own' | 'policy') }) | null,
  policy: SettingsRow | null,
): ItemReminderSettings {
  const row = own ?? policy;
  if (!row) return { settings: { ...DEFAULT_REMINDER_SETTINGS }, source: 'default', sendWindow: 'firm' };
  return {
    settings: { enabled: row.enabled, intervalDays: row.intervalDays, count: row.count },
    source: own ? own.source : 'policy',
    sendWindow: row.sendWindow,
  };
}

export async function readItemSnapshot(db: Queryable, item: ItemRef): Promise<ItemSnapshot> {
  const facts = await selectSnapshotFacts(db, item, notificationKeyAround(reminderWorkflowId(item.kind, item.itemId)));
  return snapshotFrom(item, facts);
}

/** The cycle's notification key of a workflow, before and after its subject key (the cycle gives that). */
export function notificationKeyAround(workflowId: string): { before: string; after: string } {
  const [before, after] = dispatchKey(workflowId, '\n', 'notification', 0).split('\n');
  return { before, after };
}

/** The snapshot the workflow decides on, from what selectSnapshotFacts (or a notification's read) gives. */
export function snapshotFrom(item: ItemRef, facts: SnapshotFacts): ItemSnapshot {
  const cycle = cycleOf(item, facts.cycle);
  const anchors = [facts.notificationAt, facts.lastReminderAt, cycle.restartedAt?.getTime()].filter(
    (t): t is number => typeof t === 'number',
  );
  return {
    doneReason: cycle.doneReason,
    settings: reminderSettingsFrom(facts.settings, facts.policy).settings,
    cycleKey: cycle.cycleKey,
    subjectKey: cycle.subjectKey,
    notificationSent: facts.notificationAt !== null,
    anchorAt: anchors.length ? Math.max(...anchors) : null,
    remindersSent: facts.reminders,
  };
}
