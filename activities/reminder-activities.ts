// Activities of the item reminder workflow: thin wrappers over the domain, built from injected dependencies.
import { readItemSnapshot } from '../domain/items/snapshot';
import { createItemDispatcher, type DispatchDeps } from '../domain/items/dispatch';
import { Context } from '@temporalio/activity';
import { reminderWorkflowId } from '../shared/contracts/item-reminder';
import type { DispatchRequest, DispatchResult, FirstNotification, ItemRef } from '../shared/reminder-types';
import { planItemSend, recordHold } from '../domain/items/send-time';
import { retryWhenInFlight } from './failures';
import { heartbeatWhenDue } from './heartbeat';
import { count } from '../observability/metrics';

export type ReminderActivityDeps = DispatchDeps;

/** How far the Temporal server's clock and the worker's may differ, for notifyItem's retries. */
const CLOCK_MARGIN_MS = 60_000;

export function createReminderActivities(deps: ReminderActivityDeps) {
  const dispatcher = createItemDispatcher(deps);
  return {
    loadItemSnapshot: (item: ItemRef) => readItemSnapshot(deps.db, item),

    /**
     * When a reminder due at `dueAt` may go (send window, pauses); instants and reasons only, no zone names.
     * An automatic reminder (`cycleKey`, `seq`: runs from before plan-in-dispatch) held back is recorded for the
     * explainer; without them it is a manual resend.
     */
    planReminderSend: async ({
      item,
      dueAt,
      cycleKey,
      seq,
    }: {
      item: ItemRef;
      dueAt: number;
      cycleKey?: string;
      seq?: number;
    }) => {
      // Without a cycle it is a manual resend asked to respect the window: the kind's `anytime` rule is for
      // automatic reminders only, so it keeps to the firm's window.
      const plan = await planItemSend(deps.db, item, dueAt, Date.now(), cycleKey === undefined ? 'firm' : undefined);
      if (cycleKey !== undefined && seq !== undefined) await recordHold(deps.db, item, cycleKey, seq, plan);
      // Nothing holds it: its due time, not this worker's clock, which may run ahead of the workflow's (the
      // server's), so the workflow would read "held until now" and ask again, and again, for ever.
      return { sendAt: plan.sendAt <= Date.now() ? Math.min(dueAt, plan.sendAt) : plan.sendAt, reasons: plan.reasons };
    },

    /** Heartbeats between emails when one is due, so Temporal notices a dead worker within seconds. */
    dispatchItemEmail: async (req: DispatchRequest): Promise<DispatchResult> => {
      const heartbeat = heartbeatWhenDue();
      const result = await retryWhenInFlight(() => dispatcher.dispatchItemEmail(req, heartbeat));
      // Counted per completed dispatch (an attempt retried after the dispatch was recorded counts again).
      if (result.status === 'sent' && result.recipients > 0) count.reminderSent(req.kind, req.item.kind);
      return result;
    },

    /**
     * A run's first read: the item's snapshot, with its notification sent when due (domain/items/dispatch.ts).
     * Keys come from the workflow's id. A later attempt finishes a notification recorded since the first was
     * scheduled (its clock against the worker's: a minute's margin), never an earlier run's. As a local
     * activity (`run` given) every attempt finishes one recorded since the run started: one run again after
     * its workflow task was lost (a worker died mid-send) starts over at attempt 1.
     */
    notifyItem: async (item: ItemRef, run?: { startedAt: number }): Promise<FirstNotification> => {
      const { workflowExecution, attempt, scheduledTimestampMs } = Context.current().info;
      const heartbeat = heartbeatWhenDue();
      // Outside a workflow (a standalone run), the item's own reminder workflow id.
      const workflowId = workflowExecution?.workflowId ?? reminderWorkflowId(item.kind, item.itemId);
      const since = run ? run.startedAt : attempt > 1 ? scheduledTimestampMs : undefined;
      const attempts = { workflowId, ...(since !== undefined ? { attemptsSince: since - CLOCK_MARGIN_MS } : {}) };
      const first = await retryWhenInFlight(() => dispatcher.notifyItem(item, attempts, heartbeat));
      if (first.result?.status === 'sent' && first.result.recipients > 0) count.reminderSent('notification', item.kind);
      return first;
    },
  };
}
