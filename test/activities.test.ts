// Activity units under MockActivityEnvironment, over the real test database and a fake mailer (the one
// place the project fakes SMTP: to make a delivery fail on purpose).
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDb, type Db } from '../prisma/client';
import { createFirm } from '../domain/firms/firms';
import { createReminderActivities } from '../activities/reminder-activities';
import { sendEmailOnce } from '../domain/email/outbound-email';
import type { Mailer, OutgoingMail } from '../domain/email/mailer';
import { reminderWorkflowId, dispatchKey } from '../shared/contracts/item-reminder';
import type { ItemRef } from '../shared/reminder-types';

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
