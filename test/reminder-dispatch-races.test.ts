// The send activity against what the client does meanwhile, over the real test database and a fake mailer (as
// activities.test.ts): a dispatch recorded before an SMTP outage is not finished once the client acted or the
// cycle moved on, and a signer who signs while a dispatch waits for the request's lock gets neither its email
// nor a reopened to-do; an automatic reminder the stored settings no longer allow is not sent (a manual resend
// is). Also the statements a reminder's dispatch costs (bench/README.md: five).
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDb, pgPoolOf, type Db } from '../prisma/client';
import { createFirm } from '../domain/firms/firms';
import { createReminderActivities } from '../activities/reminder-activities';
import type { Mailer, OutgoingMail } from '../domain/email/mailer';
import { dispatchKey, reminderWorkflowId } from '../shared/contracts/item-reminder';
import type { DispatchKind, DispatchRequest, ItemKind, ItemRef } from '../shared/reminder-types';
import { countPoolStatements } from '../bench/support/sql';
import { holdInTransaction } from './support/holds';
import { eventually } from './support/stack';

let db: Db;
// A client of its own whose statements are counted (installed before its pool's first connection).
let counted: Db;
let statements: ReturnType<typeof countPoolStatements>;
beforeAll(() => {
  db = createDb(process.env.NUDGE_TEST_DATABASE_URL!);
  counted = createDb(process.env.NUDGE_TEST_DATABASE_URL!);
  statements = countPoolStatements(pgPoolOf(counted)!);
});
afterAll(async () => {
  await db.$disconnect();
  await counted.$disconnect();
});

/** A mailer that records what it sends; `failOn(n)` makes its n-th send answer SMTP 421 (a transient failure). */
function fakeMailer() {
  const sent: OutgoingMail[] = [];
  let calls = 0;
  let failing = 0;
  const mailer: Mailer = {
    async send(mail) {
      if (++calls === failing) throw Object.assign(new Error('smtp 421'), { responseCode: 421 });
      sent.push(mail);
      return { messageId: mail.messageId };
    },
    async verify() {},
    close() {},
  };
  const failOn = (n: number) => {
    failing = calls + n;
  };
  return { mailer, sent, failOn };
}

/** An account with `n` contacts of one email each, with a portal login (so they have portal to-dos). */
async function accountWithContacts(n: number) {
  const { firm } = await createFirm(db, { name: 'Races', owner: { email: `o-${randomUUID()}@t.test`, name: 'O' } });
  const account = await db.account.create({ data: { firmId: firm.id, name: 'Acc', type: 'company' } });
  const contacts = [];
  for (let i = 0; i < n; i++) {
    const address = `c${i}-${randomUUID()}@t.test`;
    const contact = await db.contact.create({
      data: { firmId: firm.id, firstName: `C${i}`, emails: { create: { firmId: firm.id, address, login: 'active' } } },
      include: { emails: true },
    });
    await db.accountContact.create({ data: { accountId: account.id, contactId: contact.id } });
    contacts.push({ id: contact.id, emailId: contact.emails[0].id, address });
  }
  const doc = await db.document.create({ data: { firmId: firm.id, accountId: account.id, name: 'Doc' } });
  return { firmId: firm.id, accountId: account.id, documentId: doc.id, contacts };
}

async function approval(n: number) {
  const a = await accountWithContacts(n);
  const r = await db.approvalRequest.create({
    data: { firmId: a.firmId, accountId: a.accountId, documentId: a.documentId },
  });
  const item: ItemRef = { firmId: a.firmId, accountId: a.accountId, kind: 'approval', itemId: r.id };
  return { ...a, item };
}

async function signature(n: number) {
  const a = await accountWithContacts(n);
  const r = await db.signatureRequest.create({
    data: {
      firmId: a.firmId,
      accountId: a.accountId,
      documentId: a.documentId,
      signers: { create: a.contacts.map((c, position) => ({ contactId: c.id, position })) },
    },
  });
  const item: ItemRef = { firmId: a.firmId, accountId: a.accountId, kind: 'signature', itemId: r.id };
  return { ...a, item };
}

