// Invitations under concurrent changes and failed sends, on the real stack: an invitation change while the
// contact is being deleted, a re-invite or address change while the client accepts, two resends at once, the
// validity kept through an address change, the accept page of a used link, a refused resend, a retried send.
import { createHash, randomUUID } from 'node:crypto';
import { useStackWithFirm, eventually, sleep, PORTAL_URL, type ApiResponse } from './support/stack';
import type { Db, Tx } from '../prisma/client';
import { accountWithContacts } from './support/fixtures';
import type { CapturedMail } from './support/smtp-capture';
import { untilWaitingForLocks, whileHeld } from './support/holds';
import { createInvitationDelivery } from '../domain/invitations/delivery';
import { planAccount, type AccountPlan } from '../domain/bulk/account-steps';
import type { BulkContext } from '../domain/bulk/context';

const ctx = useStackWithFirm({ daySeconds: 1 });

/** Long enough (in 1 s "days") for every test here to end before its link expires. */
const VALID_DAYS = 60;

/** The accept token from an invitation email (its MIME body is quoted-printable). */
function tokenOf(mail: CapturedMail): string {
  const body = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/gi, '=');
  const m = /invitations\/accept\?token=([A-Za-z0-9_-]{43})/.exec(body);
  if (!m) throw new Error(`no invitation link in ${mail.subject}`);
  return m[1];
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
const waitInvitations = (address: string, count = 1) =>
  ctx.stack.smtp.waitFor(
    (m) => m.to.includes(address) && /invites you to its client portal/.test(m.subject),
    count,
    20_000,
  );
const accept = (token: string) => ctx.stack.request('POST', '/v1/invitations/accept', { token });
const emailOf = (id: string) => ctx.stack.db.contactEmail.findUniqueOrThrow({ where: { id } });
const invitationOf = (id: string) => ctx.stack.db.invitation.findUniqueOrThrow({ where: { id } });
const acceptPage = (token: string) => fetch(`${ctx.stack.baseUrl}/portal/invitations/accept?token=${token}`);
const acceptForm = (token: string) =>
  fetch(`${ctx.stack.baseUrl}/portal/invitations/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
const resend = (emailId: string, idempotencyKey = randomUUID()) =>
  ctx.firm.call('POST', `/v1/contact-emails/${emailId}/invitation/resend`, undefined, { idempotencyKey });

/** Concurrent calls reach their audit entry (the accept) or a lock behind it before anything commits. */
const withAuditHeld = <T>(fn: () => Promise<T>) =>
  whileHeld(ctx.stack.db, (tx) => tx.$executeRawUnsafe('LOCK TABLE "AuditEvent" IN EXCLUSIVE MODE'), fn, 1500);

/** A contact with login off, invited now: its invitation and the first email's token. */
async function invited() {
  const acc = await accountWithContacts(ctx.firm, [{ login: 'off' }]);
  const c = { accountId: acc.accountId, ...acc.contacts[0] };
  const inv = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, { expiresInDays: VALID_DAYS });
  expect(inv.status).toBe(201);
  const [mail] = await waitInvitations(c.address);
  await eventually(
    async () =>
      (await ctx.stack.db.outboundEmail.findUnique({ where: { idempotencyKey: `invitation-${inv.body.id}:send` } }))
        ?.status === 'sent',
    5000,
    'invitation marked sent',
  );
  return { ...c, invitationId: inv.body.id as string, mail, token: tokenOf(mail) };
}
type Invited = Awaited<ReturnType<typeof invited>>;

/**
 * Deletes the contact as the API does (contacts.ts: its lock, the invitations' revoke, then the delete), with
 * `during` started once the revoke holds the invitation's row; the deletion must commit.
 */
async function deleteContactDuring<T>(c: Invited, during: () => Promise<T>): Promise<T> {
  let started!: Promise<T>;
  await ctx.stack.db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT 1 FROM "Contact" WHERE id = ${c.id}::uuid FOR NO KEY UPDATE`;
      await tx.invitation.updateMany({
        where: { contactEmailId: c.emailId, status: { in: ['scheduled', 'sent'] } },
        data: { status: 'revoked' },
      });
      started = during();
      await sleep(500); // the change waits on the contact's lock, or (before) took the email's and went on
      await tx.contact.delete({ where: { id: c.id } });
    },
    { timeout: 20_000 },
  );
  return started;
}

