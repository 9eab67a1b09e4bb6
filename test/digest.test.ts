// One digest per person (issue 12 part 3) on the real stack: an Italian client of two accounts gets one email
// listing her pending items instead of one reminder each; an item done before the digest goes drops out; a
// digest left with no item is not sent; each item's reminder count and audit stay as if sent alone; the
// explainer says where each reminder went; the workflow carries no personal data; the `digest` email kind
// previews and takes firm texts like the others; bad settings are refused with nothing written.
import { randomUUID } from 'node:crypto';
import { NativeConnection } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import {
  startStack,
  eventually,
  sleep,
  workflowBundle,
  PORTAL_URL,
  type Stack,
  type FirmHandle,
} from './support/stack';
import { expectRefused, type BadInputCase } from './support/bad-input';
import { header, subjectOf, textOf } from './support/mail-text';
import { recordHistory } from './support/histories';
import { createNudgeWorker, type NudgeWorker } from '../worker/worker';
import { digestWorkflowId } from '../shared/contracts/digest';
import { verifyUnsubscribeToken } from '../domain/email/unsubscribe';

// Reminder days of 6 s: each reminder 6 s after its notification, and a digest window of 1440 minutes (one
// reminder day) is 6 s too. The stack's worker has no REMINDER_DAY_SECONDS, so this file runs its own.
const DAY_SECONDS = 6;
let stack: Stack;
let firm: FirmHandle;
let connection: NativeConnection;
let worker: NudgeWorker;
let running: Promise<void>;

beforeAll(async () => {
  stack = await startStack({ daySeconds: DAY_SECONDS, worker: false });
  connection = await NativeConnection.connect({ address: stack.temporalAddress });
  worker = await createNudgeWorker({
    connection,
    namespace: 'default',
    taskQueue: stack.taskQueue,
    deps: { db: stack.db, mailer: stack.mailer, portalUrl: PORTAL_URL, reminderDaySeconds: DAY_SECONDS },
    workflowBundle: await workflowBundle(),
  });
  running = worker.run();
  firm = await stack.newFirm(`Studio Rossi ${randomUUID().slice(0, 4)}`);
}, 60_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
  await stack?.stop();
});

async function account(name: string) {
  const a = await firm.call('POST', '/v1/accounts', { name, type: 'company' });
  expect(a.status).toBe(201);
  return a.body.id as string;
}

async function contact(accountIds: string[], language?: string) {
  const address = `client-${randomUUID()}@client.test`;
  const c = await firm.call('POST', '/v1/contacts', {
    firstName: 'Giulia',
    lastName: 'Bianchi',
    ...(language ? { language } : {}),
    emails: [{ address, login: 'active' }],
    accounts: accountIds.map((accountId) => ({ accountId })),
  });
  expect(c.status).toBe(201);
  return { id: c.body.id as string, emailId: c.body.emails[0].id as string, address };
}

const reminders = { enabled: true, intervalDays: 1, count: 1 };

async function thread(accountId: string, subject: string) {
  const t = await firm.call('POST', `/v1/accounts/${accountId}/chat-threads`, {
    subject,
    message: { body: 'Please upload them' },
    reminders,
  });
  expect(t.status).toBe(201);
  return t.body.id as string;
}

async function approval(accountId: string, name: string) {
  const doc = await firm.call('POST', `/v1/accounts/${accountId}/documents`, { name });
  const req = await firm.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, { reminders });
  expect(req.status).toBe(201);
  return req.body.id as string;
}

const entriesOf = (itemId: string) => stack.db.digestEntry.findMany({ where: { itemId } });

