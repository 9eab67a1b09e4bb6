// What a mail server's 5xx refused, on real SMTP sessions: a refusal of the recipient marks the address
// bouncing and fails the email for good, one of the content fails that email only; a 5xx to the greeting, the
// login or the sender, or for want of TLS, is the configuration's, so the email is retried and goes out once
// it is fixed, the address untouched, and so is one at RCPT TO refusing the sender, the client or the relay (a
// policy refusal there fails that email only). Only a refused recipient is a bounce for the firm's webhooks and
// digests. STARTTLS is used whenever the server offers it, credentials or not. And
// a firm's own text: dates and times in the recipient's zone whatever their style, and a straight apostrophe
// that would quote a value refused at save.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { createMailer, isPermanentSmtpError, smtpRefusal, type Mailer } from '../domain/email/mailer';
import { activityFailure } from '../activities/failures';
import { sendEmailOnce } from '../domain/email/outbound-email';
import { createDigestSender } from '../domain/digest/send';
import { useStackWithFirm, eventually, PORTAL_URL, type FirmHandle } from './support/stack';
import { accountWithContacts } from './support/fixtures';
import { textOf } from './support/mail-text';

const ctx = useStackWithFirm({ daySeconds: 1 });

type Fault =
  | 'greeting'
  | 'login'
  | 'sender'
  | 'tls-required'
  | 'sender-at-rcpt'
  | 'recipient'
  | 'content'
  | 'mailbox'
  | 'sender-login-at-rcpt'
  | 'unlisted-sender'
  | 'relay-denied'
  | 'client-rejected'
  | 'client-blocked'
  | 'tenant-relay'
  | 'exchange-relay'
  | 'policy-at-rcpt'
  | 'recipient-no-status';
let fault: Fault = 'greeting';

const reply = (responseCode: number, text: string) => Object.assign(new Error(text), { responseCode });

/** An SMTP server on loopback, closed after the file's tests. */
async function smtpServer(options: SMTPServerOptions): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({ logger: false, hideENHANCEDSTATUSCODES: true, ...options });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { server, port: (server.server.address() as AddressInfo).port };
}
const servers: SMTPServer[] = [];
const mailers: Mailer[] = [];
const mailerTo = (...args: Parameters<typeof createMailer>) => {
  const mailer = createMailer(...args);
  mailers.push(mailer);
  return mailer;
};

let refusingPort = 0;

/** A mailer to the refusing server, a new pool each time (a new session: `greeting` refuses only that). */
const refusing = (login = false) =>
  mailerTo({
    host: '127.0.0.1',
    port: refusingPort,
    secure: false,
    from: 'Nudge <no-reply@nudge.test>',
    ...(login ? { user: 'nudge', pass: 'rotated' } : {}),
  });

beforeAll(async () => {
  // Refuses as real servers do, at the stage `fault` names, the enhanced status in the reply.
  const { port } = await smtpServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onConnect: (_session, callback) =>
      callback(fault === 'greeting' ? reply(554, '5.3.2 Service currently unavailable') : undefined),
    onAuth: (_auth, _session, callback) => callback(reply(535, '5.7.8 Authentication credentials invalid')),
    onMailFrom(_address, _session, callback) {
      if (fault === 'sender') return callback(reply(553, '5.7.1 Sender address not verified'));
      if (fault === 'tls-required') return callback(reply(530, '5.7.0 Must issue a STARTTLS command first'));
      callback();
    },
    onRcptTo(address, _session, callback) {
      // Postfix delays its sender checks to RCPT TO, the reply naming the sender.
      if (fault === 'sender-at-rcpt')
        return callback(reply(550, '5.1.8 <no-reply@nudge.test>: Sender address rejected: Domain not found'));
      if (fault === 'recipient')
        return callback(reply(550, `5.1.1 <${address.address}>: Recipient address rejected: User unknown`));
      // The sender, the client or the relay refused at RCPT TO, as Postfix and Exchange Online word it.
      const refusals: Partial<Record<Fault, [number, string]>> = {
        'sender-login-at-rcpt': [553, '5.7.1 <no-reply@nudge.test>: Sender address rejected: not owned by user nudge'],
        'unlisted-sender': [550, '5.1.0 <no-reply@nudge.test>: Sender address rejected: User unknown'],
        'relay-denied': [554, `5.7.1 <${address.address}>: Relay access denied`],
        'client-rejected': [554, '5.7.1 <localhost[127.0.0.1]>: Client host rejected: Access denied'],
        'client-blocked': [554, '5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org'],
        'tenant-relay': [550, '5.7.64 TenantAttribution; Relay Access Denied'],
        'exchange-relay': [550, '5.7.54 SMTP; Unable to relay recipient in non-accepted domain'],
        // A policy about this email, not the address; and an address refused without an enhanced status.
        'policy-at-rcpt': [550, '5.7.1 RESOLVER.RST.NotAuthorized; not authorized'],
        'recipient-no-status': [550, 'No such user here'],
      };
      const refusal = refusals[fault];
      if (refusal) return callback(reply(...refusal));
      callback();
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => {
        if (fault === 'content') return callback(reply(554, '5.7.1 Message refused as spam'));
        if (fault === 'mailbox') return callback(reply(552, '5.2.2 Mailbox full'));
        callback();
      });
    },
  });
  refusingPort = port;
});

