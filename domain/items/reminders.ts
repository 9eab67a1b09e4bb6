// An item's reminders (SPEC §3), whatever its kind: change the settings on the running schedule, send a
// manual reminder now, and explain the state ("why did or didn't it send").
import type { Db } from '../../prisma/client';
import * as sig from '../../shared/contracts/item-reminder';
import { selectRecipients } from '../../shared/recipients';
import type { ItemKind } from '../../shared/reminder-types';
import { audit } from '../audit/audit';
import { requireWritableAccount, type Actor } from '../access/access';
import { conflict } from '../errors';
import { lockItemRow, requireItemAccess, saveSettings, type ReminderInput } from './item-refs';
import { recordManualResend } from './manual-resends';
import { loadCandidateEmails } from './recipient-lookup';
import type { ItemWorkflows } from './reminder-workflows';
import { readItemSnapshot } from './snapshot';
import { unsubscribeExplainer } from '../email/unsubscribe';
import { leaveOutPaused } from './pauses';
import { explainSendSchedule, heldReminders } from './send-explainer';
import { digestsOfItem } from '../digest/explain';
import { explainSettingsSource } from '../reminder-policy/explain';

export function createReminderService(db: Db, workflows: ItemWorkflows) {
  return {
    /** Changes take effect on the running schedule; turning reminders on re-arms a finished one. */
    async updateReminderSettings(firmId: string, actor: Actor, kind: ItemKind, itemId: string, input: ReminderInput) {
      const ref = await requireItemAccess(db, firmId, actor, kind, itemId);
      return workflows.transaction(async (tx, calls) => {
        // The account's lock before the item's (requireWritableAccount says why); an archived account is read-only.
        await requireWritableAccount(tx, firmId, ref.accountId);
        await lockItemRow(tx, kind, itemId);
        const s = await saveSettings(tx, firmId, kind, itemId, input);
        await audit(tx, {
          firmId,
          actorId: actor.id,
          action: 'reminders.settings_changed',
          accountId: ref.accountId,
          itemKind: kind,
          itemId,
          data: { ...s },
        });
        const pending = !(await readItemSnapshot(tx, ref)).doneReason;
        if (pending && s.enabled) calls.arm(ref, sig.settingsChangedSignal, s);
        else calls.notify(ref, sig.settingsChangedSignal, s);
        return s;
      });
    },

    /**
     * One more email now, the portal to-do to the top, an audit entry; the automatic schedule is untouched.
     * A person's decision goes at once, unless `respectSendWindow` holds it until the window opens (issue 12).
     */
    async resend(
      firmId: string,
      actor: Actor,
      kind: ItemKind,
      itemId: string,
      input: { message?: string; respectSendWindow?: boolean },
    ) {
      const ref = await requireItemAccess(db, firmId, actor, kind, itemId);
      const snapshot = await readItemSnapshot(db, ref);
      if (snapshot.doneReason) {
        throw conflict(
          'item-not-pending',
          'Nothing to remind',
          `The client already acted or the item is closed (${snapshot.doneReason}).`,
        );
      }
      const resend = await workflows.transaction(async (tx, calls) => {
        const recorded = await recordManualResend(tx, ref, actor.id, input.message);
        calls.arm(
          ref,
          sig.manualResendSignal,
          input.respectSendWindow ? { ...recorded, respectSendWindow: true } : recorded,
        );
        return recorded;
      });
      return { resendId: resend.resendId, workflowId: sig.reminderWorkflowId(kind, itemId) };
    },

    /** The item's reminder state: the workflow's view plus, per email, whether it receives them and why not. */
    async reminderState(firmId: string, actor: Actor, kind: ItemKind, itemId: string) {
      const ref = await requireItemAccess(db, firmId, actor, kind, itemId);
      // The workflow's view first: whatever it reports sent was committed before, so the rows read after show
      // it too (read side by side, a run that notifies and ends in one task could look done with nothing sent).
      const workflow = await workflows.state(ref);
      const [snapshot, candidates, dispatches] = await Promise.all([
        readItemSnapshot(db, ref),
        loadCandidateEmails(db, ref),
        db.reminderDispatch.findMany({ where: { itemKind: kind, itemId }, orderBy: { createdAt: 'asc' } }),
      ]);
      const [schedule, held, digests] = await Promise.all([
        explainSendSchedule(db, ref, workflow),
        heldReminders(db, ref, dispatches),
        digestsOfItem(db, ref),
      ]);
      // A paused contact is left out of reminders that go to others meanwhile (issue 12).
      const decision = leaveOutPaused(selectRecipients(kind, candidates), schedule.pausedContacts);
      const emails = await db.contactEmail.findMany({
        where: { id: { in: candidates.map((c) => c.contactEmailId) } },
        select: { id: true, address: true, bouncedAt: true, bounceReason: true },
      });
      const address = new Map(emails.map((e) => [e.id, e.address]));
      const bounce = new Map(emails.map((e) => [e.id, e]));
      // An address that opted out in one click reads `unsubscribed`, with when (issue 12).
      const unsubscribed = await unsubscribeExplainer(db, firmId, kind, decision.excluded);
      return {
        item: { kind, id: itemId, accountId: ref.accountId },
        pending: !snapshot.doneReason,
        doneReason: snapshot.doneReason,
        settings: snapshot.settings,
        // Whether the settings are the item's own or come from the firm's reminder policy (issue 12).
        settingsSource: await explainSettingsSource(db, ref),
        remindersSent: snapshot.remindersSent,
        workflow,
        // When the next reminder falls due, when it will go and why; the pauses holding it (issue 12).
        nextReminder: schedule.nextReminder,
        pauses: schedule.pauses,
        recipients: [
          ...decision.recipients.map((r) => ({
            contactEmailId: r.contactEmailId,
            contactId: r.contactId,
            address: address.get(r.contactEmailId)!,
            included: true,
            activationBanner: r.activationBanner,
            reason: null,
          })),
          ...decision.excluded.map((r) => ({
            contactEmailId: r.contactEmailId,
            contactId: r.contactId,
            address: address.get(r.contactEmailId)!,
            included: false,
            activationBanner: false,
            ...unsubscribed(r),
            // Why an address is `bounced`: when and what the mail server answered.
            ...(r.reason === 'bounced'
              ? {
                  bouncedAt: bounce.get(r.contactEmailId)?.bouncedAt?.toISOString() ?? null,
                  bounceReason: bounce.get(r.contactEmailId)?.bounceReason ?? null,
                }
              : {}),
            ...(r.reason === 'paused'
              ? { pausedUntil: schedule.pausedContacts.get(r.contactId)?.toISOString() ?? null }
              : {}),
          })),
        ],
        ...(candidates.length === 0 ? { warning: 'no_linked_email' } : {}),
        dispatches: dispatches.map((d) => ({
          kind: d.kind,
          seq: d.seq,
          cycleKey: d.cycleKey,
          recipients: d.recipients,
          at: d.createdAt.toISOString(),
          // A reminder a send window or pause held: when it was due and why it waited (issue 12).
          ...(held.has(`${d.cycleKey}:${d.seq}`) && d.kind === 'reminder'
            ? { held: held.get(`${d.cycleKey}:${d.seq}`) }
            : {}),
          // A reminder that went (or waits) in its recipients' digests: per address, sent, waiting or dropped (issue 12).
          ...(digests.has(d.dispatchKey) ? { digest: digests.get(d.dispatchKey) } : {}),
        })),
      };
    },
  };
}
