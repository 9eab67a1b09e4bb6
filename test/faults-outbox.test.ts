// Fault suite, the seam between the database and Temporal (issue 9): each change commits with the Temporal
// calls it asks for (the outbox), so an unreachable Temporal or an API that dies after its commit loses
// nothing, and no client retry is needed; a request whose rows wait behind a failed one does not poll for
// them, and the relay warns of rows waiting only once they wait longer than a delivery takes. Each case
// prints its figures.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { startStack, eventually, sleep, serveApp, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts, firmUser } from './support/fixtures';
import { invitationWorkflowId } from '../shared/contracts/invitation';
import { participantWorkflowId } from '../shared/contracts/participant-notification';
import { deliveryFigures, useStackOnKillableTemporal } from './support/faults';
import { freePort } from '../scripts/free-port';
import { bulkWorkflowId } from '../shared/contracts/bulk-action';
import { createTemporalGateway } from '../domain/temporal/gateway';
import { createOutbox, insertOutboxRows } from '../domain/outbox/outbox';
import { createRelay } from '../domain/outbox/relay';
import { startRelayLoop } from '../domain/outbox/relay-loop';

/** The Temporal client's longest wait between retries of a failed call (its default backoff: 5 s, +20 % jitter). */
const GRPC_RETRY_MAX_WAIT_MS = 6_000;

const MESSAGES = 8;
const DAY_SECONDS = 30; // long enough that no reminder falls due during a case: only notifications count

const outboxDepth = (s: Stack) => s.db.outboxMessage.count();

/**
 * Copies every row the outbox takes from now on (a trigger), before the relays deliver and delete it, so a test
 * can queue some again as a relay that died before its delete would: `deliverAgain` re-inserts the rows of the
 * workflows whose id matches (LIKE) and says how many.
 */
async function captureOutboxRows(s: Stack) {
  await s.db.$executeRawUnsafe('CREATE TABLE IF NOT EXISTS outbox_copy (LIKE outbox)');
  await s.db.$executeRawUnsafe(`
    CREATE OR REPLACE FUNCTION outbox_copy_row() RETURNS trigger AS $$
    BEGIN INSERT INTO outbox_copy SELECT NEW.*; RETURN NEW; END $$ LANGUAGE plpgsql`);
  await s.db.$executeRawUnsafe(
    'CREATE OR REPLACE TRIGGER outbox_copy AFTER INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_copy_row()',
  );
  return {
    async deliverAgain(firmId: string, workflowIdLike: string): Promise<number> {
      const copies = await s.db.$queryRawUnsafe<{ workflowId: string; command: unknown }[]>(
        `SELECT "workflowId", command FROM outbox_copy WHERE "workflowId" LIKE $1 ORDER BY id`,
        workflowIdLike,
      );
      await s.db.outboxMessage.createMany({
        data: copies.map((c) => ({ firmId, workflowId: c.workflowId, command: c.command as object })),
      });
      return copies.length;
    },
    stop: () => s.db.$executeRawUnsafe('DROP TRIGGER IF EXISTS outbox_copy ON outbox'),
  };
}

