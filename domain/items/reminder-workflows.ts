// Starting and signalling the item reminder workflows. Arming uses signal-with-start so an event never
// races the workflow's existence; stop events only signal a running workflow (the workflow re-reads the
// database before every send, so a lost stop signal still sends nothing). A change made through the API
// queues its calls in its own transaction (`transaction`, the outbox); the direct calls serve the retry
// mechanisms that keep their own record (the reconciler, bulk effects).
import { randomUUID } from 'node:crypto';
import type { SignalDefinition } from '@temporalio/common';
import {
  itemReminderStart,
  itemReminderWorkflowContract,
  reminderStateQuery,
  reminderWorkflowId,
} from '../../shared/contracts/item-reminder';
import type { ItemRef, ReminderState } from '../../shared/reminder-types';
import type { TemporalGateway } from '../temporal/gateway';
import type { Tx } from '../../prisma/client';
import type { Outbox } from '../outbox/outbox';
import { insertOutboxRow, writtenRow, type StatementRow } from '../outbox/one-statement';
import { currentTraceCarrier } from '../outbox/trace-carrier';

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

/** The reminder calls a change queues with its transaction. */
export interface ReminderCalls {
  arm<Args extends unknown[]>(item: ItemRef, signal: SignalDefinition<Args>, ...args: Args): void;
  notify<Args extends unknown[]>(item: ItemRef, signal: SignalDefinition<Args>, ...args: Args): void;
  stop(item: ItemRef, reason: string): void;
}

export function createReminderOutbox(outbox: Outbox, daySeconds: number) {
  const c = outbox.commands;
  return {
    /**
     * For a change written as one statement (a firm message, a signature or approval request): its arm call as
     * the statement's outbox row (`row`, whose account id is `ok."accountId"` of the rows in `from`), and the
     * delivery of what the statement wrote (`deliver`, from memory when its insert claimed the row).
     */
    armInStatement<Args extends unknown[]>(
      item: Omit<ItemRef, 'accountId'>,
      written: { from: string; now: Date },
      signal: SignalDefinition<Args>,
      ...args: Args
    ) {
      const arm = (accountId: string) =>
        c.signalWithStart(
          itemReminderWorkflowContract,
          itemReminderStart({ ...item, accountId }, daySeconds),
          signal,
          ...args,
        );
      const stand = randomUUID(); // the account id is known only inside the statement
      const workflowId = reminderWorkflowId(item.kind, item.itemId);
      const trace = currentTraceCarrier();
      return {
        row: insertOutboxRow({
          firmId: item.firmId,
          workflowId,
          draft: arm(stand),
          stand,
          accountId: 'ok."accountId"',
          from: written.from,
          now: written.now,
          trace,
          leaseMs: outbox.ownLeaseMs(1),
        }),
        deliver: (row: StatementRow) => outbox.deliverSoon(...writtenRow(row, workflowId, arm(row.accountId), trace)),
      };
    },

    /** Runs `fn` in a transaction; the reminder calls it queues commit with it and are delivered after. */
    transaction<T>(fn: (tx: Tx, calls: ReminderCalls) => Promise<T>): Promise<T> {
      return outbox.transaction((tx, enqueue) =>
        fn(tx, {
          arm: (item, signal, ...args) =>
            enqueue(
              item.firmId,
              c.signalWithStart(itemReminderWorkflowContract, itemReminderStart(item, daySeconds), signal, ...args),
            ),
          notify: (item, signal, ...args) =>
            enqueue(item.firmId, c.signal(reminderWorkflowId(item.kind, item.itemId), signal, ...args)),
          stop: (item, reason) => enqueue(item.firmId, c.terminate(reminderWorkflowId(item.kind, item.itemId), reason)),
        }),
      );
    },
  };
}

/** What the item services use: queued calls with their changes, and the workflow's state. */
export type ItemWorkflows = Pick<ReminderWorkflows, 'state'> & ReturnType<typeof createReminderOutbox>;
