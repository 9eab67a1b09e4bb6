// The client pages' signed links over HTTP on the real stack: a changed, expired or wrong-purpose link is
// a friendly HTML page (403/410) and changes nothing; bad form input 422 with nothing written; every
// value is escaped; the activation banner's link activates the email's portal access.
import { useStackWithFirm, eventually, PORTAL_URL } from './support/stack';
import { accountWithContacts } from './support/fixtures';
import { withAuditHeld } from './support/holds';
import type { CapturedMail } from './support/smtp-capture';
import { DEV_PORTAL_LINK_SECRET, signLink, verifyLink } from '../domain/portal/links';
import { addressDigest } from '../domain/hmac';

const ctx = useStackWithFirm({ daySeconds: 1 });

/** The email's links (its MIME parts are quoted-printable), pointed at this stack's API: the test worker's
 * PORTAL_URL is a placeholder host, the built-in pages live at /portal. */
function linksIn(mail: CapturedMail): string[] {
  const body = mail.raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16)));
  const found = body.match(new RegExp(`${PORTAL_URL.replace(/\./g, '\\.')}/[^\\s"<>]+`, 'g')) ?? [];
  return [...new Set(found.map((l) => l.replace(/&amp;/g, '&').replace(PORTAL_URL, `${ctx.stack.baseUrl}/portal`)))];
}

const get = (url: string) => fetch(url, { redirect: 'manual' });
const post = (path: string, form: Record<string, string>) =>
  fetch(`${ctx.stack.baseUrl}/portal${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;
/** A form's token; its action is relative to the page (`./reply`, `../../../approve`). */
const formToken = (html: string, action: string) =>
  new RegExp(`action="(?:[^"]*/)?${action}"[^]*?name="token" value="([^"]+)"`).exec(html)?.[1];
/** Where a POST to the portal's `path` redirects, on this stack. */
const redirected = (res: Response, path: string) =>
  new URL(res.headers.get('location')!, `${ctx.stack.baseUrl}/portal${path}`).href;

/** An approval request with reminders for one client, its notification's item link. */
async function approvalWithLink(spec: { login?: 'pending' | 'active' } = {}) {
  const acc = await accountWithContacts(ctx.firm, [spec]);
  const [c] = acc.contacts;
  const doc = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/documents`, { name: 'Engagement letter' });
  const req = await ctx.firm.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, {
    reminders: { enabled: true, intervalDays: 30, count: 1 },
  });
  expect(req.status).toBe(201);
  const [mail] = await ctx.stack.smtp.waitFor((m) => m.to.includes(c.address) && /to approve/.test(m.subject));
  const links = linksIn(mail);
  const item = links.find((l) => l.includes('/accounts/'))!;
  return { ...acc, contact: c, requestId: req.body.id as string, item, links };
}

async function expectPage(res: Response, status: number, title: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  const html = await res.text();
  expect(html).toMatch(title);
  return html;
}

const approvalStatus = async (id: string) =>
  (await ctx.stack.db.approvalRequest.findUniqueOrThrow({ where: { id } })).status;

test('the email link opens the item page; its approve form approves once', async () => {
  const a = await approvalWithLink();
  expect(a.item).toMatch(new RegExp(`/portal/accounts/${a.accountId}/approval/${a.requestId}\\?token=v1\\.`));
  const html = await expectPage(await get(a.item), 200, /Engagement letter/);
  const token = formToken(html, 'approve')!;
  expect(token).toBeTruthy();

  const res = await post('/approve', { token });
  expect(res.status).toBe(303);
  const back = redirected(res, '/approve');
  expect(back).toMatch(/done=approved/);
  expect(await approvalStatus(a.requestId)).toBe('approved');
  const after = await expectPage(await get(back), 200, /the document is approved/);
  expect(after).not.toMatch(/action="[^"]*approve"/); // nothing left to do
  const audit = await ctx.stack.db.auditEvent.findFirstOrThrow({
    where: { itemId: a.requestId, action: 'approval.approved' },
  });
  expect(audit).toMatchObject({ actorType: 'client', actorId: a.contact.id });
});