test('one Italian digest across two accounts; an item approved before it goes drops out; an empty one is not sent', async () => {
  const put = await firm.call('PUT', '/v1/settings/digest', { enabled: true, windowMinutes: 1440 });
  expect(put.status).toBe(200);
  expect((await firm.call('GET', '/v1/settings/digest')).body.digest).toEqual({ enabled: true, windowMinutes: 1440 });

  const family = await account('Famiglia Bianchi');
  const company = await account('Bianchi Srl');
  const giulia = await contact([family, company], 'it');
  // Another client with one item, approved before her digest goes: she gets nothing.
  const shop = await account('Negozio Verdi');
  const marco = await contact([shop]);

  const receipts = await thread(family, 'Ricevute 2025');
  // Before it falls due, the explainer says the next reminder will go in a digest.
  const ahead = await eventually(
    async () => (await firm.call('GET', `/v1/chat-threads/${receipts}/reminders`)).body.nextReminder?.digest,
    5_000,
    'the next reminder explained',
  );
  expect(ahead).toEqual({
    windowMinutes: 1440,
    explanation: expect.stringContaining('goes in one digest per address'),
  });
  const balance = await approval(company, 'Bilancio 2025');
  const vat = await approval(company, 'Dichiarazione IVA');
  const lone = await approval(shop, 'Contratto');
  const titles = ['Ricevute 2025', 'Bilancio 2025', 'Dichiarazione IVA'];
  // The notifications go alone, at once.
  await stack.smtp.waitFor((m) => m.to.includes(giulia.address), 3, 20_000);
  await stack.smtp.waitFor((m) => m.to.includes(marco.address), 1, 20_000);

  // Each reminder falls due, is recorded, and waits for its address's digest; approved meanwhile, two drop out.
  await eventually(async () => (await entriesOf(vat)).length === 1, 20_000, 'the VAT reminder in the digest');
  await eventually(async () => (await entriesOf(lone)).length === 1, 20_000, 'the lone reminder in the digest');
  for (const [id, who] of [
    [vat, giulia],
    [lone, marco],
  ] as const) {
    const approved = await firm.call('POST', `/v1/approval-requests/${id}/approve`, { contactId: who.id });
    expect(approved.status).toBe(200);
  }
  // While it collects, the explainer says the reminder waits in the digest.
  const waiting = await firm.call('GET', `/v1/chat-threads/${receipts}/reminders`);
  const waitingReminder = waiting.body.dispatches.find((d: { kind: string }) => d.kind === 'reminder');
  expect(waitingReminder.digest).toEqual([
    expect.objectContaining({
      contactEmailId: giulia.emailId,
      status: expect.stringMatching(/^(waiting|sending|sent)$/),
    }),
  ]);

  const [digest] = await stack.smtp.waitFor(
    (m) => m.to.includes(giulia.address) && /richiest/.test(subjectOf(m)),
    1,
    30_000,
  );
  const text = textOf(digest);
  expect(subjectOf(digest)).toMatch(/^Promemoria da Studio Rossi \w+: 2 richieste in sospeso$/);
  expect(text).toMatch(/è ancora in attesa di un Suo riscontro su 2 richieste:/);
  expect(text).toContain('Messaggio per Famiglia Bianchi: «Ricevute 2025», inviato in data');
  expect(text).toContain('Documento da approvare per Bianchi Srl: «Bilancio 2025», inviato in data');
  expect(text).not.toContain('Dichiarazione IVA');
  expect(text).toContain(`Lo trova nel Suo portale clienti: ${PORTAL_URL}/accounts/${family}/chat/${receipts}?token=`);
  expect(text).toContain(`${PORTAL_URL}/accounts/${company}/approval/${balance}?token=`);
  // Mixed categories: the one-click link switches off each category the digest carries (not `all`).
  expect(header(digest, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
  const unsubscribe = /token=([\w.-]+)>$/.exec(header(digest, 'List-Unsubscribe') ?? '')![1];
  expect(verifyUnsubscribeToken(undefined, unsubscribe).category).toEqual(['messages', 'approvals']);
  expect(text).toMatch(/Annulli l’iscrizione: http:\/\/localhost:3000\/unsubscribe\?token=/);

  // No reminder went alone; Marco's digest had nothing left and was not sent.
  await eventually(async () => (await entriesOf(lone))[0]?.state === 'dropped', 20_000, 'the lone entry dropped');
  const toGiulia = stack.smtp.to(giulia.address);
  expect(toGiulia).toHaveLength(4); // three notifications and one digest
  expect(
    toGiulia.filter((m) => titles.some((t) => subjectOf(m).includes(t)) && /^Promemoria/.test(subjectOf(m))),
  ).toHaveLength(0);
  expect(stack.smtp.to(marco.address)).toHaveLength(1);

  // Each item's reminder is counted and audited as if it had been sent alone, the approved ones too.
  for (const id of [receipts, balance, vat, lone]) {
    expect(await stack.db.reminderDispatch.count({ where: { itemId: id, kind: 'reminder' } })).toBe(1);
    const audit = await firm.call('GET', `/v1/audit-events?itemId=${id}`);
    expect(audit.body.items.filter((e: { action: string }) => e.action === 'item.reminder_sent')).toHaveLength(1);
  }

  // The explainer: where each reminder went.
  const sent = await firm.call('GET', `/v1/approval-requests/${balance}/reminders`);
  expect(sent.body.remindersSent).toBe(1);
  const sentReminder = sent.body.dispatches.find((d: { kind: string }) => d.kind === 'reminder');
  expect(sentReminder.digest).toEqual([
    expect.objectContaining({
      contactEmailId: giulia.emailId,
      status: 'sent',
      digestKey: expect.stringMatching(new RegExp(`^${digestWorkflowId(giulia.emailId)}:`)),
    }),
  ]);
  const dropped = await firm.call('GET', `/v1/approval-requests/${vat}/reminders`);
  expect(dropped.body.dispatches.find((d: { kind: string }) => d.kind === 'reminder').digest).toEqual([
    expect.objectContaining({ status: 'dropped', dropReason: 'approved' }),
  ]);
  const next = await firm.call('GET', `/v1/chat-threads/${receipts}/reminders`);
  expect(next.body.dispatches.find((d: { kind: string }) => d.kind === 'reminder').digest[0].status).toBe('sent');
  // The digest is in the emails of both accounts whose reminders it carried.
  for (const id of [family, company]) {
    const emails = await firm.call('GET', `/v1/accounts/${id}/overview/emails?limit=50`);
    expect(emails.body.items).toContainEqual(
      expect.objectContaining({ to: giulia.address, subject: subjectOf(digest), status: 'sent' }),
    );
  }

  // The workflow: findable by firm and kind, ids only in its history.
  const handle = stack.client.workflow.getHandle(digestWorkflowId(giulia.emailId));
  const info = await handle.describe();
  expect(info.searchAttributes).toMatchObject({ NudgeFirmId: [firm.firmId], NudgeItemKind: ['digest'] });
  // Payloads decoded, as in workflow-operations.test.ts: nothing personal, only ids and instants.
  const history = JSON.stringify(JSON.parse(historyToJSON(await handle.fetchHistory())), (key, v) =>
    key === 'data' && typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : v,
  );
  expect(history).toContain(giulia.emailId);
  for (const secret of [giulia.address, 'Bianchi', 'Ricevute', 'Bilancio', 'Studio Rossi'])
    expect(history).not.toContain(secret);
  // With nothing more waiting, the workflow idles one window, then ends.
  expect(await handle.result()).toEqual({ digestsSent: 1 });
  await recordHistory(stack.client, 'digest-two-accounts', digestWorkflowId(giulia.emailId));
}, 60_000);

test('a digest waits for the firm’s send window and the recipient’s pause, then goes once', async () => {
  const f = await stack.newFirm(`Studio Neri ${randomUUID().slice(0, 4)}`);
  expect((await f.call('PUT', '/v1/settings/digest', { enabled: true, windowMinutes: 1440 })).status).toBe(200);
  const accountId = (await f.call('POST', '/v1/accounts', { name: 'Neri Srl', type: 'company' })).body.id;
  const address = `client-${randomUUID()}@client.test`;
  const c = await f.call('POST', '/v1/contacts', {
    firstName: 'Nora',
    emails: [{ address, login: 'active' }],
    accounts: [{ accountId }],
  });
  expect(c.status).toBe(201);
  const doc = await f.call('POST', `/v1/accounts/${accountId}/documents`, { name: 'Nota integrativa' });
  const req = await f.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, { reminders });
  expect(req.status).toBe(201);
  await stack.smtp.waitFor((m) => m.to.includes(address), 1, 20_000); // the notification
  await eventually(async () => (await entriesOf(req.body.id)).length === 1, 20_000, 'the reminder in the digest');

  // The firm closes today before the digest's window has passed: it waits (asked again each reminder day).
  const allDay = [{ from: '00:00', to: '24:00' }];
  const hours = Object.fromEntries(
    ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [d, allDay]),
  );
  const today = new Date().toISOString().slice(0, 10);
  const window = (closedDays: string[]) =>
    f.call('PUT', '/v1/settings/send-window', { timeZone: 'UTC', hours, closedDays });
  expect((await window([today])).status).toBe(200);
  await sleep(2 * DAY_SECONDS * 1000);
  expect(stack.smtp.to(address)).toHaveLength(1);
  expect((await entriesOf(req.body.id)).map((e) => e.state)).toEqual(['pending']);

  // Open again, but the contact is paused: still nothing.
  const pause = `/v1/contacts/${c.body.id}/reminder-pause`;
  expect((await f.call('PUT', pause, { until: new Date(Date.now() + 3_600_000).toISOString() })).status).toBe(200);
  expect((await window([])).status).toBe(200);
  await sleep(DAY_SECONDS * 1000 + 2000);
  expect(stack.smtp.to(address)).toHaveLength(1);

  // The pause lifted: the digest goes within a reminder day, once.
  expect((await f.call('DELETE', pause)).status).toBeLessThan(300);
  await stack.smtp.waitFor((m) => m.to.includes(address), 2, 3 * DAY_SECONDS * 1000);
  await sleep(2000);
  expect(stack.smtp.to(address)).toHaveLength(2);
  expect((await entriesOf(req.body.id)).map((e) => e.state)).toEqual(['sent']);
});