afterAll(async () => {
  for (const m of mailers) m.close();
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

const mail = (to = 'anna@client.test') => ({ to, subject: 'S', text: 'T', html: '<p>T</p>', messageId: '<m@nudge>' });

describe('what nodemailer reports at each stage', () => {
  test.each([
    ['greeting', false, null, { code: 'EPROTOCOL', command: 'CONN', responseCode: 554 }],
    ['login', true, null, { code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535 }],
    ['sender', false, null, { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 553 }],
    ['tls-required', false, null, { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 530 }],
    ['sender-at-rcpt', false, null, { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550 }],
    ['recipient', false, 'recipient', { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550 }],
    ['content', false, 'message', { code: 'EMESSAGE', command: 'DATA', responseCode: 554 }],
    ['mailbox', false, 'recipient', { code: 'EMESSAGE', command: 'DATA', responseCode: 552 }],
    ['sender-login-at-rcpt', false, null, { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 553 }],
    ['unlisted-sender', false, null, { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550 }],
    ['relay-denied', false, null, { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 554 }],
    ['client-rejected', false, null, { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 554 }],
    ['client-blocked', false, null, { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 554 }],
    ['tenant-relay', false, null, { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550 }],
    ['exchange-relay', false, null, { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550 }],
    ['policy-at-rcpt', false, 'message', { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550 }],
    ['recipient-no-status', false, 'recipient', { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550 }],
  ] as const)('a 5xx to the %s (login %s) refuses for good: %s', async (at, login, refused, fields) => {
    fault = at;
    const err = await refusing(login)
      .send(mail())
      .catch((e: unknown) => e);
    expect(err).toMatchObject(fields);
    expect(smtpRefusal(err)).toBe(refused);
    expect(isPermanentSmtpError(err)).toBe(refused !== null);
    expect(activityFailure(err)).toMatchObject({ nonRetryable: refused !== null });
  });
});

/** The sum of a counter in the API's /metrics (the stack's worker shares its registry). */
async function counter(name: string): Promise<number> {
  const text = String((await ctx.stack.request('GET', '/metrics')).body);
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
}

/** Sends the first email to `address` through `mailer` (the refusing server), the rest to the capture server. */
function firstSendThrough(address: string, mailer: Mailer): () => void {
  const { stack } = ctx;
  const send = stack.mailer.send.bind(stack.mailer);
  let left = 1;
  stack.mailer.send = async (m) => (m.to === address && left-- > 0 ? mailer.send(m) : send(m));
  return () => {
    stack.mailer.send = send;
  };
}

async function chatThread(
  firm: FirmHandle,
  accountId: string,
  reminders = { enabled: false, intervalDays: 1, count: 1 },
) {
  const thread = await firm.call('POST', `/v1/accounts/${accountId}/chat-threads`, {
    subject: 'Receipts 2025',
    message: { body: 'Please upload your receipts' },
    reminders,
  });
  expect(thread.status).toBe(201);
  return thread.body.id as string;
}

const bounceNotices = (firm: FirmHandle, contactEmailId: string) =>
  ctx.stack.db.inboxNotification.count({
    where: {
      firmId: firm.firmId,
      kind: 'contact_email.bounced',
      data: { path: ['contactEmailId'], equals: contactEmailId },
    },
  });

describe('on the stack', () => {
  test.each([
    ['greeting', false],
    ['login', true],
    ['sender', false],
    ['tls-required', false],
    ['sender-at-rcpt', false],
    ['sender-login-at-rcpt', false],
    ['relay-denied', false],
    ['client-rejected', false],
  ] as const)('a 5xx to the %s (login %s) is retried: the email goes out, the address stays', async (at, login) => {
    const { stack, firm } = ctx;
    fault = at;
    const acc = await accountWithContacts(firm, [{}]);
    const [c] = acc.contacts;
    const failedBefore = await counter('nudge_emails_failed_total');
    const bouncedBefore = await counter('nudge_emails_bounced_total');
    const restore = firstSendThrough(c.address, refusing(login));
    try {
      const threadId = await chatThread(firm, acc.accountId);
      await stack.smtp.waitFor((m) => m.to.includes(c.address), 1, 20_000);

      const email = await eventually(
        () => stack.db.outboundEmail.findFirst({ where: { contactEmailId: c.emailId, status: 'sent' } }),
        10_000,
        'the sent mark',
      );
      expect(email.attempts).toBe(2);
      expect(await stack.db.contactEmail.findUniqueOrThrow({ where: { id: c.emailId } })).toMatchObject({
        bouncedAt: null,
        bounceReason: null,
      });
      expect(await bounceNotices(firm, c.emailId)).toBe(0);
      const explained = await firm.call('GET', `/v1/chat-threads/${threadId}/reminders`);
      expect(explained.body.recipients).toEqual([
        expect.objectContaining({ contactEmailId: c.emailId, included: true, reason: null }),
      ]);
      expect(await counter('nudge_emails_failed_total')).toBe(failedBefore + 1);
      expect(await counter('nudge_emails_bounced_total')).toBe(bouncedBefore);
    } finally {
      restore();
    }
  });

  test('a 5xx to the recipient still marks the address bouncing and fails the email for good', async () => {
    const { stack, firm } = ctx;
    fault = 'recipient';
    const acc = await accountWithContacts(firm, [{}]);
    const [c] = acc.contacts;
    const restore = firstSendThrough(c.address, refusing());
    try {
      const threadId = await chatThread(firm, acc.accountId);
      await eventually(
        () => stack.db.outboundEmail.findFirst({ where: { contactEmailId: c.emailId, status: 'failed' } }),
        15_000,
        'the refusal recorded',
      );
      const email = await stack.db.contactEmail.findUniqueOrThrow({ where: { id: c.emailId } });
      expect(email.bouncedAt).toBeInstanceOf(Date);
      expect(email.bounceReason).toMatch(/550 5\.1\.1/);
      await eventually(async () => (await bounceNotices(firm, c.emailId)) === 1, 5_000, 'the inbox notice');
      const explained = await firm.call('GET', `/v1/chat-threads/${threadId}/reminders`);
      expect(explained.body.recipients).toEqual([
        expect.objectContaining({ contactEmailId: c.emailId, included: false, reason: 'bounced' }),
      ]);
      expect(stack.smtp.to(c.address)).toHaveLength(0);
    } finally {
      restore();
    }
  });

  test('a 5xx to the content fails that email for good; the address stays', async () => {
    const { stack, firm } = ctx;
    fault = 'content';
    const acc = await accountWithContacts(firm, [{}]);
    const [c] = acc.contacts;
    const restore = firstSendThrough(c.address, refusing());
    try {
      const threadId = await chatThread(firm, acc.accountId);
      const failed = await eventually(
        () => stack.db.outboundEmail.findFirst({ where: { contactEmailId: c.emailId, status: 'failed' } }),
        15_000,
        'the refusal recorded',
      );
      expect(failed.lastError).toMatch(/554 5\.7\.1/);
      expect((await stack.db.contactEmail.findUniqueOrThrow({ where: { id: c.emailId } })).bouncedAt).toBeNull();
      expect(await bounceNotices(firm, c.emailId)).toBe(0);
      const explained = await firm.call('GET', `/v1/chat-threads/${threadId}/reminders`);
      expect(explained.body.recipients).toEqual([
        expect.objectContaining({ contactEmailId: c.emailId, included: true, reason: null }),
      ]);
      expect(stack.smtp.to(c.address)).toHaveLength(0);
    } finally {
      restore();
    }
  });
});

/** Deliveries of `email.bounced` about one item (to the endpoint of a firm from firmHearingBounces). */
const bouncedEvents = (firm: FirmHandle, itemId: string) =>
  ctx.stack.db.webhookDelivery.count({
    where: { firmId: firm.firmId, eventType: 'email.bounced', payload: { path: ['data', 'itemId'], equals: itemId } },
  });

const hearing: string[] = [];

/**
 * A firm whose endpoint hears `email.bounced`: its deliveries are counted, none needs to arrive (the host does
 * not resolve), and the endpoint is disabled after the test so their retries end.
 */
async function firmHearingBounces(): Promise<FirmHandle> {
  const firm = await ctx.stack.newFirm();
  hearing.push(firm.firmId);
  await ctx.stack.db.webhookEndpoint.create({
    data: {
      firmId: firm.firmId,
      url: 'https://hooks.example.test/nudge',
      secret: `whsec_${Buffer.from(randomUUID()).toString('base64')}`,
      eventTypes: ['email.bounced'],
    },
  });
  return firm;
}

/** A new contact's address, and an email to it for send-once. */
async function contactEmail(firm: FirmHandle) {
  const [c] = (await accountWithContacts(firm, [{}])).contacts;
  const email = {
    firmId: firm.firmId,
    idempotencyKey: `faults:${randomUUID()}`,
    contactEmailId: c.emailId,
    to: c.address,
    category: 'all',
    subject: 'S',
    text: 'T',
    html: '<p>T</p>',
  };
  return { c, email };
}

describe('what a refusal tells the firm', () => {
  afterEach(() =>
    ctx.stack.db.webhookEndpoint.updateMany({
      where: { firmId: { in: hearing.splice(0) } },
      data: { disabledAt: new Date() },
    }),
  );

  test.each([
    ['content', 'failed'],
    ['policy-at-rcpt', 'failed'],
    ['recipient', 'bounced'],
  ] as const)('send-once: a 5xx to the %s is %s, and so on a retry that finds it refused', async (at, outcome) => {
    const { stack, firm } = ctx;
    fault = at;
    const { c, email } = await contactEmail(firm);
    expect(await sendEmailOnce(stack.db, refusing(), email)).toBe(outcome);
    expect(await sendEmailOnce(stack.db, refusing(), email)).toBe(outcome);
    const { bouncedAt } = await stack.db.contactEmail.findUniqueOrThrow({ where: { id: c.emailId } });
    expect(bouncedAt !== null).toBe(outcome === 'bounced');
  });

  test('a bounce whose notices cannot be written is recorded by the retry whole: address marked and the firm told', async () => {
    const { stack, firm } = ctx;
    fault = 'recipient';
    const { c, email } = await contactEmail(firm);
    // The database refuses this address's bounce notice once, as a crash between the writes would leave it.
    const fn = `fail_notice_${randomUUID().replace(/-/g, '')}`;
    await stack.db.$executeRawUnsafe(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.data->>'contactEmailId' = '${c.emailId}' THEN RAISE EXCEPTION 'notice refused'; END IF;
      RETURN NEW; END $$`);
    await stack.db.$executeRawUnsafe(
      `CREATE TRIGGER ${fn} BEFORE INSERT ON "InboxNotification" FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
    );
    try {
      await expect(sendEmailOnce(stack.db, refusing(), email)).rejects.toThrow(/notice refused/);
    } finally {
      await stack.db.$executeRawUnsafe(`DROP TRIGGER ${fn} ON "InboxNotification"`);
      await stack.db.$executeRawUnsafe(`DROP FUNCTION ${fn}()`);
    }
    expect(await sendEmailOnce(stack.db, refusing(), email)).toBe('bounced');
    expect((await stack.db.contactEmail.findUniqueOrThrow({ where: { id: c.emailId } })).bouncedAt).not.toBeNull();
    expect(await bounceNotices(firm, c.emailId)).toBeGreaterThan(0);
  });

  test.each([
    ['content', 0],
    ['policy-at-rcpt', 0],
    ['recipient', 1],
  ] as const)('a reminder email refused at the %s: %i email.bounced event', async (at, events) => {
    const { stack } = ctx;
    const firm = await firmHearingBounces();
    fault = at;
    const acc = await accountWithContacts(firm, [{}]);
    const [c] = acc.contacts;
    const restore = firstSendThrough(c.address, refusing());
    try {
      const itemId = await chatThread(firm, acc.accountId, { enabled: true, intervalDays: 1, count: 1 });
      await eventually(
        () => stack.db.outboundEmail.findFirst({ where: { contactEmailId: c.emailId, status: 'failed' } }),
        15_000,
        'the refusal recorded',
      );
      if (events) {
        await eventually(async () => (await bouncedEvents(firm, itemId)) === events, 10_000, 'the bounce event');
      } else {
        // The address stays: the reminder after the refused notification goes to it, after the refusal's activity.
        await stack.smtp.waitFor((m) => m.to.includes(c.address), 1, 20_000);
        expect((await stack.db.contactEmail.findUniqueOrThrow({ where: { id: c.emailId } })).bouncedAt).toBeNull();
      }
      expect(await bouncedEvents(firm, itemId)).toBe(events);
    } finally {
      restore();
    }
  });

  test.each([
    ['content', 'refused', 0],
    ['recipient', 'bounced', 1],
  ] as const)(
    'a digest refused at the %s drops its entries as %s, with %i email.bounced event',
    async (at, reason, events) => {
      const { stack } = ctx;
      const firm = await firmHearingBounces();
      expect((await firm.call('PUT', '/v1/settings/digest', { enabled: true, windowMinutes: 1 })).status).toBe(200);
      const acc = await accountWithContacts(firm, [{}]);
      const [c] = acc.contacts;
      const itemId = await chatThread(firm, acc.accountId, { enabled: true, intervalDays: 1, count: 1 });
      // The reminder waits for its digest; the stack's worker keeps a real reminder day (its digest would go in a
      // minute), so the test sends the digest first.
      const [entry] = await eventually(
        async () => {
          const rows = await stack.db.digestEntry.findMany({ where: { contactEmailId: c.emailId, state: 'pending' } });
          return rows.length > 0 && rows;
        },
        20_000,
        'the reminder in the digest',
      );
      // The digest goes now, through the refusing server, with a reminder day of a second.
      fault = at;
      const digests = createDigestSender({
        db: stack.db,
        mailer: refusing(),
        portalUrl: PORTAL_URL,
        reminderDaySeconds: 1,
      });
      expect(await digests.sendDigest({ firmId: firm.firmId, contactEmailId: c.emailId })).toEqual({
        status: 'nothing',
        dropped: 1,
      });
      expect(await stack.db.digestEntry.findUniqueOrThrow({ where: { id: entry.id } })).toMatchObject({
        state: 'dropped',
        dropReason: reason,
      });
      expect(await bouncedEvents(firm, itemId)).toBe(events);
      const { bouncedAt } = await stack.db.contactEmail.findUniqueOrThrow({ where: { id: c.emailId } });
      expect(bouncedAt !== null).toBe(reason === 'bounced');
    },
  );
});

describe('STARTTLS without credentials', () => {
  test('the session is upgraded when the server offers it, and a server that requires it gets the email', async () => {
    const sessions: boolean[] = [];
    // smtp-server's own self-signed certificate; it refuses MAIL FROM in plain text, as relays requiring TLS do.
    const { port } = await smtpServer({
      authOptional: true,
      onMailFrom(_address, session, callback) {
        sessions.push(session.secure);
        callback(session.secure ? undefined : reply(530, '5.7.0 Must issue a STARTTLS command first'));
      },
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback());
      },
    });
    const mailer = mailerTo(
      { host: '127.0.0.1', port, secure: false, from: 'Nudge <no-reply@nudge.test>' },
      { rejectUnauthorized: false },
    );
    await expect(mailer.send(mail())).resolves.toEqual({ messageId: '<m@nudge>' });
    expect(sessions).toEqual([true]);
  });
});

