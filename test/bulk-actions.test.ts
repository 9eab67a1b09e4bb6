// Bulk actions against the real stack: each action, dry run, partial failure and retry, cancel,
// idempotent start, permissions, the report (JSON, CSV, inbox) and bad input. Small batches so every
// action runs several child workflows, and the parent continues as new.
import { randomUUID } from 'node:crypto';
import { useStackWithFirm, eventually, sleep, type FirmHandle } from './support/stack';
import { accountWithContacts, archiveAccount, firmUser } from './support/fixtures';
import { holdInTransaction, untilStatementWaits, untilWaitingForLocks } from './support/holds';
import { recordHistory } from './support/histories';
import { expectRefused, rowCounter, type BadInputCase } from './support/bad-input';
import { loadBulkContext } from '../domain/bulk/context';
import { runSetBasedChunk } from '../domain/bulk/set-steps';

const ctx = useStackWithFirm({
  daySeconds: 1,
  bulkPacing: { batchSize: 3, concurrentBatches: 2, accountConcurrency: 2, batchesPerRun: 2 },
});

async function newAccounts(firm: FirmHandle, n: number, prefix = 'Acct') {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await firm.call('POST', '/v1/accounts', {
      name: `${prefix} ${i} ${randomUUID().slice(0, 4)}`,
      type: 'company',
    });
    expect(res.status).toBe(201);
    ids.push(res.body.id);
  }
  return ids;
}

