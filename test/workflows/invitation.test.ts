// invitationWorkflow on a real Temporal dev server with fake activities: the scheduled send, resends
// (each a fresh link with a fresh expiry), accept, revoke and expiry. A "day" is 0.25 s.
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { invitationWorkflow } from '../../workflows/invitation';
import {
  invitationAcceptedSignal,
  invitationExpiry,
  invitationResendSignal,
  invitationRevokedSignal,
  invitationStateQuery,
} from '../../shared/contracts/invitation';
import { eventually, eventuallyExpect, sleep, startHarness, type Harness } from './harness';

type InvitationInput = Parameters<typeof invitationWorkflow>[0];
type SendRequest = { invitationId: string; resendSeq?: number; expiryDays: number; daySeconds: number };
type Ended = 'accepted' | 'revoked' | 'expired';
type SendResult =
  | { status: 'sent' | 'already_sent'; expiresAt: number }
  | { status: 'skipped'; reason: Ended | 'not_open' | 'login_off' }
  | { status: 'failed' };
type ExpireResult = { status: Ended } | { status: 'resend_requested'; seq: number };

const DAY_SECONDS = 0.25;
const DAY_MS = DAY_SECONDS * 1000;
const SLACK_MS = 15;

/** The invitation rows: open until accepted, revoked or expired; one email per send key. */
const invitations = new Map<
  string,
  {
    status: 'scheduled' | 'sent' | Ended;
    refuse?: 'failed';
    expiresAt: number | null;
    /** Resends staff asked for (the API's audit entries), signalled or not. */
    requested?: number;
  }
>();
const sends: { invitationId: string; resendSeq?: number; at: number; expiresAt: number }[] = [];
const expired: { invitationId: string; at: number }[] = [];

const activities = {
  async sendInvitation(req: SendRequest): Promise<SendResult> {
    const inv = invitations.get(req.invitationId)!;
    if (inv.status !== 'scheduled' && inv.status !== 'sent') return { status: 'skipped', reason: inv.status };
    if (inv.refuse) return { status: inv.refuse };
    if (sends.some((s) => s.invitationId === req.invitationId && s.resendSeq === req.resendSeq))
      return { status: 'already_sent', expiresAt: inv.expiresAt! };
    const at = Date.now();
    const expiresAt = invitationExpiry(at, req.expiryDays, req.daySeconds);
    Object.assign(inv, { status: 'sent', expiresAt });
    sends.push({ invitationId: req.invitationId, resendSeq: req.resendSeq, at, expiresAt });
    return { status: 'sent', expiresAt };
  },
  async expireInvitation(invitationId: string, resendsSeen?: number): Promise<ExpireResult> {
    const inv = invitations.get(invitationId)!;
    if (inv.status !== 'scheduled' && inv.status !== 'sent') return { status: inv.status };
    if (resendsSeen !== undefined && (inv.requested ?? 0) > resendsSeen)
      return { status: 'resend_requested', seq: inv.requested! };
    inv.status = 'expired';
    expired.push({ invitationId, at: Date.now() });
    return { status: 'expired' };
  },
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness(activities, 'invitation');
});
afterAll(() => h?.stop());

async function start(over: Partial<InvitationInput> = {}, row: { refuse?: 'failed' } = {}) {
  const invitationId = h.uniqueId('inv');
  invitations.set(invitationId, { status: 'scheduled', expiresAt: null, ...row });
  const input: InvitationInput = {
    invitationId,
    firmId: 'firm-1',
    sendAt: Date.now(),
    expiryDays: 2,
    daySeconds: DAY_SECONDS,
    ...over,
  };
  const handle: WorkflowHandleWithFirstExecutionRunId<typeof invitationWorkflow> = await h.client.workflow.start<
    typeof invitationWorkflow
  >('invitationWorkflow', {
    taskQueue: h.taskQueue,
    workflowId: `invitation-${invitationId}`,
    args: [input],
  });
  return { invitationId, handle };
}
const sendsOf = (id: string) => sends.filter((s) => s.invitationId === id);
const expiredOf = (id: string) => expired.filter((e) => e.invitationId === id);

