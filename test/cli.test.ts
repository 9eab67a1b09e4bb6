// The operator CLI (`npx nudge …`, cli/) run as a separate process against a test API and the run's database:
// firm create (database), keys create/list/revoke, bulk watch and reminders explain (HTTP, with an API key);
// bad input and API refusals end non-zero with a readable message and write nothing.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { useStackWithFirm, eventually } from './support/stack';
import { accountWithContacts } from './support/fixtures';

const ctx = useStackWithFirm({ daySeconds: 1 });
const root = path.join(__dirname, '..');
const run = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `nudge <args>` (the package's bin) with the test API, the firm's owner key and the run's database. */
async function nudge(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const fullEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NUDGE_API_URL: ctx.stack.baseUrl,
    NUDGE_API_KEY: ctx.firm.apiKey,
    NUDGE_ACTING_USER: ctx.firm.ownerId,
    DATABASE_URL: ctx.stack.databaseUrl,
    ...env,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete fullEnv[k];
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(root, 'cli', 'nudge.cjs'), ...args], {
      cwd: root,
      env: fullEnv,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const firmCount = () => ctx.stack.db.firm.count();
const keyCount = () => ctx.stack.db.apiKey.count({ where: { firmId: ctx.firm.firmId } });

test('`npx nudge` runs the package bin', async () => {
  const { stdout } = await run('npx', ['nudge', '--help'], { cwd: root, timeout: 60_000 });
  expect(stdout).toMatch(/Usage: nudge/);
  expect(stdout).toMatch(/firm[\s\S]*keys[\s\S]*bulk[\s\S]*reminders/);
});

test('firm create writes a firm with its owner and a working first key; bad input writes nothing', async () => {
  const before = await firmCount();
  const made = await nudge(['--json', 'firm', 'create', '--name', 'Rossi & Co', '--owner-email', 'owner@rossi.test']);
  expect(made).toMatchObject({ code: 0, stderr: '' });
  const out = JSON.parse(made.stdout);
  expect(out).toEqual({
    firmId: expect.any(String),
    ownerUserId: expect.any(String),
    apiKey: expect.stringMatching(/^nk_/),
  });
  const users = await ctx.stack.request('GET', '/v1/users', undefined, {
    authorization: `Bearer ${out.apiKey}`,
    'x-acting-user': out.ownerUserId,
  });
  expect(users.status).toBe(200);
  expect(users.body).toEqual([expect.objectContaining({ email: 'owner@rossi.test', role: 'owner' })]);

  const table = await nudge(['firm', 'create', '--name', 'Bianchi', '--owner-email', 'o@bianchi.test']);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/Firm “Bianchi” created/);
  expect(table.stdout).toMatch(/export NUDGE_API_KEY=nk_\S+ NUDGE_ACTING_USER=\S+/);
  const count = await firmCount();
  expect(count).toBe(before + 2);

  const missing = await nudge(['firm', 'create', '--name', 'No owner']);
  expect(missing.code).not.toBe(0);
  expect(missing.stderr).toMatch(/--owner-email/);
  const badEmail = await nudge(['firm', 'create', '--name', 'Bad', '--owner-email', 'not-an-address']);
  expect(badEmail).toMatchObject({ code: 2, stderr: expect.stringMatching(/not an email address/) });
  const blank = await nudge(['firm', 'create', '--name', '  ', '--owner-email', 'a@b.test']);
  expect(blank).toMatchObject({ code: 2 });
  expect(await firmCount()).toBe(count);
});

test('keys create, list and revoke through the API; the last key is refused; bad input writes nothing', async () => {
  const created = await nudge(['--json', 'keys', 'create', '--name', 'Billing app']);
  expect(created.code).toBe(0);
  const key = JSON.parse(created.stdout);
  expect(key).toMatchObject({ name: 'Billing app', key: expect.stringMatching(/^nk_/), revokedAt: null });

  const listed = await nudge(['keys', 'list']);
  expect(listed.code).toBe(0);
  const [header, ...rows] = listed.stdout.trim().split('\n');
  expect(header).toMatch(/^id\s+name\s+prefix\s+created\s+last used\s+revoked$/);
  expect(rows.some((r) => r.startsWith(key.id) && r.includes('Billing app') && r.includes(key.prefix))).toBe(true);
  expect(listed.stdout).not.toContain(key.key);

  const revoked = await nudge(['keys', 'revoke', key.id]);
  expect(revoked.code).toBe(0);
  expect(revoked.stdout).toMatch(/^revoked Billing app/);
  await eventually(async () => (await usersWith(key.key)) === 401, 10_000, 'the revoked key refused');

  const keys = await keyCount();
  // The owner's own key is now the firm's last working one.
  const defaultKey = await ctx.stack.db.apiKey.findFirstOrThrow({
    where: { firmId: ctx.firm.firmId, name: 'default' },
  });
  const last = await nudge(['keys', 'revoke', defaultKey.id]);
  expect(last.code).toBe(1);
  expect(last.stderr).toMatch(/^error: 409 .*last API key/);
  const noName = await nudge(['keys', 'create']);
  expect(noName.code).not.toBe(0);
  expect(noName.stderr).toMatch(/--name/);
  const longName = await nudge(['keys', 'create', '--name', 'x'.repeat(101)]);
  expect(longName.code).toBe(1);
  expect(longName.stderr).toMatch(/^error: 422 [\s\S]*name/);
  const notAnId = await nudge(['keys', 'revoke', 'not-a-key-id']);
  expect(notAnId.code).toBe(1);
  expect(notAnId.stderr).toMatch(/^error: 4\d\d /);
  const noKey = await nudge(['keys', 'list'], { NUDGE_API_KEY: undefined });
  expect(noKey).toMatchObject({ code: 2, stderr: expect.stringMatching(/API key is needed/) });
  const wrongKey = await nudge(['keys', 'list'], { NUDGE_API_KEY: 'nk_wrong' });
  expect(wrongKey).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: 401 /) });
  expect(await keyCount()).toBe(keys);
  expect((await ctx.stack.db.apiKey.findUniqueOrThrow({ where: { id: defaultKey.id } })).revokedAt).toBeNull();
});

