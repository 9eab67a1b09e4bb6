// How SMTP and database errors leave an activity: as Temporal failures naming their codes only, since Temporal
// keeps a failure's message and stack in the workflow's history and an SMTP reply quotes the recipient.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { ApplicationFailure, DefaultFailureConverter, defaultPayloadConverter } from '@temporalio/common';
import { createMailer, smtpRefusal, type Mailer } from '../../domain/email/mailer';
import { EmailInFlightError } from '../../domain/email/outbound-email';
import { Prisma } from '../../prisma/client';
import { activityFailure, retryWhenInFlight } from '../../activities/failures';

const ADDRESS = 'anna@example.test';
let server: SMTPServer;
let mailer: Mailer;
let refuseAt: 'rcpt' | 'data' = 'rcpt';

beforeAll(async () => {
  // Refuses as Postfix does, the reply naming the recipient: for now at RCPT, for good after the message.
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(rcpt, _session, callback) {
      if (refuseAt !== 'rcpt') return callback();
      const reply = `4.2.0 <${rcpt.address}>: Recipient address rejected: try again later`;
      callback(Object.assign(new Error(reply), { responseCode: 450 }));
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () =>
        callback(Object.assign(new Error(`5.7.1 <${ADDRESS}>: Message refused`), { responseCode: 554 })),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  mailer = createMailer({ host: '127.0.0.1', port, secure: false, from: 'Nudge <no-reply@nudge.test>' });
});

afterAll(async () => {
  mailer.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const mail = { to: ADDRESS, subject: 'S', text: 'T', html: '<p>T</p>', messageId: '<m@nudge>' };

/** What an activity throws when its work fails with what `send` throws. */
const thrownBy = (send: () => Promise<unknown>) => retryWhenInFlight(send).catch((err: unknown) => err);

/** The failure as Temporal records it in the history (message, stack, cause). */
const recorded = (err: unknown) =>
  JSON.stringify(new DefaultFailureConverter().errorToFailure(err, defaultPayloadConverter));

test('a refusal at RCPT quoting the address leaves as its codes, retryable; the history gets no address', async () => {
  refuseAt = 'rcpt';
  const raw = await mailer.send(mail).catch((err: unknown) => err);
  expect(String((raw as Error).message)).toContain(ADDRESS); // what nodemailer throws

  const failure = await thrownBy(() => mailer.send(mail));
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure).toMatchObject({
    message: 'SMTP error EENVELOPE at RCPT TO, reply 450 4.2.0',
    type: 'SmtpError',
    nonRetryable: false,
  });
  expect(recorded(failure)).not.toContain(ADDRESS);
  expect(recorded(failure)).toContain('450 4.2.0');
});

test('a permanent refusal, should one be thrown, does not retry', async () => {
  refuseAt = 'data';
  const failure = await thrownBy(() => mailer.send(mail));
  expect(failure).toMatchObject({
    message: 'SMTP error EMESSAGE at DATA, reply 554 5.7.1',
    type: 'SmtpRefused',
    nonRetryable: true,
  });
  expect(recorded(failure)).not.toContain(ADDRESS);
});

test('a mail server that does not answer: the connection error’s codes, retryable', async () => {
  const closed = createMailer({ host: '127.0.0.1', port: 1, secure: false, from: 'x@nudge.test' });
  try {
    const failure = await thrownBy(() => closed.send(mail));
    expect(failure).toMatchObject({ message: 'SMTP error ESOCKET at CONN', type: 'SmtpError', nonRetryable: false });
  } finally {
    closed.close();
  }
});

test('an SMTP error without a reply text (a fake mailer’s) keeps its code', () => {
  const err = Object.assign(new Error(`smtp 421 for ${ADDRESS}`), { responseCode: 421 });
  expect(activityFailure(err)).toMatchObject({ message: 'SMTP error, reply 421', nonRetryable: false });
});

test.each([
  [
    'a Prisma validation error quoting a value',
    new Prisma.PrismaClientValidationError(`Invalid value: { address: "${ADDRESS}" }`, { clientVersion: 'test' }),
    'database error validation',
  ],
  [
    'a unique violation through the driver adapter',
    new Prisma.PrismaClientKnownRequestError(`Unique constraint failed: ${ADDRESS}`, {
      code: 'P2002',
      clientVersion: 'test',
      meta: { driverAdapterError: { cause: { kind: 'UniqueConstraintViolation', message: ADDRESS } } },
    }),
    'database error P2002 UniqueConstraintViolation',
  ],
  [
    'a pg error of a hot statement',
    Object.assign(new Error(`invalid input syntax for type uuid: "${ADDRESS}"`), { severity: 'ERROR', code: '22P02' }),
    'database error 22P02',
  ],
])('%s leaves as its codes, retryable', async (_name, err, message) => {
  const failure = await thrownBy(() => Promise.reject(err));
  expect(failure).toMatchObject({ message, type: 'DatabaseError', nonRetryable: false });
  expect(recorded(failure)).not.toContain(ADDRESS);
});

test('an email in flight is retried; other errors leave as they are', () => {
  expect(activityFailure(new EmailInFlightError('note-1:participant:2'))).toMatchObject({
    type: 'EmailInFlight',
    nonRetryable: false,
  });
  const own = ApplicationFailure.nonRetryable('bad job', 'BadJob');
  expect(activityFailure(own)).toBe(own);
  const bug = new TypeError('x is undefined');
  expect(activityFailure(bug)).toBe(bug);
});

// What a 5xx at RCPT TO refused, from the reply's words where its status is not about the address.
test.each([
  ['550 5.1.1 <anna@example.test>: Recipient address rejected: User unknown', 'recipient'],
  ['550 5.5.0 Requested action not taken: mailbox unavailable', 'recipient'],
  ['550 5.4.1 Recipient address rejected: Access denied', 'recipient'],
  ['550 Requested action not taken: no such user here', 'recipient'],
  ['554 5.7.1 Message rejected under policy', 'message'],
  ['554 5.7.1 <anna@example.test>: Relay access denied', null],
  ['553 5.7.1 <no-reply@nudge.test>: Sender address rejected: not owned by user', null],
])('a 5xx at RCPT TO "%s" refused: %s', (response, refused) => {
  const responseCode = Number(response.slice(0, 3));
  expect(smtpRefusal({ command: 'RCPT TO', responseCode, response })).toBe(refused);
});
