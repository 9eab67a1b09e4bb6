// Client-action emails (notes, comments, calendar, GDPR) on the real stack: an email another attempt claimed
// waits for that claim's lease instead of counting as sent, an SMTP refusal quoting the address reaches
// Temporal's history as codes only, and the workflows are findable by firm.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { MockActivityEnvironment } from '@temporalio/testing';
import { useStackWithFirm, eventually } from './support/stack';
import { accountWithContacts, firmUser } from './support/fixtures';
import { createMailer, type Mailer } from '../domain/email/mailer';
import { CLAIM_LEASE_MS } from '../domain/email/outbound-email';
import { createTemporalGateway } from '../domain/temporal/gateway';
import { createParticipantActivities } from '../activities/participant-activities';
import {
  clientActionEmailKey,
  participantNotificationStart,
  participantNotificationWorkflowContract,
  participantWorkflowId,
  type ClientActionEmail,
} from '../shared/contracts/participant-notification';

const ctx = useStackWithFirm();

/** A note by the firm's owner and a job emailing it to a colleague (no workflow started yet). */
async function noteJob(): Promise<{ job: ClientActionEmail & { kind: 'note' }; address: string }> {
  const userId = await firmUser(ctx.firm, 'Paola Participant');
  const note = await ctx.stack.db.note.create({
    data: { firmId: ctx.firm.firmId, authorId: ctx.firm.ownerId, body: 'Call the bank about the loan' },
  });
  const { email } = await ctx.stack.db.firmUser.findUniqueOrThrow({ where: { id: userId } });
  return { job: { kind: 'note', firmId: ctx.firm.firmId, noteId: note.id, userId }, address: email };
}

/** The row an attempt leaves when it claimed the email and then died (perhaps after the mail server accepted). */
const claimedBefore = (job: ClientActionEmail, to: string, claimedAt: Date) =>
  ctx.stack.db.outboundEmail.create({
    data: {
      firmId: job.firmId,
      idempotencyKey: clientActionEmailKey(job),
      toAddress: to,
      category: 'note',
      subject: 'claimed',
      status: 'sending',
      attempts: 1,
      claimedAt,
    },
  });

const startEmails = (workflowId: string, emails: ClientActionEmail[]) =>
  createTemporalGateway({ client: ctx.stack.client, taskQueue: ctx.stack.taskQueue }).start(
    participantNotificationWorkflowContract,
    participantNotificationStart(workflowId, emails),
  );

/** A workflow's history with its payloads decoded, to search for what it must not hold. */
async function decodedHistory(workflowId: string) {
  const history = historyToJSON(await ctx.stack.client.workflow.getHandle(workflowId).fetchHistory());
  return history.replace(/"data":\s*"([A-Za-z0-9+/=]+)"/g, (_m, b64) => Buffer.from(b64, 'base64').toString('utf8'));
}

test('an email another attempt holds is a retryable failure of the activity, not a success', async () => {
  const { job, address } = await noteJob();
  await claimedBefore(job, address, new Date());
  const { sendClientActionEmail } = createParticipantActivities({ db: ctx.stack.db, mailer: ctx.stack.mailer });
  const failure = await new MockActivityEnvironment().run(sendClientActionEmail, job).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure).toMatchObject({ type: 'EmailInFlight', nonRetryable: false });
  expect(ctx.stack.smtp.mails.filter((m) => m.key === clientActionEmailKey(job))).toHaveLength(0);
});

test('a claim left by a dead attempt holds the workflow until its lease passes; then the email goes, once', async () => {
  const { job, address } = await noteJob();
  // Claimed by an attempt that died, its lease running out about 6 s from now: the attempts (about 0, 1, 3 and
  // 7 s after the start, backing off) find it held until the fourth.
  await claimedBefore(job, address, new Date(Date.now() - CLAIM_LEASE_MS + 6_000));
  const workflowId = participantWorkflowId.note(job.noteId);
  await startEmails(workflowId, [job]);
  const handle = ctx.stack.client.workflow.getHandle(workflowId);

  // Its first attempt found the claim and failed, to be retried: still running, nothing sent.
  const waiting = await eventually(
    async () => {
      const d = await handle.describe();
      return d.raw.pendingActivities?.[0]?.lastFailure?.applicationFailureInfo?.type === 'EmailInFlight' && d;
    },
    5_000,
    'a first attempt failed EmailInFlight',
  );
  expect(waiting.status.name).toBe('RUNNING');
  expect(ctx.stack.smtp.to(address)).toHaveLength(0);

  await handle.result();
  const sent = ctx.stack.smtp.to(address).filter((m) => m.key === clientActionEmailKey(job));
  expect(sent).toHaveLength(1);
  const row = await ctx.stack.db.outboundEmail.findUniqueOrThrow({
    where: { idempotencyKey: clientActionEmailKey(job) },
  });
  expect(row.status).toBe('sent');
  expect(row.lastError).toMatch(/ended without an outcome/); // the takeover, noted for an operator
});

