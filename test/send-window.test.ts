// Send windows and pauses (issue 12) on the real stack: a reminder due while the window is closed waits
// (the explainer says until when and why, no email goes), and goes once the window opens; a contact's time
// zone; manual resends at once unless asked to respect the window (whatever the kind's send-window rule);
// pauses of an item and of a contact, resuming without a burst; bad input refused with nothing written.
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { useStackWithFirm, remindersTo, eventually, sleep, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts, firmUser } from './support/fixtures';
import { recordHistory } from './support/histories';
import { expectRefused, rowCounter, type BadInputCase } from './support/bad-input';

const ctx = useStackWithFirm({ daySeconds: 1 });
let stack: Stack;
let firm: FirmHandle;
beforeAll(() => ({ stack, firm } = ctx));

const allDay = [{ from: '00:00', to: '24:00' }];
const everyDay = (intervals: { from: string; to: string }[]) =>
  Object.fromEntries(
    ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [d, intervals]),
  );

/** An approval request with reminders every `intervalDays` (1 s days), on a fresh account. */
async function approvalWithReminders(f: FirmHandle, reminders: object, contacts = [{}]) {
  const acc = await accountWithContacts(f, contacts);
  const doc = await f.call('POST', `/v1/accounts/${acc.accountId}/documents`, { name: 'Balance sheet 2025' });
  const req = await f.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, {
    reminders: { enabled: true, ...reminders },
  });
  expect(req.status).toBe(201);
  return { ...acc, requestId: req.body.id as string };
}

const explain = (f: FirmHandle, requestId: string) => f.call('GET', `/v1/approval-requests/${requestId}/reminders`);
const notifications = (address: string) => stack.smtp.to(address).filter((m) => !/^Reminder/.test(m.subject));

/** Today (UTC) closed must stay today for the test's length: a start just before midnight waits for it. */
async function clearOfMidnightUtc(marginMs = 120_000) {
  const left = DateTime.utc().plus({ days: 1 }).startOf('day').toMillis() - Date.now();
  if (left < marginMs) await sleep(left + 1000);
}

test('a reminder due on a closed day waits for the next opening, and goes once the window opens', async () => {
  await clearOfMidnightUtc();
  const f = await stack.newFirm();
  const today = DateTime.utc().toISODate()!;
  const put = await f.call('PUT', '/v1/settings/send-window', {
    timeZone: 'UTC',
    hours: everyDay(allDay),
    closedDays: [today],
  });
  expect(put.status).toBe(200);
  expect(put.body.window).toEqual({ timeZone: 'UTC', hours: everyDay(allDay), closedDays: [today] });
  expect((await f.call('GET', '/v1/settings/send-window')).body.window.closedDays).toEqual([today]);

  const { requestId, contacts } = await approvalWithReminders(f, { intervalDays: 1, count: 1 });
  const [client] = contacts;
  await eventually(async () => notifications(client.address).length === 1, 15_000, 'the notification');

  // Due a second after the notification, but today is closed: it will go at midnight UTC, and the
  // workflow waits for that instant.
  const tomorrow = DateTime.utc().plus({ days: 1 }).startOf('day');
  await eventually(
    async () => (await explain(f, requestId)).body.workflow?.nextReminderAt === tomorrow.toISO(),
    15_000,
  );
  const state = await explain(f, requestId);
  expect(state.body.nextReminder).toMatchObject({
    sendAt: tomorrow.toISO(),
    reasons: ['holiday'],
    timeZone: 'UTC',
  });
  expect(Date.parse(state.body.nextReminder.dueAt)).toBeLessThan(Date.now());
  expect(state.body.nextReminder.explanation).toBe(
    `due ${DateTime.fromISO(state.body.nextReminder.dueAt, { zone: 'UTC' }).toFormat('cccc HH:mm')}, goes ${tomorrow.toFormat('cccc HH:mm')}: holiday`,
  );
  await sleep(2000);
  expect(remindersTo(stack.smtp, client.address)).toHaveLength(0);

  // The firm opens today: the waiting reminder goes (it re-reads the window at least once a reminder day).
  expect(
    (await f.call('PUT', '/v1/settings/send-window', { timeZone: 'UTC', hours: everyDay(allDay), closedDays: [] }))
      .status,
  ).toBe(200);
  await eventually(async () => remindersTo(stack.smtp, client.address).length === 1, 15_000, 'the reminder');
  await sleep(1500);
  expect(remindersTo(stack.smtp, client.address)).toHaveLength(1);
  // Sent, the reminder still says when it was due and why it waited.
  const sent = (await explain(f, requestId)).body.dispatches.find((d: any) => d.kind === 'reminder');
  const due = DateTime.fromISO(state.body.nextReminder.dueAt, { zone: 'UTC' });
  const at = DateTime.fromISO(sent.at, { zone: 'UTC' });
  expect(sent.held).toEqual({
    dueAt: state.body.nextReminder.dueAt,
    reasons: ['holiday'],
    explanation: `due ${due.toFormat('cccc HH:mm')}, sent ${at.toFormat('cccc HH:mm')}: holiday`,
  });
}, 210_000); // room for the wait for midnight

