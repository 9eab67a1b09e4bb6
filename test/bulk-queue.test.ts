// The per-firm cap on running bulk actions (issue 9), here 1: a start beyond it is saved "queued" with its
// snapshot and no workflow; when the running one closes (its workflow's end or a cancel) the queued one is
// promoted and runs to completion; two starts at once cannot both run; cancelling a queued action closes it
// at once; the reconciler promotes a queued action left behind.
import { randomUUID } from 'node:crypto';
import { useStackWithFirm, eventually, type FirmHandle } from './support/stack';
import { accountWithContacts, firmUser } from './support/fixtures';
import { createTemporalGateway } from '../domain/temporal/gateway';
import { createBulkActionsService } from '../domain/bulk/bulk-actions';
import { reconcile } from '../domain/reconciler/reconcile';
import { loadBulkContext } from '../domain/bulk/context';
import { runSetBasedChunk } from '../domain/bulk/set-steps';
import { runBulkAccount } from '../domain/bulk/runner';
import { closeBulkAction } from '../domain/bulk/close';
import { commandBuilders } from '../domain/outbox/commands';
import { bulkWorkflowId, type BulkPacing } from '../shared/contracts/bulk-action';

const pacing: BulkPacing = { batchSize: 1, concurrentBatches: 1, accountConcurrency: 1, batchesPerRun: 400 };
const ctx = useStackWithFirm({ daySeconds: 1, bulkPacing: pacing, bulkMaxRunningPerFirm: 1 });

const workflowStatus = (id: string) =>
  createTemporalGateway({ client: ctx.stack.client, taskQueue: ctx.stack.taskQueue }).status(bulkWorkflowId(id));

async function taggedAccounts(firm: FirmHandle, n: number) {
  const tag = (await firm.call('POST', '/v1/tags', { name: `T ${randomUUID().slice(0, 6)}` })).body.id as string;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await accountWithContacts(firm, [])).accountId);
  return { tag, ids };
}

const tagAction = (tag: string, ids: string[]) => ({
  action: { kind: 'manage_tags', tags: [{ tagId: tag, action: 'assign' }] },
  selection: { accountIds: ids },
});

/** A bulk action started on a task queue nobody polls: it stays "running" as long as the test wants. */
async function idleRunning(
  firm: FirmHandle,
  tag: string,
  ids: string[],
  tags: { tagId: string; action: 'assign' | 'remove' }[] = [{ tagId: tag, action: 'assign' }],
) {
  const idle = createTemporalGateway({ client: ctx.stack.client, taskQueue: `idle-${randomUUID()}` });
  const service = createBulkActionsService({
    db: ctx.stack.db,
    gateway: idle,
    daySeconds: 1,
    pacing,
    maxRunningPerFirm: 1,
  });
  const owner = { id: firm.ownerId, role: 'owner' as const, canViewAllAccounts: true };
  const started = await service.start(firm.firmId, owner, {
    action: { kind: 'manage_tags', tags },
    selection: { accountIds: ids },
    dryRun: false,
  });
  expect(started.status).toBe('running');
  return started.id;
}

async function untilStatus(firm: FirmHandle, id: string, status: string) {
  return eventually(
    async () => {
      const res = await firm.call('GET', `/v1/bulk-actions/${id}`);
      return res.body.status === status && res.body;
    },
    60_000,
    `bulk action ${id} to be ${status}`,
  );
}