describe('Temporal unreachable from the API while messages are posted, no client retry', () => {
  const ctx = useStackOnKillableTemporal({ daySeconds: DAY_SECONDS });

  test('every post answers 201 at once, each message notifies exactly once when Temporal is back', async () => {
    const s = ctx.stack!;
    const t = ctx.temporal!;
    const firm = await s.newFirm();
    const threads: { id: string; address: string }[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const acc = await accountWithContacts(firm, [{}]);
      const res = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, { subject: `Outage ${i}` });
      expect(res.status).toBe(201);
      threads.push({ id: res.body.id as string, address: acc.contacts[0].address });
    }

    await t.kill();
    const downAt = Date.now();
    const post = async (thread: { id: string }, key: string) => {
      const started = Date.now();
      const res = await firm.call(
        'POST',
        `/v1/chat-threads/${thread.id}/messages`,
        { author: 'firm', body: 'Please send the signed engagement letter', reminders: { enabled: false } },
        { idempotencyKey: key },
      );
      return { ...res, ms: Date.now() - started };
    };
    const answers = await Promise.all(threads.map((th, i) => post(th, `outage-${i}`)));
    expect(answers.map((a) => a.status)).toEqual(threads.map(() => 201));
    // Every message and its workflow call are committed, waiting in the outbox.
    expect(await s.db.chatMessage.count({ where: { firmId: firm.firmId } })).toBe(MESSAGES);
    expect(await outboxDepth(s)).toBeGreaterThanOrEqual(MESSAGES);
    // A retry under the same key replays the stored answer: no second message.
    const retry = await post(threads[0], 'outage-0');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(answers[0].body);
    expect(await s.db.chatMessage.count({ where: { firmId: firm.firmId } })).toBe(MESSAGES);
    const ready = await s.request('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.outbox.depth).toBeGreaterThanOrEqual(MESSAGES);

    await sleep(3000);
    expect(s.smtp.mails).toHaveLength(0);
    await t.start();
    const upAt = Date.now();
    await eventually(async () => (await outboxDepth(s)) === 0, 30_000, 'outbox drained after Temporal came back');
    const drainedAt = Date.now();
    await s.smtp.waitFor(() => true, MESSAGES, 30_000);
    const notifiedAt = Math.max(...s.smtp.mails.map((m) => m.receivedAt));
    await sleep(2000); // anything extra would come now

    const figures = deliveryFigures(
      s.smtp.mails,
      threads.map((th) => th.address),
      1,
    );
    const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
    console.log(
      `[faults] Temporal down ${((upAt - downAt) / 1000).toFixed(1)} s (restart included); ${MESSAGES} posts: ` +
        `${answers.filter((a) => a.status === 201).length} × 201, answer time p50 ${ms[Math.floor(ms.length / 2)]} ms, ` +
        `max ${ms[ms.length - 1]} ms; outbox drained ${((drainedAt - upAt) / 1000).toFixed(1)} s and all ` +
        `notified ${((notifiedAt - upAt) / 1000).toFixed(1)} s after Temporal answered; lost ${figures.lost}, ` +
        `duplicates ${figures.duplicates}; a retry under the same key replayed its answer`,
    );
    expect(figures).toEqual({ lost: 0, duplicates: 0, repeatedKeys: 0 });
    expect(await s.db.chatMessage.count({ where: { firmId: firm.firmId } })).toBe(MESSAGES);
  }, 120_000);
});

