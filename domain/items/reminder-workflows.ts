// Starting and signalling the item reminder workflows. Arming uses signal-with-start so an event never
// races the workflow's existence; stop events only signal a running workflow (the workflow re-reads the
// database before every send, so a lost stop signal still sends nothing).
import type { SignalDefinition } from '@temporalio/common';
import {
  itemReminderStart,
  itemReminderWorkflowContract,
  reminderStateQuery,
  reminderWorkflowId,
} from '../../shared/contracts/item-reminder';
import type { ItemRef, ReminderState } from '../../shared/reminder-types';
import type { TemporalGateway } from '../temporal/gateway';

export interface ReminderWorkflowsDeps {
  gateway: TemporalGateway;
  daySeconds: number;
}

export function createReminderWorkflows({ gateway, daySeconds }: ReminderWorkflowsDeps) {
  return {
    /** Delivers the signal, starting the item's workflow first if none is running. */
    async arm<Args extends unknown[]>(item: ItemRef, signal: SignalDefinition<Args>, ...args: Args): Promise<void> {
      await gateway.signalWithStart(itemReminderWorkflowContract, itemReminderStart(item, daySeconds), signal, ...args);
    },

    /** Delivers the signal to the running workflow, if any. */
    async notify<Args extends unknown[]>(item: ItemRef, signal: SignalDefinition<Args>, ...args: Args): Promise<void> {
      await gateway.signal(reminderWorkflowId(item.kind, item.itemId), signal, ...args);
    },

    /** The workflow's own view of its state (also for a finished workflow), or null if it never ran. */
    state(item: Pick<ItemRef, 'kind' | 'itemId'>): Promise<ReminderState | null> {
      return gateway.query(reminderWorkflowId(item.kind, item.itemId), reminderStateQuery);
    },

    /** Stops the item's workflow at once (its account is gone). */
    async stop(item: Pick<ItemRef, 'kind' | 'itemId'>, reason: string): Promise<void> {
      await gateway.terminate(reminderWorkflowId(item.kind, item.itemId), reason);
    },
  };
}

export type ReminderWorkflows = ReturnType<typeof createReminderWorkflows>;