test('the digest email kind: listed, previewed in any language, the firm’s own text used and checked', async () => {
  const kinds = await firm.call('GET', '/v1/email-templates/kinds');
  const digestKind = kinds.body.kinds.find((k: { kind: string }) => k.kind === 'digest');
  expect(digestKind.variables).toEqual(['firmName', 'itemCount', 'accountCount', 'items']);
  expect(digestKind.texts.de.source).toBe('default');

  const fr = await firm.call('POST', '/v1/email-templates/preview', { kind: 'digest', language: 'fr' });
  expect(fr.status).toBe(200);
  expect(fr.body.subject).toBe('Rappel – Studio Rossi\u00a0: 2 demandes en attente');
  expect(fr.body.text).toContain(
    'Message pour Bianchi family\u00a0: «\u00a0Receipts 2025\u00a0», envoyé le 11 mars 2026.',
  );
  expect(fr.body.text).toContain('Document à approuver pour Bianchi Srl');

  // The firm's own German text, with ICU plurals; then previewed as saved.
  const saved = await firm.call('PUT', '/v1/email-templates/kinds/digest/de', {
    subject: '{itemCount, plural, one {Ein offener Punkt} other {# offene Punkte}} bei {firmName}',
    body: 'Guten Tag,\n\n{items}\n\n{accountCount, plural, one {Ein Mandat} other {# Mandate}}.',
  });
  expect(saved.status).toBe(200);
  const de = await firm.call('POST', '/v1/email-templates/preview', { kind: 'digest', language: 'de' });
  expect(de.body).toMatchObject({ source: 'firm', subject: '2 offene Punkte bei Studio Rossi' });
  expect(de.body.text).toContain('Nachricht für Bianchi family: „Receipts 2025“, gesendet am 11. März 2026.');
  expect(de.body.text).toContain('2 Mandate.');

  // A value digests do not have is refused at save with its position, and nothing is saved.
  const before = await stack.db.emailKindTemplate.count({ where: { firmId: firm.firmId } });
  const bad = await firm.call('PUT', '/v1/email-templates/kinds/digest/it', {
    subject: 'Ciao',
    body: 'Per {itemTitle}',
  });
  expect(bad.status).toBe(422);
  expect(bad.body.errors[0]).toMatchObject({ field: 'body.body', line: 1, column: 5 });
  expect(await stack.db.emailKindTemplate.count({ where: { firmId: firm.firmId } })).toBe(before);
  expect((await firm.call('DELETE', '/v1/email-templates/kinds/digest/de')).status).toBe(204);
});

