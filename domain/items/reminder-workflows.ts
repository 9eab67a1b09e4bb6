// Starting and signalling the item reminder workflows. Arming uses signal-with-start so an event never
// races the workflow's existence; stop events only signal a running workflow (the workflow re-reads the
// database before every send, so a lost stop signal still sends nothing).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SearchAttributePair, SignalDefinition } from '@temporalio/common';
import type { ItemReminderInput } from '../../workflows/item-reminder';
import { reminderStateQuery } from '../../shared/contracts/item-reminder';
import { reminderWorkflowId } from '../../shared/workflow-ids';
import { ACCOUNT_ID, FIRM_ID, ITEM_ID, ITEM_KIND, STATUS } from '../../shared/contracts/search-attributes';
import type { ItemRef, ReminderState } from '../../shared/reminder-types';

type SignalWithStartOptions = Parameters<Client['workflow']['signalWithStart']>[1];

/** Start options of an item's reminder workflow: business id, search attributes and memo (ids only). */
export function reminderStartOptions(item: ItemRef, taskQueue: string, daySeconds: number) {
  return {
    taskQueue,
    workflowId: reminderWorkflowId(item.kind, item.itemId),
    args: [{ item, daySeconds } satisfies ItemReminderInput] as [ItemReminderInput],
    typedSearchAttributes: [
      { key: FIRM_ID, value: item.firmId },
      { key: ACCOUNT_ID, value: item.accountId },
      { key: ITEM_KIND, value: item.kind },
      { key: ITEM_ID, value: item.itemId },
      { key: STATUS, value: 'starting' },
    ] as SearchAttributePair[],
    memo: { firmId: item.firmId, accountId: item.accountId, itemKind: item.kind, itemId: item.itemId },
  };
}

export interface ReminderWorkflowsDeps {
  temporal: Client;
  taskQueue: string;
  daySeconds: number;
}

export function createReminderWorkflows({ temporal, taskQueue, daySeconds }: ReminderWorkflowsDeps) {
  const startOptions = (item: ItemRef) => reminderStartOptions(item, taskQueue, daySeconds);

  return {
    /** Delivers the signal, starting the item's workflow first if none is running. */
    async arm<Args extends unknown[]>(item: ItemRef, signal: SignalDefinition<Args>, ...signalArgs: Args): Promise<void> {
      // The SDK's option type is conditional on the signal's arity, which a generic Args cannot satisfy.
      const options = { ...startOptions(item), signal, signalArgs } as unknown as SignalWithStartOptions;
      await temporal.workflow.signalWithStart('itemReminderWorkflow', options);
    },

    /** Delivers the signal to the running workflow, if any. */
    async notify<Args extends unknown[]>(item: ItemRef, signal: SignalDefinition<Args>, ...args: Args): Promise<void> {
      try {
        await temporal.workflow.getHandle(reminderWorkflowId(item.kind, item.itemId)).signal(signal, ...args);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },

    /** The workflow's own view of its state (also for a finished workflow), or null if it never ran. */
    async state(item: Pick<ItemRef, 'kind' | 'itemId'>): Promise<ReminderState | null> {
      try {
        return await temporal.workflow.getHandle(reminderWorkflowId(item.kind, item.itemId)).query(reminderStateQuery);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return null;
        throw err;
      }
    },
  };
}

export type ReminderWorkflows = ReturnType<typeof createReminderWorkflows>;