test('a reminder overdue once the window has closed (its pause lifted early) waits for the next opening', async () => {
  const f = await stack.newFirm();
  // The window closes at a minute boundary far enough ahead for the reminder to fall due while it is open.
  let closeAt = DateTime.utc().plus({ seconds: 10 }).startOf('minute').plus({ minutes: 1 });
  if (closeAt.toFormat('HH:mm') === '00:00') closeAt = closeAt.plus({ minutes: 1 });
  const hours = everyDay([{ from: '00:00', to: closeAt.toFormat('HH:mm') }]);
  expect((await f.call('PUT', '/v1/settings/send-window', { timeZone: 'UTC', hours, closedDays: [] })).status).toBe(
    200,
  );
  const { requestId, contacts } = await approvalWithReminders(f, { intervalDays: 3, count: 1 });
  const [client] = contacts;
  const pause = `/v1/approval-requests/${requestId}/reminder-pause`;
  const until = new Date(Date.now() + 3_600_000).toISOString();
  expect((await f.call('PUT', pause, { until })).status).toBe(200);
  await eventually(async () => notifications(client.address).length === 1, 15_000, 'the notification');
  // Due (3 s after the notification) while the window is open, held by the pause.
  const held = await eventually(async () => {
    const s = await explain(f, requestId);
    return s.body.nextReminder?.reasons?.[0] === 'paused' ? s : null;
  }, 15_000);
  expect(Date.parse(held.body.nextReminder.dueAt)).toBeLessThan(closeAt.toMillis());

  // The window closes; then the pause is lifted: the reminder is overdue, and now is outside the hours.
  await sleep(Math.max(0, closeAt.toMillis() + 500 - Date.now()));
  expect((await f.call('DELETE', pause)).status).toBeLessThan(300);
  const nextOpening = closeAt.plus({ days: 1 }).startOf('day');
  const waiting = await eventually(async () => {
    const s = await explain(f, requestId);
    return s.body.nextReminder?.sendAt === nextOpening.toISO() ? s : null;
  }, 15_000);
  expect(waiting.body.nextReminder.reasons).toEqual(['outside_hours']);
  await sleep(2000);
  expect(remindersTo(stack.smtp, client.address)).toHaveLength(0);
});