async function start(body: unknown, opts: { idempotencyKey?: string; as?: string; firm?: FirmHandle } = {}) {
  const res = await (opts.firm ?? ctx.firm).call('POST', '/v1/bulk-actions', body, opts);
  if (res.status !== 202) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function finished(id: string, firm: FirmHandle = ctx.firm, as?: string) {
  return eventually(
    async () => {
      const res = await firm.call('GET', `/v1/bulk-actions/${id}`, undefined, { as });
      return res.body.status !== 'running' && res.body;
    },
    60_000,
    `bulk action ${id} to finish`,
  );
}

async function outcomes(id: string) {
  const res = await ctx.firm.call('GET', `/v1/bulk-actions/${id}/outcomes?limit=1000`);
  expect(res.status).toBe(200);
  return new Map<string, { outcome: string; detail: string | null; result: any }>(
    res.body.items.map((i: any) => [i.accountId, i]),
  );
}

test('a note added or an approval given while its account is being deleted waits for it, then 404; nothing is left', async () => {
  const doomed = await accountWithContacts(ctx.firm, [{}]);
  const documentId = (await ctx.firm.call('POST', `/v1/accounts/${doomed.accountId}/documents`, { name: 'Deed' })).body
    .id;
  const approval = await ctx.firm.call('POST', `/v1/documents/${documentId}/approval-requests`, {});
  expect(approval.status).toBe(201);
  await archiveAccount(ctx.firm, ctx.stack.db, doomed.accountId);
  // The deletion has removed the account and its requests and waits to delete the notes until released.
  const release = await holdInTransaction(ctx.stack.db, (tx) =>
    tx.$executeRawUnsafe('LOCK TABLE "Note" IN EXCLUSIVE MODE'),
  );
  const deletion = (
    await start({ action: { kind: 'delete', confirm: 'DELETE' }, selection: { accountIds: [doomed.accountId] } })
  ).id;
  await untilStatementWaits(ctx.stack.db, 'DELETE FROM%"Note"%', 30_000);
  const note = ctx.firm.call('POST', '/v1/notes', { accountId: doomed.accountId, body: 'Called about the deed' });
  const approve = ctx.firm.call('POST', `/v1/approval-requests/${approval.body.id}/approve`, {
    contactId: doomed.contacts[0].id,
  });
  await untilWaitingForLocks(ctx.stack.db, 3); // both wait for the deletion's locks
  await release();
  // Before: the note was written after the deletion's own delete of the notes (201, left behind), and the approval
  // met its request deleted under it (500).
  expect([(await note).status, (await approve).status]).toEqual([404, 404]);
  expect((await finished(deletion)).progress).toMatchObject({ done: 1 });
  expect(await ctx.stack.db.note.count({ where: { accountId: doomed.accountId } })).toBe(0);
  expect(await ctx.stack.db.auditEvent.count({ where: { accountId: doomed.accountId } })).toBe(0);
});

async function tag(name: string) {
  const res = await ctx.firm.call('POST', '/v1/tags', { name: `${name} ${randomUUID().slice(0, 4)}` });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const tagsOf = async (accountId: string) =>
  (await ctx.stack.db.accountTag.findMany({ where: { accountId } })).map((t) => t.tagId).sort();

test('manage tags: per tag assign / remove / nothing, one outcome per account, report, CSV, inbox and timeline', async () => {
  const [a, b, keep] = [await tag('A'), await tag('B'), await tag('Keep')];
  const accounts = await newAccounts(ctx.firm, 7);
  // Account 0 already has A and not B: nothing to change for it.
  await ctx.firm.call('PATCH', `/v1/accounts/${accounts[0]}`, { tags: [a, keep] });
  await ctx.firm.call('PATCH', `/v1/accounts/${accounts[1]}`, { tags: [b, keep] });

  const started = await start({
    action: {
      kind: 'manage_tags',
      tags: [
        { tagId: a, action: 'assign' },
        { tagId: b, action: 'remove' },
        { tagId: keep, action: 'nothing' },
      ],
    },
    selection: { accountIds: accounts },
  });
  expect(started).toMatchObject({ kind: 'manage_tags', status: 'running', total: 7, workflowId: `bulk-${started.id}` });
  const done = await finished(started.id);
  expect(done).toMatchObject({
    status: 'completed',
    progress: { total: 7, pending: 0, done: 6, skipped: 1, failed: 0, notReached: 0 },
  });
  expect(done.report.counts).toEqual(done.progress);
  expect(done.report.skipReasons).toEqual([{ reason: 'tags already as asked', accounts: 1 }]);

  expect(await tagsOf(accounts[0])).toEqual([a, keep].sort());
  expect(await tagsOf(accounts[1])).toEqual([a, keep].sort());
  for (const id of accounts.slice(2)) expect(await tagsOf(id)).toEqual([a]);
  const items = await outcomes(started.id);
  expect(items.get(accounts[1])).toMatchObject({
    outcome: 'done',
    result: { tagsAdded: [expect.stringMatching(/^A /)], tagsRemoved: [expect.stringMatching(/^B /)] },
  });
  expect(items.get(accounts[0])).toMatchObject({ outcome: 'skipped', detail: 'tags already as asked' });
  // The outcomes' former address still answers, the same.
  expect(done.links).toEqual({
    outcomes: `/v1/bulk-actions/${started.id}/outcomes`,
    items: `/v1/bulk-actions/${started.id}/items`,
    csv: `/v1/bulk-actions/${started.id}/report.csv`,
  });
  const alias = await ctx.firm.call('GET', `/v1/bulk-actions/${started.id}/items?limit=1000`);
  expect(alias.status).toBe(200);
  expect(alias.body).toEqual((await ctx.firm.call('GET', `/v1/bulk-actions/${started.id}/outcomes?limit=1000`)).body);

  // The account's timeline shows the change, with the bulk action it came from.
  const timeline = await ctx.firm.call('GET', `/v1/accounts/${accounts[1]}/timeline`);
  expect(timeline.body.items.find((e: any) => e.action === 'account.tags_changed')).toMatchObject({
    data: { bulkActionId: started.id },
  });

  const csv = await ctx.firm.call('GET', `/v1/bulk-actions/${started.id}/report.csv`);
  expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
  const lines = (csv.body as string).trim().split('\n');
  expect(lines[0]).toBe('position,account_id,account_name,outcome,detail,result');
  expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(accounts);

  const inbox = await ctx.firm.call('GET', '/v1/inbox');
  expect(inbox.body.items.find((n: any) => n.data.bulkActionId === started.id)).toMatchObject({
    kind: 'bulk_action.finished',
    title: expect.stringContaining('6 done, 1 skipped, 0 failed'),
  });

  // Seven accounts in batches of three, two batches per run: the parent continued as new.
  const handle = ctx.stack.client.workflow.getHandle(`bulk-${started.id}`);
  const runs: { runId: string; startTime: Date }[] = [];
  for await (const r of ctx.stack.client.workflow.list({ query: `WorkflowId = 'bulk-${started.id}'` })) runs.push(r);
  expect(runs.length).toBeGreaterThanOrEqual(2);
  runs.sort((x, y) => x.startTime.getTime() - y.startTime.getTime());
  await recordHistory(ctx.stack.client, 'bulk-parent-continue-as-new-first-run', `bulk-${started.id}`, runs[0].runId);
  await recordHistory(ctx.stack.client, 'bulk-parent-last-run', `bulk-${started.id}`, runs[runs.length - 1].runId);
  await recordHistory(ctx.stack.client, 'bulk-batch', `bulk-${started.id}-batch-0`);
  expect(await handle.result()).toMatchObject({ total: 7, done: 6 });
  const batch = await ctx.stack.client.workflow.getHandle(`bulk-${started.id}-batch-2`).describe();
  expect(batch.status.name).toBe('COMPLETED');
  expect(batch.typedSearchAttributes.get({ name: 'NudgeFirmId', type: 'KEYWORD' } as never)).toBe(ctx.firm.firmId);
});

test('apply folder template is idempotent: a second run creates nothing and says so', async () => {
  const tpl = await ctx.firm.call('POST', '/v1/folder-templates', {
    name: `Tax ${randomUUID().slice(0, 4)}`,
    folders: ['Tax/2026', '/Payroll/', 'Tax/2026/Receipts'],
  });
  expect(tpl.status).toBe(201);
  expect(tpl.body.folders).toEqual(['Tax/2026', 'Payroll', 'Tax/2026/Receipts']);
  const accounts = await newAccounts(ctx.firm, 4);
  const body = {
    action: { kind: 'apply_folder_template', folderTemplateId: tpl.body.id },
    selection: { accountIds: accounts },
  };
  const first = await finished((await start(body)).id);
  expect(first.progress).toMatchObject({ done: 4, skipped: 0 });
  const second = await finished((await start(body)).id);
  expect(second.progress).toMatchObject({ done: 0, skipped: 4 });
  for (const id of accounts) {
    const folders = await ctx.firm.call('GET', `/v1/accounts/${id}/folders`);
    expect(folders.body.items.map((f: any) => f.path)).toEqual(['Payroll', 'Tax/2026', 'Tax/2026/Receipts']);
  }
});

test('send message: a personalised chat message per account, each starting its reminders; one email per recipient', async () => {
  const tpl = await ctx.firm.call('POST', '/v1/chat-templates', {
    name: 'Year end for {{accountName}}',
    body: 'Dear {{accountName}}, {{firmName}} needs your documents. {{unknown}} stays.',
  });
  expect(tpl.status).toBe(201);
  const accs = [await accountWithContacts(ctx.firm, [{}, {}]), await accountWithContacts(ctx.firm, [{}])];
  const started = await start({
    action: {
      kind: 'send_message',
      chatTemplateId: tpl.body.id,
      reminders: { enabled: true, intervalDays: 1, count: 1 },
    },
    selection: { accountIds: accs.map((a) => a.accountId) },
  });
  const done = await finished(started.id);
  expect(done.progress).toMatchObject({ done: 2, failed: 0 });
  const firm = await ctx.stack.db.firm.findUniqueOrThrow({ where: { id: ctx.firm.firmId } });
  for (const acc of accs) {
    const account = await ctx.stack.db.account.findUniqueOrThrow({ where: { id: acc.accountId } });
    const threads = await ctx.stack.db.chatThread.findMany({
      where: { accountId: acc.accountId },
      include: { messages: true },
    });
    expect(threads).toHaveLength(1);
    expect(threads[0].subject).toBe(`Year end for ${account.name}`);
    expect(threads[0].messages.map((m) => m.body)).toEqual([
      `Dear ${account.name}, ${firm.name} needs your documents. {{unknown}} stays.`,
    ]);
    for (const c of acc.contacts) {
      // The notification, then the one reminder a day later: the reminders started with the message.
      await eventually(
        async () => ctx.stack.smtp.to(c.address).length >= 2,
        20_000,
        `notification and reminder to ${c.address}`,
      );
    }
  }
  await sleep(1500);
  for (const c of accs.flatMap((a) => a.contacts)) {
    const subjects = ctx.stack.smtp.to(c.address).map((m) => m.subject);
    expect(subjects.filter((s) => /sent you a message/.test(s))).toHaveLength(1);
    expect(subjects.filter((s) => /^Reminder/.test(s))).toHaveLength(1);
  }
});

test('send message with some reminder settings merges them onto the firm’s chat policy, as a thread through the API', async () => {
  const firm = await ctx.stack.newFirm();
  const policy = { enabled: true, intervalDays: 2, count: 3, sendWindow: 'anytime', apply: 'none' };
  expect((await firm.call('PUT', '/v1/reminder-policy/chat', policy)).status).toBe(200);
  const tpl = await firm.call('POST', '/v1/chat-templates', { name: 'Receipts', body: 'Please send them' });
  const [viaBulk, viaApi, noSettings] = await newAccounts(firm, 3, 'Policy');
  const settingsOf = async (accountId: string) => {
    const [thread] = await ctx.stack.db.chatThread.findMany({ where: { accountId } });
    const row = await ctx.stack.db.reminderSettings.findUnique({
      where: { itemKind_itemId: { itemKind: 'chat', itemId: thread.id } },
      select: { enabled: true, intervalDays: true, count: true, source: true, sendWindow: true },
    });
    return row;
  };
  const message = (accountIds: string[], reminders?: object) =>
    start(
      { action: { kind: 'send_message', chatTemplateId: tpl.body.id, reminders }, selection: { accountIds } },
      { firm },
    );
  expect((await finished((await message([viaBulk], { count: 5 })).id, firm)).progress).toMatchObject({ done: 1 });
  const api = await firm.call('POST', `/v1/accounts/${viaApi}/chat-threads`, {
    subject: 'Receipts',
    message: { body: 'Please send them' },
    reminders: { count: 5 },
  });
  expect(api.status).toBe(201);
  const expected = { enabled: true, intervalDays: 2, count: 5, source: 'own', sendWindow: 'anytime' };
  expect(await settingsOf(viaApi)).toEqual(expected);
  expect(await settingsOf(viaBulk)).toEqual(expected);
  // Without settings the thread has no row of its own and follows the policy, as through the API.
  expect((await finished((await message([noSettings])).id, firm)).progress).toMatchObject({ done: 1 });
  expect(await settingsOf(noSettings)).toBeNull();
});

test('archive, restore, and delete: only archived accounts, only with confirmation; everything goes and reminders stop', async () => {
  const shared = await accountWithContacts(ctx.firm, [{}]);
  const doomed = await accountWithContacts(ctx.firm, [{}, {}]);
  // The first contact of `doomed` is shared with `shared`, so it survives the deletion.
  const sharedContact = doomed.contacts[0];
  expect((await ctx.firm.call('PUT', `/v1/accounts/${shared.accountId}/contacts/${sharedContact.id}`, {})).status).toBe(
    200,
  );
  const thread = await ctx.firm.call('POST', `/v1/accounts/${doomed.accountId}/chat-threads`, {
    subject: 'Docs',
    message: { body: 'Please' },
    reminders: { enabled: true, intervalDays: 5, count: 3 },
  });
  expect(thread.status).toBe(201);
  const reminderWorkflow = ctx.stack.client.workflow.getHandle(`reminder-chat-${thread.body.id}`);
  await eventually(
    async () => (await reminderWorkflow.describe()).status.name === 'RUNNING',
    10_000,
    'reminder workflow',
  );

  // Delete while active: skipped, nothing removed.
  const early = await finished(
    (await start({ action: { kind: 'delete', confirm: 'DELETE' }, selection: { accountIds: [doomed.accountId] } })).id,
  );
  expect(early.progress).toMatchObject({ skipped: 1, done: 0 });
  expect((await outcomes(early.id)).get(doomed.accountId)!.detail).toMatch(/only archived accounts/);

  const archived = await finished(
    (await start({ action: { kind: 'archive' }, selection: { accountIds: [doomed.accountId, shared.accountId] } })).id,
  );
  expect(archived.progress).toMatchObject({ done: 2 });
  expect((await ctx.firm.call('GET', `/v1/accounts/${doomed.accountId}`)).body.status).toBe('archived');
  const restored = await finished(
    (await start({ action: { kind: 'restore' }, selection: { accountIds: [shared.accountId] } })).id,
  );
  expect(restored.progress).toMatchObject({ done: 1 });
  expect((await ctx.firm.call('GET', `/v1/accounts/${shared.accountId}`)).body.status).toBe('active');

  const deleted = await finished(
    (await start({ action: { kind: 'delete', confirm: 'DELETE' }, selection: { accountIds: [doomed.accountId] } })).id,
  );
  expect(deleted.progress).toMatchObject({ done: 1 });
  expect((await outcomes(deleted.id)).get(doomed.accountId)!.result).toMatchObject({
    deleted: { chatThreads: 1, contactsDeleted: 1, contactsKept: 1 },
  });
  expect((await ctx.firm.call('GET', `/v1/accounts/${doomed.accountId}`)).status).toBe(404);
  expect(await ctx.stack.db.chatThread.count({ where: { accountId: doomed.accountId } })).toBe(0);
  expect(await ctx.stack.db.auditEvent.count({ where: { accountId: doomed.accountId } })).toBe(0);
  expect(await ctx.stack.db.contact.count({ where: { id: doomed.contacts[1].id } })).toBe(0);
  expect(await ctx.stack.db.contact.count({ where: { id: sharedContact.id } })).toBe(1);
  await eventually(
    async () => (await reminderWorkflow.describe()).status.name === 'TERMINATED',
    10_000,
    'reminder workflow terminated',
  );
});

test('contact toggles: enabling login invites each email once (also a contact shared by two selected accounts), with the message', async () => {
  const first = await accountWithContacts(ctx.firm, [{ login: 'off' }, { login: 'off', notify: true }]);
  const second = await accountWithContacts(ctx.firm, [{ login: 'off' }]);
  const shared = first.contacts[0];
  await ctx.firm.call('PUT', `/v1/accounts/${second.accountId}/contacts/${shared.id}`, {});
  const selection = { accountIds: [first.accountId, second.accountId] };
  const action = {
    kind: 'contact_toggles',
    login: 'enable',
    notify: 'disable',
    emailSync: 'enable',
    invitationMessage: 'Welcome aboard',
  };

  // Dry run first: the plan, and nothing changed.
  const dry = await finished((await start({ action, selection, dryRun: true })).id);
  expect(dry).toMatchObject({ dryRun: true, status: 'completed', progress: { done: 2 } });
  const plan = await outcomes(dry.id);
  expect(plan.get(first.accountId)!.result.invitationsSent.sort()).toEqual(
    [first.contacts[0].address, first.contacts[1].address].sort(),
  );
  expect(await ctx.stack.db.contactEmail.count({ where: { id: first.contacts[0].emailId, login: 'off' } })).toBe(1);
  expect(
    await ctx.stack.db.invitation.count({
      where: { contactEmailId: { in: [...first.contacts, ...second.contacts].map((c) => c.emailId) } },
    }),
  ).toBe(0);

  const real = await finished((await start({ action, selection })).id);
  expect(real.progress).toMatchObject({ done: 2, failed: 0 });
  for (const c of [...first.contacts, ...second.contacts]) {
    const mails = await ctx.stack.smtp.waitFor(
      (m) => m.to.includes(c.address) && /invites you/.test(m.subject),
      1,
      20_000,
    );
    expect(mails[0].raw).toContain('Welcome aboard');
    const email = await ctx.stack.db.contactEmail.findUniqueOrThrow({ where: { id: c.emailId } });
    expect(email).toMatchObject({ login: 'pending', notify: false, emailSync: true });
  }
  await sleep(1000);
  expect(ctx.stack.smtp.to(shared.address).filter((m) => /invites you/.test(m.subject))).toHaveLength(1);

  // Login on without sending the invitations yet: pending, and no email.
  const later = await accountWithContacts(ctx.firm, [{ login: 'off' }]);
  const quiet = await finished(
    (
      await start({
        action: { kind: 'contact_toggles', login: 'enable', sendInvitations: false },
        selection: { accountIds: [later.accountId] },
      })
    ).id,
  );
  expect(quiet.progress).toMatchObject({ done: 1 });
  expect((await ctx.stack.db.contactEmail.findUniqueOrThrow({ where: { id: later.contacts[0].emailId } })).login).toBe(
    'pending',
  );
  expect(await ctx.stack.db.invitation.count({ where: { contactEmailId: later.contacts[0].emailId } })).toBe(0);

  // Login off for all: the pending invitations are revoked.
  const off = await finished((await start({ action: { kind: 'contact_toggles', login: 'disable' }, selection })).id);
  expect(off.progress).toMatchObject({ done: 2 });
  expect(
    await ctx.stack.db.invitation.count({
      where: { contactEmailId: shared.emailId, status: { in: ['scheduled', 'sent'] } },
    }),
  ).toBe(0);
});

test('request pending approvals: one manual reminder per pending approval; accounts without any are skipped', async () => {
  const withApproval = await accountWithContacts(ctx.firm, [{}]);
  const without = await accountWithContacts(ctx.firm, [{}]);
  const doc = await ctx.firm.call('POST', `/v1/accounts/${withApproval.accountId}/documents`, { name: 'Return 2026' });
  const approval = await ctx.firm.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, {});
  expect(approval.status).toBe(201);
  const address = withApproval.contacts[0].address;
  await ctx.stack.smtp.waitFor((m) => m.to.includes(address), 1, 20_000); // the request's notification

  const done = await finished(
    (
      await start({
        action: { kind: 'request_pending_approvals', message: 'Please approve today' },
        selection: { accountIds: [withApproval.accountId, without.accountId] },
      })
    ).id,
  );
  expect(done.progress).toMatchObject({ done: 1, skipped: 1 });
  const resend = await ctx.stack.smtp.waitFor((m) => m.to.includes(address) && /^Reminder/.test(m.subject), 1, 20_000);
  expect(resend[0].raw).toContain('Please approve today');
  await sleep(1000);
  expect(ctx.stack.smtp.to(address).filter((m) => /^Reminder/.test(m.subject))).toHaveLength(1);
});

test('a failing account neither blocks nor undoes the others; "retry the failed accounts" runs exactly those', async () => {
  const tpl = await ctx.firm.call('POST', '/v1/folder-templates', {
    name: `Fail ${randomUUID().slice(0, 4)}`,
    folders: ['Inbox'],
  });
  const accounts = await newAccounts(ctx.firm, 5);
  const broken = accounts[2];
  // A real database error for one account: a trigger refusing its folders.
  await ctx.stack.db.$executeRawUnsafe(`
    CREATE OR REPLACE FUNCTION nudge_test_refuse_folder() RETURNS trigger AS $$
    BEGIN IF NEW."accountId" = '${broken}' THEN RAISE EXCEPTION 'disk quota exceeded for this account'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
  await ctx.stack.db.$executeRawUnsafe(
    `CREATE TRIGGER nudge_test_refuse_folder BEFORE INSERT ON "AccountFolder" FOR EACH ROW EXECUTE FUNCTION nudge_test_refuse_folder()`,
  );
  let run: any;
  try {
    run = await finished(
      (
        await start({
          action: { kind: 'apply_folder_template', folderTemplateId: tpl.body.id },
          selection: { accountIds: accounts },
        })
      ).id,
    );
    expect(run.progress).toMatchObject({ total: 5, done: 4, failed: 1 });
    expect(run.report.failures).toEqual([
      { accountId: broken, accountName: expect.any(String), error: expect.stringContaining('disk quota exceeded') },
    ]);
    expect(await ctx.stack.db.accountFolder.count({ where: { accountId: { in: accounts } } })).toBe(4);

    const early = await ctx.firm.call('POST', `/v1/bulk-actions/${run.id}/retry-failed`);
    expect(early.status).toBe(202); // finished: allowed (it fails again while the trigger is there)
    const again = await finished(early.body.id);
    expect(again).toMatchObject({ retryOf: run.id, total: 1, progress: { failed: 1 } });
  } finally {
    await ctx.stack.db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS nudge_test_refuse_folder ON "AccountFolder"`);
  }
  // Once per action: the source cannot be retried again (that would redo accounts); its retry can.
  const twice = await ctx.firm.call('POST', `/v1/bulk-actions/${run.id}/retry-failed`);
  expect(twice).toMatchObject({ status: 409, body: { type: 'https://nudge.dev/problems/already-retried' } });
  const again = (await ctx.stack.db.bulkAction.findFirstOrThrow({ where: { retryOf: run.id } })).id;
  const retry = await ctx.firm.call('POST', `/v1/bulk-actions/${again}/retry-failed`);
  expect(retry.status).toBe(202);
  const fixed = await finished(retry.body.id);
  expect(fixed).toMatchObject({ total: 1, retryOf: again, progress: { done: 1, failed: 0 } });
  expect([...(await outcomes(fixed.id)).keys()]).toEqual([broken]);
  expect(await ctx.stack.db.accountFolder.count({ where: { accountId: { in: accounts } } })).toBe(5);
  const none = await ctx.firm.call('POST', `/v1/bulk-actions/${fixed.id}/retry-failed`);
  expect(none).toMatchObject({ status: 409, body: { type: 'https://nudge.dev/problems/nothing-to-retry' } });
});

