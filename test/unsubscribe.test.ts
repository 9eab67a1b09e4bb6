// One-click unsubscribe (RFC 8058) on the real stack: the headers on every email to a client, the
// confirmation page, the one-click POST (preference off, audit entry, explainer `unsubscribed`, no further
// reminders of the category to that address), and every way a token must not work.
import { useStackWithFirm, eventually, PORTAL_URL } from './support/stack';
import { accountWithContacts } from './support/fixtures';
import { holdInTransaction } from './support/holds';
import { header, subjectOf, textOf } from './support/mail-text';
import type { CapturedMail } from './support/smtp-capture';
import { DEV_UNSUBSCRIBE_SECRET, signToken, unsubscribeToken } from '../domain/email/unsubscribe';
import { createDigestSender } from '../domain/digest/send';

const ctx = useStackWithFirm({ daySeconds: 1 });

/** The token of an email's List-Unsubscribe header (the stack uses the default unsubscribe URL). */
function tokenOf(mail: CapturedMail): string {
  const m = /^<http:\/\/localhost:3000\/unsubscribe\?token=([\w.-]+)>$/.exec(header(mail, 'List-Unsubscribe') ?? '');
  if (!m) throw new Error(`no List-Unsubscribe in ${mail.subject}`);
  return m[1];
}

const oneClick = (token: string, body = 'List-Unsubscribe=One-Click', type = 'application/x-www-form-urlencoded') =>
  ctx.stack.request('POST', `/unsubscribe?token=${encodeURIComponent(token)}`, body, { 'content-type': type });

/** What an unsubscribe writes, for "nothing written" checks. */
async function written(emailId: string) {
  const e = await ctx.stack.db.contactEmail.findUniqueOrThrow({ where: { id: emailId } });
  return {
    prefs: [e.notify, e.prefMessages, e.prefSignatures, e.prefApprovals],
    unsubscribes: await ctx.stack.db.emailUnsubscribe.count({ where: { firmId: ctx.firm.firmId } }),
    audits: await ctx.stack.db.auditEvent.count({
      where: { firmId: ctx.firm.firmId, action: 'contact_email.unsubscribed' },
    }),
  };
}

async function notified(reminders = { enabled: false, intervalDays: 1, count: 1 }, contacts = 1) {
  const acc = await accountWithContacts(
    ctx.firm,
    Array.from({ length: contacts }, () => ({})),
  );
  const t = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Receipts',
    message: { body: 'Please upload your receipts' },
    reminders,
  });
  expect(t.status).toBe(201);
  const [mail] = await ctx.stack.smtp.waitFor(
    (m) => m.to.includes(acc.contacts[0].address) && /sent you a message/.test(m.subject),
    1,
    20_000,
  );
  return { ...acc, threadId: t.body.id as string, mail, contact: acc.contacts[0] };
}