test('an invite, login change, re-invite or resend while the contact is being deleted waits for it: 404, no deadlock', async () => {
  const changes: [string, (c: Invited) => Promise<ApiResponse>][] = [
    ['invite', (c) => ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, {})],
    ['login off', (c) => ctx.firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, { login: 'off' })],
    [
      're-invite',
      (c) =>
        ctx.firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, {
          login: 'pending',
          invitation: { message: 'again' },
        }),
    ],
    ['resend', (c) => resend(c.emailId)],
  ];
  const answers = [];
  for (const [name, change] of changes) {
    const c = await invited();
    const res = await deleteContactDuring(c, () => change(c)).catch((err: Error) => ({
      status: 'deletion failed',
      body: { type: err.message.split('\n').at(-1) },
    }));
    const left = await ctx.stack.db.invitation.count({ where: { contactEmailId: c.emailId } });
    answers.push([name, res.status, res.body.type, left]);
  }
  // Deleted with the contact: its invitations too, none made meanwhile.
  expect(answers).toEqual(changes.map(([name]) => [name, 404, 'https://nudge.dev/problems/not-found', 0]));
});

test('a bulk login change of an account whose contact is being deleted waits for it and leaves it out', async () => {
  const c = await invited();
  const bulk: BulkContext = {
    bulkActionId: randomUUID(),
    firmId: ctx.firm.firmId,
    firmName: 'Firm',
    params: { kind: 'contact_toggles', login: 'disable' },
    dryRun: false,
    actor: { id: ctx.firm.ownerId, role: 'owner', canViewAllAccounts: true },
    folderPaths: [],
    chatTemplate: null,
    chatPolicy: null,
    daySeconds: ctx.stack.daySeconds,
  };
  // The step as the bulk runner runs it: in a transaction of its own, retried if it fails (a deadlock).
  const step = await deleteContactDuring(c, () =>
    ctx.stack.db
      .$transaction((tx: Tx) => planAccount(tx, bulk, c.accountId), { timeout: 20_000 })
      .catch((err: unknown) => err),
  );
  expect(step).toMatchObject<Partial<AccountPlan>>({ outcome: 'skipped', detail: expect.any(String) });
  expect(await ctx.stack.db.contactEmail.count({ where: { id: c.emailId } })).toBe(0);
});

test('a re-invite sent while the client accepts is refused 409; the login stays active', async () => {
  const c = await invited();
  const [accepted, reinvite] = await withAuditHeld(async () => {
    const acc = accept(c.token);
    await untilWaitingForLocks(ctx.stack.db, 1); // the accept holds the contact and the email, and waits on the audit table
    const patch = ctx.firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, {
      login: 'pending',
      invitation: { message: 'again' },
    });
    return Promise.all([acc, patch]);
  });
  expect(accepted.status).toBe(200);
  expect([reinvite.status, reinvite.body.type]).toEqual([409, 'https://nudge.dev/problems/login-already-active']);
  expect((await emailOf(c.emailId)).login).toBe('active');
  const rows = await ctx.stack.db.invitation.findMany({ where: { contactEmailId: c.emailId } });
  expect(rows.map((r) => r.status)).toEqual(['accepted']);
});

