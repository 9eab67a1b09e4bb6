// One durable workflow per portal invitation: it sleeps until the chosen send time, emails the single-use
// link, sends resends on request, and ends when the client accepts, the firm revokes, or the link expires.
// Input, signals and history hold ids and times only: the token is made and emailed inside an activity.
import { condition, patched, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { createInvitationActivities } from '../activities/invitation-activities';
import { STATUS } from '../shared/contracts/search-attributes';
import * as msg from '../shared/contracts/invitation';
import type {
  InvitationInput,
  InvitationOutcome,
  InvitationState,
  invitationWorkflowContract,
} from '../shared/contracts/invitation';
import type { WorkflowFunction } from '../shared/contracts/workflow';
import { INVITATION_STEP } from './activity-options';

type InvitationActivities = ReturnType<typeof createInvitationActivities>;
const { sendInvitation, expireInvitation } = proxyActivities<InvitationActivities>(INVITATION_STEP);
/** A first send refused for good expires the invitation's row too (the send had already marked it sent, with
 * an expiry); runs recorded before ended without, leaving it open. */
const EXPIRE_REFUSED_PATCH = 'expire-refused';

/** How a send that found the invitation no longer open says it ended (an accept or a revoke the workflow has
 * no signal of yet); a row gone, login off or an address that cannot receive it: revoked. */
const endedAs = (reason: string): InvitationOutcome =>
  reason === 'accepted' || reason === 'expired' ? reason : 'revoked';

/** How the expiry says the invitation ended; runs recorded before had a boolean, and ended "expired". */
const expiredAs = (result: Awaited<ReturnType<InvitationActivities['expireInvitation']>> | boolean) =>
  typeof result === 'object' && result.status !== 'resend_requested' ? result.status : 'expired';

export async function invitationWorkflow(input: InvitationInput): Promise<InvitationOutcome> {
  const { invitationId, expiryDays, daySeconds } = input;
  let ended = null as InvitationOutcome | null; // set by signals; a cast so TS does not narrow it to null
  const resends: number[] = [];
  let resendsSeen = 0; // the newest resend number signalled, or taken from the expiry
  const takenFromExpiry = new Set<number>();
  const state: InvitationState = { status: 'scheduled', resendsSent: 0, expiresAt: null };

  setHandler(msg.invitationStateQuery, () => ({ ...state }));
  setHandler(msg.invitationAcceptedSignal, () => void (ended ??= 'accepted'));
  setHandler(msg.invitationRevokedSignal, () => void (ended ??= 'revoked'));
  // Queued even before the first send finishes (the API may see the row "sent" a moment earlier); a
  // repeated seq is harmless: its email key makes the second send a no-op.
  setHandler(msg.invitationResendSignal, ({ seq }) => {
    resendsSeen = Math.max(resendsSeen, seq);
    if (ended === null && !takenFromExpiry.has(seq)) resends.push(seq);
  });

  const finish = (outcome: InvitationOutcome) => {
    state.status = outcome;
    upsertSearchAttributes([{ key: STATUS, value: outcome }]);
    return outcome;
  };

  // Wait until the send time unless the firm revokes first (condition's timeout is a durable timer).
  const delay = input.sendAt - Date.now();
  if (delay > 0) await condition(() => ended !== null, delay);
  if (ended) return finish(ended);

  const first = await sendInvitation({ invitationId, expiryDays, daySeconds });
  if (first.status === 'skipped') return finish(endedAs(first.reason));
  if (first.status === 'failed') {
    // Permanent SMTP refusal: the link never arrived.
    if (patched(EXPIRE_REFUSED_PATCH)) return finish(expiredAs(await expireInvitation(invitationId)));
    return finish('expired');
  }
  state.status = 'sent';
  state.expiresAt = first.expiresAt;
  upsertSearchAttributes([{ key: STATUS, value: 'sent' }]);

  const sendResends = async () => {
    while (!ended && resends.length) {
      const seq = resends.shift()!;
      const r = await sendInvitation({ invitationId, resendSeq: seq, expiryDays, daySeconds });
      if (r.status === 'skipped') ended ??= endedAs(r.reason);
      else if (r.status !== 'failed') {
        if (r.status === 'sent') state.resendsSent++;
        state.expiresAt = r.expiresAt; // every resend issues a fresh link with a fresh expiry
      }
    }
  };
  for (;;) {
    while (!ended) {
      const left = state.expiresAt - Date.now();
      if (left <= 0) break;
      await condition(() => ended !== null || resends.length > 0, left);
      await sendResends();
    }
    if (ended) return finish(ended);
    const expiry = await expireInvitation(invitationId, resendsSeen);
    if (typeof expiry !== 'object' || expiry.status !== 'resend_requested') return finish(expiredAs(expiry));
    // Staff resent before the link ran out and the signal is still on its way: the resend goes now (a fresh
    // link), and the signal, when it comes, sends nothing more.
    for (let seq = resendsSeen + 1; seq <= expiry.seq; seq++) {
      takenFromExpiry.add(seq);
      resends.push(seq);
    }
    resendsSeen = Math.max(resendsSeen, expiry.seq);
    await sendResends();
  }
}

invitationWorkflow satisfies WorkflowFunction<typeof invitationWorkflowContract>;