describe('a relay slower than the sends', () => {
  test('sends beyond the pool’s connections wait for one, unclaimed; one that waits too long fails before its claim, and its retry sends it once', async () => {
    const { stack, firm } = ctx;
    const received: string[] = [];
    // Each message takes the relay 1.5 s to accept.
    const { port } = await smtpServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        stream.resume();
        stream.on('end', () =>
          setTimeout(() => {
            received.push(session.envelope.rcptTo[0].address);
            callback();
          }, 1_500),
        );
      },
    });
    const mailer = mailerTo(
      { host: '127.0.0.1', port, secure: false, from: 'Nudge <no-reply@nudge.test>' },
      undefined,
      500, // the connection wait, shortened
    );
    const emails = Array.from({ length: 7 }, (_, i) => ({
      firmId: firm.firmId,
      idempotencyKey: `slow-relay:${randomUUID()}`,
      to: `slow-${i}@client.test`,
      category: 'all',
      subject: 'S',
      text: 'T',
      html: '<p>T</p>',
    }));
    const claims = () =>
      stack.db.outboundEmail.count({ where: { idempotencyKey: { in: emails.map((e) => e.idempotencyKey) } } });
    const outcomes = emails.map((e) => sendEmailOnce(stack.db, mailer, e).catch((err: Error) => err));
    // Five hold the pool's connections; the two waiting for one have no claim for their lease to run out on.
    await eventually(async () => (await claims()) === 5, 5_000, 'five claims');
    const settled = await Promise.all(outcomes);
    expect(settled.filter((o) => o === 'sent')).toHaveLength(5);
    const waited = settled.filter((o): o is Error => o instanceof Error);
    expect(waited.map((e) => e.name)).toEqual(['ConnectionWaitError', 'ConnectionWaitError']);
    expect(activityFailure(waited[0])).toMatchObject({ type: 'SmtpConnectionWait', nonRetryable: false });
    expect(await claims()).toBe(5);
    // Their retries (the activity's) send each once.
    const retried = emails.filter((_, i) => settled[i] !== 'sent');
    expect(await Promise.all(retried.map((e) => sendEmailOnce(stack.db, mailer, e)))).toEqual(['sent', 'sent']);
    expect(received.sort()).toEqual(emails.map((e) => e.to).sort());
  });

  test('a send waiting for a connection beats its activity’s heartbeat (the dispatch times out after 10 s without)', async () => {
    const { stack, firm } = ctx;
    const { port } = await smtpServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => setTimeout(() => callback(), 2_500));
      },
    });
    const mailer = mailerTo({ host: '127.0.0.1', port, secure: false, from: 'Nudge <no-reply@nudge.test>' });
    const beats = Array.from({ length: 6 }, () => 0);
    const outcomes = await Promise.all(
      beats.map((_, i) =>
        sendEmailOnce(
          stack.db,
          mailer,
          {
            firmId: firm.firmId,
            idempotencyKey: `slow-relay-beat:${randomUUID()}`,
            to: `beat-${i}@client.test`,
            category: 'all',
            subject: 'S',
            text: 'T',
            html: '<p>T</p>',
          },
          { heartbeat: () => beats[i]++ },
        ),
      ),
    );
    expect(outcomes).toEqual(Array(6).fill('sent'));
    // The sixth waited about 2.5 s for a connection: at least one beat then (every 2 s).
    expect(Math.max(...beats)).toBeGreaterThanOrEqual(1);
  });
});