test('an address change sent while the client accepts changes the address and keeps the login active', async () => {
  const c = await invited();
  const newAddress = `moved-${c.emailId}@client.test`;
  const [accepted, moved] = await withAuditHeld(async () => {
    const acc = accept(c.token);
    await untilWaitingForLocks(ctx.stack.db, 1);
    const patch = ctx.firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, { address: newAddress });
    return Promise.all([acc, patch]);
  });
  expect(accepted.status).toBe(200);
  expect(moved.status).toBe(200);
  expect(moved.body).toMatchObject({ address: newAddress, login: 'active' });
  expect(moved.body.invitationId).toBeUndefined();
  expect(await emailOf(c.emailId)).toMatchObject({ address: newAddress, login: 'active' });
  const rows = await ctx.stack.db.invitation.findMany({ where: { contactEmailId: c.emailId } });
  expect(rows.map((r) => r.status)).toEqual(['accepted']);
  await sleep(1000);
  expect(ctx.stack.smtp.to(newAddress)).toHaveLength(0);
});

test('two resends at once get numbers 1 and 2, and both emails go', async () => {
  const c = await invited();
  const both = await withAuditHeld(() => Promise.all([resend(c.emailId), resend(c.emailId)]));
  expect(both.map((r) => r.status)).toEqual([202, 202]);
  expect(both.map((r) => r.body.resendSeq as number).sort()).toEqual([1, 2]);
  const mails = await waitInvitations(c.address, 3);
  expect(mails.map((m) => m.key).sort()).toEqual(
    [
      `invitation-${c.invitationId}:send`,
      `invitation-${c.invitationId}:resend:1`,
      `invitation-${c.invitationId}:resend:2`,
    ].sort(),
  );
});

test('changing the address after a resend gives the new address the validity the firm chose', async () => {
  const c = await invited();
  await sleep(2500); // the resend's link expires VALID_DAYS "days" after it, later than the first's
  expect((await resend(c.emailId)).status).toBe(202);
  await waitInvitations(c.address, 2);
  const newAddress = `moved-${c.emailId}@client.test`;
  const res = await ctx.firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, { address: newAddress });
  expect(res.status).toBe(200);
  const created = await ctx.stack.db.auditEvent.findFirstOrThrow({
    where: {
      contactId: c.id,
      action: 'invitation.created',
      data: { path: ['invitationId'], equals: res.body.invitationId },
    },
  });
  expect(created.data).toMatchObject({ expiresInDays: VALID_DAYS });
  const [mail] = await waitInvitations(newAddress);
  expect(mail.raw.replace(/=\r?\n/g, '')).toContain(`This link works once, for ${VALID_DAYS} days`);
});

test('the accept page of a used link: already active while the email has access, else the used link’s error', async () => {
  const expectUsed = async (token: string) => {
    for (const res of [await acceptPage(token), await acceptForm(token)]) {
      const html = await res.text();
      expect(res.status).toBe(409);
      expect(html).toContain('Invitation already accepted');
      expect(html).not.toContain('You already have access');
      expect(html).not.toContain('Your account is active');
    }
  };
  // Login turned off after the accept.
  const off = await invited();
  expect((await accept(off.token)).status).toBe(200);
  const active = await acceptPage(off.token);
  expect(active.status).toBe(200);
  expect(await active.text()).toContain('You already have access');
  expect((await ctx.firm.call('PATCH', `/v1/contact-emails/${off.emailId}`, { login: 'off' })).status).toBe(200);
  await expectUsed(off.token);

  // The address changed after the accept: the old address's link no longer speaks for the email.
  const moved = await invited();
  expect((await accept(moved.token)).status).toBe(200);
  const patch = await ctx.firm.call('PATCH', `/v1/contact-emails/${moved.emailId}`, {
    address: `moved-${moved.emailId}@client.test`,
  });
  expect(patch.body.login).toBe('active');
  await expectUsed(moved.token);
});

