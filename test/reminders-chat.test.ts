// Chat reminders end to end: API → Temporal workflow → SMTP, with a 1-second "day".
import { startStack, eventually, sleep, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts } from './support/fixtures';

let stack: Stack;
let firm: FirmHandle;

beforeAll(async () => {
  stack = await startStack({ daySeconds: 1 });
  firm = await stack.newFirm();
});
afterAll(() => stack?.stop());

const subjectIs = (re: RegExp) => (m: { subject: string }) => re.test(m.subject);

async function thread(reminders: Record<string, unknown>, contacts = [{}]) {
  const acc = await accountWithContacts(firm, contacts);
  const t = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, { subject: 'Missing receipts', message: { body: 'Please upload your receipts' }, reminders });
  expect(t.status).toBe(201);
  return { ...acc, threadId: t.body.id as string, address: acc.contacts[0].address };
}

const remindersTo = (address: string) => stack.smtp.to(address).filter((m) => /^Reminder/.test(m.subject));

test('notifies, reminds up to the count, then stops', async () => {
  const t = await thread({ enabled: true, intervalDays: 1, count: 2 });
  await stack.smtp.waitFor((m) => m.to.includes(t.address) && /sent you a message/.test(m.subject));
  await eventually(async () => remindersTo(t.address).length === 2, 15_000, 'two reminders');
  await sleep(2500);
  expect(remindersTo(t.address)).toHaveLength(2);
  const state = await firm.call('GET', `/v1/chat-threads/${t.threadId}/reminders`);
  expect(state.body.workflow).toMatchObject({ status: 'completed', remindersSent: 2, stopReason: 'count_reached' });
  const audit = await firm.call('GET', `/v1/audit-events?itemId=${t.threadId}`);
  expect(audit.body.items.filter((e: { action: string }) => e.action === 'item.reminder_sent')).toHaveLength(2);
});

test('a client reply stops reminders', async () => {
  const t = await thread({ enabled: true, intervalDays: 2, count: 3 });
  await stack.smtp.waitFor((m) => m.to.includes(t.address));
  const reply = await firm.call('POST', `/v1/chat-threads/${t.threadId}/messages`, { author: 'client', body: 'Done!', contactId: t.contacts[0].id });
  expect(reply.status).toBe(201);
  await eventually(async () => (await firm.call('GET', `/v1/chat-threads/${t.threadId}/reminders`)).body.workflow?.status === 'completed', 10_000, 'workflow end');
  await sleep(2500);
  expect(remindersTo(t.address)).toHaveLength(0);
  const state = await firm.call('GET', `/v1/chat-threads/${t.threadId}/reminders`);
  expect(state.body.doneReason).toBe('replied');
});
