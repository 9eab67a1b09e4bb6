// Emails in the recipient's language on the real stack: an Italian and a French client read their emails in
// their language, a firm's own text per language, the preview, a text refused at save with its position,
// and bad input refused with nothing written.
import { randomUUID } from 'node:crypto';
import { useStackWithFirm, type FirmHandle } from './support/stack';
import { subjectOf, textOf } from './support/mail-text';

const ctx = useStackWithFirm({ daySeconds: 1 });

const longDate = (language: string, d: Date) =>
  new Intl.DateTimeFormat(language, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(d);

async function clientIn(
  firm: FirmHandle,
  language: string | undefined,
  login: 'active' | 'pending' = 'active',
  firstName = 'Anna',
  timeZone?: string,
) {
  const account = await firm.call('POST', '/v1/accounts', {
    name: `Famiglia ${randomUUID().slice(0, 6)}`,
    type: 'individual',
  });
  expect(account.status).toBe(201);
  const address = `client-${randomUUID()}@client.test`;
  const contact = await firm.call('POST', '/v1/contacts', {
    firstName,
    lastName: 'Bianchi',
    ...(language ? { language } : {}),
    ...(timeZone ? { timeZone } : {}),
    emails: [{ address, login }],
    accounts: [{ accountId: account.body.id }],
  });
  expect(contact.status).toBe(201);
  return {
    accountId: account.body.id as string,
    accountName: account.body.name as string,
    contactId: contact.body.id as string,
    language: contact.body.language as string,
    address,
  };
}

async function thread(firm: FirmHandle, accountId: string, reminders = { enabled: true, intervalDays: 1, count: 1 }) {
  const t = await firm.call('POST', `/v1/accounts/${accountId}/chat-threads`, {
    subject: 'Ricevute 2025',
    message: { body: 'Please upload your receipts' },
    reminders,
  });
  expect(t.status).toBe(201);
  return t.body.id as string;
}

const mailTo = (address: string, subject: RegExp, count = 1) =>
  ctx.stack.smtp.waitFor((m) => m.to.includes(address) && subject.test(subjectOf(m)), count, 20_000);

test('an Italian client gets the notification and the reminder in Italian', async () => {
  const { firm } = ctx;
  const c = await clientIn(firm, 'it');
  expect(c.language).toBe('it');
  const threadId = await thread(firm, c.accountId);
  const firmName = (await ctx.stack.db.firm.findUniqueOrThrow({ where: { id: firm.firmId } })).name;

  const [notification] = await mailTo(c.address, /Le ha inviato un messaggio/);
  expect(subjectOf(notification)).toBe(`${firmName} Le ha inviato un messaggio: Ricevute 2025`);
  const text = textOf(notification);
  expect(text).toContain(`${firmName} Le ha inviato un messaggio per ${c.accountName}: «Ricevute 2025».`);
  expect(text).toMatch(/Lo trova nel Suo portale clienti: http:\/\/portal\.test\/accounts\//);
  expect(text).toContain('Non desidera più ricevere queste email? Annulli l’iscrizione:');

  const [reminder] = await mailTo(c.address, /^Promemoria da /);
  expect(subjectOf(reminder)).toBe(`Promemoria da ${firmName}: Ricevute 2025`);
  const sentOn = (await ctx.stack.db.chatThread.findUniqueOrThrow({ where: { id: threadId } })).createdAt;
  expect(textOf(reminder)).toContain(
    `${firmName} è ancora in attesa che Lei legga il messaggio e risponda per ${c.accountName}: «Ricevute 2025».`,
  );
  expect(textOf(reminder)).toContain(`Inviato in data ${longDate('it', sentOn)}.`);
});

test('an Italian client’s portal page is in Italian, its times in her zone; an error page in the browser’s language', async () => {
  const { firm } = ctx;
  const c = await clientIn(firm, 'it', 'active', 'Anna', 'Europe/Rome');
  const threadId = await thread(firm, c.accountId, { enabled: false, intervalDays: 1, count: 1 });
  const [mail] = await mailTo(c.address, /Le ha inviato un messaggio/);
  const link = /http:\/\/portal\.test(\/accounts\/\S+)/.exec(textOf(mail))![1];
  const res = await fetch(`${ctx.stack.baseUrl}/portal${link}`);
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(html).toContain('<html lang="it">');
  expect(html).toMatch(/<button type="submit">Invia risposta<\/button>/);
  expect(html).toContain('>Aperta</span');
  expect(html).toContain('Gentile Anna Bianchi,');
  const sent = (await ctx.stack.db.chatMessage.findFirstOrThrow({ where: { threadId } })).createdAt;
  const at = new Intl.DateTimeFormat('it', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/Rome',
    timeZoneName: 'short',
  }).format(sent);
  expect(html).toContain(at);
  expect(html).not.toContain(' UTC');

  // An error page knows no contact: the browser's language, else English.
  const broken = `${ctx.stack.baseUrl}/portal${link.replace(/token=.*/, 'token=v1.x.y')}`;
  const german = await fetch(broken, { headers: { 'accept-language': 'de-CH, de;q=0.9, en;q=0.5' } });
  expect(german.status).toBe(403);
  const page = await german.text();
  expect(page).toContain('<html lang="de">');
  expect(page).toContain('Dieser Link ist ungültig');
  const english = await (await fetch(broken)).text();
  expect(english).toContain('<html lang="en">');
  expect(english).toContain('This link is not valid');
});

test('a French client with a pending login gets the invitation and the activation banner in French', async () => {
  const { firm } = ctx;
  const c = await clientIn(firm, 'fr', 'pending', 'Camille', 'Europe/Paris');
  const firmName = (await ctx.stack.db.firm.findUniqueOrThrow({ where: { id: firm.firmId } })).name;

  const [invitation] = await mailTo(c.address, /vous invite sur son portail client/);
  expect(subjectOf(invitation)).toBe(`${firmName} vous invite sur son portail client`);
  const inv = textOf(invitation);
  expect(inv).toMatch(/^Bonjour Camille Bianchi,\n/);
  expect(inv).toContain('où vous pourrez échanger messages et documents, et les signer ou les approuver.');
  // Dates and times in French, in the client's time zone, which the email names.
  const { expiresAt } = await ctx.stack.db.invitation.findFirstOrThrow({ where: { address: c.address } });
  const zoned = { timeZone: 'Europe/Paris' } as const;
  const date = new Intl.DateTimeFormat('fr', { year: 'numeric', month: 'long', day: 'numeric', ...zoned });
  const time = new Intl.DateTimeFormat('fr', { hour: 'numeric', minute: '2-digit', timeZoneName: 'short', ...zoned });
  expect(inv).toContain(
    `Ce lien ne fonctionne qu’une fois et reste valable 14 jours, jusqu’au ${date.format(expiresAt)} à ${time.format(expiresAt)}.`,
  );
  expect(time.format(expiresAt)).toMatch(/UTC\+[12]$/);

  await thread(firm, c.accountId, { enabled: false, intervalDays: 1, count: 1 });
  const [notification] = await mailTo(c.address, /vous a envoyé un message/);
  expect(subjectOf(notification)).toBe(`${firmName} vous a envoyé un message\u00a0: Ricevute 2025`);
  const text = textOf(notification);
  expect(text).toMatch(/^Activez votre compte\nPour répondre, il vous faut un compte actif\. Activez-le ici\u00a0: /);
  expect(text).toContain(
    `${firmName} vous a envoyé un message pour ${c.accountName}\u00a0: «\u00a0Ricevute 2025\u00a0».`,
  );
});

test('the firm’s language is the default of its new contacts; a contact may change theirs', async () => {
  const firm = await ctx.stack.newFirm('Kanzlei Weber');
  expect((await firm.call('PUT', '/v1/email-language', { language: 'de' })).status).toBe(200);
  const c = await clientIn(firm, undefined);
  expect(c.language).toBe('de');
  await thread(firm, c.accountId, { enabled: false, intervalDays: 1, count: 1 });
  await mailTo(c.address, /^Kanzlei Weber hat Ihnen eine Nachricht gesendet: Ricevute 2025$/);

  const patched = await firm.call('PATCH', `/v1/contacts/${c.contactId}`, { language: 'es' });
  expect(patched.status).toBe(200);
  expect(patched.body.language).toBe('es');
  await thread(firm, c.accountId, { enabled: false, intervalDays: 1, count: 1 });
  await mailTo(c.address, /^Kanzlei Weber le ha enviado un mensaje: Ricevute 2025$/);
});

test('a firm’s own text for one kind in one language: used for that language only, and removable', async () => {
  const firm = await ctx.stack.newFirm('Studio Verdi');
  const saved = await firm.call('PUT', '/v1/email-templates/kinds/item_notification/it', {
    subject: 'Novità da {firmName}: {itemTitle}',
    body: 'Buongiorno,\n\nc’è {itemKind, select, chat {un nuovo messaggio} other {un nuovo documento}} per {accountName}.\n\n{message}\n\nApri: {link}',
  });
  expect(saved.status).toBe(200);
  expect(saved.body).toMatchObject({ kind: 'item_notification', language: 'it', source: 'firm' });

  const it = await clientIn(firm, 'it');
  const en = await clientIn(firm, 'en');
  await thread(firm, it.accountId, { enabled: false, intervalDays: 1, count: 1 });
  await thread(firm, en.accountId, { enabled: false, intervalDays: 1, count: 1 });
  const [own] = await mailTo(it.address, /^Novità da Studio Verdi: Ricevute 2025$/);
  expect(textOf(own)).toContain(`c’è un nuovo messaggio per ${it.accountName}.`);
  expect(textOf(own)).toMatch(/Apri: http:\/\/portal\.test\//);
  await mailTo(en.address, /^Studio Verdi sent you a message: Ricevute 2025$/);

  const list = await firm.call('GET', '/v1/email-templates/kinds');
  const notification = list.body.kinds.find((k: { kind: string }) => k.kind === 'item_notification');
  expect(notification.texts.it.source).toBe('firm');
  expect(notification.texts.fr.source).toBe('default');
  expect(notification.variables).toContain('itemTitle');

  expect((await firm.call('DELETE', '/v1/email-templates/kinds/item_notification/it')).status).toBe(204);
  const preview = await firm.call('POST', '/v1/email-templates/preview', { kind: 'item_notification', language: 'it' });
  expect(preview.body.source).toBe('default');
  expect((await firm.call('DELETE', '/v1/email-templates/kinds/item_notification/it')).status).toBe(404);
  // The existing firm email templates (GDPR) are untouched by these.
  expect((await firm.call('GET', '/v1/email-templates')).body.items).toEqual([]);
});

test('preview: any kind in any language with sample values, a real item, or unsaved texts', async () => {
  const { firm } = ctx;
  const sample = await firm.call('POST', '/v1/email-templates/preview', { kind: 'item_reminder', language: 'es' });
  expect(sample.status).toBe(200);
  expect(sample.body).toMatchObject({
    kind: 'item_reminder',
    language: 'es',
    source: 'default',
    subject: 'Recordatorio de Studio Rossi: 2025 tax return',
  });
  expect(sample.body.text).toContain('Se lo enviamos el 11 de marzo de 2026 (hace 3 días).');
  expect(sample.body.html).toContain('<a href="https://portal.example/accounts/sample/approval/sample">');

  const c = await clientIn(firm, 'de');
  const threadId = await thread(firm, c.accountId, { enabled: false, intervalDays: 1, count: 1 });
  const real = await firm.call('POST', '/v1/email-templates/preview', {
    kind: 'item_notification',
    language: 'de',
    itemKind: 'chat',
    itemId: threadId,
  });
  expect(real.status).toBe(200);
  expect(real.body.text).toContain(`für ${c.accountName} eine Nachricht gesendet: „Ricevute 2025“.`);

  const tried = await firm.call('POST', '/v1/email-templates/preview', {
    kind: 'invitation',
    language: 'en',
    subject: 'Join {firmName}{resend, select, yes { again} other {}}',
  });
  expect(tried.body).toMatchObject({ source: 'preview', subject: 'Join Studio Rossi' });
  expect(tried.body.text).toContain('Hello Anna Bianchi,');
});

test('a text that does not compile is refused at save with its position, and nothing is written', async () => {
  const { firm } = ctx;
  const before = await ctx.stack.db.auditEvent.count({ where: { firmId: firm.firmId, actorType: { not: 'system' } } });
  const broken = await firm.call('PUT', '/v1/email-templates/kinds/item_reminder/fr', {
    subject: 'Rappel : {itemTitle}',
    body: 'Bonjour,\n\nle dossier {itemTitle attend toujours.',
  });
  expect(broken.status).toBe(422);
  expect(broken.body.errors).toEqual([
    expect.objectContaining({ field: 'body.body', line: 3, column: 12, offset: 21 }),
  ]);
  expect(broken.body.errors[0].message).toMatch(/^line 3, column 12: not a valid ICU message/);

  const unknown = await firm.call('PUT', '/v1/email-templates/kinds/invitation/en', {
    subject: 'Welcome {firstName}',
    body: 'Hello',
  });
  expect(unknown.status).toBe(422);
  expect(unknown.body.errors).toEqual([
    expect.objectContaining({ field: 'body.subject', line: 1, column: 9, offset: 8 }),
  ]);

  const previewBroken = await firm.call('POST', '/v1/email-templates/preview', {
    kind: 'invitation',
    language: 'en',
    body: '{named, select, yes {Hi}}',
  });
  expect(previewBroken.status).toBe(422);
  expect(previewBroken.body.errors[0]).toMatchObject({ field: 'body.body', line: 1, column: 25 });

  expect(await ctx.stack.db.emailKindTemplate.count({ where: { firmId: firm.firmId } })).toBe(0);
  expect(await ctx.stack.db.auditEvent.count({ where: { firmId: firm.firmId, actorType: { not: 'system' } } })).toBe(
    before,
  );
});

test.each([
  [
    'a contact in an unknown language',
    'POST',
    '/v1/contacts',
    { firstName: 'X', language: 'pt', emails: [{ address: 'x@y.test' }] },
    422,
    'body.language',
  ],
  [
    'a contact patch to an unknown language',
    'PATCH',
    '/v1/contacts/:contact',
    { language: 'EN' },
    422,
    'body.language',
  ],
  [
    'an unknown email kind',
    'PUT',
    '/v1/email-templates/kinds/digest_weekly/it',
    { subject: 'a', body: 'b' },
    404,
    'params.kind',
  ],
  [
    'an unknown language in the path',
    'PUT',
    '/v1/email-templates/kinds/invitation/xx',
    { subject: 'a', body: 'b' },
    404,
    'params.language',
  ],
  ['a text without a body', 'PUT', '/v1/email-templates/kinds/invitation/it', { subject: 'a' }, 422, 'body.body'],
  [
    'an unknown field',
    'PUT',
    '/v1/email-templates/kinds/invitation/it',
    { subject: 'a', body: 'b', html: '<p>' },
    422,
    'body',
  ],
  [
    'a preview in an unknown language',
    'POST',
    '/v1/email-templates/preview',
    { kind: 'invitation', language: 'pt' },
    422,
    'body.language',
  ],
  [
    'a preview item without its kind',
    'POST',
    '/v1/email-templates/preview',
    { kind: 'item_reminder', language: 'it', itemId: randomUUID() },
    422,
    'body.itemId',
  ],
  [
    'a real item for an invitation',
    'POST',
    '/v1/email-templates/preview',
    { kind: 'invitation', language: 'it', itemKind: 'chat', itemId: randomUUID() },
    422,
    'body.itemId',
  ],
  ['an unknown firm language', 'PUT', '/v1/email-language', { language: 'klingon' }, 422, 'body.language'],
] as const)('bad input: %s (4xx, nothing written)', async (_name, method, path, body, status, field) => {
  const { firm } = ctx;
  const c = await clientIn(firm, 'it');
  const counts = async () => [
    await ctx.stack.db.contact.count({ where: { firmId: firm.firmId } }),
    await ctx.stack.db.emailKindTemplate.count({ where: { firmId: firm.firmId } }),
    // The system's own events are left out: earlier tests' reminders keep firing on the short day.
    await ctx.stack.db.auditEvent.count({ where: { firmId: firm.firmId, actorType: { not: 'system' } } }),
    (await ctx.stack.db.contact.findUniqueOrThrow({ where: { id: c.contactId } })).language,
    (await ctx.stack.db.firm.findUniqueOrThrow({ where: { id: firm.firmId } })).language,
  ];
  const before = await counts();
  const res = await firm.call(method, path.replace(':contact', c.contactId), body);
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  expect(await counts()).toEqual(before);
});

test('only owners and admins change the email texts', async () => {
  const { firm } = ctx;
  const employee = await firm.call('POST', '/v1/users', {
    email: `emp-${randomUUID()}@firm.test`,
    name: 'Emma Employee',
    role: 'employee',
  });
  expect(employee.status).toBe(201);
  const res = await firm.call(
    'PUT',
    '/v1/email-templates/kinds/invitation/it',
    { subject: 'Ciao', body: 'Ciao' },
    { as: employee.body.id },
  );
  expect(res.status).toBe(403);
  expect(await ctx.stack.db.emailKindTemplate.count({ where: { firmId: firm.firmId } })).toBe(0);
});