describe('the outbox on the shared stack', () => {
  let stack: Stack | undefined;

  beforeAll(async () => {
    stack = await startStack({ daySeconds: DAY_SECONDS });
  }, 60_000);
  afterAll(() => stack?.stop());

  test('an API that cannot reach Temporal and dies after saving a bulk action: the action still runs, once', async () => {
    const s = stack!;
    const firm: FirmHandle = await s.newFirm();
    const accounts = [];
    for (let i = 0; i < 4; i++) accounts.push((await accountWithContacts(firm, [])).accountId);
    const tag = await firm.call('POST', '/v1/tags', { name: 'Outbox' });
    expect(tag.status).toBe(201);
    // An API instance whose Temporal is a port nothing listens on: its fast path cannot deliver.
    const deadConnection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const doomed = await serveApp(s, {
      temporal: new Client({ connection: deadConnection }),
      outbox: { fastPathWaitMs: 300, relay: { callTimeoutMs: 200 } },
    });
    const started = Date.now();
    const res = await fetch(`${doomed.baseUrl}/v1/bulk-actions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${firm.apiKey}`,
        'x-acting-user': firm.ownerId,
        'idempotency-key': 'bulk-before-crash',
      },
      body: JSON.stringify({
        action: { kind: 'manage_tags', tags: [{ tagId: tag.body.id, action: 'assign' }] },
        selection: { accountIds: accounts },
      }),
    });
    const answerMs = Date.now() - started;
    const body = (await res.json()) as { id: string; status: string };
    expect(res.status).toBe(202);
    // The instance goes away before anything reached Temporal; nobody retries.
    await doomed.close();
    expect(body.status).toBe('running');
    // The stack's background relay (as api/main.ts and the worker run it) delivers the start.
    await eventually(
      async () => (await s.db.bulkAction.findUniqueOrThrow({ where: { id: body.id } })).status === 'completed',
      30_000,
      'bulk action completed through the background relay',
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}; outbox: ${JSON.stringify(await s.db.outboxMessage.findMany(), (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`,
      );
    });
    expect(await s.db.outboxMessage.count({ where: { workflowId: bulkWorkflowId(body.id) } })).toBe(0);
    const completedMs = Date.now() - started;
    // Only once its fast path's call (200 ms deadline) has no retry pending: the client may wait up to 6 s before
    // one, and a retry timer that fires on a closed channel throws outside any await. The relay can finish first.
    await sleep(Math.max(0, started + GRPC_RETRY_MAX_WAIT_MS + 2_000 - Date.now()));
    await deadConnection.close().catch(() => undefined);
    const tagged = await s.db.accountTag.findMany({ where: { accountId: { in: accounts }, tagId: tag.body.id } });
    expect(tagged).toHaveLength(accounts.length);
    const outcomes = await s.db.bulkActionOutcome.groupBy({
      by: ['outcome'],
      where: { bulkActionId: body.id },
      _count: true,
    });
    expect(outcomes).toEqual([{ outcome: 'done', _count: accounts.length }]);
    console.log(
      `[faults] API unable to reach Temporal, closed after saving a bulk action (no client retry): answered ` +
        `${res.status} in ${answerMs} ms; the background relay started it and it completed ${accounts.length}/` +
        `${accounts.length} accounts, each once, ${(completedMs / 1000).toFixed(1)} s after the post`,
    );
  }, 90_000);

  test('an API that died after committing a change, before storing its answer: a retry does not redo it', async () => {
    const s = stack!;
    const firm = await s.newFirm();
    const acc = await accountWithContacts(firm, [{}]);
    const thread = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, { subject: 'Lost answer' });
    const body = { author: 'firm', body: 'Your payroll summary is ready', reminders: { enabled: false } };
    const path = `/v1/chat-threads/${thread.body.id}/messages`;
    const first = await firm.call('POST', path, body, { idempotencyKey: 'lost-answer' });
    expect(first.status).toBe(201);
    const key = { firmId_key: { firmId: firm.firmId, key: 'lost-answer' } };
    // The change's transaction marked the key committed.
    expect((await s.db.idempotencyRecord.findUniqueOrThrow({ where: key })).committedAt).not.toBeNull();
    // What a process killed between its commit and storing the answer leaves: no answer, long stale.
    await s.db.idempotencyRecord.update({
      where: key,
      data: { status: null, body: undefined, createdAt: new Date(Date.now() - 10 * 60_000) },
    });
    const retry = await firm.call('POST', path, body, { idempotencyKey: 'lost-answer' });
    expect(retry.status).toBe(409);
    expect(retry.body.type).toMatch(/idempotency-key-committed$/);
    expect(await s.db.chatMessage.count({ where: { threadId: thread.body.id as string } })).toBe(1);

    // A change with no Temporal call (a new account) is covered the same way: its transaction marks the key.
    const account = { name: `Lost answer ${Date.now()}`, type: 'company' };
    expect((await firm.call('POST', '/v1/accounts', account, { idempotencyKey: 'lost-account' })).status).toBe(201);
    const accountKey = { firmId_key: { firmId: firm.firmId, key: 'lost-account' } };
    await s.db.idempotencyRecord.update({
      where: accountKey,
      data: { status: null, body: undefined, createdAt: new Date(Date.now() - 10 * 60_000) },
    });
    const again = await firm.call('POST', '/v1/accounts', account, { idempotencyKey: 'lost-account' });
    expect(again.status).toBe(409);
    expect(await s.db.account.count({ where: { firmId: firm.firmId, name: account.name } })).toBe(1);
  });

  test('a retry while the first request has committed but not yet stored its answer: in progress, not "lost"', async () => {
    const s = stack!;
    const firm = await s.newFirm();
    const account = { name: `Answer pending ${Date.now()}`, type: 'company' };
    expect((await firm.call('POST', '/v1/accounts', account, { idempotencyKey: 'answer-pending' })).status).toBe(201);
    const key = { firmId_key: { firmId: firm.firmId, key: 'answer-pending' } };
    // What a request still answering leaves (a slow fast path, a long bulk start): committed, no answer yet.
    const stored = await s.db.idempotencyRecord.findUniqueOrThrow({ where: key });
    expect(stored.committedAt).not.toBeNull();
    await s.db.idempotencyRecord.update({ where: key, data: { status: null, body: undefined } });
    const retry = await firm.call('POST', '/v1/accounts', account, { idempotencyKey: 'answer-pending' });
    expect({ status: retry.status, type: retry.body.type }).toEqual({
      status: 409,
      type: expect.stringMatching(/idempotency-key-in-use$/),
    });
    // Once the first request stores its answer, the retry gets it.
    await s.db.idempotencyRecord.update({
      where: key,
      data: { status: stored.status, body: stored.body ?? undefined },
    });
    const replayed = await firm.call('POST', '/v1/accounts', account, { idempotencyKey: 'answer-pending' });
    expect(replayed.status).toBe(201);
    expect(replayed.body.id).toBe((stored.body as { id: string }).id);
    expect(await s.db.account.count({ where: { firmId: firm.firmId, name: account.name } })).toBe(1);
  });

  test('a command delivered twice (a relay died before deleting its row) changes nothing', async () => {
    const s = stack!;
    const firm = await s.newFirm();
    const acc = await accountWithContacts(firm, [{}]);
    const thread = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, { subject: 'Twice' });
    const capture = await captureOutboxRows(s);
    try {
      const posted = await firm.call('POST', `/v1/chat-threads/${thread.body.id}/messages`, {
        author: 'firm',
        body: 'Your VAT return is ready',
        reminders: { enabled: false },
      });
      expect(posted.status).toBe(201);
      const resend = await firm.call('POST', `/v1/chat-threads/${thread.body.id}/resend`, {});
      expect(resend.status).toBeLessThan(300);
      await s.smtp.waitFor((m) => m.to.includes(acc.contacts[0].address), 2, 20_000);
      // Deliver every queued row again, as a relay that died before its delete would.
      expect(await capture.deliverAgain(firm.firmId, `%${thread.body.id}`)).toBeGreaterThanOrEqual(2);
      await eventually(async () => (await outboxDepth(s)) === 0, 10_000, 'copies delivered again');
      await sleep(3000);
      expect(s.smtp.to(acc.contacts[0].address)).toHaveLength(2); // the notification and the resend, once each
    } finally {
      await capture.stop();
    }
  }, 60_000);

  test('a start delivered again once its run ended starts no second run: an invitation, a note’s emails', async () => {
    const s = stack!;
    const firm = await s.newFirm();
    const acc = await accountWithContacts(firm, [{ login: 'off' }]);
    const [c] = acc.contacts;
    const userId = await firmUser(firm, 'Pat Participant', 'admin');
    const capture = await captureOutboxRows(s);
    try {
      const invited = await firm.call('POST', `/v1/contact-emails/${c.emailId}/invitation`, {});
      expect(invited.status).toBe(201);
      const note = await firm.call('POST', '/v1/notes', {
        accountId: acc.accountId,
        body: 'Quarterly review',
        participants: [userId],
      });
      expect(note.status).toBe(201);
      // Both runs end: the invitation once the firm turns the login off, the note's once its email went.
      expect((await firm.call('PATCH', `/v1/contact-emails/${c.emailId}`, { login: 'off' })).status).toBe(200);
      const ids = [invitationWorkflowId(invited.body.id), participantWorkflowId.note(note.body.id)];
      const runs = await Promise.all(
        ids.map(async (id) => {
          const handle = s.client.workflow.getHandle(id);
          await handle.result();
          return (await handle.describe()).runId;
        }),
      );
      // Each start again (with the invitation's revoke: a signal to an ended run changes nothing).
      for (const id of ids) expect(await capture.deliverAgain(firm.firmId, id)).toBeGreaterThanOrEqual(1);
      await eventually(async () => (await outboxDepth(s)) === 0, 10_000, 'starts delivered again');
      const after = await Promise.all(ids.map(async (id) => (await s.client.workflow.getHandle(id).describe()).runId));
      expect(after).toEqual(runs);
    } finally {
      await capture.stop();
    }
  });
  /** A harmless command of a workflow of its own: ending one that never ran is success. */
  const harmless = () => {
    const workflowId = `outbox-test-${randomUUID()}`;
    return { workflowId, command: { op: 'terminate' as const, workflowId, reason: 'test' } };
  };

  test('a request whose rows wait behind one backed off after a failure stops waiting for them at once', async () => {
    const s = stack!;
    const waitMs = 5_000;
    const outbox = createOutbox(s.db, createTemporalGateway({ client: s.client, taskQueue: s.taskQueue }), {
      fastPathWaitMs: waitMs,
    });
    const { workflowId, command } = harmless();
    // The workflow's earlier row failed (Temporal away) and waits for its next attempt, after the request's wait.
    const head = await s.db.outboxMessage.create({
      data: { workflowId, command, attempts: 5, nextAttemptAt: new Date(Date.now() + 30_000) },
    });
    try {
      const queued = await s.db.$transaction((tx) =>
        insertOutboxRows(tx, [{ firmId: null, command }], { claimFor: 10_000 }),
      );
      expect(queued.claimed).toEqual([]); // behind the head: left to the relay's claim
      let started = Date.now();
      await outbox.deliverSoon(queued.ids, queued.workflowIds, queued.claimed);
      const backedOffMs = Date.now() - started;
      expect(backedOffMs).toBeLessThan(waitMs / 2); // at once, not after the wait (room for a stalled machine)
      expect(await s.db.outboxMessage.count({ where: { workflowId } })).toBe(2);

      // Held by another relay instead (being delivered): the request waits for it, then its own row goes.
      await s.db.outboxMessage.update({
        where: { id: head.id },
        data: { nextAttemptAt: new Date(), claimedUntil: new Date(Date.now() + 30_000) },
      });
      started = Date.now();
      const returned = outbox.deliverSoon(queued.ids, queued.workflowIds, queued.claimed).then(() => Date.now());
      await sleep(300);
      await s.db.outboxMessage.delete({ where: { id: head.id } }); // that relay delivered it
      const heldMs = (await returned) - started;
      expect(await s.db.outboxMessage.count({ where: { workflowId } })).toBe(0);
      expect(heldMs).toBeGreaterThanOrEqual(300);
      expect(heldMs).toBeLessThan(waitMs);
      console.log(
        `[faults] rows behind a backed-off row: the fast path gave up after ${backedOffMs} ms (wait ${waitMs} ms); ` +
          `behind a row another relay held for 300 ms: delivered after ${heldMs} ms`,
      );
    } finally {
      await s.db.outboxMessage.deleteMany({ where: { workflowId } });
    }
  });

  test('the relay warns of rows waiting only once the oldest waits longer than a delivery takes', async () => {
    const s = stack!;
    const warnings: { outbox?: { depth: number; oldestAgeMs: number } }[] = [];
    const log = { warn: (obj: object) => void warnings.push(obj), error: () => undefined };
    // A row in flight: its request's fast path holds it, as the claim of its own insert does.
    const { workflowId, command } = harmless();
    const row = await s.db.outboxMessage.create({
      data: { workflowId, command, claimedUntil: new Date(Date.now() + 60_000) },
    });
    const relay = createRelay(s.db, createTemporalGateway({ client: s.client, taskQueue: s.taskQueue }));
    const loop = startRelayLoop(s.db, relay, log, { pollMs: 50 });
    try {
      await sleep(500);
      expect(warnings).toEqual([]);
      // The same row, a minute old: waiting for Temporal.
      await s.db.outboxMessage.update({ where: { id: row.id }, data: { createdAt: new Date(Date.now() - 60_000) } });
      await eventually(async () => warnings.length > 0, 5_000, 'the warning');
      expect(warnings[0].outbox?.oldestAgeMs).toBeGreaterThanOrEqual(60_000);
    } finally {
      await loop.stop();
      await s.db.outboxMessage.deleteMany({ where: { workflowId } });
    }
  });
});