test('bad digest settings are refused with nothing written; employees may read, not change', async () => {
  const other = await stack.newFirm();
  const employee = await other.call('POST', '/v1/users', {
    email: `employee-${randomUUID()}@firm.test`,
    name: 'Ed Employee',
    role: 'employee',
  });
  expect(employee.status).toBe(201);
  const put = (body: unknown, as?: string) => other.call('PUT', '/v1/settings/digest', body, as ? { as } : {});
  // This firm's rows only: other firms' reminders may write audit entries meanwhile.
  const counts = async () => ({
    settings: await stack.db.firmDigestSetting.count({ where: { firmId: other.firmId } }),
    audit: await stack.db.auditEvent.count({ where: { firmId: other.firmId } }),
  });
  const cases: BadInputCase[] = [
    ['an employee', () => put({ enabled: true, windowMinutes: 60 }, employee.body.id), 403, 'forbidden'],
    [
      'a window of 0 minutes',
      () => put({ enabled: true, windowMinutes: 0 }),
      422,
      'validation-error',
      'body.windowMinutes',
    ],
    [
      'a window over a day',
      () => put({ enabled: true, windowMinutes: 1441 }),
      422,
      'validation-error',
      'body.windowMinutes',
    ],
    [
      'a fraction of a minute',
      () => put({ enabled: true, windowMinutes: 1.5 }),
      422,
      'validation-error',
      'body.windowMinutes',
    ],
    [
      'minutes as text',
      () => put({ enabled: true, windowMinutes: '60' }),
      422,
      'validation-error',
      'body.windowMinutes',
    ],
    ['no enabled', () => put({ windowMinutes: 60 }), 422, 'validation-error', 'body.enabled'],
    ['enabled as text', () => put({ enabled: 'yes', windowMinutes: 60 }), 422, 'validation-error', 'body.enabled'],
    ['an unknown field', () => put({ enabled: true, windowMinutes: 60, perAccount: true }), 422, 'validation-error'],
    ['a list', () => put([{ enabled: true, windowMinutes: 60 }]), 422, 'validation-error'],
  ];
  for (const c of cases) await expectRefused(counts, c);
  // Reading is for everyone; a firm that never chose has digests off.
  const read = await other.call('GET', '/v1/settings/digest', undefined, { as: employee.body.id });
  expect(read.status).toBe(200);
  expect(read.body.digest).toEqual({ enabled: false, windowMinutes: 60 });
  // An owner's change is saved and audited.
  expect((await put({ enabled: false, windowMinutes: 30 })).body.digest).toEqual({ enabled: false, windowMinutes: 30 });
  const audit = await other.call('GET', '/v1/audit-events?action=digest.settings_changed');
  expect(audit.body.items).toEqual([
    expect.objectContaining({
      data: { from: { enabled: false, windowMinutes: 60 }, to: { enabled: false, windowMinutes: 30 } },
    }),
  ]);
});

