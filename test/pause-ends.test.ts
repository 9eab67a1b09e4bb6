// A pause ended early (DELETE …/reminder-pause) lets the reminder it held go at once: its end signals the
// workflows it held, which otherwise ask again only once a reminder day. The day here is 15 s, so "at once"
// (a second or two) and "at the next daily look" (up to 15 s) are told apart.
import { useStackWithFirm, remindersTo, eventually, type FirmHandle } from './support/stack';
import { accountWithContacts } from './support/fixtures';

const DAY_S = 15;
const ctx = useStackWithFirm({ daySeconds: DAY_S });

/** An approval request whose one reminder falls due a (15 s) day after its notification. */
async function approvalWithReminder(f: FirmHandle) {
  const acc = await accountWithContacts(f, [{}]);
  const doc = await f.call('POST', `/v1/accounts/${acc.accountId}/documents`, { name: 'Balance sheet 2025' });
  const req = await f.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, {
    reminders: { enabled: true, intervalDays: 1, count: 1 },
  });
  expect(req.status).toBe(201);
  return { contact: acc.contacts[0], requestId: req.body.id as string };
}

/** The workflow holds the due reminder (the state names when it fell due). */
const held = (f: FirmHandle, requestId: string) =>
  eventually(
    async () =>
      Boolean((await f.call('GET', `/v1/approval-requests/${requestId}/reminders`)).body.workflow?.reminderDueAt),
    3 * DAY_S * 1000,
    'the reminder held by the pause',
  );

test('an item’s or a contact’s pause ended early: the reminder it held goes at once, not at the next daily look', async () => {
  const { stack, firm } = ctx;
  const byItem = await approvalWithReminder(firm);
  const byContact = await approvalWithReminder(firm);
  const until = { until: new Date(Date.now() + 3600_000).toISOString() };
  const itemPause = `/v1/approval-requests/${byItem.requestId}/reminder-pause`;
  const contactPause = `/v1/contacts/${byContact.contact.id}/reminder-pause`;
  expect((await firm.call('PUT', itemPause, until)).status).toBe(200);
  expect((await firm.call('PUT', contactPause, until)).status).toBe(200);
  await held(firm, byItem.requestId);
  await held(firm, byContact.requestId);
  expect(remindersTo(stack.smtp, byItem.contact.address)).toHaveLength(0);
  expect(remindersTo(stack.smtp, byContact.contact.address)).toHaveLength(0);

  const endedAt = Date.now();
  expect((await firm.call('DELETE', itemPause)).status).toBe(204);
  expect((await firm.call('DELETE', contactPause)).status).toBe(204);
  // Well within the day the workflows would otherwise wait before asking again.
  const soon = (DAY_S * 1000) / 2;
  for (const { address } of [byItem.contact, byContact.contact]) {
    await eventually(async () => remindersTo(stack.smtp, address).length === 1, soon, `the reminder to ${address}`);
  }
  expect(Date.now() - endedAt).toBeLessThan(soon);
  // A pause already ended signals nothing more and answers as before.
  expect((await firm.call('DELETE', itemPause)).status).toBe(204);
});