test('beyond the cap a start is queued (snapshot, no workflow); when the running one ends it runs', async () => {
  const firm = await ctx.stack.newFirm();
  const { tag, ids } = await taggedAccounts(firm, 6);
  // One account per child workflow, one child at a time: A takes a few seconds.
  const a = await firm.call('POST', '/v1/bulk-actions', tagAction(tag, ids));
  expect(a.status).toBe(202);
  expect(a.body.status).toBe('running');
  const b = await firm.call('POST', '/v1/bulk-actions', tagAction(tag, ids.slice(0, 2)));
  expect(b.status).toBe(202);
  expect(b.body).toMatchObject({ status: 'queued', total: 2, report: null });
  expect(b.body.progress).toMatchObject({ total: 2, done: 0, pending: 2 });
  expect(await ctx.stack.db.bulkActionOutcome.count({ where: { bulkActionId: b.body.id } })).toBe(2);
  expect(await workflowStatus(b.body.id)).toBeNull();

  const shown = await firm.call('GET', `/v1/bulk-actions/${b.body.id}`);
  expect(shown.body).toMatchObject({ status: 'queued', progress: { total: 2, pending: 2 } });
  const listed = await firm.call('GET', '/v1/bulk-actions?status=queued');
  expect(listed.status).toBe(200);
  expect(listed.body.items.map((i: { id: string }) => i.id)).toEqual([b.body.id]);

  const doneA = await untilStatus(firm, a.body.id, 'completed');
  const doneB = await untilStatus(firm, b.body.id, 'completed');
  expect(doneA.progress).toMatchObject({ total: 6, done: 6 });
  expect(doneB.progress).toMatchObject({ total: 2, skipped: 2 }); // the tags were assigned by A already
  // The row closes in the workflow's last activity; the workflow returns just after.
  await eventually(async () => (await workflowStatus(b.body.id)) === 'COMPLETED', 30_000, "B's workflow to complete");
});

test('a cancel of the running action promotes the queued one, which runs to completion', async () => {
  const firm = await ctx.stack.newFirm();
  const { tag, ids } = await taggedAccounts(firm, 3);
  const a = await idleRunning(firm, tag, ids);
  const b = await firm.call('POST', '/v1/bulk-actions', tagAction(tag, ids));
  expect(b.body.status).toBe('queued');
  // A's workflow goes away (nobody polls its queue), so the cancel closes it in the API and promotes B.
  await ctx.stack.client.workflow.getHandle(bulkWorkflowId(a)).terminate('test');
  const cancelled = await firm.call('POST', `/v1/bulk-actions/${a}/cancel`);
  expect(cancelled.body).toMatchObject({ status: 'cancelled', progress: { notReached: 3 } });
  const doneB = await untilStatus(firm, b.body.id, 'completed');
  expect(doneB.progress).toMatchObject({ total: 3, done: 3 });
});

test('two starts at once with the cap at 1: exactly one runs, the other is queued and runs after it', async () => {
  const firm = await ctx.stack.newFirm();
  const { tag, ids } = await taggedAccounts(firm, 3);
  const [x, y] = await Promise.all([
    firm.call('POST', '/v1/bulk-actions', tagAction(tag, ids)),
    firm.call('POST', '/v1/bulk-actions', tagAction(tag, ids)),
  ]);
  expect([x.status, y.status]).toEqual([202, 202]);
  expect([x.body.status, y.body.status].sort()).toEqual(['queued', 'running']);
  await untilStatus(firm, x.body.id, 'completed');
  await untilStatus(firm, y.body.id, 'completed');
});

test('cancelling a queued action closes it at once: every account not reached, nothing else written', async () => {
  const firm = await ctx.stack.newFirm();
  const { tag, ids } = await taggedAccounts(firm, 3);
  const other = (await firm.call('POST', '/v1/tags', { name: `U ${randomUUID().slice(0, 6)}` })).body.id as string;
  const a = await idleRunning(firm, tag, ids);
  const b = await firm.call('POST', '/v1/bulk-actions', tagAction(other, ids));
  expect(b.body.status).toBe('queued');
  const cancelled = await firm.call('POST', `/v1/bulk-actions/${b.body.id}/cancel`);
  expect(cancelled.status).toBe(202);
  expect(cancelled.body).toMatchObject({ status: 'cancelled', progress: { total: 3, notReached: 3, done: 0 } });
  const outcomes = await firm.call('GET', `/v1/bulk-actions/${b.body.id}/outcomes`);
  expect(outcomes.body.items.map((o: { outcome: string }) => o.outcome)).toEqual(Array(3).fill('not_reached'));
  expect(await workflowStatus(b.body.id)).toBeNull();
  expect(await ctx.stack.db.accountTag.count({ where: { tagId: other } })).toBe(0);
  // A still runs; a second cancel of B is refused.
  expect((await firm.call('GET', `/v1/bulk-actions/${a}`)).body.status).toBe('running');
  expect((await firm.call('POST', `/v1/bulk-actions/${b.body.id}/cancel`)).status).toBe(409);
  // Clean up: A closed, no queued action left behind for the tests that follow.
  await ctx.stack.client.workflow.getHandle(bulkWorkflowId(a)).terminate('test');
  expect((await firm.call('POST', `/v1/bulk-actions/${a}/cancel`)).body.status).toBe('cancelled');
});