test('the window is read in the contact’s time zone; manual resends go at once unless asked to wait', async () => {
  const f = await stack.newFirm();
  // Open one hour a day, two hours from now in Tokyo (always "outside business hours" now).
  const zone = 'Asia/Tokyo';
  const openAt = DateTime.now().setZone(zone).plus({ hours: 2 }).startOf('hour');
  const from = openAt.toFormat('HH:mm');
  const to = openAt.hour === 23 ? '24:00' : openAt.plus({ hours: 1 }).toFormat('HH:mm');
  expect(
    (await f.call('PUT', '/v1/settings/send-window', { timeZone: 'Europe/Rome', hours: everyDay([{ from, to }]) }))
      .status,
  ).toBe(200);

  const acc = await accountWithContacts(f, [{}]);
  const [client] = acc.contacts;
  const patch = await f.call('PATCH', `/v1/contacts/${client.id}`, { timeZone: zone });
  expect(patch.status).toBe(200);
  expect(patch.body.timeZone).toBe(zone);

  const doc = await f.call('POST', `/v1/accounts/${acc.accountId}/documents`, { name: 'Payroll' });
  const req = await f.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, {
    reminders: { enabled: true, intervalDays: 1, count: 1 },
  });
  const state = await eventually(async () => {
    const s = await explain(f, req.body.id);
    return s.body.nextReminder?.reasons?.length ? s : null;
  }, 15_000);
  expect(state.body.nextReminder).toMatchObject({
    sendAt: openAt.toUTC().toISO(),
    reasons: ['outside_hours'],
    timeZone: zone,
  });
  expect(state.body.nextReminder.explanation).toMatch(/outside business hours$/);

  // A manual resend is a person's decision: it goes at once, window or not.
  expect((await f.call('POST', `/v1/approval-requests/${req.body.id}/resend`, {})).status).toBe(202);
  await eventually(async () => remindersTo(stack.smtp, client.address).length === 1, 15_000, 'the resend');
  // Asked to respect the window, it waits.
  const held = await f.call('POST', `/v1/approval-requests/${req.body.id}/resend`, { respectSendWindow: true });
  expect(held.status).toBe(202);
  await eventually(async () => (await explain(f, req.body.id)).body.workflow?.pendingManualResends === 1, 10_000);
  await sleep(1500);
  expect(remindersTo(stack.smtp, client.address)).toHaveLength(1);

  // Without a window, the waiting reminder and the held resend go.
  expect((await f.call('DELETE', '/v1/settings/send-window')).status).toBe(204);
  expect((await f.call('GET', '/v1/settings/send-window')).body).toEqual({ window: null });
  await eventually(async () => remindersTo(stack.smtp, client.address).length === 3, 15_000, 'reminder and resend');
  const dispatches = await stack.db.reminderDispatch.findMany({ where: { itemId: req.body.id } });
  expect(dispatches.map((d) => d.kind).sort()).toEqual(['manual', 'manual', 'notification', 'reminder']);
  const workflowId = `reminder-approval-${req.body.id}`;
  await stack.client.workflow.getHandle(workflowId).result();
  await recordHistory(stack.client, 'send-window-held-reminder-and-resend', workflowId);
});

test('a manual resend asked to respect the window waits for it, though the kind’s policy says "anytime"', async () => {
  const f = await stack.newFirm();
  const closedDays = [DateTime.utc().toISODate()!, DateTime.utc().plus({ days: 1 }).toISODate()!];
  const put = await f.call('PUT', '/v1/settings/send-window', { timeZone: 'UTC', hours: everyDay(allDay), closedDays });
  expect(put.status).toBe(200);
  // "anytime" lets the kind's automatic reminders go when due; a person's resend is not one of them.
  const policy = { enabled: true, intervalDays: 30, count: 1, sendWindow: 'anytime', apply: 'none' };
  expect((await f.call('PUT', '/v1/reminder-policy/approval', policy)).status).toBe(200);
  const acc = await accountWithContacts(f, [{}]);
  const [client] = acc.contacts;
  const doc = await f.call('POST', `/v1/accounts/${acc.accountId}/documents`, { name: 'Payroll' });
  const req = await f.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, {});
  expect(req.status).toBe(201);
  await eventually(async () => notifications(client.address).length === 1, 15_000, 'the notification');

  const held = await f.call('POST', `/v1/approval-requests/${req.body.id}/resend`, { respectSendWindow: true });
  expect(held.status).toBe(202);
  await eventually(async () => (await explain(f, req.body.id)).body.workflow?.pendingManualResends === 1, 10_000);
  await sleep(1500);
  expect(remindersTo(stack.smtp, client.address)).toHaveLength(0);

  // The window open again: it goes.
  expect((await f.call('DELETE', '/v1/settings/send-window')).status).toBe(204);
  await eventually(async () => remindersTo(stack.smtp, client.address).length === 1, 15_000, 'the resend');
});

