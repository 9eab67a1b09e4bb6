// What operators rely on: workflows findable by firm, account and item in Temporal; long-lived chats that
// continue as new instead of growing one history; and recorded histories for the replay test.
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { useStackWithFirm, remindersTo, eventually, sleep, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts } from './support/fixtures';
import { recordHistory } from './support/histories';
import { reminderWorkflowId } from '../shared/contracts/item-reminder';
import { manualResendSignal } from '../shared/contracts/item-reminder';
import type { ItemReminderInput } from '../shared/contracts/item-reminder';

const ctx = useStackWithFirm({ daySeconds: 1 });
let stack: Stack;
let firm: FirmHandle;
beforeAll(() => ({ stack, firm } = ctx));

const reminders = (address: string) => remindersTo(stack.smtp, address);

/** A workflow's history as JSON with every payload decoded: what Temporal stores, not its base64. */
async function decodedHistory(workflowId: string): Promise<string> {
  const json = historyToJSON(await stack.client.workflow.getHandle(workflowId).fetchHistory());
  return JSON.stringify(JSON.parse(json), (key, v) =>
    key === 'data' && typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : v,
  );
}

async function listIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of stack.client.workflow.list({ query })) ids.push(w.workflowId);
  return ids;
}

test('reminder workflows are findable by firm, account, item kind and item id, with a memo', async () => {
  const acc = await accountWithContacts(firm);
  const t = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Find me',
    message: { body: 'hello' },
    reminders: { enabled: true, intervalDays: 1, count: 1 },
  });
  const id = reminderWorkflowId('chat', t.body.id);
  await eventually(async () => reminders(acc.contacts[0].address).length === 1, 8000, 'reminder');
  await eventually(
    async () =>
      (
        await listIds(
          `NudgeFirmId = "${firm.firmId}" AND NudgeAccountId = "${acc.accountId}" AND NudgeItemKind = "chat"`,
        )
      ).includes(id),
    10_000,
    'visibility',
  );
  expect(await listIds(`NudgeItemId = "${t.body.id}"`)).toEqual([id]);
  const description = await stack.client.workflow.getHandle(id).describe();
  expect(await description.memo).toMatchObject({
    firmId: firm.firmId,
    accountId: acc.accountId,
    itemKind: 'chat',
    itemId: t.body.id,
  });
  // No personal data in what Temporal stores: the client's address appears nowhere in the history.
  const history = await decodedHistory(id);
  expect(history).not.toContain(acc.contacts[0].address);
  await recordHistory(stack.client, 'chat-remind-count-reached', id);
});

test('a manual resend message reaches the email and the database, never the workflow history', async () => {
  const acc = await accountWithContacts(firm);
  const [c] = acc.contacts;
  const t = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Resend text',
    message: { body: 'hello' },
  });
  const ref = `ref${Date.now()}`;
  const message = `Please call us back, ${ref}`;
  const r = await firm.call('POST', `/v1/chat-threads/${t.body.id}/resend`, { message });
  expect(r.status).toBe(202);
  const mail = await eventually(
    async () => reminders(c.address).find((m) => m.raw.includes(ref)),
    10_000,
    'resend email',
  );
  expect(mail).toBeTruthy();
  expect(await stack.db.manualResend.findUnique({ where: { id: r.body.resendId } })).toMatchObject({ message });
  const history = await decodedHistory(reminderWorkflowId('chat', t.body.id));
  expect(history).toContain(r.body.resendId);
  expect(history).not.toContain(ref);
});