test.concurrent('sends at once, then expires `expiryDays` after the send', async () => {
  const { invitationId, handle } = await start({ expiryDays: 8 }); // valid 2 s
  await eventually(() => sendsOf(invitationId).length === 1);
  const sent = sendsOf(invitationId)[0];
  await eventuallyExpect(async () =>
    expect(await handle.query(invitationStateQuery)).toEqual({
      status: 'sent',
      resendsSent: 0,
      expiresAt: sent.expiresAt,
    }),
  );
  expect(sent.expiresAt - sent.at).toBe(8 * DAY_MS);
  expect(await handle.result()).toBe('expired');
  const [exp] = expiredOf(invitationId);
  expect(exp.at).toBeGreaterThanOrEqual(sent.expiresAt - SLACK_MS);
  expect(exp.at - sent.expiresAt).toBeLessThan(5000);
  expect(invitations.get(invitationId)!.status).toBe('expired');
  expect((await handle.describe()).searchAttributes.NudgeStatus).toEqual(['expired']);
  expect(sendsOf(invitationId).map((s) => s.resendSeq)).toEqual([undefined]);
});

test.concurrent('a later sendAt: scheduled until then, sent at that time', async () => {
  const sendAt = Date.now() + 1500;
  const { invitationId, handle } = await start({ sendAt, expiryDays: 1 });
  expect(await handle.query(invitationStateQuery)).toEqual({ status: 'scheduled', resendsSent: 0, expiresAt: null });
  expect(await handle.result()).toBe('expired');
  expect(sendsOf(invitationId)[0].at).toBeGreaterThanOrEqual(sendAt - SLACK_MS);
});

test.concurrent('a resend issues a fresh link: the expiry moves to the resend time + expiryDays', async () => {
  const { invitationId, handle } = await start({ expiryDays: 8 }); // valid 2 s
  await eventually(() => sendsOf(invitationId).length === 1);
  await sleep(500);
  await handle.signal(invitationResendSignal, { seq: 1 });
  await eventually(() => sendsOf(invitationId).length === 2);
  const [first, resend] = sendsOf(invitationId);
  expect(resend.resendSeq).toBe(1);
  await eventuallyExpect(async () =>
    expect(await handle.query(invitationStateQuery)).toEqual({
      status: 'sent',
      resendsSent: 1,
      expiresAt: resend.expiresAt,
    }),
  );
  expect(await handle.result()).toBe('expired');
  // It outlived the first link: it expired with the resent one.
  const [exp] = expiredOf(invitationId);
  expect(exp.at).toBeGreaterThanOrEqual(resend.expiresAt - SLACK_MS);
  expect(exp.at).toBeGreaterThan(first.expiresAt + 300);
});

test.concurrent('a repeated resend number sends nothing more and counts once', async () => {
  const { invitationId, handle } = await start({ expiryDays: 40 });
  await eventually(() => sendsOf(invitationId).length === 1);
  await handle.signal(invitationResendSignal, { seq: 1 });
  await handle.signal(invitationResendSignal, { seq: 1 });
  await eventually(
    async () => sendsOf(invitationId).length === 2 && (await handle.query(invitationStateQuery)).resendsSent === 1,
  );
  await sleep(200); // the repeat is answered "already sent"
  await handle.signal(invitationAcceptedSignal);
  expect(await handle.result()).toBe('accepted');
  expect(sendsOf(invitationId).map((s) => s.resendSeq)).toEqual([undefined, 1]);
  expect(await handle.query(invitationStateQuery)).toMatchObject({ status: 'accepted', resendsSent: 1 });
});

test.concurrent('accepted before the scheduled send, with a resend queued too: nothing is sent', async () => {
  const { invitationId, handle } = await start({ expiryDays: 40, sendAt: Date.now() + 5000 });
  await handle.signal(invitationResendSignal, { seq: 1 });
  await handle.signal(invitationAcceptedSignal);
  expect(await handle.result()).toBe('accepted');
  expect(sendsOf(invitationId)).toEqual([]);
});