test('a changed, expired or wrong-purpose link is a friendly page and changes nothing', async () => {
  const a = await approvalWithLink();
  const view = tokenOf(a.item);
  const approve = formToken(await (await get(a.item)).text(), 'approve')!;
  const [v, payload, sig] = approve.split('.');
  const claims = verifyLink(DEV_PORTAL_LINK_SECRET, view, 'view');

  // Changed: another signature, another payload (a later expiry), truncated, or signed with another secret.
  const flipped = sig.slice(0, -2) + (sig.endsWith('AA') ? 'BB' : 'AA');
  const later = Buffer.from(
    JSON.stringify(
      JSON.parse(Buffer.from(payload, 'base64url').toString()).map((f: unknown, i: number) =>
        i === 3 ? Date.now() + 9e9 : f,
      ),
    ),
  ).toString('base64url');
  const forged = signLink('another-secret-of-at-least-32-characters', { ...claims, purpose: 'approve' });
  for (const token of [`${v}.${payload}.${flipped}`, `${v}.${later}.${sig}`, `${v}.${payload}`, forged, '', 'x'])
    await expectPage(await post('/approve', { token }), 403, /This link is not valid/);
  await expectPage(await post('/approve', {}), 403, /This link is not valid/);

  // Wrong purpose: the view link cannot approve, the approve token cannot view or sign.
  await expectPage(await post('/approve', { token: view }), 403, /This link is for something else/);
  await expectPage(await post('/sign', { token: approve }), 403, /This link is for something else/);
  await expectPage(await get(a.item.replace(view, approve)), 403, /This link is for something else/);
  // The path must name the item the link was signed for.
  const other = a.item.replace(a.requestId, '00000000-0000-4000-8000-000000000000');
  await expectPage(await get(other), 403, /This link is not valid/);

  // Expired (signed by the server, so genuine): 410.
  const expired = signLink(DEV_PORTAL_LINK_SECRET, { ...claims, purpose: 'approve', expiresAt: Date.now() - 1000 });
  await expectPage(await post('/approve', { token: expired }), 410, /This link has expired/);
  const expiredView = signLink(DEV_PORTAL_LINK_SECRET, { ...claims, expiresAt: Date.now() - 1000 });
  await expectPage(await get(a.item.replace(view, expiredView)), 410, /This link has expired/);

  expect(await approvalStatus(a.requestId)).toBe('pending');
  expect(await ctx.stack.db.auditEvent.count({ where: { itemId: a.requestId, action: 'approval.approved' } })).toBe(0);
});

test('once the email’s address changes, links sent to the old one stop working (410) and change nothing', async () => {
  const a = await approvalWithLink({ login: 'pending' });
  const activation = a.links.find((l) => l.includes('/activate?token='))!;
  const claims = verifyLink(DEV_PORTAL_LINK_SECRET, tokenOf(a.item), 'view');
  expect(claims.addressDigest).toBeTruthy();
  await expectPage(await get(a.item), 200, /Engagement letter/);
  const approve = formToken(await (await get(a.item)).text(), 'approve')!;

  const moved = `moved-${a.contact.address}`;
  expect((await ctx.firm.call('PATCH', `/v1/contact-emails/${a.contact.emailId}`, { address: moved })).status).toBe(
    200,
  );
  await expectPage(await get(a.item), 410, /This link no longer works/);
  await expectPage(await post('/approve', { token: approve }), 410, /This link no longer works/);
  await expectPage(await get(activation), 410, /This link no longer works/);
  await expectPage(await post('/activate', { token: tokenOf(activation) }), 410, /This link no longer works/);
  expect(await approvalStatus(a.requestId)).toBe('pending');
  const email = await ctx.stack.db.contactEmail.findUniqueOrThrow({ where: { id: a.contact.emailId } });
  expect(email.login).toBe('pending');
  expect(await ctx.stack.db.invitation.count({ where: { contactEmailId: email.id, status: 'accepted' } })).toBe(0);

  // Links for the address on file work; one signed before links named their address still opens its item,
  // but may not activate (the invitation email's own link does that).
  const current = signLink(DEV_PORTAL_LINK_SECRET, { ...claims, addressDigest: addressDigest(moved) });
  await expectPage(await get(a.item.replace(tokenOf(a.item), current)), 200, /Engagement letter/);
  const legacy = signLink(DEV_PORTAL_LINK_SECRET, { ...claims, addressDigest: undefined });
  await expectPage(await get(a.item.replace(tokenOf(a.item), legacy)), 200, /Engagement letter/);
  const legacyActivation = signLink(DEV_PORTAL_LINK_SECRET, {
    firmId: claims.firmId,
    contactEmailId: claims.contactEmailId,
    purpose: 'activate',
    expiresAt: claims.expiresAt,
  });
  await expectPage(await post('/activate', { token: legacyActivation }), 410, /This link no longer works/);
});