test('restore re-arms the reminders that archiving stopped', async () => {
  const acc = await accountWithContacts(ctx.firm, [{}]);
  const address = acc.contacts[0].address;
  const thread = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Payslips',
    message: { body: 'Please send them' },
    reminders: { enabled: true, intervalDays: 2, count: 1 },
  });
  await ctx.stack.smtp.waitFor((m) => m.to.includes(address), 1, 20_000);
  await finished((await start({ action: { kind: 'archive' }, selection: { accountIds: [acc.accountId] } })).id);
  const workflow = ctx.stack.client.workflow.getHandle(`reminder-chat-${thread.body.id}`);
  await eventually(
    async () => (await workflow.describe()).status.name === 'COMPLETED',
    20_000,
    'reminders stopped by the archive',
  );
  expect(ctx.stack.smtp.to(address).filter((m) => /^Reminder/.test(m.subject))).toHaveLength(0);

  await finished((await start({ action: { kind: 'restore' }, selection: { accountIds: [acc.accountId] } })).id);
  await ctx.stack.smtp.waitFor((m) => m.to.includes(address) && /^Reminder/.test(m.subject), 1, 20_000);
});

test('restore re-arms the reminders of a thread that follows the firm’s chat policy (no settings of its own)', async () => {
  const firm = await ctx.stack.newFirm();
  const policy = { enabled: true, intervalDays: 3, count: 1, sendWindow: 'anytime', apply: 'none' };
  expect((await firm.call('PUT', '/v1/reminder-policy/chat', policy)).status).toBe(200);
  const acc = await accountWithContacts(firm, [{}]);
  const address = acc.contacts[0].address;
  const thread = await firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Invoices',
    message: { body: 'Please send them' },
  });
  expect(thread.status).toBe(201);
  await ctx.stack.smtp.waitFor((m) => m.to.includes(address), 1, 20_000);
  await finished(
    (await start({ action: { kind: 'archive' }, selection: { accountIds: [acc.accountId] } }, { firm })).id,
    firm,
  );
  const workflow = ctx.stack.client.workflow.getHandle(`reminder-chat-${thread.body.id}`);
  await eventually(
    async () => (await workflow.describe()).status.name === 'COMPLETED',
    20_000,
    'reminders stopped by the archive',
  );
  expect(ctx.stack.smtp.to(address).filter((m) => /^Reminder/.test(m.subject))).toHaveLength(0);

  await finished(
    (await start({ action: { kind: 'restore' }, selection: { accountIds: [acc.accountId] } }, { firm })).id,
    firm,
  );
  await ctx.stack.smtp.waitFor((m) => m.to.includes(address) && /^Reminder/.test(m.subject), 1, 20_000);
});