describe('a firm’s own text', () => {
  test('dates and times of any style are in the recipient’s zone', async () => {
    const { stack } = ctx;
    const firm = await stack.newFirm('Studio Zone');
    const saved = await firm.call('PUT', '/v1/email-templates/kinds/invitation/en', {
      subject: 'Join {firmName}',
      body: 'Accept by {expiresAt, date, short} at {expiresAt, time}: {link}',
    });
    expect(saved.status).toBe(200);
    const account = await firm.call('POST', '/v1/accounts', {
      name: `Zone ${randomUUID().slice(0, 6)}`,
      type: 'company',
    });
    const address = `client-${randomUUID()}@client.test`;
    const contact = await firm.call('POST', '/v1/contacts', {
      firstName: 'Tia',
      lastName: 'Kiri',
      language: 'en',
      timeZone: 'Pacific/Kiritimati',
      emails: [{ address, login: 'pending' }],
      accounts: [{ accountId: account.body.id }],
    });
    expect(contact.status).toBe(201);

    const [invitation] = await stack.smtp.waitFor((m) => m.to.includes(address) && m.subject === 'Join Studio Zone');
    const { expiresAt } = await stack.db.invitation.findFirstOrThrow({ where: { address } });
    const zone = { timeZone: 'Pacific/Kiritimati' } as const;
    const date = new Intl.DateTimeFormat('en', { month: 'numeric', day: 'numeric', year: '2-digit', ...zone });
    const time = new Intl.DateTimeFormat('en', {
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      timeZoneName: 'short',
      ...zone,
    });
    expect(textOf(invitation)).toContain(`Accept by ${date.format(expiresAt)} at ${time.format(expiresAt)}:`);
    expect(time.format(expiresAt)).toMatch(/GMT\+14$/);
  });

  test('a straight apostrophe before a value is refused at save with its position; nothing is written', async () => {
    const firm = await ctx.stack.newFirm('Cabinet Dupont');
    const res = await firm.call('PUT', '/v1/email-templates/kinds/item_reminder/fr', {
      subject: "Rappel d'{firmName}\u00a0: {itemTitle}",
      body: 'Bonjour,\n\nle cabinet {firmName} attend {itemTitle}.\n\nLien\u00a0: {link}',
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ field: 'body.subject', line: 1, column: 9, offset: 8 }),
    ]);
    expect(res.body.errors[0].message).toMatch(/^line 1, column 9: an apostrophe before \{/);
    expect(await ctx.stack.db.emailKindTemplate.count({ where: { firmId: firm.firmId } })).toBe(0);
  });
});