test('the reconciler promotes a queued action left behind when the firm is under its cap', async () => {
  const firm = await ctx.stack.newFirm();
  const { tag, ids } = await taggedAccounts(firm, 2);
  const a = await idleRunning(firm, tag, ids);
  const b = await firm.call('POST', '/v1/bulk-actions', tagAction(tag, ids));
  expect(b.body.status).toBe('queued');
  // A crash between A's close and B's promotion: A ended, B still queued.
  await ctx.stack.client.workflow.getHandle(bulkWorkflowId(a)).terminate('test');
  await ctx.stack.db.bulkAction.update({ where: { id: a }, data: { status: 'cancelled', finishedAt: new Date() } });
  const gateway = createTemporalGateway({ client: ctx.stack.client, taskQueue: ctx.stack.taskQueue });
  const input = { olderThanMs: 3_600_000, daySeconds: 1, pacing };
  const first = await reconcile(ctx.stack.db, gateway, { ...input, maxRunningPerFirm: 1 });
  expect(first.bulkStarted).toContain(b.body.id);
  const doneB = await untilStatus(firm, b.body.id, 'completed');
  expect(doneB.progress).toMatchObject({ total: 2, done: 2 });
  const second = await reconcile(ctx.stack.db, gateway, { ...input, maxRunningPerFirm: 1 });
  expect(second.bulkStarted).not.toContain(b.body.id);
});

test('a close that dies right after its commit: the action it promoted starts from the outbox, no reconciler', async () => {
  const firm = await ctx.stack.newFirm();
  const { tag, ids } = await taggedAccounts(firm, 2);
  const a = await idleRunning(firm, tag, ids);
  const b = await firm.call('POST', '/v1/bulk-actions', tagAction(tag, ids));
  expect(b.body.status).toBe('queued');
  await ctx.stack.client.workflow.getHandle(bulkWorkflowId(a)).terminate('test');
  // The close commits B's promotion; nothing after it runs (the worker died before starting B's workflow, and
  // its retry finds A closed).
  const starts = { commands: commandBuilders(ctx.stack.taskQueue), fallback: { daySeconds: 1, pacing } };
  const closed = await closeBulkAction(ctx.stack.db, a, { cancelled: true, starts });
  expect(closed.promoted).toEqual([b.body.id]);
  expect((await closeBulkAction(ctx.stack.db, a, { cancelled: true, starts })).promoted).toEqual([]);
  const doneB = await untilStatus(firm, b.body.id, 'completed');
  expect(doneB.progress).toMatchObject({ total: 2, done: 2 });
});

test('the reconciler closes a queued action whose cancel did not get to close it', async () => {
  const firm = await ctx.stack.newFirm();
  const { tag, ids } = await taggedAccounts(firm, 2);
  const a = await idleRunning(firm, tag, ids);
  const b = await firm.call('POST', '/v1/bulk-actions', tagAction(tag, ids));
  expect(b.body.status).toBe('queued');
  // A crash right after the cancel's mark committed, before its close: B queued with the mark, long ago.
  await ctx.stack.db.bulkAction.update({
    where: { id: b.body.id },
    data: { cancelRequestedAt: new Date(Date.now() - 2 * 3_600_000) },
  });
  const gateway = createTemporalGateway({ client: ctx.stack.client, taskQueue: ctx.stack.taskQueue });
  const input = { olderThanMs: 3_600_000, daySeconds: 1, pacing, maxRunningPerFirm: 1 };
  const first = await reconcile(ctx.stack.db, gateway, input);
  expect(first.bulkClosed).toContain(b.body.id);
  expect(first.bulkStarted).not.toContain(b.body.id);
  const closedB = (await firm.call('GET', `/v1/bulk-actions/${b.body.id}`)).body;
  expect(closedB).toMatchObject({ status: 'cancelled', progress: { total: 2, notReached: 2, done: 0 } });
  expect(await workflowStatus(b.body.id)).toBeNull();
  const second = await reconcile(ctx.stack.db, gateway, input);
  expect(second.bulkClosed).not.toContain(b.body.id);
  // Clean up: A closed, nothing queued left behind.
  await ctx.stack.client.workflow.getHandle(bulkWorkflowId(a)).terminate('test');
  expect((await firm.call('POST', `/v1/bulk-actions/${a}/cancel`)).body.status).toBe('cancelled');
});