test('every email to a client carries List-Unsubscribe and List-Unsubscribe-Post', async () => {
  const n = await notified();
  expect(header(n.mail, 'List-Unsubscribe')).toMatch(/^<http:\/\/localhost:3000\/unsubscribe\?token=[\w-]+\.[\w-]+>$/);
  expect(header(n.mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');

  const pending = await accountWithContacts(ctx.firm, [{ login: 'pending' }]);
  const [invitation] = await ctx.stack.smtp.waitFor(
    (m) => m.to.includes(pending.contacts[0].address) && /invites you/.test(subjectOf(m)),
    1,
    20_000,
  );
  expect(header(invitation, 'List-Unsubscribe')).toMatch(/unsubscribe\?token=/);
  expect(header(invitation, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
});

test('every email is marked auto-generated (RFC 3834) and its Message-ID names the sender’s domain', async () => {
  const n = await notified();
  expect(header(n.mail, 'Auto-Submitted')).toBe('auto-generated');
  // The stack sends from no-reply@nudge.test: a bare word after the "@" is scored as spam.
  expect(header(n.mail, 'Message-ID')).toMatch(/^<[0-9a-f]{64}@nudge\.test>$/);
});

test('GET shows a confirmation page with a button that posts, and changes nothing', async () => {
  const n = await notified();
  const before = await written(n.contact.emailId);
  const page = await ctx.stack.request('GET', `/unsubscribe?token=${tokenOf(n.mail)}`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  expect(page.body).toContain(`Stop receiving emails about messages at ${n.contact.address}?`);
  expect(page.body).toMatch(/<form method="post" action="\?token=[\w.%-]+">/);
  expect(page.body).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
  expect(await written(n.contact.emailId)).toEqual(before);
});

test('the page’s form posts back where it was served, under a reverse proxy’s path prefix too', async () => {
  const n = await notified();
  const page = await ctx.stack.request('GET', `/unsubscribe?token=${tokenOf(n.mail)}`);
  const action = /<form method="post" action="([^"]+)">/.exec(page.body)![1].replace(/&amp;/g, '&');
  // UNSUBSCRIBE_URL=https://firm.example/mail/unsubscribe, proxied to this API's /unsubscribe.
  const served = new URL(`https://firm.example/mail/unsubscribe?token=${tokenOf(n.mail)}`);
  const target = new URL(action, served);
  expect(`${target.origin}${target.pathname}`).toBe('https://firm.example/mail/unsubscribe');
  expect(target.searchParams.get('token')).toBe(tokenOf(n.mail));
  // The same form, posted as a browser does, against the API itself.
  const posted = await ctx.stack.request(
    'POST',
    `/unsubscribe${new URL(action, `${ctx.stack.baseUrl}/unsubscribe`).search}`,
    'List-Unsubscribe=One-Click',
    { 'content-type': 'application/x-www-form-urlencoded' },
  );
  expect(posted.status).toBe(200);
});

test('a mail client’s multipart/form-data one-click (RFC 8058 §3.1) unsubscribes like the form-encoded one', async () => {
  const n = await notified();
  const form = new FormData();
  form.append('List-Unsubscribe', 'One-Click');
  // The body and its boundary exactly as fetch (a mail client's HTTP stack) encodes them.
  const encoded = new Request('http://x/', { method: 'POST', body: form });
  const body = await encoded.text();
  const type = encoded.headers.get('content-type')!;
  expect(type).toMatch(/^multipart\/form-data; boundary=/);
  const res = await oneClick(tokenOf(n.mail), body, type);
  expect(res.status).toBe(200);
  expect(res.body).toContain(`Done: ${n.contact.address} will no longer receive emails about messages.`);
  expect(await ctx.stack.db.contactEmail.findUniqueOrThrow({ where: { id: n.contact.emailId } })).toMatchObject({
    prefMessages: false,
    notify: true,
  });
  expect(
    await ctx.stack.db.emailUnsubscribe.count({ where: { contactEmailId: n.contact.emailId, category: 'messages' } }),
  ).toBe(1);
});

test('a new one-click after the firm turned the category back on is dated by the new click', async () => {
  const n = await notified();
  expect((await oneClick(tokenOf(n.mail))).status).toBe(200);
  const first = await ctx.stack.db.emailUnsubscribe.findUniqueOrThrow({
    where: { contactEmailId_category: { contactEmailId: n.contact.emailId, category: 'messages' } },
  });
  const on = await ctx.firm.call('PATCH', `/v1/contact-emails/${n.contact.emailId}`, {
    preferences: { messages: true },
  });
  expect(on.status).toBe(200);
  await new Promise((r) => setTimeout(r, 50));
  expect((await oneClick(tokenOf(n.mail))).status).toBe(200);

  const state = await ctx.firm.call('GET', `/v1/chat-threads/${n.threadId}/reminders`);
  const mine = state.body.recipients.find((r: { contactEmailId: string }) => r.contactEmailId === n.contact.emailId);
  expect(mine).toMatchObject({ included: false, reason: 'unsubscribed' });
  expect(new Date(mine.unsubscribedAt).getTime()).toBeGreaterThan(first.createdAt.getTime());
  // Two unsubscribes, each on the timeline.
  expect(
    await ctx.stack.db.auditEvent.count({
      where: { firmId: ctx.firm.firmId, contactId: n.contact.id, action: 'contact_email.unsubscribed' },
    }),
  ).toBe(2);
});

test('the firm turning a category back on forgets the one-click: switched off again, the explainer says the firm did', async () => {
  const n = await notified();
  expect((await oneClick(tokenOf(n.mail))).status).toBe(200);
  const where = { contactEmailId: n.contact.emailId };
  expect(await ctx.stack.db.emailUnsubscribe.count({ where })).toBe(1);
  const patch = (body: unknown) => ctx.firm.call('PATCH', `/v1/contact-emails/${n.contact.emailId}`, body);
  // Another category, or notify left alone: the record stands.
  expect((await patch({ preferences: { signatures: true } })).status).toBe(200);
  expect(await ctx.stack.db.emailUnsubscribe.count({ where })).toBe(1);
  expect((await patch({ preferences: { messages: true } })).status).toBe(200);
  expect(await ctx.stack.db.emailUnsubscribe.count({ where })).toBe(0);
  expect((await patch({ preferences: { messages: false } })).status).toBe(200);
  const state = await ctx.firm.call('GET', `/v1/chat-threads/${n.threadId}/reminders`);
  const mine = state.body.recipients.find((r: { contactEmailId: string }) => r.contactEmailId === n.contact.emailId);
  expect(mine).toMatchObject({ included: false, reason: 'category_off' });
});

test('two one-clicks at once for a category the firm had switched off: both 200, one record', async () => {
  const n = await notified();
  expect(
    (await ctx.firm.call('PATCH', `/v1/contact-emails/${n.contact.emailId}`, { preferences: { messages: false } }))
      .status,
  ).toBe(200);
  const clicks = await Promise.all([0, 1, 2].map(() => oneClick(tokenOf(n.mail))));
  expect(clicks.map((c) => c.status)).toEqual([200, 200, 200]);
  expect(await ctx.stack.db.emailUnsubscribe.count({ where: { contactEmailId: n.contact.emailId } })).toBe(1);
});

test('one click switches the category off: audit entry, explainer `unsubscribed`, no further reminders', async () => {
  // Two clients on one account; the first unsubscribes from the notification before the first reminder.
  const n = await notified({ enabled: true, intervalDays: 3, count: 1 }, 2);
  const [other] = n.contacts.slice(1);
  const res = await oneClick(tokenOf(n.mail));
  expect(res.status).toBe(200);
  expect(res.body).toContain(`Done: ${n.contact.address} will no longer receive emails about messages.`);

  const email = await ctx.stack.db.contactEmail.findUniqueOrThrow({ where: { id: n.contact.emailId } });
  expect(email).toMatchObject({ prefMessages: false, notify: true, prefSignatures: true });
  const audit = await ctx.stack.db.auditEvent.findMany({
    where: { firmId: ctx.firm.firmId, contactId: n.contact.id, action: 'contact_email.unsubscribed' },
  });
  expect(audit).toEqual([
    expect.objectContaining({
      actorType: 'client',
      data: expect.objectContaining({ contactEmailId: n.contact.emailId, category: 'messages', via: 'one_click' }),
    }),
  ]);

  const state = await ctx.firm.call('GET', `/v1/chat-threads/${n.threadId}/reminders`);
  const mine = state.body.recipients.find((r: { contactEmailId: string }) => r.contactEmailId === n.contact.emailId);
  expect(mine).toMatchObject({ included: false, reason: 'unsubscribed', unsubscribedAt: expect.any(String) });

  // The reminder goes to the other client only.
  await ctx.stack.smtp.waitFor((m) => m.to.includes(other.address) && /^Reminder/.test(m.subject), 1, 30_000);
  await eventually(
    async () =>
      (await ctx.firm.call('GET', `/v1/chat-threads/${n.threadId}/reminders`)).body.workflow?.status === 'completed',
    20_000,
    'reminders done',
  );
  expect(ctx.stack.smtp.to(n.contact.address).filter((m) => /^Reminder/.test(m.subject))).toHaveLength(0);

  // Posting again (a mail client retrying) changes and writes nothing more.
  const before = await written(n.contact.emailId);
  expect((await oneClick(tokenOf(n.mail))).status).toBe(200);
  expect(await written(n.contact.emailId)).toEqual(before);

  // A new item of the same category is not sent to that address at all.
  const t2 = await ctx.firm.call('POST', `/v1/accounts/${n.accountId}/chat-threads`, {
    subject: 'Second',
    message: { body: 'Another one' },
  });
  await ctx.stack.smtp.waitFor((m) => m.to.includes(other.address) && /: Second$/.test(m.subject), 1, 20_000);
  expect(ctx.stack.smtp.to(n.contact.address).filter((m) => /: Second$/.test(m.subject))).toHaveLength(0);
  const state2 = await ctx.firm.call('GET', `/v1/chat-threads/${t2.body.id}/reminders`);
  expect(
    state2.body.recipients.find((r: { contactEmailId: string }) => r.contactEmailId === n.contact.emailId).reason,
  ).toBe('unsubscribed');
});

test('unsubscribing from an invitation turns the address’s notifications off (category all)', async () => {
  const acc = await accountWithContacts(ctx.firm, [{ login: 'pending' }]);
  const [c] = acc.contacts;
  const [invitation] = await ctx.stack.smtp.waitFor(
    (m) => m.to.includes(c.address) && /invites you/.test(subjectOf(m)),
    1,
    20_000,
  );
  expect((await oneClick(tokenOf(invitation))).status).toBe(200);
  expect(await ctx.stack.db.contactEmail.findUniqueOrThrow({ where: { id: c.emailId } })).toMatchObject({
    notify: false,
    prefMessages: true,
  });
  const t = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'After opting out',
    message: { body: 'Hello' },
  });
  const state = await ctx.firm.call('GET', `/v1/chat-threads/${t.body.id}/reminders`);
  expect(state.body.recipients).toEqual([
    expect.objectContaining({ contactEmailId: c.emailId, included: false, reason: 'unsubscribed' }),
  ]);
});

test('a mixed digest’s link switches off each category it carries, not invitations and GDPR emails', async () => {
  // A firm of its own: digests on, with the shortest window.
  const firm = await ctx.stack.newFirm();
  expect((await firm.call('PUT', '/v1/settings/digest', { enabled: true, windowMinutes: 1 })).status).toBe(200);
  const acc = await accountWithContacts(firm, [{ login: 'off' }]);
  const [c] = acc.contacts;
  const reminders = { enabled: true, intervalDays: 1, count: 1 };
  const thread = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Receipts',
    message: { body: 'Please upload them' },
    reminders,
  });
  expect(thread.status).toBe(201);
  const doc = await firm.call('POST', `/v1/accounts/${acc.accountId}/documents`, { name: 'Balance sheet' });
  expect((await firm.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, { reminders })).status).toBe(201);
  // Both reminders fall due (a reminder day is 1 s here) and wait for the address's digest. The stack's worker
  // measures the window on a real day (a minute), so the digest is sent here, on this file's clock.
  await eventually(
    async () => (await ctx.stack.db.digestEntry.count({ where: { contactEmailId: c.emailId } })) === 2,
    20_000,
    'both reminders waiting for the digest',
  );
  const sender = createDigestSender({
    db: ctx.stack.db,
    mailer: ctx.stack.mailer,
    portalUrl: PORTAL_URL,
    reminderDaySeconds: 1,
  });
  expect(await sender.sendDigest({ firmId: firm.firmId, contactEmailId: c.emailId })).toMatchObject({
    status: 'sent',
    items: 2,
  });
  const [digest] = await ctx.stack.smtp.waitFor(
    (m) => m.to.includes(c.address) && /^Reminder from .*: 2 items are waiting for you$/.test(subjectOf(m)),
    1,
    10_000,
  );

  const stops = 'emails about messages and documents to approve';
  const page = await ctx.stack.request('GET', `/unsubscribe?token=${tokenOf(digest)}`);
  expect(page.body).toContain(`Stop receiving ${stops} at ${c.address}?`);
  const res = await oneClick(tokenOf(digest));
  expect(res.status).toBe(200);
  expect(res.body).toContain(`Done: ${c.address} will no longer receive ${stops}.`);
  expect(await ctx.stack.db.contactEmail.findUniqueOrThrow({ where: { id: c.emailId } })).toMatchObject({
    notify: true,
    prefMessages: false,
    prefApprovals: false,
    prefSignatures: true,
  });
  const records = await ctx.stack.db.emailUnsubscribe.findMany({ where: { contactEmailId: c.emailId } });
  expect(records.map((r) => r.category).sort()).toEqual(['approvals', 'messages']);
  const audits = await ctx.stack.db.auditEvent.findMany({
    where: { firmId: firm.firmId, contactId: c.id, action: 'contact_email.unsubscribed' },
  });
  expect(audits.map((a) => (a.data as { category: string }).category).sort()).toEqual(['approvals', 'messages']);

  // The firm's invitation still goes (not revoked as "unsubscribed"): the address did not opt out of all emails.
  const invited = await firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, {});
  expect(invited.status).toBe(201);
  await ctx.stack.smtp.waitFor((m) => m.to.includes(c.address) && /invites you/.test(subjectOf(m)), 1, 10_000);
  expect((await firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation/resend`)).status).toBe(202);
});

const MULTIPART = 'multipart/form-data';
const multipart = (value: string, boundary = 'b0') =>
  `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n${value}\r\n--${boundary}--\r\n`;

describe('tokens that must not work: refused, nothing written', () => {
  let n: Awaited<ReturnType<typeof notified>>;
  beforeAll(async () => {
    n = await notified(undefined, 2);
  });

  async function refused(token: string, status: number, slug: string) {
    const before = await written(n.contact.emailId);
    const res = await oneClick(token);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.body.type).toBe(`https://nudge.dev/problems/${slug}`);
    expect(await written(n.contact.emailId)).toEqual(before);
    // The page a person would see says the link does not work, and changes nothing either.
    const page = await ctx.stack.request('GET', `/unsubscribe?token=${encodeURIComponent(token)}`);
    expect(page.status).toBe(status);
    expect(page.body).toContain('This unsubscribe link is not valid or has expired.');
    expect(await written(n.contact.emailId)).toEqual(before);
  }

  const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());

  test('a forged token (signed with another secret, or its signature changed)', async () => {
    const real = tokenOf(n.mail);
    const claims = {
      firmId: ctx.firm.firmId,
      contactEmailId: n.contact.emailId,
      address: n.contact.address,
      category: 'messages' as const,
    };
    await refused(
      unsubscribeToken({ secret: 'an-attacker-secret-an-attacker-secret-0000' }, claims),
      400,
      'invalid-unsubscribe-link',
    );
    const [body, sig] = real.split('.');
    await refused(`${body}.${sig.slice(1)}${sig[0] === 'A' ? 'B' : 'A'}`, 400, 'invalid-unsubscribe-link');
  });

  test('a token replayed for another address', async () => {
    const real = tokenOf(n.mail);
    const other = n.contacts[1];
    // The payload pointed at the other address, the signature kept: not Nudge's signature any more.
    const [, sig] = real.split('.');
    const moved = Buffer.from(JSON.stringify({ ...claimsOf(real), e: other.emailId })).toString('base64url');
    await refused(`${moved}.${sig}`, 400, 'invalid-unsubscribe-link');
    // A validly signed token naming one email row but another address (the row's address was changed).
    const forOther = unsubscribeToken(
      {},
      { firmId: ctx.firm.firmId, contactEmailId: other.emailId, address: n.contact.address, category: 'messages' },
    );
    const before = await written(other.emailId);
    expect((await oneClick(forOther)).status).toBe(400);
    expect(await written(other.emailId)).toEqual(before);
  });

  test('a token whose address was edited since the email went out', async () => {
    const acc = await accountWithContacts(ctx.firm);
    await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, { subject: 'X', message: { body: 'x' } });
    const [mail] = await ctx.stack.smtp.waitFor((m) => m.to.includes(acc.contacts[0].address), 1, 20_000);
    const patched = await ctx.firm.call('PATCH', `/v1/contact-emails/${acc.contacts[0].emailId}`, {
      address: `moved-${acc.contacts[0].address}`,
    });
    expect(patched.status).toBe(200);
    const before = await written(acc.contacts[0].emailId);
    const res = await oneClick(tokenOf(mail));
    expect(res.status).toBe(400);
    expect(await written(acc.contacts[0].emailId)).toEqual(before);
  });

  test('an address changed while the click waits for its row: refused, the new address not unsubscribed', async () => {
    const m = await notified();
    const before = await written(m.contact.emailId);
    // Staff change the address (their PATCH not committed yet) as the owner of the old one clicks.
    let holder = 0;
    const release = await holdInTransaction(ctx.stack.db, async (tx) => {
      holder = (await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)[0].pid;
      await tx.contactEmail.update({
        where: { id: m.contact.emailId },
        data: { address: `moved-${m.contact.address}` },
      });
    });
    const click = oneClick(tokenOf(m.mail));
    await eventually(
      async () =>
        (
          await ctx.stack.db.$queryRaw<{ n: number }[]>`
            SELECT count(*)::int AS n FROM pg_stat_activity WHERE ${holder}::int = ANY (pg_blocking_pids(pid))`
        )[0].n > 0,
      5_000,
      'the click waiting for the address change',
    );
    await release();
    const res = await click;
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('https://nudge.dev/problems/invalid-unsubscribe-link');
    expect(await written(m.contact.emailId)).toEqual(before);
  });

  test('an expired token', async () => {
    const claims = {
      firmId: ctx.firm.firmId,
      contactEmailId: n.contact.emailId,
      address: n.contact.address,
      category: 'messages' as const,
    };
    const expired = unsubscribeToken({ ttlSeconds: 60 }, claims, new Date(Date.now() - 120_000));
    await refused(expired, 410, 'unsubscribe-link-expired');
  });

  test('a token used for another purpose, and another purpose’s token used here', async () => {
    const claims = {
      firmId: ctx.firm.firmId,
      contactEmailId: n.contact.emailId,
      address: n.contact.address,
      category: 'messages' as const,
    };
    // Signed with the same secret for another purpose: refused.
    await refused(
      signToken(DEV_UNSUBSCRIBE_SECRET, 'activate', claims, new Date(Date.now() + 3600_000)),
      400,
      'invalid-unsubscribe-link',
    );
    // The portal link in the same email is not an unsubscribe token.
    const portalToken = /portal\.test\/accounts\/[^\s?]+\?token=([\w.-]+)/.exec(textOf(n.mail))?.[1];
    expect(portalToken).toBeTruthy();
    await refused(portalToken!, 400, 'invalid-unsubscribe-link');
    // And the unsubscribe token opens nothing in the client portal.
    const portal = await ctx.stack.request('GET', `/portal/activate?token=${tokenOf(n.mail)}`);
    expect(portal.status).toBeGreaterThanOrEqual(400);
    expect(portal.status).toBeLessThan(500);
  });

  test.each([
    ['no token', '', 'List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded', 'query.token'],
    ['no body', 'TOKEN', '', 'application/x-www-form-urlencoded', 'body.List-Unsubscribe'],
    ['another value', 'TOKEN', 'List-Unsubscribe=Yes', 'application/x-www-form-urlencoded', 'body.List-Unsubscribe'],
    ['a JSON body', 'TOKEN', '{"List-Unsubscribe":"One-Click"}', 'application/json', 'body.List-Unsubscribe'],
    ['multipart, another value', 'TOKEN', multipart('Yes'), `${MULTIPART}; boundary=b0`, 'body.List-Unsubscribe'],
    ['multipart without a boundary', 'TOKEN', multipart('One-Click'), MULTIPART, 'body.List-Unsubscribe'],
    ['multipart, not parseable', 'TOKEN', 'One-Click', `${MULTIPART}; boundary=b0`, 'body.List-Unsubscribe'],
  ])('bad input: %s → 400', async (_name, token, body, type, field) => {
    const before = await written(n.contact.emailId);
    const path = token ? `/unsubscribe?token=${tokenOf(n.mail)}` : '/unsubscribe';
    const res = await ctx.stack.request('POST', path, body, { 'content-type': type });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe(field);
    expect(await written(n.contact.emailId)).toEqual(before);
  });

  test('bad input: a multipart body over the limit → 413', async () => {
    const before = await written(n.contact.emailId);
    const res = await oneClick(tokenOf(n.mail), multipart(`One-Click${' '.repeat(5000)}`), `${MULTIPART}; boundary=b0`);
    expect(res.status).toBe(413);
    expect(await written(n.contact.emailId)).toEqual(before);
  });
});
