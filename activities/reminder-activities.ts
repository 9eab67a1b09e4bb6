// Activities of the item reminder workflow: thin wrappers over the domain, built from injected dependencies.
import { heartbeat } from '@temporalio/activity';
import { readItemSnapshot } from '../domain/items/snapshot';
import { createItemDispatcher, type DispatchDeps } from '../domain/items/dispatch';
import type { DispatchRequest, DispatchResult, ItemRef } from '../shared/reminder-types';
import { retryWhenInFlight } from './failures';

export type ReminderActivityDeps = DispatchDeps;

export function createReminderActivities(deps: ReminderActivityDeps) {
  const dispatcher = createItemDispatcher(deps);
  return {
    loadItemSnapshot: (item: ItemRef) => readItemSnapshot(deps.db, item),

    /** Heartbeats once per email, so Temporal notices a dead worker within seconds. */
    dispatchItemEmail: (req: DispatchRequest): Promise<DispatchResult> =>
      retryWhenInFlight(() => dispatcher.dispatchItemEmail(req, heartbeat)),
  };
}
