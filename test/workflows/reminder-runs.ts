// Shared by the item-reminder workflow tests: starting a run for a new fake chat thread, and the fake
// activities behind a send window (a due reminder the window holds answers "held" until its opening).
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { itemReminderWorkflow } from '../../workflows/item-reminder';
import type { DispatchRequest, DispatchResult, ItemRef } from '../../shared/reminder-types';
import type { ItemReminderInput } from '../../shared/contracts/item-reminder';
import type { FakeItem, FakeItems } from './fake-items';
import type { Harness } from './harness';

export type ReminderHandle = WorkflowHandleWithFirstExecutionRunId<typeof itemReminderWorkflow>;

/** Starts itemReminderWorkflow for a new fake chat thread with `item`'s fields. */
export async function startChatReminder(
  h: Harness,
  fake: FakeItems,
  daySeconds: number,
  item: Partial<FakeItem> = {},
  input: Pick<ItemReminderInput, 'continueAsNewAfterEvents' | 'localAttemptsBeforeGivingWay'> = {},
  itemId = h.uniqueId('thread'),
): Promise<{ itemId: string; handle: ReminderHandle }> {
  fake.add(itemId, item);
  const ref: ItemRef = { firmId: 'firm-1', accountId: 'acc-1', kind: 'chat', itemId };
  const handle: ReminderHandle = await h.client.workflow.start<typeof itemReminderWorkflow>('itemReminderWorkflow', {
    taskQueue: h.taskQueue,
    workflowId: `reminder-chat-${itemId}`,
    args: [{ item: ref, daySeconds, ...input }],
  });
  return { itemId, handle };
}

type Plan = (req: { item: ItemRef; dueAt: number }) => Promise<{ sendAt: number; reasons: string[] }>;

/** The fake activities with a send window: `plan` says when a due reminder may go. */
export function windowedActivities(fake: FakeItems, plan: Plan) {
  const activities = fake.activities();
  return {
    ...activities,
    planReminderSend: plan,
    // A reminder that fell due is planned by the send activity itself (the plan-in-dispatch patch).
    dispatchItemEmail: async (req: DispatchRequest): Promise<DispatchResult> => {
      if (req.dueAt !== undefined) {
        const p = await plan({ item: req.item, dueAt: req.dueAt });
        if (p.sendAt > Date.now()) return { status: 'held', sendAt: p.sendAt };
      }
      return activities.dispatchItemEmail(req);
    },
  };
}