test.concurrent('accepted: it ends at once, nothing expires', async () => {
  const { invitationId, handle } = await start({ expiryDays: 40 }); // valid 10 s
  await eventually(() => sendsOf(invitationId).length === 1);
  const t0 = Date.now();
  await handle.signal(invitationAcceptedSignal);
  expect(await handle.result()).toBe('accepted');
  expect(Date.now() - t0).toBeLessThan(5000); // not at the expiry, 10 s away
  expect(expiredOf(invitationId)).toEqual([]);
  expect(await handle.query(invitationStateQuery)).toMatchObject({ status: 'accepted' });
  expect((await handle.describe()).searchAttributes.NudgeStatus).toEqual(['accepted']);
});

test.concurrent('revoked before the send time: nothing is ever sent', async () => {
  const { invitationId, handle } = await start({ sendAt: Date.now() + 10_000 });
  await handle.signal(invitationRevokedSignal);
  expect(await handle.result()).toBe('revoked');
  expect(sendsOf(invitationId)).toEqual([]);
  expect(expiredOf(invitationId)).toEqual([]);
});

test.concurrent('a resend after accept is ignored', async () => {
  const { invitationId, handle } = await start({ expiryDays: 40 });
  await eventually(() => sendsOf(invitationId).length === 1);
  await handle.signal(invitationAcceptedSignal);
  await handle.signal(invitationResendSignal, { seq: 1 }).catch(() => undefined); // the run may be closed already
  expect(await handle.result()).toBe('accepted');
  expect(sendsOf(invitationId)).toHaveLength(1);
});

test.concurrent(
  'the row no longer open at send time (revoked meanwhile): "revoked"; a permanent SMTP refusal: "expired", expired in the database too',
  async () => {
    const gone = await start();
    invitations.get(gone.invitationId)!.status = 'revoked';
    expect(await gone.handle.result()).toBe('revoked');

    const refused = await start({}, { refuse: 'failed' });
    expect(await refused.handle.result()).toBe('expired');
    expect(expiredOf(refused.invitationId)).toHaveLength(1);
  },
);

test.concurrent(
  'accepted at the expiry, its signal still on its way: it ends "accepted", nothing expired',
  async () => {
    const { invitationId, handle } = await start({ expiryDays: 12 }); // valid 3 s
    await eventually(() => sendsOf(invitationId).length === 1);
    invitations.get(invitationId)!.status = 'accepted'; // the accept committed; no signal
    expect(await handle.result()).toBe('accepted');
    expect(expiredOf(invitationId)).toEqual([]);
    expect((await handle.describe()).searchAttributes.NudgeStatus).toEqual(['accepted']);
  },
);

test.concurrent('a resend that finds the invitation accepted (signal not there yet) ends it "accepted"', async () => {
  const { invitationId, handle } = await start({ expiryDays: 40 });
  await eventually(() => sendsOf(invitationId).length === 1);
  invitations.get(invitationId)!.status = 'accepted';
  await handle.signal(invitationResendSignal, { seq: 1 });
  expect(await handle.result()).toBe('accepted');
  expect(sendsOf(invitationId)).toHaveLength(1);
  expect((await handle.describe()).searchAttributes.NudgeStatus).toEqual(['accepted']);
});

test.concurrent(
  'a resend staff asked for before the link ran out, its signal not come: the expiry sends it, once',
  async () => {
    const { invitationId, handle } = await start({ expiryDays: 12 }); // valid 3 s
    await eventually(() => sendsOf(invitationId).length === 1);
    invitations.get(invitationId)!.requested = 1; // the API took it; its signal is late
    await eventually(() => sendsOf(invitationId).length === 2, { timeoutMs: 10_000 });
    const resend = sendsOf(invitationId)[1];
    expect(resend.resendSeq).toBe(1);
    expect(expiredOf(invitationId)).toEqual([]);
    await eventuallyExpect(async () =>
      expect(await handle.query(invitationStateQuery)).toEqual({
        status: 'sent',
        resendsSent: 1,
        expiresAt: resend.expiresAt,
      }),
    );
    await handle.signal(invitationResendSignal, { seq: 1 }); // the late signal sends nothing more
    expect(await handle.result()).toBe('expired');
    expect(sendsOf(invitationId).map((s) => s.resendSeq)).toEqual([undefined, 1]);
    expect(expiredOf(invitationId)[0].at).toBeGreaterThanOrEqual(resend.expiresAt - SLACK_MS);
  },
);