test('a tag deleted while a manage-tags action runs is left out: its accounts still get the other tag', async () => {
  const firm = await ctx.stack.newFirm();
  const { tag, ids } = await taggedAccounts(firm, 3);
  const doomed = (await firm.call('POST', '/v1/tags', { name: `D ${randomUUID().slice(0, 6)}` })).body.id as string;
  const assign = [tag, doomed].map((tagId) => ({ tagId, action: 'assign' as const }));
  const a = await idleRunning(firm, tag, ids, assign);
  // The worker's context was read before the delete (it is cached for a few seconds).
  const context = await loadBulkContext(ctx.stack.db, a, 1);
  expect((await firm.call('DELETE', `/v1/tags/${doomed}`)).status).toBe(204);
  // By chunk, and one account at a time (a chunk redone per account).
  expect(await runSetBasedChunk(ctx.stack.db, context, ids.slice(0, 2))).toEqual({
    outcomes: ['done', 'done'],
    alreadyDone: 0,
  });
  const gateway = createTemporalGateway({ client: ctx.stack.client, taskQueue: ctx.stack.taskQueue });
  expect(await runBulkAccount(ctx.stack.db, { gateway, daySeconds: 1 }, context, ids[2])).toEqual({
    outcome: 'done',
    detail: null,
  });
  const tagName = (await ctx.stack.db.tag.findUniqueOrThrow({ where: { id: tag } })).name;
  for (const id of ids) {
    expect((await ctx.stack.db.accountTag.findMany({ where: { accountId: id } })).map((t) => t.tagId)).toEqual([tag]);
  }
  const outcomes = await firm.call('GET', `/v1/bulk-actions/${a}/outcomes`);
  expect(outcomes.body.items.map((o: { result: unknown }) => o.result)).toEqual(
    Array(3).fill({ tagsAdded: [tagName], tagsRemoved: [] }),
  );
  // Clean up: A closed, nothing queued left behind.
  await ctx.stack.client.workflow.getHandle(bulkWorkflowId(a)).terminate('test');
  expect((await firm.call('POST', `/v1/bulk-actions/${a}/cancel`)).body.status).toBe('cancelled');
});

