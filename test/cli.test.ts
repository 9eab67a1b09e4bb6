// The operator CLI (`npx nudge …`, cli/) run as a separate process against a test API and the run's database:
// firm create (database), keys create/list/revoke, bulk watch and reminders explain (HTTP, with an API key);
// bad input and API refusals end non-zero with a readable message and write nothing (usage errors with 2, API
// refusals with 1); --url with a path prefix (a gateway); bulk watch riding out failed polls.
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** An HTTP server on a random local port until the file's tests end: a gateway, or a scripted API. */
const servers: Server[] = [];
afterAll(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});
async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const bodyOf = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

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
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/--owner-email/);
  const badEmail = await nudge(['firm', 'create', '--name', 'Bad', '--owner-email', 'not-an-address']);
  expect(badEmail).toMatchObject({ code: 2, stderr: 'error: --owner-email: must be an email address\n' });
  const blank = await nudge(['firm', 'create', '--name', '  ', '--owner-email', 'a@b.test']);
  expect(blank).toMatchObject({ code: 2, stderr: 'error: --name: must not be empty\n' });
  expect(await firmCount()).toBe(count);
});

test('firm create takes the owner as POST /v1/users would: a real email address, names of at most 200', async () => {
  const before = await firmCount();
  const refused = async (args: string[], why: RegExp) => {
    const out = await nudge(['firm', 'create', ...args]);
    expect(out).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(why) });
  };
  // What the API's z.email() refuses, though it has an @ between non-blanks.
  for (const address of ['owner@rossi', 'owner@@rossi.test', 'owner@.rossi.test', 'o,wner@rossi.test'])
    await refused(['--name', 'Rossi', '--owner-email', address], /^error: --owner-email: must be an email address$/m);
  await refused(
    ['--name', 'x'.repeat(201), '--owner-email', 'o@rossi.test'],
    /^error: --name: at most 200 characters$/m,
  );
  await refused(
    ['--name', 'Rossi', '--owner-email', 'o@rossi.test', '--owner-name', 'y'.repeat(201)],
    /^error: --owner-name \(default: the email address\): at most 200 characters$/m,
  );
  expect(await firmCount()).toBe(before);
  // The limits themselves are fine, and the names are stored trimmed.
  const name = ` ${'n'.repeat(200)} `;
  const made = await nudge(['--json', 'firm', 'create', '--name', name, '--owner-email', 'o@rossi.test']);
  expect(made.code).toBe(0);
  const { firmId, ownerUserId } = JSON.parse(made.stdout);
  expect((await ctx.stack.db.firm.findUniqueOrThrow({ where: { id: firmId } })).name).toBe(name.trim());
  expect(await ctx.stack.db.firmUser.findUniqueOrThrow({ where: { id: ownerUserId } })).toMatchObject({
    email: 'o@rossi.test',
    name: 'o@rossi.test',
  });
});

test('usage errors exit 2 with commander’s message once; help exits 0', async () => {
  const before = await firmCount();
  const usage: [string[], RegExp][] = [
    [['firm', 'create', '--name', 'No owner'], /^error: required option '--owner-email <email>' not specified$/m],
    [['firm', 'create', '--name'], /^error: option '--name <name>' argument missing$/m],
    [['firms'], /^error: unknown command 'firms'/m],
    [['keys', 'list', 'extra'], /^error: too many arguments for 'list'/m],
    [['keys', 'create', '--name', 'x', '--nme', 'y'], /^error: unknown option '--nme'/m],
    [['keys'], /^Usage: nudge keys/m], // no subcommand: the help, on stderr
  ];
  for (const [args, message] of usage) {
    const out = await nudge(args);
    expect({ args, code: out.code, stdout: out.stdout }).toEqual({ args, code: 2, stdout: '' });
    expect(out.stderr).toMatch(message);
    expect(out.stderr.match(/^error: /gm)?.length ?? 0).toBeLessThanOrEqual(1);
  }
  for (const args of [['--help'], ['help', 'keys'], ['keys', 'create', '--help']]) {
    const out = await nudge(args);
    expect({ args, code: out.code }).toEqual({ args, code: 0 });
    expect(out.stdout).toMatch(/^Usage: nudge/);
  }
  expect(await firmCount()).toBe(before);
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
  expect(noName.code).toBe(2);
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
      // The notification's row is written in the workflow's first task; it waits once that task completed.
      return state.body.dispatches?.length > 0 && state.body.workflow?.status === 'waiting';
    },
    30_000,
    'the notification sent and the workflow waiting',
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
  // What every object inherits is no kind either.
  for (const inherited of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
    const out = await nudge(['reminders', 'explain', threadId, '--kind', inherited]);
    expect({ inherited, code: out.code, stderr: out.stderr }).toEqual({
      inherited,
      code: 2,
      stderr: 'error: --kind: one of chat, signature, approval\n',
    });
  }
  const unknown = await nudge(['reminders', 'explain', '00000000-0000-4000-8000-000000000000']);
  expect(unknown).toMatchObject({
    code: 1,
    stderr: expect.stringMatching(/no chat thread, signature or approval request/),
  });
});

