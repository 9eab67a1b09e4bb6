// The whole loop in a real headless browser (Playwright driving Debian's Chromium): an item with reminders
// is emailed, the link from the email (read from the test SMTP server) opens the client page, the client
// replies / approves / marks signed there, the item is done and no further reminder goes out; and the
// invitation email's link accepts the invitation. `scripts/ensure-chromium.sh` installs Chromium (CI runs
// it); CHROMIUM_PATH points at another binary.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { useStackWithFirm, eventually, remindersTo, sleep, PORTAL_URL } from './support/stack';
import { accountWithContacts } from './support/fixtures';
import type { CapturedMail } from './support/smtp-capture';

// Reminder "days" of 2 s: long enough to act in the page between two reminders.
const DAY_SECONDS = 2;
const INTERVAL_DAYS = 2;
const ctx = useStackWithFirm({ daySeconds: DAY_SECONDS });

// CHROMIUM_PATH, else the usual places of Chromium or Chrome. Without one the tests are skipped with a notice (a
// developer's machine), unless NUDGE_REQUIRE_BROWSER is set (CI, which installs it first): then they fail.
const executablePath = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
].find((p) => p && existsSync(p));
const browserTest = executablePath || process.env.NUDGE_REQUIRE_BROWSER ? test : test.skip;
let browser: Browser;
beforeAll(async () => {
  if (!executablePath) {
    const why = 'No Chromium: run scripts/ensure-chromium.sh (Debian) or set CHROMIUM_PATH';
    if (process.env.NUDGE_REQUIRE_BROWSER) throw new Error(why);
    return console.warn(`${why}; the browser tests are skipped.`);
  }
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
});
afterAll(() => browser?.close());

/** A fresh browser context per test: no cookies or state shared between clients. */
async function openPage(): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

/** The email's first link to the client pages, as the firm's deployment would serve it: the test worker's
 * PORTAL_URL is a placeholder host, the built-in pages are the API's /portal. */
function linkIn(mail: CapturedMail, path: RegExp): string {
  const body = mail.raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16)));
  const links = body.match(new RegExp(`${PORTAL_URL.replace(/\./g, '\\.')}/[^\\s"<>]+`, 'g')) ?? [];
  const link = links.map((l) => l.replace(/&amp;/g, '&')).find((l) => path.test(l));
  if (!link) throw new Error(`no ${path} link in "${mail.subject}"`);
  return link.replace(PORTAL_URL, `${ctx.stack.baseUrl}/portal`);
}

/** After the client acted: the reminder workflow ends, and no reminder follows (a whole interval later). */
async function expectRemindersStopped(path: string, address: string, reason: string) {
  const state = await eventually(
    async () => {
      const s = await ctx.firm.call('GET', path);
      return s.body.workflow?.status === 'completed' ? s : null;
    },
    30_000,
    'the reminder workflow to complete',
  );
  expect(state.body.doneReason).toBe(reason);
  const sent = remindersTo(ctx.stack.smtp, address).length;
  await sleep((INTERVAL_DAYS * DAY_SECONDS + 1) * 1000);
  expect(remindersTo(ctx.stack.smtp, address)).toHaveLength(sent);
}

browserTest('chat: the email link opens the thread, the client replies in the page, reminders stop', async () => {
  const acc = await accountWithContacts(ctx.firm);
  const [c] = acc.contacts;
  const thread = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Receipts 2025',
    message: { body: 'Please upload your 2025 receipts' },
    reminders: { enabled: true, intervalDays: INTERVAL_DAYS, count: 5 },
  });
  expect(thread.status).toBe(201);
  const [mail] = await ctx.stack.smtp.waitFor((m) => m.to.includes(c.address) && /sent you a message/.test(m.subject));

  const page = await openPage();
  await page.goto(linkIn(mail, /\/chat\//));
  expect(await page.textContent('h1')).toBe('Receipts 2025');
  expect(await page.textContent('.msg.firm')).toContain('Please upload your 2025 receipts');
  await page.fill('textarea[name=body]', 'Uploaded <all> of them & more');
  await Promise.all([page.waitForURL(/done=replied/), page.click('button:has-text("Send reply")')]);
  expect(await page.textContent('[role=status]')).toContain('Your reply has been sent.');
  expect(await page.textContent('.msg.client')).toContain('Uploaded <all> of them & more');

  const messages = await ctx.stack.db.chatMessage.findMany({ where: { threadId: thread.body.id, author: 'client' } });
  expect(messages).toMatchObject([{ body: 'Uploaded <all> of them & more', contactId: c.id }]);
  await expectRemindersStopped(`/v1/chat-threads/${thread.body.id}/reminders`, c.address, 'replied');
});