test('an item paused: nothing meanwhile, then one reminder at the pause end and the usual interval after', async () => {
  const f = await stack.newFirm();
  const { requestId, contacts } = await approvalWithReminders(f, { intervalDays: 2, count: 3 });
  const [client] = contacts;
  const until = new Date(Date.now() + 7000);
  const pause = await f.call('PUT', `/v1/approval-requests/${requestId}/reminder-pause`, {
    until: until.toISOString(),
  });
  expect(pause.status).toBe(200);
  expect(pause.body).toMatchObject({ item: { kind: 'approval', id: requestId }, until: until.toISOString() });
  expect((await f.call('GET', `/v1/approval-requests/${requestId}/reminder-pause`)).body.pause).toMatchObject({
    until: until.toISOString(),
  });

  const during = await eventually(async () => {
    const s = await explain(f, requestId);
    return s.body.nextReminder?.reasons?.[0] === 'paused' ? s : null;
  }, 15_000);
  expect(during.body.pauses.item).toEqual({ until: until.toISOString() });
  expect(during.body.nextReminder.sendAt).toBe(until.toISOString());
  expect(during.body.nextReminder.explanation).toMatch(/: paused until /);

  await eventually(async () => remindersTo(stack.smtp, client.address).length === 3, 30_000, 'three reminders');
  const sent = await stack.db.reminderDispatch.findMany({
    where: { itemId: requestId, kind: 'reminder' },
    orderBy: { seq: 'asc' },
  });
  expect(sent.map((d) => d.seq)).toEqual([1, 2, 3]);
  // The first waited for the pause (the explainer says so); the next ones went when due.
  const dispatches = (await explain(f, requestId)).body.dispatches.filter((d: any) => d.kind === 'reminder');
  expect(dispatches[0].held).toMatchObject({
    reasons: ['paused'],
    explanation: expect.stringMatching(/: paused until /),
  });
  expect(dispatches[1].held).toBeUndefined();
  // Nothing during the pause; the backlog is not sent in a burst: two "days" (2 s) between reminders.
  expect(sent[0].createdAt.getTime()).toBeGreaterThanOrEqual(until.getTime());
  for (let i = 1; i < sent.length; i++) {
    expect(sent[i].createdAt.getTime() - sent[i - 1].createdAt.getTime()).toBeGreaterThanOrEqual(2000);
  }
  const audit = await stack.db.auditEvent.findMany({ where: { itemId: requestId, action: 'reminders.paused' } });
  expect(audit).toHaveLength(1);
});

test('a paused contact is left out of reminders to others, and the explainer says so', async () => {
  const f = await stack.newFirm();
  const { requestId, contacts } = await approvalWithReminders(f, { intervalDays: 1, count: 1 }, [{}, {}]);
  const [away, here] = contacts;
  const until = new Date(Date.now() + 3600_000);
  const pause = await f.call('PUT', `/v1/contacts/${away.id}/reminder-pause`, { until: until.toISOString() });
  expect(pause.status).toBe(200);
  await eventually(async () => remindersTo(stack.smtp, here.address).length === 1, 15_000, 'the reminder');
  expect(remindersTo(stack.smtp, away.address)).toHaveLength(0);

  const state = await explain(f, requestId);
  expect(state.body.pauses.contacts).toEqual([{ contactId: away.id, until: until.toISOString() }]);
  expect(state.body.recipients.find((r: any) => r.contactId === away.id)).toMatchObject({
    included: false,
    reason: 'paused',
    pausedUntil: until.toISOString(),
  });
  expect((await f.call('GET', `/v1/contacts/${away.id}/reminder-pause`)).body.pause.until).toBe(until.toISOString());
  // Resumed: included again.
  expect((await f.call('DELETE', `/v1/contacts/${away.id}/reminder-pause`)).status).toBe(204);
  expect((await f.call('GET', `/v1/contacts/${away.id}/reminder-pause`)).body).toEqual({ pause: null });
  const after = await explain(f, requestId);
  expect(after.body.pauses.contacts).toEqual([]);
  expect(after.body.recipients.find((r: any) => r.contactId === away.id)).toMatchObject({ included: true });
});

