// Portal invitations on the real stack: invite now or later, resend, accept once, expiry, address change
// and login off; the token never reaches Temporal's history and is stored only as a hash.
import { createHash } from 'node:crypto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { useStackWithFirm, eventually, sleep, PORTAL_URL, type ApiResponse } from './support/stack';
import type { Tx } from '../prisma/client';
import { accountWithContacts } from './support/fixtures';
import type { CapturedMail } from './support/smtp-capture';
import { header } from './support/mail-text';
import { unsubscribeToken } from '../domain/email/unsubscribe';
import type { Mailer } from '../domain/email/mailer';
import { CLAIM_LEASE_MS } from '../domain/email/outbound-email';
import { createInvitationDelivery } from '../domain/invitations/delivery';
import { acceptInvitation, resendInvitation, type InvitationWorkflows } from '../domain/invitations/invitations';
import { recordHistory } from './support/histories';

const ctx = useStackWithFirm({ daySeconds: 1 });

/** The accept token from an invitation email (its MIME body is quoted-printable). */
function tokenOf(mail: CapturedMail): string {
  const body = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/gi, '=');
  const m = /invitations\/accept\?token=([A-Za-z0-9_-]{43})/.exec(body);
  if (!m) throw new Error(`no invitation link in ${mail.subject}`);
  return m[1];
}

const invitationMails = (address: string) =>
  ctx.stack.smtp.to(address).filter((m) => /invites you to its client portal/.test(m.subject));
const waitInvitations = (address: string, count = 1, timeoutMs = 20_000) =>
  ctx.stack.smtp.waitFor(
    (m) => m.to.includes(address) && /invites you to its client portal/.test(m.subject),
    count,
    timeoutMs,
  );
const accept = (token: unknown) => ctx.stack.request('POST', '/v1/invitations/accept', { token });
const emailOf = async (id: string) => ctx.stack.db.contactEmail.findUniqueOrThrow({ where: { id } });

type Invited = Awaited<ReturnType<typeof offContact>>;

const revokeOpen = (tx: Tx, emailId: string) =>
  tx.invitation.updateMany({
    where: { contactEmailId: emailId, status: { in: ['scheduled', 'sent'] } },
    data: { status: 'revoked' },
  });

async function offContact() {
  const acc = await accountWithContacts(ctx.firm, [{ login: 'off' }]);
  return { accountId: acc.accountId, ...acc.contacts[0] };
}

async function workflowResult(invitationId: string) {
  return ctx.stack.client.workflow.getHandle(`invitation-${invitationId}`).result();
}

test('turning login on invites now; accepting makes the login active once', async () => {
  const c = await offContact();
  const res = await ctx.firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, {
    login: 'pending',
    invitation: { message: 'Welcome aboard!' },
  });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ login: 'pending', invitationId: expect.any(String) });
  const invitationId = res.body.invitationId as string;

  const [mail] = await waitInvitations(c.address);
  expect(mail.key).toBe(`invitation-${invitationId}:send`);
  expect(mail.raw).toContain('Welcome aboard!');
  const token = tokenOf(mail);

  // Only the hash is stored; the email went through the outbound log; the trail has the contact's timeline.
  const inv = await ctx.stack.db.invitation.findUniqueOrThrow({ where: { id: invitationId } });
  expect(inv.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
  expect(inv.status).toBe('sent');
  // The SMTP server has the mail a moment before the log row is marked sent.
  const outbound = await eventually(
    async () => {
      const row = await ctx.stack.db.outboundEmail.findUniqueOrThrow({
        where: { idempotencyKey: `invitation-${invitationId}:send` },
      });
      return row.status === 'sent' && row;
    },
    5000,
    'email marked sent',
  );
  expect(outbound).toMatchObject({ status: 'sent', category: 'invitation', contactEmailId: c.emailId });
  const trail = await ctx.stack.db.auditEvent.findMany({ where: { contactId: c.id }, select: { action: true } });
  expect(trail.map((t) => t.action)).toEqual(
    expect.arrayContaining(['invitation.created', 'invitation.sent', 'contact_email.updated']),
  );

  // The workflow is findable by firm and account; its history holds neither the token nor the address.
  const handle = ctx.stack.client.workflow.getHandle(`invitation-${invitationId}`);
  const desc = await handle.describe();
  expect(desc.searchAttributes.NudgeFirmId).toEqual([ctx.firm.firmId]);
  expect(desc.searchAttributes.NudgeAccountId).toEqual([c.accountId]);
  const history = historyToJSON(await handle.fetchHistory());
  const decoded = history.replace(/"data":\s*"([A-Za-z0-9+/=]+)"/g, (_m, b64) =>
    Buffer.from(b64, 'base64').toString('utf8'),
  );
  expect(decoded).toContain('"expiryDays"'); // payloads really were decoded
  expect(decoded).not.toContain(token);
  expect(decoded).not.toContain(c.address);

  // Public: no API key needed.
  const ok = await accept(token);
  expect(ok.status).toBe(200);
  expect(ok.body).toMatchObject({
    contactId: c.id,
    contactEmailId: c.emailId,
    login: 'active',
    accounts: [{ id: c.accountId }],
  });
  expect((await emailOf(c.emailId)).login).toBe('active');
  expect(await ctx.stack.db.loginEvent.count({ where: { contactEmailId: c.emailId, accountId: c.accountId } })).toBe(1);
  expect(await workflowResult(invitationId)).toBe('accepted');

  const again = await accept(token);
  expect(again.status).toBe(409);
  expect(again.body.type).toBe('https://nudge.dev/problems/invitation-already-accepted');
  expect(await ctx.stack.db.loginEvent.count({ where: { contactEmailId: c.emailId } })).toBe(1);
});