test('cancel: accounts done stay done, the rest are reported as not reached, and nothing runs after', async () => {
  const t = await tag('Slow');
  const accounts = await newAccounts(ctx.firm, 24, 'Slow');
  // Each tag write takes 300 ms, so the action is still running when the cancel arrives.
  await ctx.stack.db.$executeRawUnsafe(
    `CREATE OR REPLACE FUNCTION nudge_test_slow_tag() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END $$ LANGUAGE plpgsql`,
  );
  await ctx.stack.db.$executeRawUnsafe(
    `CREATE TRIGGER nudge_test_slow_tag BEFORE INSERT ON "AccountTag" FOR EACH ROW EXECUTE FUNCTION nudge_test_slow_tag()`,
  );
  try {
    const started = await start({
      action: { kind: 'manage_tags', tags: [{ tagId: t, action: 'assign' }] },
      selection: { accountIds: accounts },
    });
    await eventually(
      async () => (await ctx.firm.call('GET', `/v1/bulk-actions/${started.id}`)).body.progress.done >= 2,
      20_000,
      'some progress',
    );
    const cancel = await ctx.firm.call('POST', `/v1/bulk-actions/${started.id}/cancel`);
    expect(cancel.status).toBe(202);
    expect(cancel.body.cancelRequestedAt).toEqual(expect.any(String));
    const end = await finished(started.id);
    expect(end.status).toBe('cancelled');
    await recordHistory(ctx.stack.client, 'bulk-parent-cancelled', `bulk-${started.id}`);
    const p = end.progress;
    expect(p.notReached).toBeGreaterThan(0);
    expect(p.done + p.skipped + p.failed + p.notReached).toBe(24);
    expect(p.pending).toBe(0);
    await sleep(1000);
    expect(await ctx.stack.db.accountTag.count({ where: { tagId: t } })).toBe(p.done);
    expect((await ctx.firm.call('POST', `/v1/bulk-actions/${started.id}/cancel`)).status).toBe(409);
    const inbox = await ctx.firm.call('GET', '/v1/inbox');
    expect(inbox.body.items.find((n: any) => n.data.bulkActionId === started.id).title).toMatch(
      /cancelled: .* not reached/,
    );
  } finally {
    await ctx.stack.db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS nudge_test_slow_tag ON "AccountTag"`);
  }
});

test('a retried start with the same Idempotency-Key starts nothing new', async () => {
  const t = await tag('Idem');
  const accounts = await newAccounts(ctx.firm, 2);
  const body = {
    action: { kind: 'manage_tags', tags: [{ tagId: t, action: 'assign' }] },
    selection: { accountIds: accounts },
  };
  const key = randomUUID();
  const first = await start(body, { idempotencyKey: key });
  const second = await ctx.firm.call('POST', '/v1/bulk-actions', body, { idempotencyKey: key });
  expect(second.status).toBe(202);
  expect(second.body.id).toBe(first.id);
  await finished(first.id);
  expect(await ctx.stack.db.bulkAction.count({ where: { idempotencyKey: key } })).toBe(1);
  expect(
    await ctx.stack.db.auditEvent.count({ where: { action: 'account.tags_changed', accountId: { in: accounts } } }),
  ).toBe(2);
});

test('manage tags by chunk: a dry run writes only outcomes; a chunk run again after the action does nothing twice', async () => {
  const t = await tag('Chunk');
  const accounts = await newAccounts(ctx.firm, 5, 'Chunk');
  await ctx.stack.db.account.update({ where: { id: accounts[4] }, data: { status: 'archived' } });
  const body = {
    action: { kind: 'manage_tags', tags: [{ tagId: t, action: 'assign' }] },
    selection: { accountIds: accounts },
  };
  const audits = () =>
    ctx.stack.db.auditEvent.count({ where: { action: 'account.tags_changed', accountId: { in: accounts } } });

  const dry = await finished((await start({ ...body, dryRun: true })).id);
  expect(dry.progress).toMatchObject({ total: 5, done: 4, skipped: 1 });
  expect((await outcomes(dry.id)).get(accounts[0])).toMatchObject({
    result: { tagsAdded: [expect.stringMatching(/^Chunk /)] },
  });
  expect(await ctx.stack.db.accountTag.count({ where: { tagId: t } })).toBe(0);
  expect(await audits()).toBe(0);

  const run = await finished((await start(body)).id);
  expect(run.progress).toMatchObject({ total: 5, done: 4, skipped: 1 });
  expect((await outcomes(run.id)).get(accounts[4])).toMatchObject({
    outcome: 'skipped',
    detail: expect.stringMatching(/archived/),
  });
  expect(await ctx.stack.db.accountTag.count({ where: { tagId: t } })).toBe(4);
  expect(await audits()).toBe(4);
  // A chunk that runs again (a retry after its commit): every row already has its outcome, nothing is redone.
  const again = await runSetBasedChunk(ctx.stack.db, await loadBulkContext(ctx.stack.db, run.id, 1), accounts);
  expect(again).toEqual({ outcomes: [], alreadyDone: 5 });
  expect(await ctx.stack.db.accountTag.count({ where: { tagId: t } })).toBe(4);
  expect(await audits()).toBe(4);
});

test('manage tags takes a tag id in capitals, as it takes account ids', async () => {
  const t = await tag('Caps');
  const [account] = await newAccounts(ctx.firm, 1, 'Caps');
  const started = await start({
    action: { kind: 'manage_tags', tags: [{ tagId: t.toUpperCase(), action: 'assign' }] },
    selection: { accountIds: [account.toUpperCase()] },
  });
  expect((await finished(started.id)).progress).toMatchObject({ done: 1, failed: 0 });
  expect(await tagsOf(account)).toEqual([t]);
});

test('a filter selection is a snapshot: accounts created after the start are not part of it', async () => {
  const t = await tag('Filter');
  const tagged = await newAccounts(ctx.firm, 3, 'Filtered');
  for (const id of tagged) await ctx.firm.call('PATCH', `/v1/accounts/${id}`, { tags: [t] });
  const started = await start({ action: { kind: 'archive' }, selection: { filter: { tagId: t, status: 'active' } } });
  expect(started.total).toBe(3);
  const late = await newAccounts(ctx.firm, 1, 'Late');
  await ctx.firm.call('PATCH', `/v1/accounts/${late[0]}`, { tags: [t] });
  const end = await finished(started.id);
  expect(end.progress).toMatchObject({ total: 3, done: 3 });
  expect([...(await outcomes(started.id)).keys()].sort()).toEqual([...tagged].sort());
  expect((await ctx.firm.call('GET', `/v1/accounts/${late[0]}`)).body.status).toBe('active');
});

test('an employee acts only on accounts they may change; the others are reported as skipped, and others’ actions stay hidden', async () => {
  const employee = await ctx.firm.call('POST', '/v1/users', {
    email: `emp-${randomUUID()}@firm.test`,
    name: 'Eve Employee',
    role: 'employee',
  });
  expect(employee.status).toBe(201);
  const [mine, notMine] = await newAccounts(ctx.firm, 2, 'Perm');
  await ctx.firm.call('POST', `/v1/accounts/${mine}/team`, { firmUserId: employee.body.id });
  const t = await tag('Perm');
  const started = await start(
    {
      action: { kind: 'manage_tags', tags: [{ tagId: t, action: 'assign' }] },
      selection: { accountIds: [mine, notMine, randomUUID()] },
    },
    { as: employee.body.id },
  );
  const end = await finished(started.id, ctx.firm, employee.body.id);
  expect(end.progress).toMatchObject({ total: 3, done: 1, skipped: 2 });
  const items = await outcomes(started.id);
  expect(items.get(notMine)!.detail).toMatch(/not allowed/);
  expect([...items.values()].filter((i) => /no such account/.test(i.detail ?? ''))).toHaveLength(1);
  expect(await tagsOf(notMine)).toEqual([]);

  // The owner's actions are not the employee's to see.
  const ownerAction = (await ctx.firm.call('GET', '/v1/bulk-actions?limit=1')).body.items[0];
  expect(ownerAction.startedBy).toBe(employee.body.id); // the owner sees the employee's action
  const ownersOwn = await ctx.stack.db.bulkAction.findFirstOrThrow({
    where: { firmId: ctx.firm.firmId, startedBy: ctx.firm.ownerId },
  });
  expect(
    (await ctx.firm.call('GET', `/v1/bulk-actions/${ownersOwn.id}`, undefined, { as: employee.body.id })).status,
  ).toBe(404);
  const list = await ctx.firm.call('GET', '/v1/bulk-actions', undefined, { as: employee.body.id });
  expect(list.body.items.map((a: any) => a.id)).toEqual([started.id]);
});

describe('bad input: a precise 4xx and nothing written', () => {
  const counts = rowCounter(() => ctx.stack.db, ['bulkAction', 'bulkActionOutcome', 'chatTemplate', 'folderTemplate']);
  const id = randomUUID();
  // An action that exists, for the cases its own pages refuse.
  let existing = '';
  beforeAll(async () => {
    const [acc] = await newAccounts(ctx.firm, 1, 'Bad input');
    existing = (await start({ action: { kind: 'archive' }, selection: { accountIds: [acc] }, dryRun: true })).id;
    // Done before the file ends: left queued or running, a later file's reconciler pass would pick it up.
    await eventually(
      async () => (await ctx.firm.call('GET', `/v1/bulk-actions/${existing}`)).body.status === 'completed',
      60_000,
      'the dry run to complete',
    );
  });
  const ids = { accountIds: [id] };
  const post = (body: unknown) => () => ctx.firm.call('POST', '/v1/bulk-actions', body);
  const cases: BadInputCase[] = [
    [
      'unknown action kind',
      post({ action: { kind: 'explode' }, selection: ids }),
      422,
      'validation-error',
      'body.action.kind',
    ],
    ['action without a kind', post({ action: {}, selection: ids }), 422, 'validation-error', 'body.action.kind'],
    ['action given as a string', post({ action: 'archive', selection: ids }), 422, 'validation-error', 'body.action'],
    [
      'an unknown field of the action’s kind',
      post({ action: { kind: 'archive', confirm: 'DELETE' }, selection: ids }),
      422,
      'validation-error',
      'body.action',
    ],
    ['no selection', post({ action: { kind: 'archive' } }), 422, 'validation-error', 'body.selection'],
    [
      'ids and a filter at once',
      post({ action: { kind: 'archive' }, selection: { accountIds: [id], filter: {} } }),
      422,
      'validation-error',
      'body.selection',
    ],
    [
      'empty id list',
      post({ action: { kind: 'archive' }, selection: { accountIds: [] } }),
      422,
      'validation-error',
      'body.selection.accountIds',
    ],
    [
      'an id twice',
      post({ action: { kind: 'archive' }, selection: { accountIds: [id, id] } }),
      422,
      'validation-error',
      'body.selection.accountIds',
    ],
    [
      'not a uuid',
      post({ action: { kind: 'archive' }, selection: { accountIds: ['nope'] } }),
      422,
      'validation-error',
      'body.selection.accountIds.0',
    ],
    [
      'unknown filter key',
      post({ action: { kind: 'archive' }, selection: { filter: { colour: 'red' } } }),
      422,
      'validation-error',
      'body.selection.filter',
    ],
    [
      'filter matching nothing',
      post({ action: { kind: 'archive' }, selection: { filter: { search: 'no account is called this' } } }),
      422,
      'empty-selection',
    ],
    [
      'delete without confirmation',
      post({ action: { kind: 'delete' }, selection: ids }),
      422,
      'validation-error',
      'body.action.confirm',
    ],
    [
      'delete with a wrong confirmation',
      post({ action: { kind: 'delete', confirm: 'yes' }, selection: ids }),
      422,
      'validation-error',
      'body.action.confirm',
    ],
    [
      'tags: all "nothing"',
      post({ action: { kind: 'manage_tags', tags: [{ tagId: id, action: 'nothing' }] }, selection: ids }),
      422,
      'validation-error',
      'body.action.tags',
    ],
    [
      'tags: unknown tag',
      post({ action: { kind: 'manage_tags', tags: [{ tagId: id, action: 'assign' }] }, selection: ids }),
      422,
      'validation-error',
      'body.action.tags',
    ],
    [
      'toggles: nothing to change',
      post({ action: { kind: 'contact_toggles' }, selection: ids }),
      422,
      'validation-error',
      'body.action.login',
    ],
    [
      'toggles: message without login enable',
      post({ action: { kind: 'contact_toggles', notify: 'enable', invitationMessage: 'hi' }, selection: ids }),
      422,
      'validation-error',
      'body.action.invitationMessage',
    ],
    [
      'toggles: preferences without notify enable',
      post({ action: { kind: 'contact_toggles', login: 'enable', preferences: { messages: false } }, selection: ids }),
      422,
      'validation-error',
      'body.action.preferences',
    ],
    [
      'unknown chat template',
      post({ action: { kind: 'send_message', chatTemplateId: id }, selection: ids }),
      422,
      'validation-error',
      'body.action.chatTemplateId',
    ],
    [
      'unknown folder template',
      post({ action: { kind: 'apply_folder_template', folderTemplateId: id }, selection: ids }),
      422,
      'validation-error',
      'body.action.folderTemplateId',
    ],
    [
      'reminder count out of range',
      post({ action: { kind: 'send_message', chatTemplateId: id, reminders: { count: 99 } }, selection: ids }),
      422,
      'validation-error',
      'body.action.reminders.count',
    ],
    [
      'delete by an employee',
      async () => {
        const emp = await ctx.firm.call('POST', '/v1/users', {
          email: `emp-${randomUUID()}@firm.test`,
          name: 'Del Employee',
          role: 'employee',
        });
        return ctx.firm.call(
          'POST',
          '/v1/bulk-actions',
          { action: { kind: 'delete', confirm: 'DELETE' }, selection: ids },
          { as: emp.body.id },
        );
      },
      403,
      'forbidden',
    ],
    [
      'toggles: sendInvitations without login enable',
      post({ action: { kind: 'contact_toggles', notify: 'enable', sendInvitations: false }, selection: ids }),
      422,
      'validation-error',
      'body.action.sendInvitations',
    ],
    [
      'dryRun not a boolean',
      post({ action: { kind: 'archive' }, selection: ids, dryRun: 'yes' }),
      422,
      'validation-error',
      'body.dryRun',
    ],
    ['cancel of an unknown action', () => ctx.firm.call('POST', `/v1/bulk-actions/${id}/cancel`), 404, 'not-found'],
    [
      'report of another firm’s action',
      async () => {
        const other = await ctx.stack.newFirm();
        const [acc] = await newAccounts(other, 1);
        const theirs = await start({ action: { kind: 'archive' }, selection: { accountIds: [acc] } }, { firm: other });
        return ctx.firm.call('GET', `/v1/bulk-actions/${theirs.id}/report.csv`);
      },
      404,
      'not-found',
    ],
    [
      'items with a bad outcome filter',
      () => ctx.firm.call('GET', `/v1/bulk-actions/${id}/items?outcome=great`),
      422,
      'validation-error',
      'query.outcome',
    ],
    [
      'outcomes after a position beyond any',
      () => ctx.firm.call('GET', `/v1/bulk-actions/${existing}/outcomes?after=3000000000`),
      422,
      'validation-error',
      'query.after',
    ],
    [
      'folder template with ".." in a path',
      () => ctx.firm.call('POST', '/v1/folder-templates', { name: 'Bad', folders: ['Tax/../etc'] }),
      422,
      'validation-error',
      'body.folders.0',
    ],
    [
      'folder template with a folder twice',
      () => ctx.firm.call('POST', '/v1/folder-templates', { name: 'Twice', folders: ['A', '/A/'] }),
      422,
      'validation-error',
      'body.folders',
    ],
    [
      'chat template without a body',
      () => ctx.firm.call('POST', '/v1/chat-templates', { name: 'Empty', body: '  ' }),
      422,
      'validation-error',
      'body.body',
    ],
  ];
  test('the action’s own messages reach the client, each at its field', async () => {
    const noConfirm = await post({ action: { kind: 'delete' }, selection: ids })();
    expect(noConfirm.body.errors).toEqual([
      { field: 'body.action.confirm', message: 'deleting accounts is permanent: send confirm "DELETE"' },
    ]);
    expect(noConfirm.body.detail).toBe('body.action.confirm: deleting accounts is permanent: send confirm "DELETE"');
    const unknown = await post({ action: { kind: 'explode' }, selection: ids })();
    expect(unknown.body.errors).toEqual([
      {
        field: 'body.action.kind',
        message:
          'must be one of "manage_tags", "apply_folder_template", "send_message", "archive", "restore", "delete", ' +
          '"contact_toggles", "request_pending_approvals"',
      },
    ]);
    const toggles = await post({
      action: { kind: 'contact_toggles', notify: 'enable', sendInvitations: false },
      selection: ids,
    })();
    expect(toggles.body.errors).toContainEqual({
      field: 'body.action.sendInvitations',
      message: 'only with login "enable"',
    });
    expect(JSON.stringify([noConfirm.body, unknown.body, toggles.body])).not.toContain('Invalid input');
  });

  test.each(cases)('%s', async (...c) => {
    if (c[0] === 'report of another firm’s action') {
      // Its own setup writes rows in the other firm; only the refusal is checked here.
      const res = await c[1]();
      expect(res.status).toBe(404);
      return;
    }
    await expectRefused(counts, c);
  });
});

describe('changing and deleting templates', () => {
  const audited = async (action: string) =>
    (await ctx.firm.call('GET', `/v1/audit-events?action=${action}`)).body.items as { data: any }[];

  test('owners and admins change a chat template; an employee is refused; a taken name 409; the same value writes nothing', async () => {
    const name = `Receipts ${randomUUID().slice(0, 4)}`;
    const tpl = await ctx.firm.call('POST', '/v1/chat-templates', { name, body: 'Please send them' });
    const other = await ctx.firm.call('POST', '/v1/chat-templates', { name: `${name} bis`, body: 'Other' });
    const employee = await firmUser(ctx.firm, 'Tess Templates');
    const path = `/v1/chat-templates/${tpl.body.id}`;
    const refused = await ctx.firm.call('PATCH', path, { body: 'Mine now' }, { as: employee });
    expect([refused.status, refused.body.type]).toEqual([403, 'https://nudge.dev/problems/forbidden']);
    expect((await ctx.firm.call('DELETE', path, undefined, { as: employee })).status).toBe(403);
    const changed = await ctx.firm.call('PATCH', path, { body: 'Please send the {{accountName}} receipts' });
    expect(changed.body).toMatchObject({ id: tpl.body.id, name, body: 'Please send the {{accountName}} receipts' });
    expect((await audited('chat_template.updated'))[0].data).toMatchObject({
      chatTemplateId: tpl.body.id,
      changed: ['body'],
    });
    const before = (await audited('chat_template.updated')).length;
    expect((await ctx.firm.call('PATCH', path, { name, body: changed.body.body })).status).toBe(200);
    expect((await audited('chat_template.updated')).length).toBe(before);
    const taken = await ctx.firm.call('PATCH', path, { name: other.body.name });
    expect([taken.status, taken.body.type]).toEqual([409, 'https://nudge.dev/problems/template-exists']);
    const listed = (await ctx.firm.call('GET', '/v1/chat-templates')).body.items;
    expect(listed.find((t: { id: string }) => t.id === tpl.body.id).body).toBe(changed.body.body);
  });

  test('a folder template deleted while its bulk action waits: each account skipped as deleted, no folder made', async () => {
    const tpl = await ctx.firm.call('POST', '/v1/folder-templates', {
      name: `Payroll ${randomUUID().slice(0, 4)}`,
      folders: ['Payroll'],
    });
    const path = `/v1/folder-templates/${tpl.body.id}`;
    const changed = await ctx.firm.call('PATCH', path, { folders: ['/Payroll/', 'Payroll/2026'] });
    expect(changed.body.folders).toEqual(['Payroll', 'Payroll/2026']);
    const accounts = await newAccounts(ctx.firm, 2);
    // The worker stopped, the action waits for it; the template goes meanwhile.
    await ctx.stack.stopWorker();
    let restarted = false;
    try {
      const started = await start({
        action: { kind: 'apply_folder_template', folderTemplateId: tpl.body.id },
        selection: { accountIds: accounts },
      });
      const deleted = await ctx.firm.call('DELETE', path);
      expect(deleted.status).toBe(204);
      expect((await ctx.firm.call('DELETE', path)).status).toBe(404);
      expect((await ctx.firm.call('PATCH', path, { name: 'Back' })).status).toBe(404);
      expect((await audited('folder_template.deleted'))[0].data).toMatchObject({ folderTemplateId: tpl.body.id });
      await ctx.stack.startWorker();
      restarted = true;
      const done = await finished(started.id);
      expect(done.progress).toMatchObject({ done: 0, skipped: 2 });
      for (const o of (await outcomes(started.id)).values())
        expect(o).toMatchObject({ outcome: 'skipped', detail: 'the folder template has been deleted' });
      for (const id of accounts)
        expect((await ctx.firm.call('GET', `/v1/accounts/${id}/folders`)).body.items).toEqual([]);
    } finally {
      if (!restarted) await ctx.stack.startWorker();
    }
  });

  test('a template deleted while its change waits for the row: the change answers 404, not 500', async () => {
    for (const [path, table, body] of [
      ['/v1/chat-templates', 'ChatTemplate', { body: 'Please send them' }],
      ['/v1/folder-templates', 'FolderTemplate', { folders: ['Tax'] }],
    ] as const) {
      const tpl = await ctx.firm.call('POST', path, { name: `Raced ${randomUUID().slice(0, 4)}`, ...body });
      let change: Promise<{ status: number; body: any }> | undefined;
      // The delete holds the row while the change starts, and commits once the change waits.
      await ctx.stack.db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`SELECT 1 FROM "${table}" WHERE id = $1::uuid FOR UPDATE`, tpl.body.id);
        change = ctx.firm.call('PATCH', `${path}/${tpl.body.id}`, { name: `Renamed ${randomUUID().slice(0, 4)}` });
        await sleep(500);
        await tx.$executeRawUnsafe(`DELETE FROM "${table}" WHERE id = $1::uuid`, tpl.body.id);
      });
      const res = await change!;
      expect([path, res.status, res.body.type]).toEqual([path, 404, 'https://nudge.dev/problems/not-found']);
    }
  });

  test('bad input 422 naming the field, another firm’s template or a malformed id 404; nothing written', async () => {
    const tpl = await ctx.firm.call('POST', '/v1/folder-templates', {
      name: `Tax ${randomUUID().slice(0, 4)}`,
      folders: ['Tax'],
    });
    const path = `/v1/folder-templates/${tpl.body.id}`;
    for (const [body, field] of [
      [{}, 'body'],
      [{ folders: [] }, 'body.folders'],
      [{ folders: ['A/../B'] }, 'body.folders.0'],
      [{ name: ' ' }, 'body.name'],
    ] as const) {
      const res = await ctx.firm.call('PATCH', path, body);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 422]);
      expect(res.body.errors).toEqual([expect.objectContaining({ field })]);
    }
    const other = await ctx.stack.newFirm();
    expect((await other.call('PATCH', path, { name: 'Mine' })).status).toBe(404);
    expect((await other.call('DELETE', path)).status).toBe(404);
    expect((await ctx.firm.call('DELETE', '/v1/chat-templates/not-a-uuid')).status).toBe(404);
    expect((await ctx.firm.call('GET', '/v1/folder-templates')).body.items).toContainEqual(
      expect.objectContaining({ id: tpl.body.id, folders: ['Tax'] }),
    );
  });
});

test('a user deactivated while their bulk action waits: its accounts are skipped saying so, and no notice reaches them', async () => {
  const admin = await ctx.firm.call('POST', '/v1/users', {
    email: `admin-${randomUUID()}@firm.test`,
    name: 'Ada Leaving',
    role: 'admin',
  });
  const t = await tag('Leaving');
  const accounts = await newAccounts(ctx.firm, 2);
  await ctx.stack.stopWorker();
  let restarted = false;
  try {
    const started = await start(
      { action: { kind: 'manage_tags', tags: [{ tagId: t, action: 'assign' }] }, selection: { accountIds: accounts } },
      { as: admin.body.id },
    );
    expect((await ctx.firm.call('PATCH', `/v1/users/${admin.body.id}`, { active: false })).status).toBe(200);
    await ctx.stack.startWorker();
    restarted = true;
    expect((await finished(started.id)).progress).toMatchObject({ done: 0, skipped: 2 });
    for (const o of (await outcomes(started.id)).values())
      expect(o).toMatchObject({ outcome: 'skipped', detail: 'the user who started the action has been deactivated' });
    for (const id of accounts) expect(await tagsOf(id)).toEqual([]);
    expect(await ctx.stack.db.inboxNotification.count({ where: { firmUserId: admin.body.id } })).toBe(0);
  } finally {
    if (!restarted) await ctx.stack.startWorker();
  }
});