test('a resend the mail server refuses for good leaves the client’s earlier link working, with its expiry', async () => {
  const c = await invited();
  const before = await invitationOf(c.invitationId);
  const send = ctx.stack.mailer.send.bind(ctx.stack.mailer);
  ctx.stack.mailer.send = async (m) => {
    if (m.to === c.address)
      throw Object.assign(new Error('550 5.1.1 mailbox unavailable'), {
        command: 'RCPT TO',
        responseCode: 550,
        response: '550 5.1.1 mailbox unavailable',
      });
    return send(m);
  };
  try {
    expect((await resend(c.emailId)).status).toBe(202);
    await eventually(
      async () =>
        (
          await ctx.stack.db.outboundEmail.findUnique({
            where: { idempotencyKey: `invitation-${c.invitationId}:resend:1` },
          })
        )?.status === 'failed',
      10_000,
      'the resend refused',
    );
    await eventually(
      async () => (await invitationOf(c.invitationId)).tokenHash === hashOf(c.token),
      5000,
      'the earlier link back',
    );
  } finally {
    ctx.stack.mailer.send = send;
  }
  const after = await invitationOf(c.invitationId);
  expect(after).toMatchObject({ status: 'sent', expiresAt: before.expiresAt });
  const trail = await ctx.stack.db.auditEvent.findMany({
    where: { contactId: c.id, action: { startsWith: 'invitation.resen' } },
    orderBy: { id: 'asc' },
  });
  expect(trail.map((t) => t.action)).toEqual([
    'invitation.resend_requested',
    'invitation.resent',
    'invitation.resend_failed',
  ]);
  expect(trail[2].data).toMatchObject({
    emailKey: `invitation-${c.invitationId}:resend:1`,
    expiresAt: before.expiresAt.toISOString(),
  });

  const ok = await accept(c.token);
  expect(ok.status).toBe(200);
  expect(await ctx.stack.client.workflow.getHandle(`invitation-${c.invitationId}`).result()).toBe('accepted');
});

test('a send retried after its link was issued writes one timeline entry, and keeps that link’s expiry', async () => {
  const acc = await accountWithContacts(ctx.firm, [{ login: 'off' }]);
  const c = acc.contacts[0];
  // Scheduled for later, so its workflow sends nothing during the test: the attempts are made here.
  const sendAt = new Date(Date.now() + 3_600_000).toISOString();
  const inv = await ctx.firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, { sendAt });
  expect(inv.status).toBe(201);
  const req = { invitationId: inv.body.id as string, expiryDays: 14, daySeconds: ctx.stack.daySeconds };
  const delivery = (db: Db) => createInvitationDelivery({ db, mailer: ctx.stack.mailer, portalUrl: PORTAL_URL });

  // The first attempt issues the link, then its read of the firm fails (a connection reset).
  await expect(delivery(failingFirmReadOnce(ctx.stack.db)).sendInvitation(req)).rejects.toThrow('connection reset');
  const issued = await invitationOf(req.invitationId);
  expect(issued.status).toBe('sent');
  await sleep(1100);
  const retried = await delivery(ctx.stack.db).sendInvitation(req);
  const entries = await ctx.stack.db.auditEvent.findMany({
    where: { contactId: c.id, action: 'invitation.sent' },
  });
  expect(entries).toHaveLength(1);
  expect(entries[0].data).toMatchObject({ expiresAt: issued.expiresAt.toISOString() });
  expect(retried).toEqual({ status: 'sent', expiresAt: issued.expiresAt.getTime() });
  expect((await invitationOf(req.invitationId)).expiresAt).toEqual(issued.expiresAt);
  const [mail] = await waitInvitations(c.address);
  expect((await accept(tokenOf(mail))).status).toBe(200);
});

/** The database, but its first `firm.findUniqueOrThrow` fails as a dropped connection would. */
function failingFirmReadOnce(db: Db): Db {
  let failed = false;
  const firm = new Proxy(db.firm, {
    get(target, prop) {
      if (prop === 'findUniqueOrThrow' && !failed)
        return () => {
          failed = true;
          return Promise.reject(new Error('connection reset'));
        };
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'firm') return firm;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