test('an invitation scheduled for later is sent at sendAt, with its message', async () => {
  const c = await offContact();
  const sendAt = new Date(Date.now() + 3000);
  const res = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, {
    sendAt: sendAt.toISOString(),
    message: 'See you in the portal',
  });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ status: 'scheduled', sendAt: sendAt.toISOString() });
  expect((await emailOf(c.emailId)).login).toBe('pending');
  // Not before sendAt (told by its arrival time, not by a look at a moment a slow POST may have passed).
  const [mail] = await waitInvitations(c.address);
  expect(mail.receivedAt).toBeGreaterThanOrEqual(sendAt.getTime() - 50);
  expect(mail.raw).toContain('See you in the portal');
  const list = await ctx.firm.call('GET', `/v1/contact-emails/${c.emailId}/invitations`);
  expect(list.body.items).toMatchObject([{ id: res.body.id, status: 'sent' }]);
});

test('a resend once the link ran out (its workflow ending it): 409 invitation-expired, nothing sent or written', async () => {
  const c = await offContact();
  const inv = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, {});
  await waitInvitations(c.address);
  await eventually(
    async () => (await ctx.stack.db.invitation.findUniqueOrThrow({ where: { id: inv.body.id } })).status === 'sent',
    5000,
    'invitation sent',
  );
  // The moment between the link's expiry and the workflow's expire activity.
  await ctx.stack.db.invitation.update({
    where: { id: inv.body.id },
    data: { expiresAt: new Date(Date.now() - 1000) },
  });
  const audits = () => ctx.stack.db.auditEvent.count({ where: { contactId: c.id } });
  const before = await audits();
  const res = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation/resend`);
  expect(res.status).toBe(409);
  expect(res.body.type).toBe('https://nudge.dev/problems/invitation-expired');
  expect(await audits()).toBe(before);
  expect(invitationMails(c.address)).toHaveLength(1);
});

test('a resend sends a fresh link and the previous link stops working', async () => {
  const c = await offContact();
  const inv = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, {});
  const [first] = await waitInvitations(c.address);
  const r1 = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation/resend`, undefined, {
    idempotencyKey: `resend-${inv.body.id}`,
  });
  expect(r1.status).toBe(202);
  expect(r1.body.resendSeq).toBe(1);
  // A retried call (same Idempotency-Key) sends nothing more.
  const replay = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation/resend`, undefined, {
    idempotencyKey: `resend-${inv.body.id}`,
  });
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  const mails = await waitInvitations(c.address, 2);
  expect(mails[1].key).toBe(`invitation-${inv.body.id}:resend:1`);
  expect(mails[1].subject).toMatch(/\(new link\)$/);
  await sleep(500);
  expect(invitationMails(c.address)).toHaveLength(2);

  const stale = await accept(tokenOf(first));
  expect(stale.status).toBe(404);
  const ok = await accept(tokenOf(mails[1]));
  expect(ok.status).toBe(200);
  expect(await workflowResult(inv.body.id)).toBe('accepted');
  await recordHistory(ctx.stack.client, 'invitation-resent-accepted', `invitation-${inv.body.id}`);
});

describe('an address that no longer receives emails of category `all` gets no invitation', () => {
  /** What a refused resend must not write: the request on the contact's timeline (its outbox row, the
   * workflow's resend signal, goes in the same transaction), the email, a change to the invitation. */
  const writes = async (c: { id: string; invitationId: string }) => ({
    audits: await ctx.stack.db.auditEvent.count({ where: { contactId: c.id } }),
    emails: await ctx.stack.db.outboundEmail.count({
      where: { idempotencyKey: { startsWith: `invitation-${c.invitationId}` } },
    }),
    invitation: await ctx.stack.db.invitation.findUniqueOrThrow({ where: { id: c.invitationId } }),
  });

  async function invited() {
    const c = await offContact();
    const inv = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, {});
    expect(inv.status).toBe(201);
    const [mail] = await waitInvitations(c.address);
    await eventually(
      async () =>
        (await ctx.stack.db.outboundEmail.findUnique({ where: { idempotencyKey: `invitation-${inv.body.id}:send` } }))
          ?.status === 'sent',
      5000,
      'invitation marked sent',
    );
    return { ...c, invitationId: inv.body.id as string, mail };
  }

  async function refusedResend(c: Awaited<ReturnType<typeof invited>>, detail: RegExp) {
    const before = await writes(c);
    const res = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation/resend`);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: 'https://nudge.dev/problems/recipient-not-receiving',
      title: 'The address receives no invitations',
      detail: expect.stringMatching(detail),
    });
    await sleep(500);
    expect(await writes(c)).toEqual(before);
    expect(invitationMails(c.address)).toHaveLength(1);
  }

  test('a staff resend after the client unsubscribed from the invitation’s own link: 409, nothing sent or written', async () => {
    const c = await invited();
    const link = /^<(.+)>$/.exec(header(c.mail, 'List-Unsubscribe') ?? '')![1];
    const clicked = await ctx.stack.request(
      'POST',
      `/unsubscribe${new URL(link).search}`,
      'List-Unsubscribe=One-Click',
      { 'content-type': 'application/x-www-form-urlencoded' },
    );
    expect(clicked.status).toBe(200);
    expect((await emailOf(c.emailId)).notify).toBe(false);
    await refusedResend(c, /unsubscribed this address from all emails on \d{4}-.*one-click/);
  });

  test('a staff resend to an address that bounces: 409; notifications switched off by the firm do not hold it', async () => {
    const c = await invited();
    expect((await ctx.firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, { notify: false })).status).toBe(200);
    expect((await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation/resend`)).status).toBe(202);
    await eventually(async () => invitationMails(c.address).length === 2, 10_000, 'the resend');

    const d = await invited();
    await ctx.stack.db.contactEmail.update({
      where: { id: d.emailId },
      data: { bouncedAt: new Date(), bounceReason: '550 mailbox unavailable' },
    });
    await refusedResend(d, /refused an email to this address for good/);
  });

  test('a scheduled invitation whose address opted out meanwhile is not sent: it ends revoked, with the reason', async () => {
    const c = await offContact();
    // Room on a loaded machine for the click to land before the send time, when the exclusion is read.
    const inv = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, {
      sendAt: new Date(Date.now() + 4000).toISOString(),
    });
    expect(inv.status).toBe(201);
    // The client unsubscribed from all emails with an earlier email's link.
    const claims = { firmId: ctx.firm.firmId, contactEmailId: c.emailId, address: c.address, category: 'all' as const };
    const token = unsubscribeToken({}, claims);
    const clicked = await ctx.stack.request('POST', `/unsubscribe?token=${token}`, 'List-Unsubscribe=One-Click', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(clicked.status).toBe(200);
    expect(await workflowResult(inv.body.id)).toBe('revoked');
    expect(invitationMails(c.address)).toHaveLength(0);
    expect(
      await ctx.stack.db.outboundEmail.count({
        where: { idempotencyKey: { startsWith: `invitation-${inv.body.id}` } },
      }),
    ).toBe(0);
    expect((await ctx.stack.db.invitation.findUniqueOrThrow({ where: { id: inv.body.id } })).status).toBe('revoked');
    const skipped = await ctx.stack.db.auditEvent.findMany({
      where: { contactId: c.id, action: 'invitation.skipped' },
    });
    expect(skipped).toEqual([
      expect.objectContaining({
        actorType: 'system',
        accountId: c.accountId,
        data: expect.objectContaining({ invitationId: inv.body.id, contactEmailId: c.emailId, reason: 'unsubscribed' }),
      }),
    ]);
  });
});

test('an expired link is refused and the invitation ends expired', async () => {
  const c = await offContact();
  const inv = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, { expiresInDays: 1 }); // 1 "day" = 1 s here
  const [mail] = await waitInvitations(c.address);
  expect(await workflowResult(inv.body.id)).toBe('expired');
  expect((await ctx.stack.db.invitation.findUniqueOrThrow({ where: { id: inv.body.id } })).status).toBe('expired');
  const res = await accept(tokenOf(mail));
  expect(res.status).toBe(410);
  expect(res.body.type).toBe('https://nudge.dev/problems/invitation-expired');
  expect((await emailOf(c.emailId)).login).toBe('pending');
  await recordHistory(ctx.stack.client, 'invitation-expired', `invitation-${inv.body.id}`);
});

/** The API's invitation calls with their signals lost on the way (as if the relay had not delivered them yet). */
const signalsLate = {
  daySeconds: 1,
  record: async () => undefined,
  apply: async () => undefined,
} as unknown as InvitationWorkflows;

test('an accept whose signal is late when the link runs out: the workflow ends "accepted", nothing expired', async () => {
  const c = await offContact();
  const inv = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, { expiresInDays: 4 });
  const [mail] = await waitInvitations(c.address);
  await acceptInvitation(ctx.stack.db, signalsLate, tokenOf(mail));
  expect(await workflowResult(inv.body.id)).toBe('accepted');
  expect((await ctx.stack.db.invitation.findUniqueOrThrow({ where: { id: inv.body.id } })).status).toBe('accepted');
  const trail = await ctx.stack.db.auditEvent.findMany({ where: { contactId: c.id }, select: { action: true } });
  expect(trail.map((t) => t.action)).not.toContain('invitation.expired');
  expect((await emailOf(c.emailId)).login).toBe('active');
});

test('a resend taken before the link ran out whose signal is late: sent at the expiry, with a fresh link', async () => {
  const c = await offContact();
  const inv = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, { expiresInDays: 4 });
  await waitInvitations(c.address);
  const owner = { id: ctx.firm.ownerId, role: 'owner' as const, canViewAllAccounts: true };
  const taken = await resendInvitation(ctx.stack.db, signalsLate, ctx.firm.firmId, owner, c.emailId);
  expect(taken.resendSeq).toBe(1);
  const mails = await waitInvitations(c.address, 2, 20_000);
  expect(mails[1].key).toBe(`invitation-${inv.body.id}:resend:1`);
  const row = await ctx.stack.db.invitation.findUniqueOrThrow({ where: { id: inv.body.id } });
  expect(row.status).toBe('sent');
  expect(row.expiresAt.getTime()).toBeGreaterThan(Date.now());
  const ok = await accept(tokenOf(mails[1]));
  expect(ok.status).toBe(200);
  expect(await workflowResult(inv.body.id)).toBe('accepted');
  expect(invitationMails(c.address)).toHaveLength(2);
  await recordHistory(ctx.stack.client, 'invitation-resend-late-at-expiry', `invitation-${inv.body.id}`);
});

test('a first send refused for good ends the invitation expired, in the database too', async () => {
  const c = await offContact();
  const send = ctx.stack.mailer.send.bind(ctx.stack.mailer);
  ctx.stack.mailer.send = async (m) => {
    if (m.to === c.address) throw Object.assign(new Error('550 5.1.1 mailbox unavailable'), { responseCode: 550 });
    return send(m);
  };
  try {
    const inv = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, {});
    expect(await workflowResult(inv.body.id)).toBe('expired');
    // The send had marked the row sent with an expiry; left so, it would count as open forever.
    expect((await ctx.stack.db.invitation.findUniqueOrThrow({ where: { id: inv.body.id } })).status).toBe('expired');
    const trail = await ctx.stack.db.auditEvent.findMany({ where: { contactId: c.id }, select: { action: true } });
    expect(trail.map((t) => t.action)).toContain('invitation.expired');
    await recordHistory(ctx.stack.client, 'invitation-first-send-refused', `invitation-${inv.body.id}`);
  } finally {
    ctx.stack.mailer.send = send;
  }
});

test('an attempt that died after the mail server accepted: the retry’s copy has the same link, which works', async () => {
  const c = await offContact();
  // Scheduled for later, so its workflow sends nothing during the test: the attempts are made here.
  const sendAt = new Date(Date.now() + 3_600_000).toISOString();
  const inv = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, { sendAt });
  const req = { invitationId: inv.body.id as string, expiryDays: 14, daySeconds: ctx.stack.daySeconds };
  const key = `invitation-${req.invitationId}:send`;
  const delivery = (mailer: Mailer) => createInvitationDelivery({ db: ctx.stack.db, mailer, portalUrl: PORTAL_URL });

  // The first attempt's email is accepted, then its worker dies before the "sent" mark.
  const dying: Mailer = {
    ...ctx.stack.mailer,
    send: async (m) => {
      await ctx.stack.mailer.send(m);
      return new Promise<never>(() => undefined);
    },
  };
  void delivery(dying).sendInvitation(req);
  const [first] = await waitInvitations(c.address);
  const row = await ctx.stack.db.outboundEmail.findUniqueOrThrow({ where: { idempotencyKey: key } });
  expect(row.status).toBe('sending');
  // Its activity timed out, the claim's lease ran out: the retry sends a copy (the first may not have gone).
  await ctx.stack.db.outboundEmail.update({
    where: { idempotencyKey: key },
    data: { claimedAt: new Date(Date.now() - CLAIM_LEASE_MS - 1_000) },
  });
  expect(await delivery(ctx.stack.mailer).sendInvitation(req)).toMatchObject({ status: 'sent' });
  const mails = await waitInvitations(c.address, 2);
  expect(mails.map((m) => m.key)).toEqual([key, key]);
  expect(tokenOf(mails[1])).toBe(tokenOf(first));
  // The link in the copy the client already has still works.
  const ok = await accept(tokenOf(first));
  expect(ok.status).toBe(200);
  expect(ok.body).toMatchObject({ contactEmailId: c.emailId, login: 'active' });
});

test('a portal address given with a trailing slash still makes a working accept link', async () => {
  const c = await offContact();
  // Scheduled for later, so its workflow sends nothing during the test: the send is made here.
  const sendAt = new Date(Date.now() + 3_600_000).toISOString();
  const inv = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, { sendAt });
  const delivery = createInvitationDelivery({
    db: ctx.stack.db,
    mailer: ctx.stack.mailer,
    portalUrl: `${PORTAL_URL}/`,
  });
  const req = { invitationId: inv.body.id as string, expiryDays: 14, daySeconds: ctx.stack.daySeconds };
  expect(await delivery.sendInvitation(req)).toMatchObject({ status: 'sent' });
  const [mail] = await waitInvitations(c.address);
  const body = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/gi, '=');
  expect(body).toContain(`${PORTAL_URL}/invitations/accept?token=${tokenOf(mail)}`);
  expect(body).not.toContain('//invitations');
  // The link on the built-in pages opens the invitation.
  const page = await fetch(`${ctx.stack.baseUrl}/portal/invitations/accept?token=${tokenOf(mail)}`);
  expect(page.status).toBe(200);
});

test('changing a pending email’s address kills the old link and invites the new address', async () => {
  const c = await offContact();
  const inv = await ctx.firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, {
    login: 'pending',
    invitation: { message: 'Hi there' },
  });
  const [old] = await waitInvitations(c.address);
  const newAddress = `moved-${c.emailId}@client.test`;
  const res = await ctx.firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, { address: newAddress.toUpperCase() });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ address: newAddress, login: 'pending', invitationId: expect.any(String) });
  expect(res.body.invitationId).not.toBe(inv.body.invitationId);
  expect(await workflowResult(inv.body.invitationId)).toBe('revoked');

  const [fresh] = await waitInvitations(newAddress);
  expect(fresh.raw).toContain('Hi there');
  const dead = await accept(tokenOf(old));
  expect(dead.status).toBe(410);
  expect(dead.body.type).toBe('https://nudge.dev/problems/invitation-revoked');
  expect((await accept(tokenOf(fresh))).status).toBe(200);
  expect((await emailOf(c.emailId)).login).toBe('active');
});

test('changing the address of a scheduled invitation keeps its time and validity for the new address', async () => {
  const c = await offContact();
  const sendAt = new Date(Date.now() + 3_600_000);
  const inv = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, {
    sendAt: sendAt.toISOString(),
    expiresInDays: 3,
  });
  expect(inv.status).toBe(201);
  const newAddress = `moved-${c.emailId}@client.test`;
  const res = await ctx.firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, { address: newAddress });
  expect(res.status).toBe(200);
  const replacement = await ctx.stack.db.invitation.findUniqueOrThrow({ where: { id: res.body.invitationId } });
  expect(replacement).toMatchObject({ status: 'scheduled', address: newAddress, sendAt });
  expect(replacement.expiresAt.getTime() - replacement.sendAt.getTime()).toBe(3 * ctx.stack.daySeconds * 1000);
  expect(await workflowResult(inv.body.id)).toBe('revoked');
  await sleep(1500);
  expect(invitationMails(newAddress)).toHaveLength(0);
});

test('turning login off revokes access and pending invitations, and keeps the email', async () => {
  const c = await offContact();
  const inv = await ctx.firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, { login: 'pending' });
  const [mail] = await waitInvitations(c.address);
  const off = await ctx.firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, { login: 'off' });
  expect(off.status).toBe(200);
  expect(off.body).toMatchObject({ id: c.emailId, login: 'off', notify: true, address: c.address });
  expect(await workflowResult(inv.body.invitationId)).toBe('revoked');
  expect((await accept(tokenOf(mail))).status).toBe(410);
  expect((await emailOf(c.emailId)).login).toBe('off');

  // An active login turned off loses access too, and may be invited again afterwards.
  const again = await ctx.firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, { login: 'pending' });
  const [second] = await waitInvitations(c.address, 2).then((m) => m.slice(1));
  expect((await accept(tokenOf(second))).status).toBe(200);
  expect(await workflowResult(again.body.invitationId)).toBe('accepted');
  expect((await ctx.firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, { login: 'off' })).body.login).toBe('off');
});

test('an accept while the firm turns login off or deletes the contact waits for it: refused, no deadlock', async () => {
  // Each change as the API makes it (contacts.ts): its first lock, then, once the accept is under way, the
  // invitation's revoke and the rest.
  const changes = [
    {
      status: 410,
      first: (tx: Tx, c: Invited) => tx.contactEmail.update({ where: { id: c.emailId }, data: { login: 'off' } }),
      rest: (tx: Tx, c: Invited) => revokeOpen(tx, c.emailId),
    },
    {
      status: 404,
      first: (tx: Tx, c: Invited) => tx.$executeRaw`SELECT 1 FROM "Contact" WHERE id = ${c.id}::uuid FOR NO KEY UPDATE`,
      rest: async (tx: Tx, c: Invited) => {
        await revokeOpen(tx, c.emailId);
        await tx.contact.delete({ where: { id: c.id } });
      },
    },
  ];
  for (const change of changes) {
    const c = await offContact();
    await ctx.firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, { login: 'pending' });
    const token = tokenOf((await waitInvitations(c.address))[0]);
    let accepted!: Promise<ApiResponse>;
    await ctx.stack.db.$transaction(
      async (tx) => {
        await change.first(tx, c);
        accepted = accept(token);
        await sleep(500); // the accept waits on the lock taken first
        await change.rest(tx, c);
      },
      { timeout: 20_000 },
    );
    expect((await accepted).status).toBe(change.status);
    expect(await ctx.stack.db.loginEvent.count({ where: { contactEmailId: c.emailId } })).toBe(0);
  }
});

test('an invitation scheduled for later and revoked before then sends nothing', async () => {
  const c = await offContact();
  // Room on a loaded machine for the resend and the revocation to land before the send time.
  const sendAt = Date.now() + 4000;
  const inv = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, {
    sendAt: new Date(sendAt).toISOString(),
  });
  expect((await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation/resend`)).status).toBe(409); // not sent yet
  await ctx.firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, { login: 'off' });
  expect(await workflowResult(inv.body.id)).toBe('revoked');
  // Past the send time: nothing went then either.
  await sleep(Math.max(0, sendAt + 500 - Date.now()));
  expect(invitationMails(c.address)).toHaveLength(0);
  expect(
    await ctx.stack.db.outboundEmail.count({ where: { idempotencyKey: { startsWith: `invitation-${inv.body.id}` } } }),
  ).toBe(0);
});