async function usersWith(key: string) {
  const res = await ctx.stack.request('GET', '/v1/users', undefined, {
    authorization: `Bearer ${key}`,
    'x-acting-user': ctx.firm.ownerId,
  });
  return res.status;
}

test('bulk watch follows a bulk action to its end and prints its counts', async () => {
  const accounts = await Promise.all([1, 2, 3].map(() => accountWithContacts(ctx.firm, [])));
  const tag = await ctx.firm.call('POST', '/v1/tags', { name: 'CLI watch' });
  const started = await ctx.firm.call('POST', '/v1/bulk-actions', {
    action: { kind: 'manage_tags', tags: [{ tagId: tag.body.id, action: 'assign' }] },
    selection: { accountIds: accounts.map((a) => a.accountId) },
  });
  expect(started.status).toBe(202);

  const watched = await nudge(['bulk', 'watch', started.body.id, '--interval', '200']);
  expect(watched.code).toBe(0);
  // Not a terminal here: one line per change instead of the bar, then the summary.
  expect(watched.stdout).toMatch(/^(queued|running|completed): \d\/3 accounts/m);
  expect(watched.stdout).toMatch(/^status\s+completed$/m);
  expect(watched.stdout).toMatch(/^counts\s+done 3, skipped 0, failed 0, not reached 0, pending 0$/m);

  const unknown = await nudge(['bulk', 'watch', '00000000-0000-4000-8000-000000000000']);
  expect(unknown).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: 404 /) });
  const badInterval = await nudge(['bulk', 'watch', started.body.id, '--interval', 'soon']);
  expect(badInterval).toMatchObject({ code: 2, stderr: expect.stringMatching(/--interval/) });
});

test('reminders explain prints the explainer as tables, finding the item’s kind by itself', async () => {
  const acc = await accountWithContacts(ctx.firm, [{}, { notify: false }]);
  const thread = await ctx.firm.call('POST', `/v1/accounts/${acc.accountId}/chat-threads`, {
    subject: 'Receipts',
    message: { body: 'Please upload your receipts' },
    reminders: { enabled: true, intervalDays: 30, count: 2 },
  });
  expect(thread.status).toBe(201);
  const threadId = thread.body.id as string;
  await eventually(
    async () => {
      const state = await ctx.firm.call('GET', `/v1/chat-threads/${threadId}/reminders`);
      return state.body.dispatches?.length > 0;
    },
    30_000,
    'the notification sent',
  );

  const explained = await nudge(['reminders', 'explain', threadId]);
  expect(explained.code).toBe(0);
  const out = explained.stdout;
  expect(out).toMatch(new RegExp(`^item\\s+chat ${threadId}$`, 'm'));
  expect(out).toMatch(/^pending\s+yes/m);
  expect(out).toMatch(/^reminders\s+on: every 30 days, at most 2$/m);
  expect(out).toMatch(/^sent\s+0 of 2 reminders$/m);
  expect(out).toMatch(/^workflow\s+reminder-chat-\S+ \(waiting\)$/m);
  expect(out).toMatch(/^next reminder\s+\d{4}-\d\d-\d\dT/m);
  expect(out).toMatch(/^Recipients\naddress\s+receives\s+why not\s+activation link$/m);
  expect(out).toMatch(new RegExp(`^${acc.contacts[0].address.replace(/[.]/g, '\\.')}\\s+yes\\s+–`, 'm'));
  expect(out).toMatch(new RegExp(`^${acc.contacts[1].address.replace(/[.]/g, '\\.')}\\s+no\\s+\\S+`, 'm'));
  expect(out).toMatch(/^Sent\nwhat\s+n\s+at\s+recipients\s+held\nnotification\s+0\s+\S+\s+1\s+–$/m);

  const json = await nudge(['--json', 'reminders', 'explain', threadId, '--kind', 'chat']);
  expect(JSON.parse(json.stdout)).toMatchObject({ item: { kind: 'chat', id: threadId }, pending: true });
  const wrongKind = await nudge(['reminders', 'explain', threadId, '--kind', 'approval']);
  expect(wrongKind).toMatchObject({ code: 1, stderr: expect.stringMatching(/no approval/) });
  const badKind = await nudge(['reminders', 'explain', threadId, '--kind', 'letter']);
  expect(badKind).toMatchObject({ code: 2, stderr: expect.stringMatching(/--kind/) });
  const unknown = await nudge(['reminders', 'explain', '00000000-0000-4000-8000-000000000000']);
  expect(unknown).toMatchObject({
    code: 1,
    stderr: expect.stringMatching(/no chat thread, signature or approval request/),
  });
});