describe('an SMTP refusal that quotes the address', () => {
  let refusing: SMTPServer;
  let refusingMailer: Mailer;
  beforeAll(async () => {
    // A mail server that refuses every recipient for now, its reply naming the address (as Postfix's does).
    refusing = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(rcpt, _session, callback) {
        callback(
          Object.assign(new Error(`4.2.0 <${rcpt.address}>: Recipient address rejected: try later`), {
            responseCode: 450,
          }),
        );
      },
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const { port } = refusing.server.address() as AddressInfo;
    refusingMailer = createMailer({ host: '127.0.0.1', port, secure: false, from: 'Nudge <no-reply@nudge.test>' });
  });
  afterAll(async () => {
    refusingMailer.close();
    await new Promise<void>((resolve) => refusing.close(() => resolve()));
  });

  test('reaches the history as its codes; the row keeps the reply', async () => {
    const { firm, stack } = ctx;
    const address = `anna-${randomUUID()}@example.test`;
    const acc = await accountWithContacts(firm, [{}]);
    const { emailId } = acc.contacts[0];
    await stack.db.contactEmail.update({ where: { id: emailId }, data: { address } });
    const template = await stack.db.emailTemplate.create({
      data: { firmId: firm.firmId, name: `Consent ${randomUUID()}`, subject: 'Your data', body: 'Dear {{firstName}}' },
    });
    const job: ClientActionEmail = {
      kind: 'gdpr',
      firmId: firm.firmId,
      changeId: randomUUID(),
      templateId: template.id,
      contactEmailId: emailId,
    };
    const key = clientActionEmailKey(job);

    let refuse = true;
    const send = stack.mailer.send.bind(stack.mailer);
    stack.mailer.send = (m) => (refuse && m.to === address ? refusingMailer.send(m) : send(m));
    try {
      const workflowId = participantWorkflowId.gdpr(job.changeId);
      await startEmails(workflowId, [job]);
      const handle = stack.client.workflow.getHandle(workflowId);
      // Retried while refused: Temporal holds the last failure, the row the server's whole reply.
      const failure = await eventually(
        async () => (await handle.describe()).raw.pendingActivities?.[0]?.lastFailure,
        15_000,
        'a failed attempt',
      );
      expect(failure.message).toBe('SMTP error EENVELOPE at RCPT TO, reply 450 4.2.0');
      expect(failure.applicationFailureInfo?.nonRetryable).toBeFalsy();
      expect(JSON.stringify(failure)).not.toContain(address);
      const row = await stack.db.outboundEmail.findUniqueOrThrow({ where: { idempotencyKey: key } });
      expect(row).toMatchObject({ status: 'pending' });
      expect(row.lastError).toContain(`450 4.2.0 <${address}>: Recipient address rejected`);

      refuse = false;
      await handle.result();
      expect(stack.smtp.to(address).filter((m) => m.key === key)).toHaveLength(1);
      const history = await decodedHistory(workflowId);
      expect(history).toContain('"contactEmailId"'); // payloads really were decoded
      expect(history).toContain('reply 450 4.2.0'); // the last failure, kept with the attempt that succeeded
      expect(history).not.toContain(address);
    } finally {
      stack.mailer.send = send;
    }
  });
});

test('a note’s participant emails are findable by the firm and the account', async () => {
  const userId = await firmUser(ctx.firm, 'Sara Searcher', 'admin');
  const { accountId } = await accountWithContacts(ctx.firm, []);
  const note = await ctx.firm.call(
    'POST',
    '/v1/notes',
    { accountId, body: 'Quarterly review', participants: [userId] },
    { idempotencyKey: randomUUID() },
  );
  expect(note.status).toBe(201);
  const workflowId = participantWorkflowId.note(note.body.id);
  await ctx.stack.smtp.waitFor((m) => m.key === `note-${note.body.id}:participant:${userId}`);
  const desc = await ctx.stack.client.workflow.getHandle(workflowId).describe();
  expect(desc.searchAttributes.NudgeFirmId).toEqual([ctx.firm.firmId]);
  expect(desc.searchAttributes.NudgeAccountId).toEqual([accountId]);
  expect(desc.memo).toMatchObject({ firmId: ctx.firm.firmId, accountId });
});