test('inviting again replaces the pending invitation; an Idempotency-Key retry creates nothing', async () => {
  const c = await offContact();
  const key = `invite-${c.emailId}`;
  const a = await ctx.firm.call(
    'POST',
    `/v1/contact-emails/${c.emailId}/invitation`,
    { sendAt: new Date(Date.now() + 60_000).toISOString() },
    { idempotencyKey: key },
  );
  const replay = await ctx.firm.call(
    'POST',
    `/v1/contact-emails/${c.emailId}/invitation`,
    { sendAt: new Date(Date.now() + 60_000).toISOString() },
    { idempotencyKey: key },
  );
  expect(replay.status).toBe(422); // same key, different body (a different sendAt)
  const same = await ctx.firm.call(
    'POST',
    `/v1/contact-emails/${c.emailId}/invitation`,
    {},
    { idempotencyKey: `${key}-2` },
  );
  expect(same.status).toBe(201);
  expect(await workflowResult(a.body.id)).toBe('revoked');
  await waitInvitations(c.address);
  const rows = await ctx.stack.db.invitation.findMany({
    where: { contactEmailId: c.emailId },
    orderBy: { createdAt: 'asc' },
  });
  expect(rows.map((r) => r.status)).toEqual(['revoked', 'sent']);
  const retry = await ctx.firm.call(
    'POST',
    `/v1/contact-emails/${c.emailId}/invitation`,
    {},
    { idempotencyKey: `${key}-2` },
  );
  expect(retry.headers.get('idempotent-replayed')).toBe('true');
  expect(await ctx.stack.db.invitation.count({ where: { contactEmailId: c.emailId } })).toBe(2);
});