/** A dispatch as the item's workflow asks for it (a manual resend keyed by a resend id of its own). */
function request(
  item: ItemRef,
  kind: DispatchKind,
  cycleKey: string,
  seq = kind === 'reminder' ? 1 : 0,
): DispatchRequest {
  const workflowId = reminderWorkflowId(item.kind, item.itemId);
  if (kind === 'manual') {
    const resendId = randomUUID();
    return { item, kind, dispatchKey: dispatchKey(workflowId, 'manual', kind, resendId), cycleKey, seq: 0, resendId };
  }
  return { item, kind, dispatchKey: dispatchKey(workflowId, cycleKey, kind, seq), cycleKey, seq };
}

/** Until a dispatch waits for the item's lock (its record's `SELECT … FOR UPDATE` on the item's table). */
const dispatchWaitingFor = (table: string) =>
  eventually(
    async () => {
      const [row] = await db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'
          AND query LIKE ${`%"${table}"%FOR UPDATE%`}`;
      return row.n > 0;
    },
    10_000,
    'the dispatch waiting for the lock',
  );

const sentTo = (sent: OutgoingMail[], address: string) => sent.filter((m) => m.to === address).length;

describe('a dispatch recorded before a transient SMTP failure, retried after the client acted', () => {
  const cases: { name: string; kind: DispatchKind; act: (itemId: string) => Promise<unknown>; reason: string }[] = [
    {
      name: 'a reminder, the request approved',
      kind: 'reminder',
      act: (id) => db.approvalRequest.update({ where: { id }, data: { status: 'approved' } }),
      reason: 'approved',
    },
    {
      name: 'a manual resend, the request withdrawn',
      kind: 'manual',
      act: (id) => db.approvalRequest.update({ where: { id }, data: { status: 'cancelled' } }),
      reason: 'cancelled',
    },
    {
      name: 'a notification, the request deleted',
      kind: 'notification',
      act: (id) => db.approvalRequest.delete({ where: { id } }),
      reason: 'deleted',
    },
  ];
  test.each(cases)('$name: the emails not out yet are not sent', async ({ kind, act, reason }) => {
    const { item } = await approval(2);
    const { mailer, sent, failOn } = fakeMailer();
    const acts = createReminderActivities({ db, mailer, portalUrl: 'http://portal' });
    const env = new MockActivityEnvironment();
    const req = request(item, kind, item.itemId);
    failOn(2);
    await expect(env.run(acts.dispatchItemEmail, req)).rejects.toThrow(/421/);
    expect(sent).toHaveLength(1);
    expect(await db.reminderDispatch.count({ where: { dispatchKey: req.dispatchKey } })).toBe(1);

    await act(item.itemId);
    expect(await env.run(acts.dispatchItemEmail, req)).toEqual({ status: 'skipped', reason });
    expect(sent).toHaveLength(1);
  });

  test('a chat reminder, a new firm message since: skipped as a stale cycle; unchanged, a retry finishes', async () => {
    const { firmId, accountId } = await accountWithContacts(2);
    const thread = await db.chatThread.create({ data: { firmId, accountId, subject: 'S' } });
    const first = await db.chatMessage.create({ data: { firmId, threadId: thread.id, author: 'firm', body: 'one' } });
    const item: ItemRef = { firmId, accountId, kind: 'chat', itemId: thread.id };
    const { mailer, sent, failOn } = fakeMailer();
    const acts = createReminderActivities({ db, mailer, portalUrl: 'http://portal' });
    const env = new MockActivityEnvironment();

    // Nothing changed: the retry sends the email that did not go out.
    const finished = request(item, 'reminder', `${first.id}.r0`);
    failOn(2);
    await expect(env.run(acts.dispatchItemEmail, finished)).rejects.toThrow(/421/);
    expect(await env.run(acts.dispatchItemEmail, finished)).toMatchObject({ status: 'sent', recipients: 2 });
    expect(sent).toHaveLength(2);

    // The firm wrote again before the retry: the reminder about the older message is not finished.
    const req = request(item, 'reminder', `${first.id}.r0`, 2);
    failOn(2);
    await expect(env.run(acts.dispatchItemEmail, req)).rejects.toThrow(/421/);
    expect(sent).toHaveLength(3);
    await db.chatMessage.create({
      data: { firmId, threadId: thread.id, author: 'firm', body: 'two', createdAt: new Date(Date.now() + 1000) },
    });
    expect(await env.run(acts.dispatchItemEmail, req)).toEqual({ status: 'skipped', reason: 'stale_cycle' });
    expect(sent).toHaveLength(3);
  });
});

describe('a signer who signs while a dispatch waits for the request', () => {
  test.each([
    { name: 'a manual resend', kind: 'manual' as const },
    { name: 'a reminder', kind: 'reminder' as const },
  ])('$name: neither emailed nor their to-do reopened; the others get it', async ({ kind }) => {
    const { item, contacts } = await signature(2);
    const [a, b] = contacts;
    const { mailer, sent } = fakeMailer();
    const acts = createReminderActivities({ db: counted, mailer, portalUrl: 'http://portal' });
    const env = new MockActivityEnvironment();
    // The notification opens both signers' to-dos.
    await env.run(acts.dispatchItemEmail, request(item, 'notification', item.itemId));
    expect(await db.portalTodo.count({ where: { itemId: item.itemId, status: 'open' } })).toBe(2);
    expect(sent).toHaveLength(2);

    // A signs as the sign route does (request lock, signature, to-do closed), not yet committed.
    const release = await holdInTransaction(db, async (tx) => {
      await tx.$queryRaw`SELECT 1 FROM "SignatureRequest" WHERE id = ${item.itemId}::uuid FOR NO KEY UPDATE`;
      await tx.signatureSigner.updateMany({
        where: { requestId: item.itemId, contactId: a.id },
        data: { signedAt: new Date() },
      });
      await tx.portalTodo.updateMany({
        where: { itemId: item.itemId, contactEmailId: a.emailId },
        data: { status: 'done' },
      });
    });
    const req = request(item, kind, item.itemId);
    statements.reset();
    const dispatched = env.run(acts.dispatchItemEmail, req);
    // The dispatch read A as pending and now waits for the request's lock.
    await dispatchWaitingFor('SignatureRequest');
    await release();
    expect(await dispatched).toMatchObject({ status: 'sent', recipients: 1 });
    // One statement more than without the race: the record, refused and written again without A.
    expect(statements.read()).toMatchObject({ statements: 6, begins: 1, commits: 1 });

    expect(sentTo(sent, a.address)).toBe(1); // the notification only
    expect(sentTo(sent, b.address)).toBe(2);
    const todos = await db.portalTodo.findMany({ where: { itemId: item.itemId } });
    expect(Object.fromEntries(todos.map((t) => [t.contactEmailId, t.status]))).toEqual({
      [a.emailId]: 'done',
      [b.emailId]: 'open',
    });
    const dispatch = await db.reminderDispatch.findUniqueOrThrow({ where: { dispatchKey: req.dispatchKey } });
    expect(dispatch.recipients).toBe(1);
    const audit = await db.auditEvent.findFirstOrThrow({
      where: { itemId: item.itemId, action: kind === 'manual' ? 'item.manual_resend' : 'item.reminder_sent' },
    });
    expect(audit.data).toMatchObject({
      recipients: [b.emailId],
      excluded: [{ contactEmailId: a.emailId, contactId: a.id, reason: 'already_signed' }],
    });
  });
});

describe('settings changed before their signal reached the workflow', () => {
  test('an automatic reminder the stored settings no longer allow is skipped, in its one read; a manual resend goes', async () => {
    const { item, contacts } = await approval(1);
    const { mailer, sent } = fakeMailer();
    const acts = createReminderActivities({ db: counted, mailer, portalUrl: 'http://portal' });
    const env = new MockActivityEnvironment();
    const settings = (data: { enabled: boolean; count: number }) =>
      db.reminderSettings.upsert({
        where: { itemKind_itemId: { itemKind: 'approval', itemId: item.itemId } },
        create: { firmId: item.firmId, itemKind: 'approval', itemId: item.itemId, intervalDays: 3, ...data },
        update: data,
      });
    const reminders = () => db.reminderDispatch.count({ where: { itemId: item.itemId, kind: 'reminder' } });

    // Switched off: the workflow, which held them on, re-reads and ends on the skip.
    await settings({ enabled: false, count: 3 });
    statements.reset();
    expect(await env.run(acts.dispatchItemEmail, request(item, 'reminder', item.itemId, 1))).toEqual({
      status: 'skipped',
      reason: 'stale_cycle',
    });
    expect(statements.read()).toMatchObject({ statements: 1, begins: 0 });
    // A person's resend goes whatever the automatic settings say.
    expect(await env.run(acts.dispatchItemEmail, request(item, 'manual', item.itemId))).toMatchObject({
      status: 'sent',
      recipients: 1,
    });

    // On with a lower count: the reminders within it go, the one beyond it does not.
    await settings({ enabled: true, count: 1 });
    expect(await env.run(acts.dispatchItemEmail, request(item, 'reminder', item.itemId, 1))).toMatchObject({
      status: 'sent',
    });
    expect(await env.run(acts.dispatchItemEmail, request(item, 'reminder', item.itemId, 2))).toEqual({
      status: 'skipped',
      reason: 'stale_cycle',
    });
    expect(await reminders()).toBe(1);
    expect(sentTo(sent, contacts[0].address)).toBe(2); // the resend and reminder 1
  });
});

describe('settings changed while the reminder waits for the item', () => {
  test("reminders switched off, committing between the send's read and its record: skipped under the lock", async () => {
    const { item, contacts } = await approval(1);
    const { mailer, sent } = fakeMailer();
    const acts = createReminderActivities({ db: counted, mailer, portalUrl: 'http://portal' });
    const env = new MockActivityEnvironment();
    await db.reminderSettings.create({
      data: {
        firmId: item.firmId,
        itemKind: 'approval',
        itemId: item.itemId,
        enabled: true,
        intervalDays: 3,
        count: 3,
      },
    });
    // The settings route's change: the item's lock, then the row; not committed yet.
    const release = await holdInTransaction(db, async (tx) => {
      await tx.$queryRaw`SELECT 1 FROM "ApprovalRequest" WHERE id = ${item.itemId}::uuid FOR NO KEY UPDATE`;
      await tx.reminderSettings.update({
        where: { itemKind_itemId: { itemKind: 'approval', itemId: item.itemId } },
        data: { enabled: false },
      });
    });
    statements.reset();
    const dispatched = env.run(acts.dispatchItemEmail, request(item, 'reminder', item.itemId, 1));
    // The send read the settings on and now waits for the item's lock.
    await dispatchWaitingFor('ApprovalRequest');
    await release();
    expect(await dispatched).toEqual({ status: 'skipped', reason: 'stale_cycle' });
    // Its read, the item's lock and the record, which wrote nothing: no more statements than a send's.
    expect(statements.read()).toMatchObject({ statements: 3, begins: 1, commits: 1 });
    expect(await db.reminderDispatch.count({ where: { itemId: item.itemId } })).toBe(0);
    expect(sentTo(sent, contacts[0].address)).toBe(0);
  });
});

describe("a reminder's dispatch costs what the bench counts", () => {
  const kinds: ItemKind[] = ['approval', 'signature'];
  test.each(kinds)(
    '%s request, a reminder to one recipient: five statements, one transaction; its retry once done: one',
    async (kind) => {
      const { item } = kind === 'approval' ? await approval(1) : await signature(1);
      const { mailer, sent, failOn } = fakeMailer();
      const acts = createReminderActivities({ db: counted, mailer, portalUrl: 'http://portal' });
      const env = new MockActivityEnvironment();
      const req = request(item, 'reminder', item.itemId);
      statements.reset();
      expect(await env.run(acts.dispatchItemEmail, req)).toMatchObject({ status: 'sent', recipients: 1 });
      // What it reads, the item's lock, the record, the email's claim and its "sent" mark.
      expect(statements.read()).toMatchObject({ statements: 5, begins: 1, commits: 1 });
      expect(sent).toHaveLength(1);

      // A recorded one whose email failed, retried after the client acted: only its read.
      const again = request(item, 'reminder', item.itemId, 2);
      failOn(1);
      await expect(env.run(acts.dispatchItemEmail, again)).rejects.toThrow(/421/);
      if (kind === 'approval')
        await db.approvalRequest.update({ where: { id: item.itemId }, data: { status: 'approved' } });
      else await db.signatureRequest.update({ where: { id: item.itemId }, data: { status: 'signed' } });
      statements.reset();
      expect(await env.run(acts.dispatchItemEmail, again)).toMatchObject({ status: 'skipped' });
      expect(statements.read()).toMatchObject({ statements: 1, begins: 0 });
    },
  );
});
