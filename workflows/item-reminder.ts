// One durable workflow per pending item (chat thread, signature request, approval request): it sends the
// notification, sleeps, reminds up to the configured count, and ends when the client acted or reminders stop.
// The database is the source of truth for the item; signals say "this changed" and the workflow re-reads it.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createReminderActivities } from '../activities/reminder-activities';
import { nextStep } from '../shared/reminder-policy';
import { STATUS } from '../shared/contracts/search-attributes';
import * as msg from '../shared/contracts/item-reminder';
import {
  dispatchKey,
  type ItemReminderInput,
  type ManualResendRequest,
  type ReminderStateView,
  type itemReminderWorkflowContract,
} from '../shared/contracts/item-reminder';
import type { WorkflowFunction } from '../shared/contracts/workflow';
import {
  DISPATCH_EMAILS,
  DISPATCH_EMAILS_LOCAL,
  LOAD_ITEM,
  LOAD_ITEM_LOCAL,
  LOCAL_ATTEMPTS_BEFORE_GIVING_WAY,
} from './activity-options';
import type {
  DispatchKind,
  DispatchRequest,
  DispatchResult,
  ItemSnapshot,
  ManualResend,
  ReminderState,
  ReminderStatus,
} from '../shared/reminder-types';

type ReminderActivities = ReturnType<typeof createReminderActivities>;
const { loadItemSnapshot, planReminderSend } = proxyActivities<ReminderActivities>(LOAD_ITEM);
const { loadItemSnapshot: loadItemSnapshotLocally } = proxyLocalActivities<ReminderActivities>(LOAD_ITEM_LOCAL);
/** The item is re-read by a local activity (issue 10): one statement, no activity task round trip. */
const LOCAL_SNAPSHOT_PATCH = 'local-snapshot';

/** Send windows and pauses (issue 12): a reminder due outside them waits for the next opening. */
const SEND_WINDOW_PATCH = 'send-window';
/** The send activity plans a due reminder itself (issue 10): one activity per reminder instead of two. */
const PLAN_IN_DISPATCH_PATCH = 'plan-in-dispatch';
const { dispatchItemEmail, notifyItem } = proxyActivities<ReminderActivities>(DISPATCH_EMAILS);
/** A run's first read is its notification's own (issue 10): one activity reads the item, sends the notification
 * when due and answers the snapshot, with no local activity before it. */
const NOTIFY_FIRST_PATCH = 'notify-first';
const { dispatchItemEmail: dispatchItemEmailLocally, notifyItem: notifyItemLocally } =
  proxyLocalActivities<ReminderActivities>(DISPATCH_EMAILS_LOCAL);
/** Reminders, resends and notifications after the first read go out in a local activity (issue 10): the
 * timer's workflow task sends, instead of scheduling an activity task and waiting for a second workflow task. */
const LOCAL_DISPATCH_PATCH = 'local-dispatch';
/** The run's first read and notification too (issue 10): the run's first workflow task sends it. */
const LOCAL_NOTIFY_PATCH = 'local-notify';
/** Every patch above at once, asked as a run starts (issue 10): each patch records a marker and upserts
 * TemporalChangeVersion, four of each per reminder otherwise. Runs recorded before it ask each one on its own;
 * a change after it needs a patch of its own. */
const ALL_THROUGH_LOCAL_NOTIFY_PATCH = 'all-through-local-notify';
/** Every patch above, and a local activity failing LOCAL_ATTEMPTS_BEFORE_GIVING_WAY times goes on as the regular
 * activity (a long outage no longer grows the history by a timer per retry). New runs ask only this one as they
 * start; runs from before keep retrying locally until they end or continue as new. */
const ALL_THROUGH_LOCAL_GIVES_WAY_PATCH = 'all-through-local-gives-way';
/** Reminders over while a resend waits for the send window: the status says `completed` from then on, not
 * `waiting` (a search attribute upsert, so a patch). Asked only then. */
const REMINDERS_OVER_WHILE_HELD_PATCH = 'reminders-over-while-held';
/** How many counted resend ids travel through continue-as-new (a repeat comes soon after, if ever). */
const COUNTED_RESENDS_KEPT = 100;