test('bad page input: 422 or 404 pages with nothing written', async () => {
  const acc = await accountWithContacts(ctx.firm);
  const [c] = acc.contacts;
  const thread = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Receipts',
    message: { body: 'Please upload your receipts' },
    reminders: { enabled: true, intervalDays: 30, count: 1 },
  });
  const [mail] = await ctx.stack.smtp.waitFor((m) => m.to.includes(c.address) && /sent you a message/.test(m.subject));
  const item = linksIn(mail).find((l) => l.includes('/chat/'))!;
  const reply = formToken(await (await get(item)).text(), 'reply')!;
  const messages = () => ctx.stack.db.chatMessage.count({ where: { threadId: thread.body.id } });

  await expectPage(await post('/reply', { token: reply, body: '   ' }), 422, /Write a message before sending it/);
  await expectPage(await post('/reply', { token: reply }), 422, /Please check your input/);
  await expectPage(await post('/reply', { token: reply, body: 'x'.repeat(20001) }), 422, /too long/);
  // PostgreSQL text cannot hold a NUL character.
  await expectPage(await post('/reply', { token: reply, body: 'hi\u0000there' }), 422, /Please check your input/);
  const json = await fetch(`${ctx.stack.baseUrl}/portal/reply`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: reply, body: 'hi' }),
  });
  await expectPage(json, 403, /This link is not valid/); // only forms are read
  await expectPage(await get(item.replace('/chat/', '/invoice/')), 404, /Page not found/);
  await expectPage(await get(`${ctx.stack.baseUrl}/portal/nowhere`), 404, /Page not found/);
  await expectPage(await get(item.replace(/\?token=.*/, '')), 403, /This link is not valid/);
  expect(await messages()).toBe(1);
});

