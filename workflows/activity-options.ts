// Timeouts and retry policies of every activity the workflows call, named once. Changing a value here
// changes new schedules only; histories already recorded replay unchanged.
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/** Retry transient failures for as long as it takes, backing off to one attempt a minute. */
const RETRY_FOREVER = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;

/** Re-reading an item's state: a few queries. */
export const LOAD_ITEM: ActivityOptions = { startToCloseTimeout: '15 seconds', retry: RETRY_FOREVER };

/** The same read as a local activity (one statement): no activity task round trip through the server. A
 * backoff past 10 s waits in a timer (as DISPATCH_EMAILS_LOCAL), so a database down for long neither holds the
 * workflow task open nor fills the history with task heartbeats. */
export const LOAD_ITEM_LOCAL: LocalActivityOptions = {
  startToCloseTimeout: '15 seconds',
  localRetryThreshold: '10 seconds',
  retry: RETRY_FOREVER,
};

/** One notification or reminder to every recipient; heartbeats (one per email) let Temporal notice a dead
 * worker within seconds instead of at the timeout. */
export const DISPATCH_EMAILS: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry: RETRY_FOREVER,
};

/** The same dispatch (and a run's first notification) as a local activity, run in the workflow task that
 * decided it: no activity task round trip through the server. A backoff past 10 s waits in a timer, so a mail
 * server down for long neither holds the task open nor fills the history with task heartbeats. No heartbeat:
 * a dead worker is noticed by its workflow task's timeout instead. */
export const DISPATCH_EMAILS_LOCAL: LocalActivityOptions = {
  startToCloseTimeout: '5 minutes',
  localRetryThreshold: '10 seconds',
  retry: RETRY_FOREVER,
};

/** How many attempts an item reminder's local activity (the three above) makes before the workflow hands the
 * call to the regular activity: about two minutes (1 + 2 + 4 + 8 s of backoff in the workflow task, then 16, 32
 * and 60 s in timers). Each local retry past 10 s waits in a workflow timer, about five history events, so an
 * outage of days grew the history toward Temporal's limit; the regular activity's retries are the server's and
 * add none. (A local activity's scheduleToCloseTimeout does not bound its retries in this SDK: measured.) */
export const LOCAL_ATTEMPTS_BEFORE_GIVING_WAY = 8;

/** Sending or expiring one invitation. */
export const INVITATION_STEP: ActivityOptions = { startToCloseTimeout: '2 minutes', retry: RETRY_FOREVER };

/** One client-action email, retried like every email for as long as an outage lasts: nothing reconciles a
 * participant notification that gave up. A permanent refusal (5xx) is an outcome, not a failure, so it ends. */
export const CLIENT_ACTION_EMAIL: ActivityOptions = { startToCloseTimeout: '1 minute', retry: RETRY_FOREVER };

/** Bulk-action bookkeeping: loading a batch, recording a failure, closing the action. */
export const BULK_STEP: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};

/** One bulk-action account, as a local activity. A database outage spends no attempt while it lasts up to
 * 45 s (the activity waits for the database: activities/bulk-activities.ts), so the attempts ride out an
 * outage of several minutes; an account still failing after them is reported as failed. */
export const BULK_ACCOUNT: LocalActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 6 },
};

/** One reconciler pass; the next scheduled run retries what this one could not finish. */
export const RECONCILE: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
};