describe('bad input: 4xx, nothing written', () => {
  let employeeId: string;
  let requestId: string;
  let contactId: string;
  // Audit entries are written with their change, in one transaction (reminders of other items add some meanwhile).
  const counts = rowCounter(() => stack.db, ['firmSendWindow', 'reminderPause', 'contact', 'manualResend']);
  beforeAll(async () => {
    employeeId = await firmUser(firm, 'Eve Employee');
    const item = await approvalWithReminders(firm, { intervalDays: 5, count: 1 });
    requestId = item.requestId;
    contactId = item.contacts[0].id;
  });
  const good = { timeZone: 'Europe/Rome', hours: { monday: [{ from: '09:00', to: '18:00' }] } };
  const putWindow = (body: unknown, as?: string) => firm.call('PUT', '/v1/settings/send-window', body, { as });
  const cases: BadInputCase[] = [
    ['an employee changes the window', () => putWindow(good, employeeId), 403, 'forbidden'],
    [
      'an employee removes the window',
      () => firm.call('DELETE', '/v1/settings/send-window', undefined, { as: employeeId }),
      403,
      'forbidden',
    ],
    [
      'an employee off the account’s team pauses its item',
      () =>
        firm.call(
          'PUT',
          `/v1/approval-requests/${requestId}/reminder-pause`,
          { until: new Date(Date.now() + 60_000).toISOString() },
          { as: employeeId },
        ),
      403,
      'forbidden',
    ],
    ['a window that never opens', () => putWindow({ ...good, hours: {} }), 422, 'validation-error', 'body.hours'],
    [
      'a window whose only day is empty',
      () => putWindow({ ...good, hours: { friday: [] } }),
      422,
      'validation-error',
      'body.hours',
    ],
    [
      'an unknown zone',
      () => putWindow({ ...good, timeZone: 'Mars/Olympus' }),
      422,
      'validation-error',
      'body.timeZone',
    ],
    [
      'an offset for a zone',
      () => putWindow({ ...good, timeZone: '+01:00' }),
      422,
      'validation-error',
      'body.timeZone',
    ],
    [
      'an interval ending before it starts',
      () => putWindow({ ...good, hours: { monday: [{ from: '18:00', to: '09:00' }] } }),
      422,
      'validation-error',
      'body.hours.monday.0.to',
    ],
    [
      'a time of 25:00',
      () => putWindow({ ...good, hours: { monday: [{ from: '09:00', to: '25:00' }] } }),
      422,
      'validation-error',
      'body.hours.monday.0.to',
    ],
    [
      'overlapping intervals',
      () =>
        putWindow({
          ...good,
          hours: {
            monday: [
              { from: '09:00', to: '12:00' },
              { from: '11:00', to: '14:00' },
            ],
          },
        }),
      422,
      'validation-error',
      'body.hours.monday',
    ],
    ['an unknown weekday', () => putWindow({ ...good, hours: { funday: allDay } }), 422, 'validation-error'],
    [
      'a closed day that is no date',
      () => putWindow({ ...good, closedDays: ['2026-02-30'] }),
      422,
      'validation-error',
      'body.closedDays.0',
    ],
    [
      'a contact with an unknown zone',
      () =>
        firm.call('POST', '/v1/contacts', {
          firstName: 'Zed',
          timeZone: 'Europe/Atlantis',
          emails: [{ address: `z-${randomUUID()}@client.test` }],
        }),
      422,
      'validation-error',
      'body.timeZone',
    ],
    [
      'a contact patched to an unknown zone',
      () => firm.call('PATCH', `/v1/contacts/${contactId}`, { timeZone: 'Nowhere' }),
      422,
      'validation-error',
      'body.timeZone',
    ],
    [
      'a pause in the past',
      () =>
        firm.call('PUT', `/v1/approval-requests/${requestId}/reminder-pause`, {
          until: new Date(Date.now() - 1000).toISOString(),
        }),
      422,
      'validation-error',
      'body.until',
    ],
    [
      'a pause beyond a year',
      () =>
        firm.call('PUT', `/v1/contacts/${contactId}/reminder-pause`, {
          until: new Date(Date.now() + 400 * 86400_000).toISOString(),
        }),
      422,
      'validation-error',
      'body.until',
    ],
    [
      'a pause until no date',
      () => firm.call('PUT', `/v1/approval-requests/${requestId}/reminder-pause`, { until: 'next week' }),
      422,
      'validation-error',
      'body.until',
    ],
    [
      'a pause of an unknown item',
      () =>
        firm.call('PUT', `/v1/chat-threads/${randomUUID()}/reminder-pause`, {
          until: new Date(Date.now() + 60_000).toISOString(),
        }),
      404,
      'not-found',
    ],
    [
      'a pause of an unknown contact',
      () =>
        firm.call('PUT', `/v1/contacts/${randomUUID()}/reminder-pause`, {
          until: new Date(Date.now() + 60_000).toISOString(),
        }),
      404,
      'not-found',
    ],
    [
      'a resend with respectSendWindow not a boolean',
      () => firm.call('POST', `/v1/approval-requests/${requestId}/resend`, { respectSendWindow: 'yes' }),
      422,
      'validation-error',
      'body.respectSendWindow',
    ],
  ];
  test.each(cases)('%s', async (...c) => expectRefused(counts, c));
});
