// Activity units under MockActivityEnvironment, over the real test database and a fake mailer (the one
// place the project fakes SMTP: to make a delivery fail on purpose).
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ACTIVITY_TRANSACTIONS, createDb, type Db } from '../prisma/client';
import { createFirm } from '../domain/firms/firms';
import { createReminderActivities } from '../activities/reminder-activities';
import { EmailInFlightError, messageIdFor, sendEmailOnce, unmarkedSendKeys } from '../domain/email/outbound-email';
import type { Mailer, OutgoingMail } from '../domain/email/mailer';
import { reminderWorkflowId, dispatchKey } from '../shared/contracts/item-reminder';
import type { FirstNotification, ItemRef } from '../shared/reminder-types';
import type { Client } from '@temporalio/client';
import { createBulkActivities } from '../activities/bulk-activities';
import { registry } from '../observability/metrics';

let db: Db;
beforeAll(() => {
  db = createDb(process.env.NUDGE_TEST_DATABASE_URL!);
});
afterAll(() => db.$disconnect());

function fakeMailer(failures: { code: number; times: number } = { code: 0, times: 0 }) {
  const sent: OutgoingMail[] = [];
  const mailer: Mailer = {
    async send(mail) {
      if (failures.times > 0) {
        failures.times--;
        throw Object.assign(new Error(`smtp ${failures.code}`), { responseCode: failures.code });
      }
      sent.push(mail);
      return { messageId: mail.messageId };
    },
    async verify() {},
    close() {},
  };
  return { mailer, sent };
}

async function approvalWithContacts(n: number) {
  const { firm } = await createFirm(db, { name: 'Units', owner: { email: `o-${randomUUID()}@t.test`, name: 'O' } });
  const account = await db.account.create({ data: { firmId: firm.id, name: 'Acc', type: 'company' } });
  for (let i = 0; i < n; i++) {
    const contact = await db.contact.create({
      data: {
        firmId: firm.id,
        firstName: `C${i}`,
        emails: { create: { firmId: firm.id, address: `c${i}-${randomUUID()}@t.test` } },
      },
    });
    await db.accountContact.create({ data: { accountId: account.id, contactId: contact.id } });
  }
  const doc = await db.document.create({ data: { firmId: firm.id, accountId: account.id, name: 'Doc' } });
  const req = await db.approvalRequest.create({ data: { firmId: firm.id, accountId: account.id, documentId: doc.id } });
  const item: ItemRef = { firmId: firm.id, accountId: account.id, kind: 'approval', itemId: req.id };
  return { item, firmId: firm.id };
}

const email = (firmId: string, key: string) => ({
  firmId,
  idempotencyKey: key,
  to: 'x@t.test',
  category: 'approvals',
  subject: 'S',
  text: 'T',
  html: '<p>T</p>',
});