test('a long-lived thread continues as new and still sends each reminder exactly once', async () => {
  const acc = await accountWithContacts(firm);
  const [c] = acc.contacts;
  // The thread is written as the API would, and its workflow started with the test hook that forces
  // continue-as-new after a few events (production waits for Temporal's suggestion).
  const thread = await stack.db.chatThread.create({
    data: { firmId: firm.firmId, accountId: acc.accountId, subject: 'Long' },
  });
  await stack.db.chatMessage.create({ data: { firmId: firm.firmId, threadId: thread.id, author: 'firm', body: 'hi' } });
  await stack.db.reminderSettings.create({
    data: { firmId: firm.firmId, itemKind: 'chat', itemId: thread.id, enabled: true, intervalDays: 1, count: 4 },
  });
  const workflowId = reminderWorkflowId('chat', thread.id);
  const input: ItemReminderInput = {
    item: { firmId: firm.firmId, accountId: acc.accountId, kind: 'chat', itemId: thread.id },
    daySeconds: 1,
    continueAsNewAfterEvents: 12,
  };
  const handle = await stack.client.workflow.start('itemReminderWorkflow', {
    taskQueue: stack.taskQueue,
    workflowId,
    args: [input],
  });
  await eventually(async () => reminders(c.address).length === 2, 10_000, 'two reminders');
  await handle.signal(manualResendSignal, { resendId: 'carried-over' });
  await eventually(async () => reminders(c.address).length === 5, 10_000, 'four reminders and one resend');
  await sleep(2000);
  expect(reminders(c.address)).toHaveLength(5);
  expect(new Set(reminders(c.address).map((m) => m.key)).size).toBe(5);
  const runs = await eventually(
    async () => {
      const all = [];
      for await (const w of stack.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) all.push(w);
      return all.length >= 3 && all;
    },
    10_000,
    'several runs',
  );
  expect(runs.length).toBeGreaterThanOrEqual(3);
  const final = await stack.client.workflow.getHandle(workflowId).result();
  expect(final).toMatchObject({ status: 'completed', stopReason: 'count_reached', remindersSent: 4 });
  await recordHistory(stack.client, 'chat-continue-as-new-last-run', workflowId);
  await recordHistory(stack.client, 'chat-continue-as-new-first-run', workflowId, handle.firstExecutionRunId);
});

test('signature lifecycle history (partial signing, settings change, resend, completion)', async () => {
  const acc = await accountWithContacts(firm, [{}, {}]);
  const [a, b] = acc.contacts;
  const doc = await firm.call('POST', `/v1/accounts/${acc.accountId}/documents`, { name: 'Engagement letter' });
  const req = await firm.call('POST', `/v1/documents/${doc.body.id}/signature-requests`, {
    signers: [a.id, b.id],
    reminders: { enabled: true, intervalDays: 1, count: 3 },
  });
  await eventually(async () => reminders(b.address).length === 1, 8000, 'first reminder');
  await firm.call('POST', `/v1/signature-requests/${req.body.id}/signers/${a.id}/sign`, {});
  await firm.call('PUT', `/v1/signature-requests/${req.body.id}/reminder-settings`, { intervalDays: 2 });
  await firm.call('POST', `/v1/signature-requests/${req.body.id}/resend`, { message: 'Just one signature left' });
  await eventually(async () => reminders(b.address).length === 2, 8000, 'resend');
  await firm.call('POST', `/v1/signature-requests/${req.body.id}/signers/${b.id}/sign`, {});
  const final = await stack.client.workflow.getHandle(reminderWorkflowId('signature', req.body.id)).result();
  expect(final).toMatchObject({ status: 'completed', doneReason: 'signed', manualResendsSent: 1 });
  await recordHistory(stack.client, 'signature-partial-resend-signed', reminderWorkflowId('signature', req.body.id));
});

test('approval history (reply-like stop by approval while waiting)', async () => {
  const acc = await accountWithContacts(firm);
  const doc = await firm.call('POST', `/v1/accounts/${acc.accountId}/documents`, { name: 'Budget' });
  const req = await firm.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, {
    reminders: { enabled: true, intervalDays: 5, count: 2 },
  });
  await stack.smtp.waitFor((m) => m.to.includes(acc.contacts[0].address));
  await firm.call('POST', `/v1/approval-requests/${req.body.id}/approve`, { contactId: acc.contacts[0].id });
  const final = await stack.client.workflow.getHandle(reminderWorkflowId('approval', req.body.id)).result();
  expect(final).toMatchObject({ status: 'completed', doneReason: 'approved', remindersSent: 0 });
  await recordHistory(stack.client, 'approval-approved-while-waiting', reminderWorkflowId('approval', req.body.id));
});