test('pages escape every value: names, subjects and messages cannot inject markup', async () => {
  const evil = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`;
  const account = await ctx.firm.call('POST', '/v1/accounts', { name: `Acc ${evil}`, type: 'company' });
  const address = `evil-${Date.now()}@client.test`;
  const contact = await ctx.firm.call('POST', '/v1/contacts', {
    firstName: evil,
    lastName: 'X',
    emails: [{ address, login: 'active' }],
    accounts: [{ accountId: account.body.id }],
  });
  expect(contact.status).toBe(201);
  await ctx.firm.call('POST', `/v1/accounts/${account.body.id}/chat-threads`, {
    subject: `Subject ${evil}`,
    message: { body: `Body ${evil}\nsecond line` },
  });
  const [mail] = await ctx.stack.smtp.waitFor((m) => m.to.includes(address));
  const html = await expectPage(await get(linksIn(mail).find((l) => l.includes('/chat/'))!), 200, /Subject/);
  expect(html).not.toContain('<script>');
  expect(html).not.toContain('<img');
  expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
  expect(html).toContain('second line'); // line breaks kept as <br>
  expect(html).toMatch(/<br>second line/);
});

test('the activation banner link activates a pending login (once), from the item email', async () => {
  const a = await approvalWithLink({ login: 'pending' });
  await ctx.stack.smtp.waitFor((m) => m.to.includes(a.contact.address) && /invites you/.test(m.subject));
  const activation = a.links.find((l) => l.includes('/activate?token='))!;
  expect(activation).toBeTruthy();
  const html = await expectPage(await get(activation), 200, /Activate your account/);
  const token = formToken(html, 'activate')!;
  expect(token).toBe(tokenOf(activation));
  // An item link cannot activate.
  await expectPage(await post('/activate', { token: tokenOf(a.item) }), 403, /This link is for something else/);

  await expectPage(await post('/activate', { token }), 200, /Your account is active/);
  const email = await ctx.stack.db.contactEmail.findUniqueOrThrow({ where: { id: a.contact.emailId } });
  expect(email.login).toBe('active');
  const inv = await ctx.stack.db.invitation.findFirstOrThrow({ where: { contactEmailId: a.contact.emailId } });
  expect(inv.status).toBe('accepted');
  // Again: already active, nothing more written.
  await expectPage(await post('/activate', { token }), 200, /Your account is active/);
  expect(
    await ctx.stack.db.auditEvent.count({ where: { contactId: a.contact.id, action: 'invitation.accepted' } }),
  ).toBe(1);
  await eventually(
    async () => {
      const wf = await ctx.stack.client.workflow.getHandle(`invitation-${inv.id}`).describe();
      return wf.status.name === 'COMPLETED';
    },
    20_000,
    'the invitation workflow ends',
  );
});

test('a thread’s portal to-do opens again with the firm’s next message, and with a reopen', async () => {
  const acc = await accountWithContacts(ctx.firm, [{ login: 'active' }]);
  const [c] = acc.contacts;
  const todos = async () =>
    (await ctx.firm.call('GET', `/v1/contact-emails/${c.emailId}/todos`)).body.map((t: { itemId: string }) => t.itemId);
  const notifications = (n: number) =>
    ctx.stack.smtp.waitFor((m) => m.to.includes(c.address) && /sent you a message/.test(m.subject), n);
  const thread = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Receipts',
    message: { body: 'Please upload your receipts' },
  });
  expect(thread.status).toBe(201);
  const threadId = thread.body.id as string;
  const [mail] = await notifications(1);
  expect(await todos()).toEqual([threadId]);

  // The client replies from the email's link: the to-do is done.
  const item = linksIn(mail).find((l) => l.includes('/chat/'))!;
  const reply = formToken(await (await get(item)).text(), 'reply')!;
  expect((await post('/reply', { token: reply, body: 'Sent them' })).status).toBe(303);
  expect(await todos()).toEqual([]);

  // The firm's next message: its notification (recorded before its email goes) lists the thread again.
  const next = await ctx.firm.call('POST', `/v1/chat-threads/${threadId}/messages`, {
    author: 'firm',
    body: 'One is missing',
  });
  expect(next.status).toBe(201);
  await notifications(2);
  expect(await todos()).toEqual([threadId]);

  // Archived, the thread is off the list; reopened, it is back at once (no notification goes for the same message).
  expect((await ctx.firm.call('POST', `/v1/chat-threads/${threadId}/archive`)).status).toBe(200);
  expect(await todos()).toEqual([]);
  expect((await ctx.firm.call('POST', `/v1/chat-threads/${threadId}/reopen`)).status).toBe(200);
  expect(await todos()).toEqual([threadId]);
});

/** A chat thread with one firm message for one client: its item link and the page's reply form. */
async function threadWithReplyForm() {
  const acc = await accountWithContacts(ctx.firm);
  const [c] = acc.contacts;
  const thread = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Receipts',
    message: { body: 'Please upload your receipts' },
  });
  expect(thread.status).toBe(201);
  const [mail] = await ctx.stack.smtp.waitFor((m) => m.to.includes(c.address) && /sent you a message/.test(m.subject));
  const item = linksIn(mail).find((l) => l.includes('/chat/'))!;
  const html = await (await get(item)).text();
  const formId = /name="formId" value="([^"]+)"/.exec(html)?.[1];
  return { contact: c, threadId: thread.body.id as string, item, token: formToken(html, 'reply')!, formId };
}

const clientMessages = (threadId: string) =>
  ctx.stack.db.chatMessage.findMany({ where: { threadId, author: 'client' }, select: { id: true, body: true } });

test('a reply form sent twice, one after the other or both at once, posts one message', async () => {
  for (const together of [false, true]) {
    const t = await threadWithReplyForm();
    expect(t.formId).toMatch(/^[0-9a-f-]{36}$/);
    const form = { token: t.token, formId: t.formId!, body: 'Here they are' };
    const sends = together
      ? await Promise.all([post('/reply', form), post('/reply', form)])
      : [await post('/reply', form), await post('/reply', form)];
    for (const res of sends) {
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/done=replied/);
    }
    expect(await clientMessages(t.threadId)).toEqual([{ id: t.formId, body: 'Here they are' }]);
    const replied = { itemId: t.threadId, action: 'chat.client_replied' };
    expect(await ctx.stack.db.auditEvent.count({ where: replied })).toBe(1);
    // The page shown again has a new form: another reply is another message.
    const again = await (await get(t.item)).text();
    const next = /name="formId" value="([^"]+)"/.exec(again)![1];
    expect(next).not.toBe(t.formId);
    expect((await post('/reply', { ...form, formId: next, body: 'And one more' })).status).toBe(303);
    expect(await clientMessages(t.threadId)).toHaveLength(2);
  }
});

test('a form id that is another message’s is refused (422), nothing written', async () => {
  const t = await threadWithReplyForm();
  const firmMessage = await ctx.stack.db.chatMessage.findFirstOrThrow({ where: { threadId: t.threadId } });
  const res = await post('/reply', { token: t.token, formId: firmMessage.id, body: 'Hi' });
  await expectPage(res, 422, /Please check your input/);
  await expectPage(await post('/reply', { token: t.token, formId: 'x', body: 'Hi' }), 422, /Please check your input/);
  expect(await clientMessages(t.threadId)).toEqual([]);
});

test('a reply of 20,000 Cyrillic or Chinese characters is posted (the form is up to 180 kB encoded)', async () => {
  for (const letter of ['ж', '中']) {
    const t = await threadWithReplyForm();
    const body = letter.repeat(20000);
    const res = await post('/reply', { token: t.token, formId: t.formId!, body });
    expect(res.status).toBe(303);
    expect((await clientMessages(t.threadId)).map((m) => m.body)).toEqual([body]);
  }
});

test('a reply the textarea allowed is posted: a line break sent as CRLF counts and is stored as one \\n', async () => {
  const t = await threadWithReplyForm();
  // 19,990 letters and 10 line breaks: 20,000 characters for the textarea's maxlength, 20,010 as submitted.
  const body = 'x'.repeat(1990) + `\r\n${'x'.repeat(1800)}`.repeat(10);
  expect((await post('/reply', { token: t.token, formId: t.formId!, body })).status).toBe(303);
  expect((await post('/reply', { token: t.token, body: 'one\rtwo' })).status).toBe(303); // an old Mac's lone CR
  const [long, short] = (await clientMessages(t.threadId)).map((m) => m.body).sort((a, b) => b.length - a.length);
  expect(long).toHaveLength(20000);
  expect(long).toBe(body.replace(/\r\n/g, '\n'));
  expect(short).toBe('one\ntwo');
});

test('forms and redirects stay under a gateway’s path prefix of PORTAL_URL', async () => {
  // PORTAL_URL=https://gw.example/nudge/portal, proxied to this API's /portal.
  const gateway = 'https://gw.example/nudge/portal';
  const viaGateway = (link: string) => new URL(link.replace(`${ctx.stack.baseUrl}/portal`, gateway));
  const onStack = (url: URL) => `${ctx.stack.baseUrl}/portal${url.pathname.slice('/nudge/portal'.length)}${url.search}`;
  /** The page at `link` seen through the gateway: where its form posts, and the form's fields. */
  async function formOf(link: string) {
    const html = await expectPage(await get(link), 200, /<form/);
    const actions = [...html.matchAll(/<form method="post" action="([^"]+)">/g)].map((m) => m[1]);
    expect(actions).toHaveLength(1);
    const fields = Object.fromEntries(
      [...html.matchAll(/name="(token|formId)" value="([^"]+)"/g)].map((m) => [m[1], m[2]]),
    );
    return { target: new URL(actions[0].replace(/&amp;/g, '&'), viaGateway(link)), fields };
  }
  /** Posts the form through the gateway: its redirect, resolved as the browser does, and the page it shows. */
  async function submit(form: Awaited<ReturnType<typeof formOf>>, extra: Record<string, string> = {}) {
    const res = await fetch(onStack(form.target), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.fields, ...extra }).toString(),
    });
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get('location')!, form.target);
    return { back, page: await (await get(onStack(back))).text() };
  }

  const [a, t, signer] = await Promise.all([
    approvalWithLink({ login: 'pending' }),
    threadWithReplyForm(),
    (async () => {
      const acc = await accountWithContacts(ctx.firm);
      const [c] = acc.contacts;
      const doc = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/documents`, { name: 'Tax return' });
      await ctx.firm.call('POST', `/v1/documents/${doc.body.id}/signature-requests`, { signers: [c.id] });
      const [mail] = await ctx.stack.smtp.waitFor((m) => m.to.includes(c.address) && /to sign/.test(m.subject));
      return linksIn(mail).find((l) => l.includes('/signature/'))!;
    })(),
  ]);

  const approve = await formOf(a.item);
  expect(approve.target.href).toBe(`${gateway}/approve`);
  // The same page at its path with a trailing slash (the router serves it too) posts to the same place.
  expect((await formOf(a.item.replace('?', '/?'))).target.href).toBe(`${gateway}/approve`);
  const approved = await submit(approve);
  expect(approved.back.pathname).toBe(viaGateway(a.item).pathname);
  expect(approved.back.searchParams.get('done')).toBe('approved');
  expect(approved.page).toMatch(/the document is approved/);

  const reply = await formOf(t.item);
  expect(reply.target.href).toBe(`${gateway}/reply`);
  const replied = await submit(reply, { body: 'Sent them' });
  expect(replied.back.pathname).toBe(viaGateway(t.item).pathname);
  expect(replied.page).toMatch(/Your reply has been sent/);

  const sign = await formOf(signer);
  expect(sign.target.href).toBe(`${gateway}/sign`);
  const signed = await submit(sign);
  expect(signed.back.pathname).toBe(viaGateway(signer).pathname);
  expect(signed.page).toMatch(/your signature is recorded/);

  // The activation banner's page and the invitation email's page post back to their own paths.
  const activation = a.links.find((l) => l.includes('/activate?token='))!;
  expect((await formOf(activation)).target.href).toBe(`${gateway}/activate`);
  const [invitation] = await ctx.stack.smtp.waitFor(
    (m) => m.to.includes(a.contact.address) && /invites/.test(m.subject),
  );
  const accept = linksIn(invitation).find((l) => l.includes('/invitations/accept?token='))!;
  expect((await formOf(accept)).target.href).toBe(`${gateway}/invitations/accept`);
});