test('the accept call refuses bad tokens without writing', async () => {
  const before = await ctx.stack.db.loginEvent.count();
  const cases: [unknown, number, string][] = [
    [undefined, 422, 'validation-error'],
    [42, 422, 'validation-error'],
    ['short', 422, 'validation-error'],
    ['x'.repeat(43), 404, 'invitation-invalid'],
  ];
  for (const [token, status, type] of cases) {
    const res =
      token === undefined ? await ctx.stack.request('POST', '/v1/invitations/accept', {}) : await accept(token);
    expect([token, res.status, res.body.type]).toEqual([token, status, `https://nudge.dev/problems/${type}`]);
  }
  const extra = await ctx.stack.request('POST', '/v1/invitations/accept', { token: 'x'.repeat(43), admin: true });
  expect(extra.status).toBe(422);
  expect(await ctx.stack.db.loginEvent.count()).toBe(before);
  // The route is documented as public.
  const openapi = await ctx.stack.request('GET', '/openapi.json');
  expect(openapi.body.paths['/v1/invitations/accept'].post.security).toEqual([]);
});

test('a contact created (or an email added) with login "pending" is invited at once, with its message', async () => {
  const acc = await accountWithContacts(ctx.firm, [{ login: 'off' }]);
  const address = `new-${Date.now()}@client.test`;
  const created = await ctx.firm.call('POST', '/v1/contacts', {
    firstName: 'Nina',
    emails: [{ address, login: 'pending', invitation: { message: 'Your portal is ready' } }],
    accounts: [{ accountId: acc.accountId }],
  });
  expect(created.status).toBe(201);
  expect(created.body.emails[0]).toMatchObject({ address, login: 'pending' });
  const [mail] = await waitInvitations(address);
  expect(mail.raw).toContain('Your portal is ready');
  const invitation = await ctx.stack.db.invitation.findFirstOrThrow({
    where: { contactEmailId: created.body.emails[0].id },
  });
  expect(invitation.status).toBe('sent');
  // The invitation lands on the account's timeline: the link exists before the invitation is made.
  expect(
    await ctx.stack.db.auditEvent.count({
      where: { action: 'invitation.created', accountId: acc.accountId, contactId: created.body.id },
    }),
  ).toBe(1);

  const second = `second-${Date.now()}@client.test`;
  const added = await ctx.firm.call('POST', `/v1/contacts/${created.body.id}/emails`, {
    address: second,
    login: 'pending',
  });
  expect(added).toMatchObject({ status: 201, body: { login: 'pending' } });
  await waitInvitations(second);

  const refused = await ctx.firm.call('POST', `/v1/contacts/${created.body.id}/emails`, {
    address: `x-${Date.now()}@client.test`,
    invitation: { message: 'hi' },
  });
  expect(refused.status).toBe(422);
});