test('a retry cancelled before it ran leaves its accounts to a retry of it', async () => {
  const firm = await ctx.stack.newFirm();
  const { tag, ids } = await taggedAccounts(firm, 2);
  const [broken] = ids;
  // A real database error for one account: a trigger refusing its tags.
  await ctx.stack.db.$executeRawUnsafe(`
    CREATE OR REPLACE FUNCTION nudge_test_refuse_tag() RETURNS trigger AS $$
    BEGIN IF NEW."accountId" = '${broken}' THEN RAISE EXCEPTION 'refused for this account'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
  await ctx.stack.db.$executeRawUnsafe(
    `CREATE TRIGGER nudge_test_refuse_tag BEFORE INSERT ON "AccountTag" FOR EACH ROW EXECUTE FUNCTION nudge_test_refuse_tag()`,
  );
  let source: string;
  try {
    source = (await firm.call('POST', '/v1/bulk-actions', tagAction(tag, ids))).body.id;
    expect((await untilStatus(firm, source, 'completed')).progress).toMatchObject({ done: 1, failed: 1 });
  } finally {
    await ctx.stack.db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS nudge_test_refuse_tag ON "AccountTag"`);
  }
  // The retry waits behind another action and is cancelled before it runs: its account is not reached.
  const other = (await firm.call('POST', '/v1/tags', { name: `O ${randomUUID().slice(0, 6)}` })).body.id as string;
  const blocking = await idleRunning(firm, other, ids);
  const retry = await firm.call('POST', `/v1/bulk-actions/${source}/retry-failed`);
  expect(retry.body).toMatchObject({ status: 'queued', total: 1 });
  const cancelled = await firm.call('POST', `/v1/bulk-actions/${retry.body.id}/cancel`);
  expect(cancelled.body).toMatchObject({ status: 'cancelled', progress: { notReached: 1 } });
  await ctx.stack.client.workflow.getHandle(bulkWorkflowId(blocking)).terminate('test');
  expect((await firm.call('POST', `/v1/bulk-actions/${blocking}/cancel`)).body.status).toBe('cancelled');

  // The source stays retried once; the cancelled retry takes its accounts on.
  expect((await firm.call('POST', `/v1/bulk-actions/${source}/retry-failed`)).status).toBe(409);
  const again = await firm.call('POST', `/v1/bulk-actions/${retry.body.id}/retry-failed`);
  expect(again.status).toBe(202);
  expect(again.body).toMatchObject({ retryOf: retry.body.id, total: 1 });
  const done = await untilStatus(firm, again.body.id, 'completed');
  expect(done.progress).toMatchObject({ total: 1, done: 1 });
  expect(await ctx.stack.db.accountTag.count({ where: { accountId: broken, tagId: tag } })).toBe(1);
});

test('an employee’s action names only the accounts they may open, pending or not reached', async () => {
  const firm = await ctx.stack.newFirm();
  const { tag, ids } = await taggedAccounts(firm, 2);
  const [mine, hidden] = ids;
  const employee = await firmUser(firm, 'Team-limited starter');
  expect((await firm.call('POST', `/v1/accounts/${mine}/team`, { firmUserId: employee })).status).toBe(200);
  const a = await idleRunning(firm, tag, ids);
  const b = await firm.call('POST', '/v1/bulk-actions', tagAction(tag, ids), { as: employee });
  expect(b.body.status).toBe('queued');
  const names = async (as: string) => {
    const res = await firm.call('GET', `/v1/bulk-actions/${b.body.id}/outcomes`, undefined, { as });
    expect(res.status).toBe(200);
    return Object.fromEntries(
      res.body.items.map((o: { accountId: string; accountName: string | null }) => [o.accountId, o.accountName]),
    );
  };
  const hiddenName = (await ctx.stack.db.account.findUniqueOrThrow({ where: { id: hidden } })).name;
  expect(await names(employee)).toEqual({ [mine]: expect.any(String), [hidden]: null });
  expect((await names(firm.ownerId))[hidden]).toBe(hiddenName);
  expect((await firm.call('POST', `/v1/bulk-actions/${b.body.id}/cancel`, undefined, { as: employee })).status).toBe(
    202,
  );
  expect(await names(employee)).toEqual({ [mine]: expect.any(String), [hidden]: null });
  const csv = await fetch(`${ctx.stack.baseUrl}/v1/bulk-actions/${b.body.id}/report.csv`, {
    headers: { authorization: `Bearer ${firm.apiKey}`, 'x-acting-user': employee },
  });
  expect(csv.status).toBe(200);
  expect(await csv.text()).not.toContain(hiddenName);
  // Clean up: A closed, nothing queued left behind.
  await ctx.stack.client.workflow.getHandle(bulkWorkflowId(a)).terminate('test');
  expect((await firm.call('POST', `/v1/bulk-actions/${a}/cancel`)).body.status).toBe('cancelled');
});

test('bad input: an unknown status filter is still refused', async () => {
  const res = await ctx.firm.call('GET', '/v1/bulk-actions?status=bogus');
  expect(res.status).toBe(422);
  expect(res.body.errors?.[0]?.field).toBe('query.status');
});
