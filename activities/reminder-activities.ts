// Activities of the item reminder workflow: thin wrappers over the domain, built from injected dependencies.
import { readItemSnapshot } from '../domain/items/snapshot';
import { createItemDispatcher, type DispatchDeps } from '../domain/items/dispatch';
import type { DispatchRequest, DispatchResult, ItemRef } from '../shared/reminder-types';
import { planItemSend, recordHold } from '../domain/items/send-time';
import { retryWhenInFlight } from './failures';
import { heartbeatWhenDue } from './heartbeat';
import { count } from '../observability/metrics';

export type ReminderActivityDeps = DispatchDeps;

export function createReminderActivities(deps: ReminderActivityDeps) {
  const dispatcher = createItemDispatcher(deps);
  return {
    loadItemSnapshot: (item: ItemRef) => readItemSnapshot(deps.db, item),

    /**
     * When a reminder due at `dueAt` may go (send window, pauses); instants and reasons only, no zone names.
     * An automatic reminder (`cycleKey`, `seq`) held back is recorded for the explainer.
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
      const plan = await planItemSend(deps.db, item, dueAt);
      if (cycleKey !== undefined && seq !== undefined) await recordHold(deps.db, item, cycleKey, seq, plan);
      return { sendAt: plan.sendAt, reasons: plan.reasons };
    },

    /** Heartbeats between emails when one is due, so Temporal notices a dead worker within seconds. */
    dispatchItemEmail: async (req: DispatchRequest): Promise<DispatchResult> => {
      const heartbeat = heartbeatWhenDue();
      const result = await retryWhenInFlight(() => dispatcher.dispatchItemEmail(req, heartbeat));
      // Counted per completed dispatch (an attempt retried after the dispatch was recorded counts again).
      if (result.status === 'sent' && result.recipients > 0) count.reminderSent(req.kind, req.item.kind);
      return result;
    },
  };
}
