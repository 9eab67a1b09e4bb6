// Fault suite (issue 9): real stack, one fault per case, each asserting 0 lost and 0 duplicated emails.
// - Temporal killed (SIGKILL) and restarted while reminders sleep: this file's own dev server, persisted to
//   a SQLite file, so the shared one stays up for the other files.
// - SMTP refusing every delivery (transient 451) across several due reminders, then back.
// Each case prints its figures (lost, duplicates, recovery delay).
import { startStack, eventually, sleep, remindersTo, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts } from './support/fixtures';
import { deliveryFigures, useStackOnKillableTemporal } from './support/faults';
import type { CapturedMail } from './support/smtp-capture';

const THREADS = 5;
const COUNT = 2; // reminders per thread
const DAY_SECONDS = 2;
const isReminder = (m: CapturedMail) => /^Reminder/.test(m.subject);

/** THREADS chat threads with reminders (intervalDays 1, count COUNT), one account and one contact each. */
async function threadsWithReminders(firm: FirmHandle) {
  const threads: { id: string; address: string }[] = [];
  for (let i = 0; i < THREADS; i++) {
    const acc = await accountWithContacts(firm, [{}]);
    const t = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
      subject: `Fault ${i}`,
      message: { body: 'Please upload your receipts' },
      reminders: { enabled: true, intervalDays: 1, count: COUNT },
    });
    if (t.status !== 201) throw new Error(`thread: ${t.status} ${JSON.stringify(t.body)}`);
    threads.push({ id: t.body.id as string, address: acc.contacts[0].address });
  }
  return threads;
}

/** Waits for the notifications to be delivered and marked sent, so the fault hits sleeping workflows. */
async function notificationsSent(stack: Stack, firm: FirmHandle) {
  await stack.smtp.waitFor((m) => !isReminder(m), THREADS, 20_000);
  await eventually(
    async () => (await stack.db.outboundEmail.count({ where: { firmId: firm.firmId, status: 'sent' } })) >= THREADS,
    10_000,
    'notifications marked sent',
  );
}

/** Asserts 1 notification + COUNT reminders per address, every key distinct, and the workflows completed. */
async function expectExactlyOnce(stack: Stack, firm: FirmHandle, threads: { id: string; address: string }[]) {
  const addresses = threads.map((t) => t.address);
  const all = deliveryFigures(stack.smtp.mails, addresses, 1 + COUNT);
  const reminders = deliveryFigures(stack.smtp.mails, addresses, COUNT, isReminder);
  for (const { address } of threads) {
    expect(stack.smtp.to(address)).toHaveLength(1 + COUNT);
    expect(remindersTo(stack.smtp, address)).toHaveLength(COUNT);
  }
  const keys = stack.smtp.mails.map((m) => m.key);
  expect(keys.every((k) => !!k)).toBe(true);
  expect(new Set(keys).size).toBe(keys.length);
  for (const { id } of threads) {
    const state = await firm.call('GET', `/v1/chat-threads/${id}/reminders`);
    expect(state.body.workflow).toMatchObject({ status: 'completed', remindersSent: COUNT });
  }
  return { all, reminders };
}