test('--url with a path prefix (the API behind a gateway at /nudge) keeps the prefix', async () => {
  const seen: string[] = [];
  // Forwards /nudge/… to the test API; anything else is not the API.
  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url}`);
    if (!req.url?.startsWith('/nudge/')) return void res.writeHead(404).end('no such route on the gateway');
    const body = await bodyOf(req);
    const headers: Record<string, string> = {};
    for (const h of ['authorization', 'x-acting-user', 'content-type'])
      if (req.headers[h]) headers[h] = String(req.headers[h]);
    const upstream = await fetch(`${ctx.stack.baseUrl}${req.url.slice('/nudge'.length)}`, {
      method: req.method,
      headers,
      body: body.length ? body : undefined,
    });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  };
  const gateway = await serve((req, res) => void forward(req, res).catch((err: Error) => res.destroy(err)));

  const created = await nudge(['--json', 'keys', 'create', '--name', 'Via gateway'], {
    NUDGE_API_URL: `${gateway}/nudge`,
  });
  expect(created).toMatchObject({ code: 0, stderr: '' });
  const key = JSON.parse(created.stdout);
  const listed = await nudge(['--url', `${gateway}/nudge/`, 'keys', 'list']);
  expect(listed).toMatchObject({ code: 0, stderr: '' });
  expect(listed.stdout).toContain(key.id);
  expect(seen).toEqual(['POST /nudge/v1/api-keys', 'GET /nudge/v1/api-keys']);
  const revoked = await nudge(['keys', 'revoke', key.id], { NUDGE_API_URL: `${gateway}/nudge` });
  expect(revoked.code).toBe(0);
  expect(seen[2]).toBe(`POST /nudge/v1/api-keys/${key.id}/revoke`);
});

test('bulk watch rides out failed polls (503, lost connection, 429) but not a refusal or an API that stays down', async () => {
  const id = '11111111-1111-4111-8111-111111111111';
  const action = (status: string, done: number) => ({
    id,
    kind: 'manage_tags',
    status,
    dryRun: false,
    total: 3,
    progress: { total: 3, pending: 3 - done, done, skipped: 0, failed: 0, notReached: 0 },
    finishedAt: status === 'completed' ? '2026-01-01T00:00:00.000Z' : null,
  });
  type Answer = (res: ServerResponse, req: IncomingMessage) => void;
  const json =
    (status: number, body: unknown, headers: Record<string, string> = {}): Answer =>
    (res) =>
      void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  const problem = (status: number, title: string, headers: Record<string, string> = {}) =>
    json(status, { type: `https://nudge.dev/problems/${title}`, title, status }, headers);
  const lost: Answer = (_res, req) => req.socket.destroy();
  /** A bulk action API that plays the answers in order, then the last one again. */
  const scripted = async (answers: Answer[]) => {
    const asked: string[] = [];
    const url = await serve((req, res) => {
      asked.push(`${req.method} ${req.url}`);
      (answers.length > 1 ? answers.shift()! : answers[0])(res, req);
    });
    return { url, asked };
  };

  const flaky = await scripted([
    json(200, action('running', 1)),
    problem(503, 'unavailable', { 'retry-after': '1' }),
    lost,
    problem(429, 'rate-limited', { 'retry-after': '0' }),
    json(200, action('running', 2)),
    problem(503, 'unavailable'),
    json(200, action('completed', 3)),
  ]);
  const started = Date.now();
  const watched = await nudge(['bulk', 'watch', id, '--interval', '100'], { NUDGE_API_URL: flaky.url });
  expect(watched.code).toBe(0);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // Retry-After: 1 honoured
  expect(flaky.asked).toHaveLength(7);
  expect(watched.stdout).toMatch(/^running: 1\/3 accounts[\s\S]*^running: 2\/3 accounts/m);
  expect(watched.stdout).toMatch(/^status\s+completed$/m);
  expect(watched.stdout).toMatch(/^counts\s+done 3, skipped 0, failed 0, not reached 0, pending 0$/m);
  const notes = watched.stderr.trim().split('\n');
  expect(notes).toEqual([
    expect.stringMatching(/^503 unavailable; asking again in 1 s$/),
    expect.stringMatching(/^cannot reach the Nudge API .*; asking again in 0\.4 s$/),
    expect.stringMatching(/^429 rate-limited; asking again in 0 s$/),
    expect.stringMatching(/^503 unavailable; asking again in 0\.2 s$/),
  ]);

  // A refusal mid-watch ends it at once; so does an API still down after 5 retries in a row.
  const refused = await scripted([json(200, action('running', 1)), problem(401, 'unauthorized')]);
  const ended = await nudge(['bulk', 'watch', id, '--interval', '100'], { NUDGE_API_URL: refused.url });
  expect(ended).toMatchObject({ code: 1, stderr: 'error: 401 unauthorized\n' });
  expect(refused.asked).toHaveLength(2);
  const down = await scripted([json(200, action('running', 1)), problem(503, 'unavailable', { 'retry-after': '0' })]);
  const gaveUp = await nudge(['bulk', 'watch', id, '--interval', '100'], { NUDGE_API_URL: down.url });
  expect(gaveUp.code).toBe(1);
  expect(gaveUp.stderr).toMatch(/^error: 503 unavailable$/m);
  expect(down.asked).toHaveLength(1 + 6);
  // A Retry-After beyond the watch's longest wait (60 s) is not waited out.
  const later = await scripted([
    json(200, action('running', 1)),
    problem(503, 'unavailable', { 'retry-after': '3600' }),
  ]);
  const notWaited = await nudge(['bulk', 'watch', id, '--interval', '100'], { NUDGE_API_URL: later.url });
  expect(notWaited).toMatchObject({ code: 1, stderr: 'error: 503 unavailable\n' });
});
