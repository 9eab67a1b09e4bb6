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

interface ItemCycle {
  doneReason: DoneReason | null;
  subjectKey: string;
  cycleKey: string;
  /** A reopen restarts the schedule from that moment. */
  restartedAt: Date | null;
}

async function readCycle(db: Queryable, item: ItemRef): Promise<ItemCycle> {
  const where = { id: item.itemId, firmId: item.firmId };
  const deleted: ItemCycle = {
    doneReason: 'deleted',
    subjectKey: item.itemId,
    cycleKey: item.itemId,
    restartedAt: null,
  };
  switch (item.kind) {
    case 'chat': {
      const thread = await db.chatThread.findFirst({
        where,
        include: {
          messages: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 1 },
          account: { select: { status: true } },
        },
      });
      if (!thread) return deleted;
      const latest = thread.messages[0];
      if (!latest) return { ...deleted, doneReason: 'no_firm_message' };
      // Reminders always concern the latest message; a client message there means the client replied.
      const doneReason: DoneReason | null =
        thread.status === 'archived' || thread.account.status === 'archived'
          ? 'archived'
          : latest.author === 'client'
            ? 'replied'
            : null;
      return {
        doneReason,
        subjectKey: latest.id,
        cycleKey: `${latest.id}.r${thread.reopenCount}`,
        restartedAt: thread.reopenCount > 0 ? thread.reopenedAt : null,
      };
    }
    case 'signature':
      return requestCycle(
        await db.signatureRequest.findFirst({ where, include: { account: { select: { status: true } } } }),
        'signed',
        deleted,
      );
    case 'approval':
      return requestCycle(
        await db.approvalRequest.findFirst({ where, include: { account: { select: { status: true } } } }),
        'approved',
        deleted,
      );
  }
}

/** A signature or approval request: done once completed or withdrawn, or while its account is archived. */
function requestCycle(
  req: { id: string; status: string; account: { status: string } } | null,
  completed: 'signed' | 'approved',
  deleted: ItemCycle,
): ItemCycle {
  if (!req) return deleted;
  const doneReason: DoneReason | null =
    req.status === completed
      ? completed
      : req.status === 'cancelled'
        ? 'cancelled'
        : req.account.status === 'archived'
          ? 'archived'
          : null;
  return { doneReason, subjectKey: req.id, cycleKey: req.id, restartedAt: null };
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