test('the worker’s transactions may run past Prisma’s default 5 s (a slow batch is not failed on every retry)', async () => {
  const worker = createDb(process.env.NUDGE_TEST_DATABASE_URL!, 2, ACTIVITY_TRANSACTIONS);
  try {
    const slow = worker.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_sleep(5.5)`;
      return 'committed';
    });
    await expect(slow).resolves.toBe('committed');
  } finally {
    await worker.$disconnect();
  }
}, 20_000);

test('sendEmailOnce sends a key once, however often it is called', async () => {
  const { firmId } = await approvalWithContacts(0);
  const { mailer, sent } = fakeMailer();
  const key = `unit:${randomUUID()}`;
  expect(await sendEmailOnce(db, mailer, email(firmId, key))).toBe('sent');
  expect(await sendEmailOnce(db, mailer, email(firmId, key))).toBe('already_sent');
  expect(sent).toHaveLength(1);
});

test('a transient SMTP failure throws (so the activity retries) and the retry sends once', async () => {
  const { firmId } = await approvalWithContacts(0);
  const { mailer, sent } = fakeMailer({ code: 451, times: 1 });
  const key = `unit:${randomUUID()}`;
  await expect(sendEmailOnce(db, mailer, email(firmId, key))).rejects.toThrow(/451/);
  expect(await sendEmailOnce(db, mailer, email(firmId, key))).toBe('sent');
  expect(sent).toHaveLength(1);
  expect(await db.outboundEmail.findUnique({ where: { idempotencyKey: key } })).toMatchObject({
    status: 'sent',
    attempts: 2,
  });
});

test('a permanent SMTP failure is recorded, not retried', async () => {
  const { firmId } = await approvalWithContacts(0);
  const { mailer } = fakeMailer({ code: 550, times: 5 });
  const key = `unit:${randomUUID()}`;
  expect(await sendEmailOnce(db, mailer, email(firmId, key))).toBe('failed');
  expect(await db.outboundEmail.findUnique({ where: { idempotencyKey: key } })).toMatchObject({
    status: 'failed',
    lastError: 'smtp 550',
  });
});

test('dispatchItemEmail retried after a partial failure sends only what did not go out, and audits once', async () => {
  const { item } = await approvalWithContacts(3);
  const failures = { code: 421, times: 0 };
  const { mailer, sent } = fakeMailer(failures);
  const acts = createReminderActivities({ db, mailer, portalUrl: 'http://portal' });
  const env = new MockActivityEnvironment();
  const key = dispatchKey(reminderWorkflowId('approval', item.itemId), item.itemId, 'notification', 0);
  const req = { item, kind: 'notification' as const, dispatchKey: key, cycleKey: item.itemId, seq: 0 };

  // The second email fails: the first attempt throws after one delivery.
  const original = mailer.send;
  let calls = 0;
  mailer.send = async (m) => {
    if (++calls === 2) throw Object.assign(new Error('smtp 421'), { responseCode: 421 });
    return original(m);
  };
  await expect(env.run(acts.dispatchItemEmail, req)).rejects.toThrow(/421/);
  expect(sent).toHaveLength(1);
  const result = await env.run(acts.dispatchItemEmail, req);
  expect(result).toMatchObject({ status: 'sent', recipients: 3 });
  expect(sent).toHaveLength(3);
  expect(new Set(sent.map((m) => m.to)).size).toBe(3);
  expect(await db.auditEvent.count({ where: { itemId: item.itemId, action: 'item.notification_sent' } })).toBe(1);
  // And a third run (e.g. a late duplicate) sends nothing.
  await env.run(acts.dispatchItemEmail, req);
  expect(sent).toHaveLength(3);
});

test('dispatchItemEmail sends nothing once the client acted', async () => {
  const { item } = await approvalWithContacts(1);
  const { mailer, sent } = fakeMailer();
  const acts = createReminderActivities({ db, mailer, portalUrl: 'http://portal' });
  await db.approvalRequest.update({ where: { id: item.itemId }, data: { status: 'approved' } });
  const env = new MockActivityEnvironment();
  const key = dispatchKey(reminderWorkflowId('approval', item.itemId), item.itemId, 'reminder', 1);
  const result = await env.run(acts.dispatchItemEmail, {
    item,
    kind: 'reminder' as const,
    dispatchKey: key,
    cycleKey: item.itemId,
    seq: 1,
  });
  expect(result).toEqual({ status: 'skipped', reason: 'approved' });
  expect(sent).toHaveLength(0);
  expect(await db.reminderDispatch.count({ where: { itemId: item.itemId } })).toBe(0);
});

test("a run's first read notifies once: a retry sends what did not go out, a later run's reads send nothing", async () => {
  const { item } = await approvalWithContacts(2);
  const { mailer, sent } = fakeMailer();
  const acts = createReminderActivities({ db, mailer, portalUrl: 'http://portal' });
  const workflowId = reminderWorkflowId('approval', item.itemId);
  // An attempt of an activity first scheduled at `scheduled` (ms).
  const scheduledAt = Date.now();
  const attempt = (n: number, scheduled = scheduledAt) =>
    new MockActivityEnvironment({
      attempt: n,
      scheduledTimestampMs: scheduled,
      workflowExecution: { workflowId, runId: 'r' },
    });

  // The second email fails: the first attempt throws after one delivery, with the dispatch recorded.
  const original = mailer.send;
  let calls = 0;
  mailer.send = async (m) => {
    if (++calls === 2) throw Object.assign(new Error('smtp 421'), { responseCode: 421 });
    return original(m);
  };
  await expect(attempt(1).run(acts.notifyItem, item)).rejects.toThrow(/421/);
  expect(sent).toHaveLength(1);
  const retried: FirstNotification = await attempt(2).run(acts.notifyItem, item);
  expect(retried.result).toMatchObject({ status: 'sent', recipients: 2 });
  expect(sent).toHaveLength(2);
  expect(new Set(sent.map((m) => m.to)).size).toBe(2);
  const sentAt = retried.result?.status === 'sent' ? retried.result.sentAt : NaN;
  expect(retried.snapshot).toMatchObject({ notificationSent: true, anchorAt: sentAt, remindersSent: 0 });
  // The snapshot answered is the one the workflow's own read gives.
  expect(retried.snapshot).toEqual(await attempt(1).run(acts.loadItemSnapshot, item));
  expect(await db.auditEvent.count({ where: { itemId: item.itemId, action: 'item.notification_sent' } })).toBe(1);

  // A later run (continued as new) reads the same, reminders included, and sends nothing.
  const reminder = dispatchKey(workflowId, item.itemId, 'reminder', 1);
  const req = { item, kind: 'reminder' as const, dispatchKey: reminder, cycleKey: item.itemId, seq: 1 };
  await attempt(1).run(acts.dispatchItemEmail, req);
  const later: FirstNotification = await attempt(1).run(acts.notifyItem, item);
  expect(later.result).toBeNull();
  expect(later.snapshot).toMatchObject({ notificationSent: true, remindersSent: 1 });
  expect(later.snapshot).toEqual(await attempt(1).run(acts.loadItemSnapshot, item));
  expect(sent).toHaveLength(4);
  // Nor does its retry, though a contact linked since would now be a recipient: the notification is older
  // than the activity.
  const contact = await db.contact.create({
    data: { firmId: item.firmId, firstName: 'New', emails: { create: { firmId: item.firmId, address: 'n@t.test' } } },
  });
  await db.accountContact.create({ data: { accountId: item.accountId, contactId: contact.id } });
  const laterRetry: FirstNotification = await attempt(2, Date.now() + 120_000).run(acts.notifyItem, item);
  expect(laterRetry).toEqual(later);
  expect(sent).toHaveLength(4);

  // An item done before its first read: nothing sent, the reason answered.
  const done = await approvalWithContacts(1);
  await db.approvalRequest.update({ where: { id: done.item.itemId }, data: { status: 'approved' } });
  const first: FirstNotification = await attempt(1).run(acts.notifyItem, done.item);
  expect(first).toEqual({ snapshot: await attempt(1).run(acts.loadItemSnapshot, done.item), result: null });
  expect(first.snapshot.doneReason).toBe('approved');
  expect(sent).toHaveLength(4);
});

test("as a local activity, a run's first read finishes its own notification at any attempt, never an earlier run's", async () => {
  const { item } = await approvalWithContacts(2);
  const { mailer, sent } = fakeMailer();
  const acts = createReminderActivities({ db, mailer, portalUrl: 'http://portal' });
  const workflowId = reminderWorkflowId('approval', item.itemId);
  // A worker that dies mid-send loses its workflow task: the next one runs the local activity at attempt 1.
  const attempt1 = () =>
    new MockActivityEnvironment({ attempt: 1, isLocal: true, workflowExecution: { workflowId, runId: 'r' } });
  const runStartedAt = Date.now();

  const original = mailer.send;
  let calls = 0;
  mailer.send = async (m) => {
    if (++calls === 2) throw Object.assign(new Error('smtp 421'), { responseCode: 421 });
    return original(m);
  };
  await expect(attempt1().run(acts.notifyItem, item, { startedAt: runStartedAt })).rejects.toThrow(/421/);
  expect(sent).toHaveLength(1);
  const again: FirstNotification = await attempt1().run(acts.notifyItem, item, { startedAt: runStartedAt });
  expect(again.result).toMatchObject({ status: 'sent', recipients: 2 });
  expect(new Set(sent.map((m) => m.to)).size).toBe(2);
  expect(again.snapshot).toMatchObject({ notificationSent: true, remindersSent: 0 });
  expect(await db.auditEvent.count({ where: { itemId: item.itemId, action: 'item.notification_sent' } })).toBe(1);

  // A later run (started more than the clock margin after the notification) sends nothing, to a contact
  // linked since either.
  const contact = await db.contact.create({
    data: { firmId: item.firmId, firstName: 'New', emails: { create: { firmId: item.firmId, address: 'l@t.test' } } },
  });
  await db.accountContact.create({ data: { accountId: item.accountId, contactId: contact.id } });
  const later: FirstNotification = await attempt1().run(acts.notifyItem, item, { startedAt: Date.now() + 120_000 });
  expect(later.result).toBeNull();
  expect(later.snapshot).toEqual(await attempt1().run(acts.loadItemSnapshot, item));
  expect(sent).toHaveLength(2);
});

test("a reminder's webhook events are written with its dispatch, once, and none for a reminder skipped", async () => {
  const { item, firmId } = await approvalWithContacts(1);
  const done = await approvalWithContacts(1);
  for (const f of [firmId, done.firmId])
    await db.webhookEndpoint.create({
      data: {
        firmId: f,
        url: 'https://hooks.t.test/in',
        secret: 'whsec_x',
        eventTypes: ['reminder.sent', 'item.reminders_exhausted'],
      },
    });
  await db.approvalRequest.update({ where: { id: done.item.itemId }, data: { status: 'approved' } });
  const { mailer, sent } = fakeMailer();
  const acts = createReminderActivities({ db, mailer, portalUrl: 'http://portal' });
  const env = new MockActivityEnvironment();
  const reminder = (i: ItemRef) => ({
    item: i,
    kind: 'reminder' as const,
    dispatchKey: dispatchKey(reminderWorkflowId('approval', i.itemId), i.itemId, 'reminder', 1),
    cycleKey: i.itemId,
    seq: 1,
  });
  const deliveries = (f: string) =>
    db.webhookDelivery.findMany({ where: { firmId: f }, select: { id: true, eventType: true, eventKey: true } });

  // The default count is 1: the first reminder is also the cycle's last.
  expect(await env.run(acts.dispatchItemEmail, reminder(item))).toMatchObject({ status: 'sent', recipients: 1 });
  await env.run(acts.dispatchItemEmail, reminder(item)); // a retry: nothing more
  const written = await deliveries(firmId);
  expect(written.map((d) => d.eventType).sort()).toEqual(['item.reminders_exhausted', 'reminder.sent']);
  expect(written.find((d) => d.eventType === 'reminder.sent')?.eventKey).toBe(reminder(item).dispatchKey);
  const outbox = await db.outboxMessage.findMany({ where: { firmId, workflowId: { startsWith: 'webhook-' } } });
  expect(outbox.map((o) => o.workflowId).sort()).toEqual(written.map((d) => `webhook-${d.id}`).sort());
  expect(sent).toHaveLength(1);

  expect(await env.run(acts.dispatchItemEmail, reminder(done.item))).toEqual({ status: 'skipped', reason: 'approved' });
  expect(await deliveries(done.firmId)).toHaveLength(0);
  expect(await db.outboxMessage.count({ where: { firmId: done.firmId, workflowId: { startsWith: 'webhook-' } } })).toBe(
    0,
  );
});

test('a send nothing holds is planned at its due time, not at the worker clock (which may run ahead of the workflow)', async () => {
  const { item } = await approvalWithContacts(1);
  const acts = createReminderActivities({ db, mailer: fakeMailer().mailer, portalUrl: 'http://portal' });
  const dueAt = Date.now() - 50;
  // No send window, no pause: a manual resend asked to respect the window goes at once.
  const plan = await new MockActivityEnvironment().run(acts.planReminderSend, { item, dueAt });
  expect(plan).toEqual({ sendAt: dueAt, reasons: [] });
});

test('a reminder for a superseded chat cycle is skipped', async () => {
  const { firmId, item: approval } = await approvalWithContacts(1);
  const thread = await db.chatThread.create({ data: { firmId, accountId: approval.accountId, subject: 'S' } });
  await db.chatMessage.create({ data: { firmId, threadId: thread.id, author: 'firm', body: 'one' } });
  const item: ItemRef = { firmId, accountId: approval.accountId, kind: 'chat', itemId: thread.id };
  const { mailer, sent } = fakeMailer();
  const acts = createReminderActivities({ db, mailer, portalUrl: 'http://portal' });
  const env = new MockActivityEnvironment();
  const result = await env.run(acts.dispatchItemEmail, {
    item,
    kind: 'reminder' as const,
    dispatchKey: `k-${randomUUID()}`,
    cycleKey: 'an-older-message.r0',
    seq: 1,
  });
  expect(result).toEqual({ status: 'skipped', reason: 'stale_cycle' });
  expect(sent).toHaveLength(0);
});

/**
 * The real client, except that the statements whose text matches `statement` throw while `failures.left` > 0.
 * Wrapped, the client has no pg pool of its own, so send-once's statements reach it through $queryRawUnsafe.
 */
function failingStatements(real: Db, statement: RegExp, failures: { left: number }): Db {
  return new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== '$queryRawUnsafe') return value;
      return (text: string, ...values: unknown[]) => {
        if (statement.test(text) && failures.left-- > 0)
          return Promise.reject(new Error('connection to the database lost'));
        return (value as (t: string, ...v: unknown[]) => Promise<unknown>).call(receiver, text, ...values);
      };
    },
  });
}

/** The real client, except that the "sent" mark of outbound emails throws while `failures.left` > 0. */
const failingSentMark = (real: Db, failures: { left: number }) =>
  failingStatements(real, /SET status = 'sent'/, failures);

test('the sent mark failing a few times after the mail server accepted: retried on its own, one email, row sent', async () => {
  const { firmId } = await approvalWithContacts(0);
  const { mailer, sent } = fakeMailer();
  const key = `unit:${randomUUID()}`;
  const failures = { left: 3 };
  let heartbeats = 0;
  const outcome = await sendEmailOnce(failingSentMark(db, failures), mailer, email(firmId, key), {
    heartbeat: () => heartbeats++,
  });
  expect(outcome).toBe('sent');
  expect(failures.left).toBeLessThan(0);
  expect(heartbeats).toBeGreaterThanOrEqual(3);
  expect(sent).toHaveLength(1);
  expect(sent[0].messageId).toBe(messageIdFor(key));
  expect(await db.outboundEmail.findUnique({ where: { idempotencyKey: key } })).toMatchObject({
    status: 'sent',
    attempts: 1,
    messageId: messageIdFor(key),
  });
});

test('the sent mark failing for good: never sent again, the mark is written once the database answers', async () => {
  const { firmId } = await approvalWithContacts(0);
  const { mailer, sent } = fakeMailer();
  const key = `unit:${randomUUID()}`;
  const failures = { left: 1_000 };
  const flaky = failingSentMark(db, failures);
  const opts = { markRetryDelaysMs: [10, 10, 10] };
  // The claim stays and the activity is told to retry later.
  await expect(sendEmailOnce(flaky, mailer, email(firmId, key), opts)).rejects.toBeInstanceOf(EmailInFlightError);
  expect(unmarkedSendKeys()).toContain(key);
  expect(await db.outboundEmail.findUnique({ where: { idempotencyKey: key } })).toMatchObject({ status: 'sending' });
  // Retries while the database is still away, even with the claim expired: no second SMTP call.
  await db.outboundEmail.update({
    where: { idempotencyKey: key },
    data: { claimedAt: new Date(Date.now() - 10 * 60_000) },
  });
  await expect(sendEmailOnce(flaky, mailer, email(firmId, key), opts)).rejects.toBeInstanceOf(EmailInFlightError);
  expect(sent).toHaveLength(1);
  // The database answers again: the retry writes the mark and sends nothing.
  failures.left = 0;
  expect(await sendEmailOnce(flaky, mailer, email(firmId, key), opts)).toBe('already_sent');
  expect(sent).toHaveLength(1);
  expect(unmarkedSendKeys()).not.toContain(key);
  const row = await db.outboundEmail.findUniqueOrThrow({ where: { idempotencyKey: key } });
  expect(row).toMatchObject({ status: 'sent', attempts: 1, messageId: messageIdFor(key) });
  expect(row.lastError).toMatch(/written late/);
});

test('an expired claim (a crash before the sent mark) is sent again with the same Message-ID', async () => {
  const { firmId } = await approvalWithContacts(0);
  const { mailer, sent } = fakeMailer();
  const key = `unit:${randomUUID()}`;
  expect(await sendEmailOnce(db, mailer, email(firmId, key))).toBe('sent');
  // What a worker dying between the acceptance and the mark leaves: `sending`, its claim past the lease.
  await db.outboundEmail.update({
    where: { idempotencyKey: key },
    data: { status: 'sending', sentAt: null, claimedAt: new Date(Date.now() - 10 * 60_000) },
  });
  expect(await sendEmailOnce(db, mailer, email(firmId, key))).toBe('sent');
  expect(sent).toHaveLength(2);
  expect(sent[1].messageId).toBe(sent[0].messageId);
  expect(sent[0].messageId).toMatch(/^<[0-9a-f]{64}@nudge>$/);
  const row = await db.outboundEmail.findUniqueOrThrow({ where: { idempotencyKey: key } });
  expect(row).toMatchObject({ status: 'sent', attempts: 2 });
  // A live claim is not taken over.
  await db.outboundEmail.update({ where: { idempotencyKey: key }, data: { status: 'sending', claimedAt: new Date() } });
  expect(await sendEmailOnce(db, mailer, email(firmId, key))).toBe('in_flight');
  expect(sent).toHaveLength(2);
});

test('a transient SMTP failure whose release cannot be written is sent by a retry once the claim expires', async () => {
  const { firmId } = await approvalWithContacts(0);
  const { mailer, sent } = fakeMailer({ code: 421, times: 1 });
  const key = `unit:${randomUUID()}`;
  const brokenRelease = failingStatements(db, /SET status = 'pending'/, { left: Infinity });
  await expect(sendEmailOnce(brokenRelease, mailer, email(firmId, key))).rejects.toThrow(/421/);
  expect(await sendEmailOnce(db, mailer, email(firmId, key))).toBe('in_flight');
  await db.outboundEmail.update({
    where: { idempotencyKey: key },
    data: { claimedAt: new Date(Date.now() - 10 * 60_000) },
  });
  expect(await sendEmailOnce(db, mailer, email(firmId, key))).toBe('sent');
  expect(sent).toHaveLength(1);
});

test('a permanent refusal marks the contact address bouncing: the next dispatch excludes it, the firm is told', async () => {
  const { item, firmId } = await approvalWithContacts(2);
  const emails = await db.contactEmail.findMany({
    where: { contact: { accounts: { some: { accountId: item.accountId } } } },
    orderBy: [{ contactId: 'asc' }, { address: 'asc' }],
  });
  const [bouncing, fine] = emails;
  const { mailer, sent } = fakeMailer();
  const original = mailer.send;
  mailer.send = async (m) => {
    if (m.to === bouncing.address)
      throw Object.assign(new Error('550 5.1.1 mailbox unavailable'), { responseCode: 550 });
    return original(m);
  };
  const acts = createReminderActivities({ db, mailer, portalUrl: 'http://portal' });
  const env = new MockActivityEnvironment();
  const wf = reminderWorkflowId('approval', item.itemId);
  const first = dispatchKey(wf, item.itemId, 'notification', 0);
  await env.run(acts.dispatchItemEmail, {
    item,
    kind: 'notification' as const,
    dispatchKey: first,
    cycleKey: item.itemId,
    seq: 0,
  });
  expect(sent.map((m) => m.to)).toEqual([fine.address]);
  expect(await db.outboundEmail.findUnique({ where: { idempotencyKey: `${first}:${bouncing.id}` } })).toMatchObject({
    status: 'failed',
  });
  const marked = await db.contactEmail.findUniqueOrThrow({ where: { id: bouncing.id } });
  expect(marked.bouncedAt).toBeInstanceOf(Date);
  expect(marked.bounceReason).toMatch(/550/);
  expect(await db.contactEmail.findUniqueOrThrow({ where: { id: fine.id } })).toMatchObject({ bouncedAt: null });
  const inbox = await db.inboxNotification.findMany({ where: { firmId, kind: 'contact_email.bounced' } });
  expect(inbox).toHaveLength(1); // the owner
  expect(inbox[0].data).toMatchObject({ contactEmailId: bouncing.id });

  // The reminder goes to the other address only, and its audit entry says why.
  const second = dispatchKey(wf, item.itemId, 'reminder', 1);
  const result = await env.run(acts.dispatchItemEmail, {
    item,
    kind: 'reminder' as const,
    dispatchKey: second,
    cycleKey: item.itemId,
    seq: 1,
  });
  expect(result).toMatchObject({ status: 'sent', recipients: 1 });
  expect(sent.map((m) => m.to)).toEqual([fine.address, fine.address]);
  const auditRow = await db.auditEvent.findFirstOrThrow({
    where: { itemId: item.itemId, action: 'item.reminder_sent' },
  });
  expect((auditRow.data as { excluded: unknown[] }).excluded).toEqual([
    { contactEmailId: bouncing.id, contactId: bouncing.contactId, reason: 'bounced' },
  ]);
});

test('a bulk account is counted once: not again by a retry or replay that finds its outcome, nor as failed after', async () => {
  const { firm, owner } = await createFirm(db, {
    name: 'Bulk',
    owner: { email: `o-${randomUUID()}@t.test`, name: 'O' },
  });
  const [first, second] = await Promise.all(
    ['A', 'B'].map((name) => db.account.create({ data: { firmId: firm.id, name, type: 'company' } })),
  );
  const action = await db.bulkAction.create({
    data: { firmId: firm.id, kind: 'archive', params: { kind: 'archive' }, startedBy: owner.id, total: 2 },
  });
  await db.bulkActionOutcome.createMany({
    data: [first, second].map((a, position) => ({ bulkActionId: action.id, accountId: a.id, position })),
  });
  const processed = async (outcome: string) =>
    (await registry.getSingleMetric('nudge_bulk_accounts_processed_total')!.get()).values.find(
      (v) => v.labels.outcome === outcome,
    )?.value ?? 0;
  const before = { done: await processed('done'), failed: await processed('failed') };
  // An archive makes no Temporal call: the client is never used.
  const acts = createBulkActivities({ db, temporal: {} as Client });
  const env = new MockActivityEnvironment();
  const one = { bulkActionId: action.id, accountId: first.id, daySeconds: 1 };

  expect(await env.run(acts.processBulkAccount, one)).toEqual({ outcome: 'done', detail: null });
  expect(await env.run(acts.processBulkAccount, one)).toEqual({ outcome: 'done', detail: null }); // a retry
  const chunk = { bulkActionId: action.id, accountIds: [first.id, second.id], daySeconds: 1 };
  expect(await env.run(acts.processBulkAccounts, chunk)).toEqual({ processed: 2, stopped: false });
  await env.run(acts.recordBulkFailure, { bulkActionId: action.id, accountId: first.id, error: 'late' });

  expect(await processed('done')).toBe(before.done + 2);
  expect(await processed('failed')).toBe(before.failed);
  expect(await db.bulkActionOutcome.count({ where: { bulkActionId: action.id, outcome: 'done' } })).toBe(2);
  // Closed: left running without a workflow, a later file's reconciler pass would start it.
  await db.bulkAction.update({ where: { id: action.id }, data: { status: 'completed', finishedAt: new Date() } });
});