describe('Temporal killed and restarted while reminders sleep', () => {
  const ctx = useStackOnKillableTemporal({ daySeconds: DAY_SECONDS });

  test('each address gets its notification and every reminder exactly once', async () => {
    const s = ctx.stack!;
    const t = ctx.temporal!;
    const firm = await s.newFirm();
    const threads = await threadsWithReminders(firm);
    await notificationsSent(s, firm);
    const notifiedAt = Math.max(...s.smtp.mails.map((m) => m.receivedAt));

    await t.kill();
    const killedAt = Date.now();
    // Down for two reminder days: every first reminder falls due with no Temporal.
    await sleep(2 * DAY_SECONDS * 1000);
    expect(s.smtp.mails.filter(isReminder)).toHaveLength(0);
    await t.start();
    const recoveredAt = Date.now();

    const expected = THREADS * COUNT;
    await eventually(
      async () => s.smtp.mails.filter(isReminder).length >= expected,
      45_000,
      `${expected} reminders after Temporal restarted`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; got ${s.smtp.mails.filter(isReminder).length}\n${t.log().slice(-3000)}`);
    });
    // Anything extra would come within a day or two.
    await sleep(2 * DAY_SECONDS * 1000);

    const { all, reminders } = await expectExactlyOnce(s, firm, threads);
    const times = s.smtp.mails.filter(isReminder).map((m) => m.receivedAt);
    console.log(
      `[faults] Temporal killed ${((killedAt - notifiedAt) / 1000).toFixed(1)} s after the notifications, ` +
        `down ${((recoveredAt - killedAt) / 1000).toFixed(1)} s (restart included); ${THREADS} threads × ` +
        `(1 notification + ${COUNT} reminders): lost ${all.lost}, duplicates ${all.duplicates} ` +
        `(reminders: lost ${reminders.lost}, duplicates ${reminders.duplicates}); first reminder ` +
        `${((Math.min(...times) - recoveredAt) / 1000).toFixed(1)} s after Temporal answered again, ` +
        `all first reminders by ${((firstRemindersDoneAt(s.smtp.mails, threads) - recoveredAt) / 1000).toFixed(1)} s, ` +
        `last reminder at ${((Math.max(...times) - recoveredAt) / 1000).toFixed(1)} s; shortest gap between two ` +
        `mails to one address ${minSpacingSeconds(s.smtp.mails, threads)} s (a reminder day is ${DAY_SECONDS} s)`,
    );
    expect(all).toEqual({ lost: 0, duplicates: 0, repeatedKeys: 0 });
  }, 90_000);
});

describe('SMTP refusing every delivery across due reminders', () => {
  let stack: Stack | undefined;

  beforeAll(async () => {
    stack = await startStack({ daySeconds: DAY_SECONDS });
  }, 60_000);
  afterAll(() => stack?.stop());

  test('every reminder arrives exactly once after SMTP is back', async () => {
    const s = stack!;
    const firm = await s.newFirm();
    const threads = await threadsWithReminders(firm);
    await notificationsSent(s, firm);

    // Down: every delivery answered 451 (transient), for three reminder days.
    s.smtp.failNext(Number.MAX_SAFE_INTEGER);
    const downAt = Date.now();
    await sleep(3 * DAY_SECONDS * 1000);
    expect(s.smtp.mails.filter(isReminder)).toHaveLength(0);
    const attempted = await s.db.outboundEmail.count({ where: { firmId: firm.firmId } });
    s.smtp.failNext(0);
    const recoveredAt = Date.now();

    const expected = THREADS * COUNT;
    await eventually(
      async () => s.smtp.mails.filter(isReminder).length >= expected,
      60_000,
      `${expected} reminders after SMTP came back`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; got ${s.smtp.mails.filter(isReminder).length}`);
    });
    await sleep(2 * DAY_SECONDS * 1000);

    const { all, reminders } = await expectExactlyOnce(s, firm, threads);
    const times = s.smtp.mails.filter(isReminder).map((m) => m.receivedAt);
    console.log(
      `[faults] SMTP refused (451) for ${((recoveredAt - downAt) / 1000).toFixed(1)} s ` +
        `(${attempted} outbound rows by then); ${THREADS} threads × (1 notification + ${COUNT} reminders): ` +
        `lost ${all.lost}, duplicates ${all.duplicates} (reminders: lost ${reminders.lost}, duplicates ` +
        `${reminders.duplicates}); first reminder ${((Math.min(...times) - recoveredAt) / 1000).toFixed(1)} s after ` +
        `SMTP came back, all first reminders by ${((firstRemindersDoneAt(s.smtp.mails, threads) - recoveredAt) / 1000).toFixed(1)} s, ` +
        `last reminder at ${((Math.max(...times) - recoveredAt) / 1000).toFixed(1)} s; shortest gap between two ` +
        `mails to one address ${minSpacingSeconds(s.smtp.mails, threads)} s (a reminder day is ${DAY_SECONDS} s)`,
    );
    expect(all).toEqual({ lost: 0, duplicates: 0, repeatedKeys: 0 });
  }, 90_000);
});

/** The shortest time between two consecutive mails to one address (a burst shows as well under a day). */
function minSpacingSeconds(mails: CapturedMail[], threads: { address: string }[]) {
  let min = Infinity;
  for (const { address } of threads) {
    const times = mails
      .filter((m) => m.to.includes(address.toLowerCase()))
      .map((m) => m.receivedAt)
      .sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) min = Math.min(min, times[i] - times[i - 1]);
  }
  return (min / 1000).toFixed(1);
}

/** When the last thread got its first reminder (the ones due during the fault). */
function firstRemindersDoneAt(mails: CapturedMail[], threads: { address: string }[]) {
  return Math.max(
    ...threads.map(({ address }) =>
      Math.min(...mails.filter((m) => isReminder(m) && m.to.includes(address.toLowerCase())).map((m) => m.receivedAt)),
    ),
  );
}
