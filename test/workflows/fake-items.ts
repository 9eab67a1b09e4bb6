// In-memory stand-in for the reminder activities (activities/reminder-activities.ts) and the rows they
// read: one "database" of items and dispatches, with the same rules as the real ones — the snapshot is
// derived from the recorded dispatches (domain/items/snapshot.ts), and a dispatch is recorded once per
// key and refused when the item is done or its cycle moved on.
import { Context } from '@temporalio/activity';
import { dispatchKey } from '../../shared/contracts/item-reminder';
import type {
  DispatchRequest,
  DispatchResult,
  DoneReason,
  FirstNotification,
  ItemRef,
  ItemSnapshot,
  ReminderSettings,
} from '../../shared/reminder-types';

/** The run of the workflow that called the activity. */
const runId = () => Context.current().info.workflowExecution?.runId ?? '';
const workflowId = () => Context.current().info.workflowExecution?.workflowId ?? '';

export interface FakeItem {
  doneReason: DoneReason | null;
  settings: ReminderSettings;
  subjectKey: string;
  cycleKey: string;
  /** A reopen restarts the schedule from that moment (epoch ms). */
  restartedAt: number | null;
}

export interface Dispatch {
  key: string;
  itemId: string;
  kind: DispatchRequest['kind'];
  cycleKey: string;
  seq: number;
  at: number;
  runId: string;
  /** The request as the workflow made it. */
  request: DispatchRequest;
}

export class FakeItems {
  readonly items = new Map<string, FakeItem>();
  /** Dispatches as recorded, in order: what the recipients received (one email each). */
  readonly dispatches: Dispatch[] = [];
  /** Every dispatch asked for (dispatchItemEmail, notifyItem's notification), repeated keys and skipped ones too. */
  readonly calls: { req: DispatchRequest; result: DispatchResult }[] = [];
  readonly runIds = new Set<string>();
  /** loadItemSnapshot and notifyItem calls per item: each one is a read. */
  readonly loads = new Map<string, number>();

  add(itemId: string, over: Partial<FakeItem> = {}): FakeItem {
    const item: FakeItem = {
      doneReason: null,
      settings: { enabled: true, intervalDays: 1, count: 2 },
      subjectKey: `msg-1`,
      cycleKey: `msg-1.r0`,
      restartedAt: null,
      ...over,
    };
    this.items.set(itemId, item);
    return item;
  }

  update(itemId: string, change: Partial<FakeItem>): void {
    Object.assign(this.get(itemId), change);
  }

  sent(itemId: string, kind?: Dispatch['kind']): Dispatch[] {
    return this.dispatches.filter((d) => d.itemId === itemId && (!kind || d.kind === kind));
  }

  snapshot(itemId: string): ItemSnapshot {
    const item = this.get(itemId);
    const mine = this.sent(itemId);
    const notification = mine.find((d) => d.kind === 'notification' && d.cycleKey === item.subjectKey);
    const reminders = mine.filter((d) => d.kind === 'reminder' && d.cycleKey === item.cycleKey);
    const anchors = [notification?.at, reminders.at(-1)?.at, item.restartedAt ?? undefined].filter(
      (t): t is number => t !== undefined,
    );
    return {
      doneReason: item.doneReason,
      settings: { ...item.settings },
      cycleKey: item.cycleKey,
      subjectKey: item.subjectKey,
      notificationSent: !!notification,
      anchorAt: anchors.length ? Math.max(...anchors) : null,
      remindersSent: reminders.length,
    };
  }

  /** The activities, under the names the workflow calls. */
  activities() {
    return {
      loadItemSnapshot: async (item: ItemRef): Promise<ItemSnapshot> => {
        this.runIds.add(runId());
        this.loads.set(item.itemId, (this.loads.get(item.itemId) ?? 0) + 1);
        return this.snapshot(item.itemId);
      },
      // A run's first read, with the notification when due (as the real one; no attempt fails here).
      notifyItem: async (item: ItemRef): Promise<FirstNotification> => {
        this.runIds.add(runId());
        this.loads.set(item.itemId, (this.loads.get(item.itemId) ?? 0) + 1);
        const snapshot = this.snapshot(item.itemId);
        if (snapshot.doneReason || snapshot.notificationSent) return { snapshot, result: null };
        const { subjectKey } = snapshot;
        const key = dispatchKey(workflowId(), subjectKey, 'notification', 0);
        const req: DispatchRequest = { item, kind: 'notification', dispatchKey: key, cycleKey: subjectKey, seq: 0 };
        const result = this.dispatch(req);
        this.calls.push({ req, result });
        return { snapshot: result.status === 'sent' ? this.snapshot(item.itemId) : snapshot, result };
      },
      // No send window or pause here: a reminder goes when due.
      planReminderSend: async ({ dueAt }: { dueAt: number }) => ({ sendAt: dueAt, reasons: [] as string[] }),
      dispatchItemEmail: async (req: DispatchRequest): Promise<DispatchResult> => {
        const result = this.dispatch(req);
        this.calls.push({ req, result });
        return result;
      },
    };
  }

  private dispatch(req: DispatchRequest): DispatchResult {
    const existing = this.dispatches.find((d) => d.key === req.dispatchKey);
    // Like the real activity: an existing dispatch row is "sent" again (its emails are not).
    if (existing) return { status: 'sent', sentAt: existing.at, recipients: 1 };
    const item = this.get(req.item.itemId);
    if (item.doneReason) return { status: 'skipped', reason: item.doneReason };
    const current = req.kind === 'notification' ? item.subjectKey : item.cycleKey;
    if (req.kind !== 'manual' && current !== req.cycleKey) return { status: 'skipped', reason: 'stale_cycle' };
    const at = Date.now();
    this.dispatches.push({
      key: req.dispatchKey,
      itemId: req.item.itemId,
      kind: req.kind,
      cycleKey: req.cycleKey,
      seq: req.seq,
      at,
      runId: runId(),
      request: req,
    });
    return { status: 'sent', sentAt: at, recipients: 1 };
  }

  private get(itemId: string): FakeItem {
    const item = this.items.get(itemId);
    if (!item) throw new Error(`no fake item ${itemId}`);
    return item;
  }
}