test('a signer who has signed sees the document waiting for the other signers', async () => {
  const acc = await accountWithContacts(ctx.firm, [{}, {}]);
  const [a, b] = acc.contacts;
  const doc = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/documents`, { name: 'Annual accounts' });
  const req = await ctx.firm.call('POST', `/v1/documents/${doc.body.id}/signature-requests`, { signers: [a.id, b.id] });
  expect(req.status).toBe(201);
  const linkOf = async (address: string) => {
    const [mail] = await ctx.stack.smtp.waitFor((m) => m.to.includes(address) && /to sign/.test(m.subject));
    return linksIn(mail).find((l) => l.includes('/signature/'))!;
  };
  const badge = (html: string) => /<span class="status"[^>]*>([^<]*)<\/span/.exec(html)?.[1].trim();
  const [linkA, linkB] = [await linkOf(a.address), await linkOf(b.address)];
  const pageA = await (await get(linkA)).text();
  expect(badge(pageA)).toBe('Waiting for you');

  const signed = await post('/sign', { token: formToken(pageA, 'sign')! });
  expect(signed.status).toBe(303);
  const after = await expectPage(await get(redirected(signed, '/sign')), 200, /recorded/);
  expect(badge(after)).toBe('Waiting for other signers');
  expect(badge(await (await get(linkB)).text())).toBe('Waiting for you');
});

test('an invitation accepted twice, and an activation sent twice at once, both show the account active', async () => {
  // The invitation email's link: its form sent again after it was accepted.
  const invited = await accountWithContacts(ctx.firm, [{ login: 'pending' }]);
  const [c] = invited.contacts;
  const [mail] = await ctx.stack.smtp.waitFor((m) => m.to.includes(c.address) && /invites you/.test(m.subject));
  const token = tokenOf(linksIn(mail).find((l) => l.includes('/invitations/accept'))!);
  const account = await ctx.stack.db.account.findUniqueOrThrow({ where: { id: invited.accountId } });
  for (let i = 0; i < 2; i++) {
    const html = await expectPage(await post('/invitations/accept', { token }), 200, /Your account is active/);
    expect(html).toContain(`<li>${account.name}</li>`);
  }
  // The used link kept past its validity (forwarded, in a history): still no error, but no account names.
  await ctx.stack.db.invitation.updateMany({
    where: { contactEmailId: c.emailId, status: 'accepted' },
    data: { expiresAt: new Date(Date.now() - 1000) },
  });
  const late = await expectPage(await post('/invitations/accept', { token }), 200, /Your account is active/);
  expect(late).not.toContain(account.name);
  expect(await ctx.stack.db.auditEvent.count({ where: { contactId: c.id, action: 'invitation.accepted' } })).toBe(1);

  // The activation banner's form sent twice at once: both reach their accept before either commits.
  const a = await approvalWithLink({ login: 'pending' });
  await ctx.stack.smtp.waitFor((m) => m.to.includes(a.contact.address) && /invites you/.test(m.subject));
  const activation = tokenOf(a.links.find((l) => l.includes('/activate?token='))!);
  const both = await withAuditHeld(ctx.stack.db, () =>
    Promise.all([post('/activate', { token: activation }), post('/activate', { token: activation })]),
  );
  for (const res of both) await expectPage(res, 200, /Your account is active/);
  expect(
    await ctx.stack.db.auditEvent.count({ where: { contactId: a.contact.id, action: 'invitation.accepted' } }),
  ).toBe(1);
});