export async function itemReminderWorkflow(input: ItemReminderInput): Promise<ReminderState> {
  const { item, daySeconds } = input;
  const { workflowId } = workflowInfo();
  const givesWay = patched(ALL_THROUGH_LOCAL_GIVES_WAY_PATCH);
  const current = givesWay || patched(ALL_THROUGH_LOCAL_NOTIFY_PATCH);
  const since = (patch: string) => current || patched(patch);
  const capped = cappedLocalActivities(input.localAttemptsBeforeGivingWay ?? LOCAL_ATTEMPTS_BEFORE_GIVING_WAY);
  /** A local activity's call; in runs that give way, the regular activity's once the local one ran out. */
  async function local<A extends unknown[], R>(
    call: { local: (...a: A) => Promise<R>; capped: (...a: A) => Promise<R>; regular: (...a: A) => Promise<R> },
    ...args: A
  ): Promise<R> {
    if (!givesWay) return call.local(...args);
    try {
      return await call.capped(...args);
    } catch (err) {
      // Out of attempts (the last attempt's own failure, not an ActivityFailure, for a local activity): the same
      // call, idempotent by its keys. A failure the retry policy would not retry meets the same end there.
      if (isCancellation(err)) throw err;
      return call.regular(...args);
    }
  }
  let snapshot: ItemSnapshot | null = null;
  let stale = true; // the snapshot must be re-read before the next decision
  const manualQueue: ManualResendRequest[] = [...(input.pendingManualResends ?? [])];
  // Manual resends asked to respect the send window, each with the instant it opens for them.
  const held: { resend: ManualResendRequest; at: number }[] = [];
  const heldWait = () => Math.min(...held.map((h) => h.at)) - Date.now();
  let resendInFlight = false; // taken off the queue, not yet sent or held
  let manualResendsSent = input.manualResendsSent ?? 0;
  // Resend ids already counted: a repeated signal finds its dispatch recorded and answers "sent" again.
  const countedResends = new Set(input.countedResendIds ?? []);
  let status = 'starting' as ReminderStatus; // changed in setStatus only (cast: TypeScript would narrow it)
  let nextReminderAt: number | null = null;
  let reminderDueAt: number | null = null; // nextReminderAt before a send window or pause moved it
  let lastSentAt: number | null = input.lastSentAt ?? null; // carried across continue-as-new
  let dispatchesThisRun = 0; // a new run continues as new only after doing some work of its own

  // Handlers only record what changed; stop signals take effect at once, the re-read confirms them.
  const changed = (done?: NonNullable<ItemSnapshot['doneReason']>) => {
    if (done && snapshot) snapshot.doneReason ??= done;
    stale = true;
  };
  setHandler(msg.reminderStateQuery, () => view());
  setHandler(msg.clientRepliedSignal, () => changed('replied'));
  setHandler(msg.signerSignedSignal, ({ allSigned }) => changed(allSigned ? 'signed' : undefined));
  setHandler(msg.approvedSignal, () => changed('approved'));
  setHandler(msg.threadArchivedSignal, () => changed('archived'));
  setHandler(msg.itemWithdrawnSignal, () => changed('cancelled'));
  setHandler(msg.threadReopenedSignal, () => changed());
  setHandler(msg.firmMessagePostedSignal, () => changed());
  setHandler(msg.itemRequestedSignal, () => changed());
  setHandler(msg.pauseEndedSignal, () => changed());
  setHandler(msg.settingsChangedSignal, (settings) => {
    if (snapshot) snapshot.settings = settings;
    changed();
  });
  // A repeated resend id is harmless: its dispatch key makes the second send a no-op (counted once).
  setHandler(msg.manualResendSignal, (resend) => void manualQueue.push(resend));

  function view(): ReminderStateView {
    const next = snapshot ? nextStep(snapshot, daySeconds) : null;
    // A stop signal takes effect at once: no reminder is shown as coming even before the loop takes it up.
    const waiting = status === 'waiting' && next?.step !== 'stop';
    return {
      workflowId,
      status,
      doneReason: snapshot?.doneReason ?? null,
      stopReason: next?.step === 'stop' ? next.reason : null,
      settings: snapshot?.settings ?? { enabled: false, intervalDays: 3, count: 1 },
      cycleKey: snapshot?.cycleKey ?? null,
      remindersSent: snapshot?.remindersSent ?? 0,
      lastSentAt: lastSentAt === null ? null : new Date(lastSentAt).toISOString(),
      nextReminderAt: waiting && nextReminderAt !== null ? new Date(nextReminderAt).toISOString() : null,
      manualResendsSent,
      pendingManualResends: manualQueue.length + held.length + (resendInFlight ? 1 : 0),
      // Only while a send window or pause holds the reminder: when it fell due.
      ...(waiting && reminderDueAt !== null && reminderDueAt !== nextReminderAt
        ? { reminderDueAt: new Date(reminderDueAt).toISOString() }
        : {}),
    };
  }

  function setStatus(next: ReminderStatus) {
    if (next === status) return;
    status = next;
    upsertSearchAttributes([{ key: STATUS, value: next }]);
  }

  // Dispatch keys are business keys (never the run id), so a retry or a new run cannot send twice.
  async function dispatch(
    kind: DispatchKind,
    cycleKey: string,
    seq: number,
    extra?: ManualResend,
    dueAt?: number,
  ): Promise<DispatchResult> {
    const key = extra
      ? dispatchKey(workflowId, 'manual', kind, extra.resendId)
      : dispatchKey(workflowId, cycleKey, kind, seq);
    const send = since(LOCAL_DISPATCH_PATCH)
      ? (req: DispatchRequest) =>
          local({ local: dispatchItemEmailLocally, capped: capped.dispatchItemEmail, regular: dispatchItemEmail }, req)
      : dispatchItemEmail;
    return counted(
      await send({
        item,
        kind,
        dispatchKey: key,
        cycleKey,
        seq,
        resendId: extra?.resendId,
        message: extra?.message,
        requestedBy: extra?.requestedBy,
        ...(dueAt !== undefined ? { dueAt } : {}),
      }),
    );
  }

  // A dispatch's outcome, noted for the query and for continue-as-new (a held one did nothing yet).
  function counted(result: DispatchResult): DispatchResult {
    if (result.status === 'held') return result;
    // A dispatch found recorded (a repeated resend) answers its own, earlier time.
    if (result.status === 'sent') lastSentAt = Math.max(lastSentAt ?? result.sentAt, result.sentAt);
    dispatchesThisRun++;
    return result;
  }

  // A manual resend goes now, unless it asked to respect the send window and the window is closed.
  async function sendOrHold(resend: ManualResendRequest, cycleKey: string): Promise<void> {
    if (resend.respectSendWindow && since(SEND_WINDOW_PATCH)) {
      const plan = await planReminderSend({ item, dueAt: Date.now() });
      if (plan.sendAt > Date.now()) {
        // Asked again at least once a reminder day, so a window changed meanwhile applies by then.
        held.push({ resend, at: Math.min(plan.sendAt, Date.now() + daySeconds * 1000) });
        return;
      }
    }
    const r = await dispatch('manual', cycleKey, 0, resend);
    if (r.status === 'sent' && !countedResends.has(resend.resendId)) {
      countedResends.add(resend.resendId);
      manualResendsSent++;
    }
  }

  for (;;) {
    if (stale) {
      stale = false;
      if (snapshot === null && since(NOTIFY_FIRST_PATCH)) {
        const notify = { local: notifyItemLocally, capped: capped.notifyItem, regular: notifyItem };
        const first = since(LOCAL_NOTIFY_PATCH)
          ? await local(notify, item, { startedAt: workflowInfo().runStartTime.getTime() })
          : await notifyItem(item);
        snapshot = first.snapshot; // as it stands after the notification, if one went
        if (first.result && counted(first.result).status !== 'sent') stale = true;
      } else if (since(LOCAL_SNAPSHOT_PATCH)) {
        const read = { local: loadItemSnapshotLocally, capped: capped.loadItemSnapshot, regular: loadItemSnapshot };
        snapshot = await local(read, item);
      } else snapshot = await loadItemSnapshot(item);
    }
    const s = snapshot!;
    // A held resend is asked about again at its time: it goes if the window is open by then.
    for (let i = held.length - 1; i >= 0; i--) {
      if (held[i].at <= Date.now()) manualQueue.push(held.splice(i, 1)[0].resend);
    }

    // Manual resends go out whenever asked and leave the automatic schedule as it was.
    const resend = manualQueue.shift();
    if (resend) {
      resendInFlight = true; // pending for the query while it is planned and sent
      await sendOrHold(resend, s.cycleKey);
      resendInFlight = false;
      continue;
    }

    const next = nextStep(s, daySeconds);
    if (next.step === 'stop') {
      // Leave only once every signal that arrived is accounted for, and every held resend went.
      if (!stale && manualQueue.length === 0) {
        if (held.length === 0) break;
        // Only a held resend is left: no reminder will go, whatever the last wait said.
        nextReminderAt = reminderDueAt = null;
        if (status !== 'completed' && patched(REMINDERS_OVER_WHILE_HELD_PATCH)) setStatus('completed');
        if (heldWait() > 0) await condition(() => stale || manualQueue.length > 0, heldWait());
      }
      continue;
    }
    if (next.step === 'notify') {
      const r = await dispatch('notification', s.subjectKey, 0);
      if (r.status === 'sent') Object.assign(s, { notificationSent: true, anchorAt: r.sentAt });
      else stale = true;
      continue;
    }

    // Before each wait, so a thread that lives for months never grows one history without bound.
    // State lives in the database; only queued manual resends travel to the next run.
    if (dispatchesThisRun > 0 && shouldContinueAsNew(input)) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof itemReminderWorkflow>({
        ...input,
        pendingManualResends: [...held.map((h) => h.resend), ...manualQueue],
        manualResendsSent,
        countedResendIds: [...countedResends].slice(-COUNTED_RESENDS_KEPT),
        ...(lastSentAt !== null ? { lastSentAt } : {}),
      });
    }
    setStatus('waiting');
    nextReminderAt = reminderDueAt = next.dueAt;
    const wait = next.dueAt - Date.now();
    const timeout = held.length ? Math.min(wait, heldWait()) : wait;
    if (timeout > 0 && (await condition(() => stale || manualQueue.length > 0, timeout))) continue;
    if (timeout < wait && Date.now() < next.dueAt) continue; // a held resend's time came first

    // Due: the send window (in the recipients' zone) and pauses may hold it until later. Re-asked at least
    // once a reminder day while it waits, so a window or pause changed meanwhile applies by then.
    const holdUntil = async (sendAt: number) => {
      nextReminderAt = sendAt;
      const recheck = Math.min(sendAt - Date.now(), daySeconds * 1000, held.length ? heldWait() : Infinity);
      if (recheck > 0) await condition(() => stale || manualQueue.length > 0, recheck);
    };
    const planInDispatch = since(PLAN_IN_DISPATCH_PATCH);
    if (!planInDispatch && since(SEND_WINDOW_PATCH)) {
      const plan = await planReminderSend({ item, dueAt: next.dueAt, cycleKey: s.cycleKey, seq: next.seq });
      if (plan.sendAt - Date.now() > 0) {
        await holdUntil(plan.sendAt);
        continue;
      }
    }

    const r = await dispatch('reminder', s.cycleKey, next.seq, undefined, planInDispatch ? next.dueAt : undefined);
    if (r.status === 'held') {
      await holdUntil(r.sendAt);
      continue;
    }
    if (r.status === 'sent') Object.assign(s, { remindersSent: next.seq, anchorAt: r.sentAt });
    else stale = true;
  }

  nextReminderAt = null;
  setStatus('completed');
  return view();
}

/** The local activities with a limit on their attempts. */
function cappedLocalActivities(maximumAttempts: number) {
  const { loadItemSnapshot } = proxyLocalActivities<ReminderActivities>({
    ...LOAD_ITEM_LOCAL,
    retry: { ...LOAD_ITEM_LOCAL.retry, maximumAttempts },
  });
  const { dispatchItemEmail, notifyItem } = proxyLocalActivities<ReminderActivities>({
    ...DISPATCH_EMAILS_LOCAL,
    retry: { ...DISPATCH_EMAILS_LOCAL.retry, maximumAttempts },
  });
  return { loadItemSnapshot, dispatchItemEmail, notifyItem };
}

function shouldContinueAsNew(input: ItemReminderInput): boolean {
  const info = workflowInfo();
  if (input.continueAsNewAfterEvents !== undefined) return info.historyLength >= input.continueAsNewAfterEvents;
  return info.continueAsNewSuggested;
}

itemReminderWorkflow satisfies WorkflowFunction<typeof itemReminderWorkflowContract>;