browserTest('approval: the client approves in the page, reminders stop', async () => {
  const acc = await accountWithContacts(ctx.firm);
  const [c] = acc.contacts;
  const doc = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/documents`, { name: 'Engagement letter' });
  const req = await ctx.firm.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, {
    message: 'Please approve the engagement letter',
    reminders: { enabled: true, intervalDays: INTERVAL_DAYS, count: 5 },
  });
  expect(req.status).toBe(201);
  const [mail] = await ctx.stack.smtp.waitFor((m) => m.to.includes(c.address) && /to approve/.test(m.subject));

  const page = await openPage();
  await page.goto(linkIn(mail, /\/approval\//));
  expect(await page.textContent('h1')).toBe('Engagement letter');
  expect(await page.textContent('main')).toContain('Please approve the engagement letter');
  await Promise.all([page.waitForURL(/done=approved/), page.click('button:has-text("Approve")')]);
  expect(await page.textContent('[role=status]')).toContain('the document is approved');
  expect(await page.getAttribute('.status', 'data-status')).toBe('approved');
  expect(await page.locator('button:has-text("Approve")').count()).toBe(0);

  expect((await ctx.stack.db.approvalRequest.findUniqueOrThrow({ where: { id: req.body.id } })).status).toBe(
    'approved',
  );
  await expectRemindersStopped(`/v1/approval-requests/${req.body.id}/reminders`, c.address, 'approved');
});

browserTest('signature: the client marks the document signed in the page, reminders stop', async () => {
  const acc = await accountWithContacts(ctx.firm);
  const [c] = acc.contacts;
  const doc = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/documents`, { name: 'Tax return 2025' });
  const req = await ctx.firm.call('POST', `/v1/documents/${doc.body.id}/signature-requests`, {
    signers: [c.id],
    reminders: { enabled: true, intervalDays: INTERVAL_DAYS, count: 5 },
  });
  expect(req.status).toBe(201);
  const [mail] = await ctx.stack.smtp.waitFor((m) => m.to.includes(c.address) && /to sign/.test(m.subject));

  const page = await openPage();
  await page.goto(linkIn(mail, /\/signature\//));
  expect(await page.textContent('h1')).toBe('Tax return 2025');
  expect(await page.textContent('main ul')).toContain('(you): not signed yet');
  await Promise.all([page.waitForURL(/done=signed/), page.click('button:has-text("Mark as signed")')]);
  expect(await page.textContent('[role=status]')).toContain('your signature is recorded');
  expect(await page.textContent('main ul')).toContain('(you): signed');

  expect((await ctx.stack.db.signatureRequest.findUniqueOrThrow({ where: { id: req.body.id } })).status).toBe('signed');
  await expectRemindersStopped(`/v1/signature-requests/${req.body.id}/reminders`, c.address, 'signed');
});

browserTest('invitation: the invitation email link opens the accept page; accepting activates the login', async () => {
  const acc = await accountWithContacts(ctx.firm, [{ login: 'pending' }]);
  const [c] = acc.contacts;
  const [mail] = await ctx.stack.smtp.waitFor((m) => m.to.includes(c.address) && /invites you/.test(m.subject));

  const page = await openPage();
  const link = linkIn(mail, /\/invitations\/accept\?token=/);
  await page.goto(link);
  expect(await page.textContent('main')).toContain(c.address);
  await page.click('button:has-text("Accept invitation")');
  await page.waitForSelector('text=Your account is active.');
  expect(await page.textContent('main')).toContain('Your accounts');

  const email = await ctx.stack.db.contactEmail.findUniqueOrThrow({ where: { id: c.emailId } });
  expect(email.login).toBe('active');
  // The link is single-use: opening it again says so, in a page.
  const again = await page.goto(link);
  expect(again?.status()).toBe(200); // already accepted: shown as "you already have access"
  expect(await page.textContent('h1')).toBe('You already have access');
  await page.goto(link.replace(/token=.*/, 'token=not-a-real-token'));
  expect(await page.textContent('h1')).toBe('Invitation link not valid');
});