/** A firm with digests of a reminder day's window (6 s here), one account and one client of it. */
async function digestFirm(name: string) {
  const f = await stack.newFirm(`${name} ${randomUUID().slice(0, 4)}`);
  expect((await f.call('PUT', '/v1/settings/digest', { enabled: true, windowMinutes: 1440 })).status).toBe(200);
  const accountId = (await f.call('POST', '/v1/accounts', { name: `${name} Srl`, type: 'company' })).body.id as string;
  const address = `client-${randomUUID()}@client.test`;
  const c = await f.call('POST', '/v1/contacts', {
    firstName: 'Paola',
    emails: [{ address, login: 'active' }],
    accounts: [{ accountId }],
  });
  expect(c.status).toBe(201);
  return { f, accountId, contactId: c.body.id as string, address };
}

test('a waiting chat reminder drops out once the client replied and the firm wrote again (stale cycle)', async () => {
  const { f, accountId, contactId, address } = await digestFirm('Studio Gallo');
  const t = await f.call('POST', `/v1/accounts/${accountId}/chat-threads`, {
    subject: 'Estratti conto',
    message: { body: 'Please send the statements' },
    reminders,
  });
  expect(t.status).toBe(201);
  await stack.smtp.waitFor((m) => m.to.includes(address), 1, 20_000); // the notification
  await eventually(async () => (await entriesOf(t.body.id)).length === 1, 20_000, 'the reminder in the digest');

  // Answered, then a new firm message (its notification goes at once; its own reminder three days later).
  const post = (body: object) => f.call('POST', `/v1/chat-threads/${t.body.id}/messages`, body);
  expect((await post({ author: 'client', body: 'Sent!', contactId })).status).toBe(201);
  expect((await post({ author: 'firm', body: 'Thanks', reminders: { ...reminders, intervalDays: 3 } })).status).toBe(
    201,
  );
  await stack.smtp.waitFor((m) => m.to.includes(address), 2, 20_000);

  // The reminder about the answered message is not sent, as it would not be alone.
  const settled = async () => ['sent', 'dropped'].includes((await entriesOf(t.body.id))[0].state);
  await eventually(settled, 20_000, 'the entry settled');
  expect((await entriesOf(t.body.id))[0]).toMatchObject({ state: 'dropped', dropReason: 'stale_cycle' });
  expect(stack.smtp.to(address)).toHaveLength(2);
});

test('an item paused after its reminder was queued waits for the pause; one switched off drops out', async () => {
  const { f, accountId, address } = await digestFirm('Studio Conti');
  const request = async (name: string) => {
    const doc = await f.call('POST', `/v1/accounts/${accountId}/documents`, { name });
    const req = await f.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, { reminders });
    expect(req.status).toBe(201);
    return req.body.id as string;
  };
  const [paused, off] = await Promise.all([request('Bilancio ridotto'), request('Modello F24')]);
  await stack.smtp.waitFor((m) => m.to.includes(address), 2, 20_000); // the notifications
  for (const id of [paused, off])
    await eventually(async () => (await entriesOf(id)).length === 1, 20_000, 'the reminder in the digest');

  const pause = `/v1/approval-requests/${paused}/reminder-pause`;
  expect((await f.call('PUT', pause, { until: new Date(Date.now() + 3_600_000).toISOString() })).status).toBe(200);
  const settings = `/v1/approval-requests/${off}/reminder-settings`;
  expect((await f.call('PUT', settings, { enabled: false })).status).toBe(200);

  // Once the window has passed: the switched-off reminder dropped out, the paused one still waits, nothing sent.
  await eventually(async () => (await entriesOf(off))[0]?.state === 'dropped', 20_000, 'the switched-off entry');
  expect((await entriesOf(off))[0].dropReason).toBe('reminders_off');
  await sleep(2000);
  expect((await entriesOf(paused)).map((e) => e.state)).toEqual(['pending']);
  expect(stack.smtp.to(address)).toHaveLength(2);

  // The pause lifted: the paused reminder goes in a digest of its own within a reminder day.
  expect((await f.call('DELETE', pause)).status).toBeLessThan(300);
  const [digest] = await stack.smtp.waitFor(
    (m) => m.to.includes(address) && textOf(m).includes('Bilancio ridotto'),
    1,
    3 * DAY_SECONDS * 1000,
  );
  expect(textOf(digest)).not.toContain('Modello F24');
  await eventually(async () => (await entriesOf(paused))[0]?.state === 'sent', 10_000, 'the paused entry sent');
  expect(stack.smtp.to(address)).toHaveLength(3);

  // A digest of one account's items is in that account's emails.
  const emails = await f.call('GET', `/v1/accounts/${accountId}/overview/emails?limit=50`);
  expect(emails.body.items).toContainEqual(expect.objectContaining({ to: address, subject: subjectOf(digest) }));
});

test('a later reminder waits for its own window, not for that of an older one paused on its own', async () => {
  const { f, accountId, address } = await digestFirm('Studio Riva');
  const request = async (name: string) => {
    const doc = await f.call('POST', `/v1/accounts/${accountId}/documents`, { name });
    const req = await f.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, { reminders });
    expect(req.status).toBe(201);
    return req.body.id as string;
  };
  const paused = await request('Bilancio consolidato');
  await eventually(async () => (await entriesOf(paused)).length === 1, 20_000, 'the first reminder in the digest');
  const until = new Date(Date.now() + 3_600_000).toISOString();
  expect((await f.call('PUT', `/v1/approval-requests/${paused}/reminder-pause`, { until })).status).toBe(200);

  // Queued once the paused entry's window has nearly passed: measured from that entry, it would go at once.
  await sleep((DAY_SECONDS - 2) * 1000);
  const later = await request('Modello 770');
  await eventually(async () => (await entriesOf(later)).length === 1, 20_000, 'the later reminder in the digest');
  const [queued] = await entriesOf(later);
  const [digest] = await stack.smtp.waitFor(
    (m) => m.to.includes(address) && /^Reminder from/.test(subjectOf(m)) && textOf(m).includes('Modello 770'),
    1,
    4 * DAY_SECONDS * 1000,
  );
  expect(textOf(digest)).not.toContain('Bilancio consolidato');
  // The entry settles once the email is accepted: wait for it.
  await eventually(async () => (await entriesOf(later))[0]?.state === 'sent', 10_000, 'the later entry sent');
  const [sent] = await entriesOf(later);
  // Its own window (one reminder day) passed first; the paused entry still waits.
  expect(sent.settledAt!.getTime() - queued.createdAt.getTime()).toBeGreaterThanOrEqual((DAY_SECONDS - 1) * 1000);
  expect((await entriesOf(paused)).map((e) => e.state)).toEqual(['pending']);
});
