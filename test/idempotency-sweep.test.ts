// Every change-making operation of the served OpenAPI document, sent once with an Idempotency-Key and then again
// with the same key and request: the retry must replay the first answer (same status and body,
// `Idempotent-Replayed: true`; 409 `secret-shown-once` where the first answer showed a secret) and write nothing.
// Then a sample of operations that start workflows or send email, sent twice at once under one key: one effect.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  startStack,
  eventually,
  remindersTo,
  sleep,
  type ApiResponse,
  type FirmHandle,
  type Stack,
} from './support/stack';
import { accountWithContacts, firmUser } from './support/fixtures';
import {
  awaitNotification,
  fill,
  operations,
  realParams,
  seed,
  validBody,
  type Fixtures,
  type Json,
  type Operation,
} from './support/operation-fixtures';

let stack: Stack;
let firm: FirmHandle;
let fx: Fixtures;
let spec: Json;
let tables: string[];

beforeAll(async () => {
  // A reminder "day" of an hour: no automatic reminder writes rows while the sweep counts them.
  stack = await startStack({ daySeconds: 3600 });
  firm = await stack.newFirm('Idempotency sweep');
  fx = await seed(firm);
  await awaitNotification(firm, fx);
  await sweepIds();
  spec = (await stack.request('GET', '/openapi.json')).body;
  tables = (
    await stack.db.$queryRawUnsafe<{ name: string }[]>(
      `SELECT table_name::text AS name FROM information_schema.tables
       WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_prisma%'`,
    )
  ).map((t) => t.name);
}, 60_000);
afterAll(() => stack?.stop());

// --- observing the system ---------------------------------------------------------------------------------

/** Rows of every table, and the bulk actions still running (their end writes an audit entry and a notice). */
async function rowCounts(): Promise<Record<string, number>> {
  const rows = await stack.db.$queryRawUnsafe<{ t: string; n: number }[]>(
    [
      ...tables.map((t) => `SELECT '${t}' AS t, count(*)::int AS n FROM "${t}"`),
      `SELECT '(running bulk actions)', count(*)::int FROM "BulkAction" WHERE status IN ('queued', 'running')`,
    ].join(' UNION ALL '),
  );
  return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}

/** Workflows on the stack's task queue, as Temporal's visibility (which lags its starts a little) counts them. */
const countWorkflows = async () => (await stack.client.workflow.count(`TaskQueue = "${stack.taskQueue}"`)).count;

/**
 * Rows of every table and the workflows on the stack's task queue, once the outbox is drained and neither changed
 * for a while: the workflows a request set off did their writes, so what changes after is the next request's.
 */
async function settled(since?: Record<string, number>): Promise<Record<string, number>> {
  const counts = async (): Promise<Record<string, number>> => ({
    ...(await rowCounts()),
    '(workflows)': await countWorkflows(),
  });
  let last = await counts();
  let stable = 0;
  // Workflows or emails set off since `since`: their next writes may come a moment later (a timer, an email after a
  // workflow's first task), so a longer quiet is asked of them (0.5 s; else 0.15 s).
  const quiet = () =>
    since && (last['(workflows)'] !== since['(workflows)'] || last.OutboundEmail !== since.OutboundEmail) ? 10 : 3;
  for (
    const deadline = Date.now() + 5_000;
    (stable < quiet() || last.outbox > 0 || last['(running bulk actions)'] > 0) && Date.now() < deadline;
  ) {
    await sleep(50);
    const next = await counts();
    stable = isDeepStrictEqual(next, last) ? stable + 1 : 0;
    last = next;
  }
  return last;
}

const diff = (before: Record<string, number>, after: Record<string, number>) =>
  Object.keys(after)
    .filter((t) => after[t] !== before[t])
    .map((t) => `${t} ${before[t]} → ${after[t]}`);

const problemType = (res: ApiResponse) => String(res.body?.type ?? '').replace('https://nudge.dev/problems/', '');
const show = (res: ApiResponse) =>
  `${res.status} replayed=${res.headers.get('idempotent-replayed')} ${JSON.stringify(res.body)?.slice(0, 400)}`;

// --- the sweep --------------------------------------------------------------------------------------------

/**
 * The portal's accept, public and firm-less, takes no key: its single-use token makes it idempotent by itself, so a
 * retry finds it accepted and answers 409 `invitation-already-accepted`, writing nothing (README, Idempotency-Key).
 */
const TOKEN_ONCE = new Set(['post /v1/invitations/accept']);

/** Answers showing a secret once (README, Idempotency-Key): a retry gets 409 `secret-shown-once` instead. */
const SECRET_ONCE = new Set(['post /v1/api-keys', 'post /v1/webhooks', 'post /v1/webhooks/{webhookId}/rotate-secret']);

/** The body the sweep sends where the schema's example would not do (or would set off unrelated writes). */
const SWEEP_BODIES: Record<string, () => Promise<unknown> | unknown> = {
  // Only bounces: no delivery to the unreachable URL keeps writing attempt rows while the sweep counts.
  'post /v1/webhooks': () => ({ url: 'https://1.1.1.1/sweep', eventTypes: ['email.bounced'] }),
  'patch /v1/webhooks/{webhookId}': () => ({ description: 'swept' }),
  // Sent at once (not scheduled): the resend finds it sent, and the accept finds its token.
  'post /v1/contact-emails/{emailId}/invitation': () => ({}),
  // The token is in the invitation the sweep's own POST …/invitation sent.
  'post /v1/invitations/accept': async () => ({ token: await invitationToken(fx.addressWithoutLogin) }),
};

/**
 * What the first request sets off later than the sweep's settling can see (a workflow's timer, then its email): the
 * sweep waits for it before the retry, so a write it makes is not taken for the retry's.
 */
const AFTER_FIRST: Record<string, (first: ApiResponse) => Promise<unknown>> = {
  'post /v1/contact-emails/{emailId}/invitation': (first) =>
    eventually(
      async () => (await stack.db.invitation.findUnique({ where: { id: first.body.id } }))?.status === 'sent',
      15_000,
      'the invitation sent',
    ),
};

async function invitationToken(address: string): Promise<string> {
  const [mail] = (await stack.smtp.waitFor((m) => m.to.includes(address.toLowerCase()), 1, 10_000)).slice(-1);
  const raw = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/gi, '=');
  return /invitations\/accept\?token=([A-Za-z0-9_-]{43})/.exec(raw)?.[1] ?? 'no-token-in-mail';
}

/**
 * Ids the sweep gives in place of the shared fixtures', where those cannot be deleted (a contact with a signature to
 * give, an account's last contact, a template or status in use): made in beforeAll.
 */
const SWEEP_IDS: Record<string, Fixtures> = {};

async function sweepIds(): Promise<void> {
  const created = async (path: string, body: unknown) => {
    const res = await firm.call('POST', path, body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const contact = (accounts: unknown[]) =>
    created('/v1/contacts', { firstName: 'Del', emails: [{ address: `del-${randomUUID()}@client.test` }], accounts });
  SWEEP_IDS['delete /v1/contacts/{contactId}'] = { contactId: await contact([]) };
  SWEEP_IDS['delete /v1/accounts/{accountId}/contacts/{contactId}'] = {
    contactId: await contact([{ accountId: fx.accountId }]),
  };
  SWEEP_IDS['delete /v1/email-templates/{emailTemplateId}'] = {
    emailTemplateId: await created('/v1/email-templates', { name: 'Del', subject: 'S', body: 'B' }),
  };
  SWEEP_IDS['delete /v1/gdpr-statuses/{gdprStatusId}'] = {
    gdprStatusId: await created('/v1/gdpr-statuses', { name: 'Del' }),
  };
}

/**
 * No valid request can be made cheaply here: no webhook delivery exists (only bounces are subscribed), and the
 * fixtures' bulk action finished before the sweep (nothing to cancel, none failed). Their refusal is not kept.
 */
const NOT_SWEPT = new Set([
  'post /v1/webhook-deliveries/{deliveryId}/replay',
  'post /v1/bulk-actions/{bulkActionId}/cancel',
  'post /v1/bulk-actions/{bulkActionId}/retry-failed',
]);

/** Change-making operations under /v1; the CSV import streams its body and takes no key (README). */
const changeMaking = (o: Operation) =>
  o.method !== 'get' &&
  o.path.startsWith('/v1/') &&
  o.path !== '/v1/contacts/import' &&
  !NOT_SWEPT.has(`${o.method} ${o.path}`);

test('a same-key retry of every change-making operation replays its first answer and writes nothing', async () => {
  const failures: string[] = [];
  const timings: string[] = [];
  const ops = operations(spec).filter(changeMaking);
  let previous = await settled();
  for (const o of ops) {
    const name = `${o.method.toUpperCase()} ${o.path}`;
    const path = fill(o.path, realParams(o, { ...fx, ...SWEEP_IDS[`${o.method} ${o.path}`] }));
    const custom = SWEEP_BODIES[`${o.method} ${o.path}`];
    const body = custom ? await custom() : validBody(o, fx);
    const send = (key: string) => firm.call(o.method.toUpperCase(), path, body, { idempotencyKey: key });
    const key = `sweep-${randomUUID()}`;
    const request = `${o.method.toUpperCase()} ${path} ${JSON.stringify(body)} (Idempotency-Key ${key})`;
    const t0 = Date.now();
    const first = await send(key);
    if (first.status >= 300) {
      failures.push(`${name}: the first, valid request was refused\n  ${request}\n  → ${show(first)}`);
      continue;
    }
    await AFTER_FIRST[`${o.method} ${o.path}`]?.(first);
    const before = await settled(previous);
    const second = await send(key);
    const after = await settled(before);
    previous = after;
    const problems: string[] = [];
    if (SECRET_ONCE.has(`${o.method} ${o.path}`)) {
      if (second.status !== 409 || problemType(second) !== 'secret-shown-once')
        problems.push('not 409 secret-shown-once');
    } else if (TOKEN_ONCE.has(`${o.method} ${o.path}`)) {
      if (second.status !== 409 || problemType(second) !== 'invitation-already-accepted')
        problems.push('not 409 invitation-already-accepted');
    } else {
      if (second.status !== first.status) problems.push(`status ${first.status} then ${second.status}`);
      // Deep equality: the stored answer is jsonb, which keeps no key order.
      if (!isDeepStrictEqual(second.body, first.body)) problems.push('another body');
      if (second.headers.get('idempotent-replayed') !== 'true') problems.push('no Idempotent-Replayed: true');
    }
    const written = diff(before, after);
    if (written.length) problems.push(`rows or workflows changed: ${written.join(', ')}`);
    timings.push(`${Date.now() - t0} ms ${name}`);
    if (problems.length)
      failures.push(`${name}: ${problems.join('; ')}\n  ${request}\n  1st → ${show(first)}\n  2nd → ${show(second)}`);
  }
  if (process.env.SWEEP_TIMINGS) console.log(timings.join('\n'));
  expect(ops.length).toBeGreaterThan(70); // the document was read
  if (failures.length) console.log(`${failures.length} of ${ops.length} operations:\n${failures.join('\n')}`);
  expect(failures).toEqual([]);
}, 120_000);

// --- the same request twice at once -----------------------------------------------------------------------

interface Scenario {
  name: string;
  /** Makes what the request needs (its own account, contact, thread…), then the request and its effects. */
  prepare(): Promise<{
    method: string;
    path: string;
    body: unknown;
    /** Each effect counted (rows, mails, workflows): exactly one is wanted of each. */
    effects: Record<string, () => Promise<number>>;
  }>;
  /** The answer shows a secret once: the other may be 409 `secret-shown-once` too. */
  secret?: boolean;
}

const unique = (what: string) => `${what} ${randomUUID().slice(0, 8)}`;
const mailsTo = (address: string) => async () => stack.smtp.to(address).length;
/** Mails to the address from now on (the ones before, a fixture's notification, not counted). */
function newMailsTo(address: string) {
  const before = stack.smtp.to(address).length;
  return async () => stack.smtp.to(address).length - before;
}
async function created(path: string, body: unknown): Promise<Json> {
  const res = await firm.call('POST', path, body);
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
/** An account with one contact (a login), whose first notification is received: later mails are the test's. */
async function client(login: 'active' | 'off' = 'active') {
  const acc = await accountWithContacts(firm, [{ login }]);
  return { accountId: acc.accountId, ...acc.contacts[0] };
}
async function threadWithMail() {
  const c = await client();
  const thread = await created(`/v1/accounts/${c.accountId}/chat-threads`, { subject: 'S', message: { body: 'b' } });
  await stack.smtp.waitFor((m) => m.to.includes(c.address), 1, 15_000);
  return { ...c, threadId: thread.id as string };
}
const workflowsNamed = (id: string) => async () => (await stack.client.workflow.count(`WorkflowId = "${id}"`)).count;

const SCENARIOS: Scenario[] = [
  {
    name: 'post a chat message',
    async prepare() {
      const t = await threadWithMail();
      const body = unique('message');
      return {
        method: 'POST',
        path: `/v1/chat-threads/${t.threadId}/messages`,
        body: { author: 'firm', body },
        effects: {
          'message rows': () => stack.db.chatMessage.count({ where: { threadId: t.threadId, body } }),
          'mails to the contact': newMailsTo(t.address),
        },
      };
    },
  },
  {
    name: 'create a chat thread with a message',
    async prepare() {
      const c = await client();
      const subject = unique('thread');
      return {
        method: 'POST',
        path: `/v1/accounts/${c.accountId}/chat-threads`,
        body: { subject, message: { body: 'first' } },
        effects: {
          'thread rows': () => stack.db.chatThread.count({ where: { accountId: c.accountId, subject } }),
          'message rows': () => stack.db.chatMessage.count({ where: { thread: { accountId: c.accountId, subject } } }),
          'reminder workflows': async () => {
            const threads = await stack.db.chatThread.findMany({ where: { accountId: c.accountId, subject } });
            let n = 0;
            for (const t of threads) n += await workflowsNamed(`reminder-chat-${t.id}`)();
            return n;
          },
          'mails to the contact': mailsTo(c.address),
        },
      };
    },
  },
  {
    name: 'request a signature',
    async prepare() {
      const c = await client();
      const doc = await created(`/v1/accounts/${c.accountId}/documents`, { name: 'Contract' });
      return {
        method: 'POST',
        path: `/v1/documents/${doc.id}/signature-requests`,
        body: { signers: [c.id] },
        effects: {
          'signature request rows': () => stack.db.signatureRequest.count({ where: { documentId: doc.id } }),
          'mails to the signer': mailsTo(c.address),
        },
      };
    },
  },
  {
    name: 'request an approval',
    async prepare() {
      const c = await client();
      const doc = await created(`/v1/accounts/${c.accountId}/documents`, { name: 'Budget' });
      return {
        method: 'POST',
        path: `/v1/documents/${doc.id}/approval-requests`,
        body: { message: 'Please approve' },
        effects: {
          'approval request rows': () => stack.db.approvalRequest.count({ where: { documentId: doc.id } }),
          'mails to the contact': mailsTo(c.address),
        },
      };
    },
  },
  {
    name: 'resend a reminder',
    async prepare() {
      const t = await threadWithMail();
      return {
        method: 'POST',
        path: `/v1/chat-threads/${t.threadId}/resend`,
        body: {},
        effects: {
          'manual resend rows': () => stack.db.manualResend.count({ where: { itemId: t.threadId } }),
          'reminder mails': async () => remindersTo(stack.smtp, t.address).length,
        },
      };
    },
  },
  {
    name: 'invite a contact email',
    async prepare() {
      const c = await client('off');
      return {
        method: 'POST',
        path: `/v1/contact-emails/${c.emailId}/invitation`,
        body: {},
        effects: {
          'invitation rows': () => stack.db.invitation.count({ where: { contactEmailId: c.emailId } }),
          'invitation mails': async () =>
            stack.smtp.to(c.address).filter((m) => /invites you to its client portal/.test(m.subject)).length,
        },
      };
    },
  },
  {
    name: 'start a bulk action',
    async prepare() {
      const c = await client();
      // Its own tag: the sweep deleted the fixtures' one.
      const tag = await created('/v1/tags', { name: unique('bulk') });
      return {
        method: 'POST',
        path: '/v1/bulk-actions',
        body: {
          action: { kind: 'manage_tags', tags: [{ tagId: tag.id, action: 'assign' }] },
          selection: { accountIds: [c.accountId] },
        },
        effects: {
          'bulk actions of the account': () => stack.db.bulkActionOutcome.count({ where: { accountId: c.accountId } }),
          'bulk workflows': async () => {
            const outcomes = await stack.db.bulkActionOutcome.findMany({ where: { accountId: c.accountId } });
            let n = 0;
            for (const o of outcomes) n += await workflowsNamed(`bulk-${o.bulkActionId}`)();
            return n;
          },
        },
      };
    },
  },
  {
    name: 'create a note with participants',
    async prepare() {
      const c = await client();
      const name = unique('Participant');
      const userId = await firmUser(firm, name, 'admin');
      const user = await stack.db.firmUser.findUniqueOrThrow({ where: { id: userId } });
      const body = unique('note');
      return {
        method: 'POST',
        path: '/v1/notes',
        body: { accountId: c.accountId, body, participants: [userId] },
        effects: {
          'note rows': () => stack.db.note.count({ where: { accountId: c.accountId, body } }),
          'mails to the participant': mailsTo(user.email),
        },
      };
    },
  },
  {
    name: 'change a GDPR status with an email',
    async prepare() {
      const c = await client();
      return {
        method: 'PUT',
        path: `/v1/contacts/${c.id}/gdpr-status`,
        body: { statusId: fx.gdprStatusId, sendEmail: true },
        effects: { 'mails to the contact': newMailsTo(c.address) },
      };
    },
  },
  {
    name: 'create a webhook',
    secret: true,
    async prepare() {
      const url = `https://1.1.1.1/${randomUUID()}`;
      return {
        method: 'POST',
        path: '/v1/webhooks',
        body: { url, eventTypes: ['email.bounced'] },
        effects: { 'endpoint rows': () => stack.db.webhookEndpoint.count({ where: { url } }) },
      };
    },
  },
];

/** Sends the scenario's request twice at once under one key; the problems found (none: as documented). */
async function twiceAtOnce(s: Scenario): Promise<string[]> {
  const { method, path, body, effects } = await s.prepare();
  const key = `together-${randomUUID()}`;
  const [x, y] = await Promise.all([0, 1].map(() => firm.call(method, path, body, { idempotencyKey: key })));
  const request = `${method} ${path} ${JSON.stringify(body)} (Idempotency-Key ${key})`;
  const problems: string[] = [];
  const replayed = (r: ApiResponse) => r.headers.get('idempotent-replayed') === 'true';
  const originals = [x, y].filter((r) => r.status < 300 && !replayed(r));
  if (originals.length !== 1) problems.push(`${originals.length} original answers`);
  else {
    const other = originals[0] === x ? y : x;
    const inUse = other.status === 409 && problemType(other) === 'idempotency-key-in-use';
    const secretOnce = s.secret && other.status === 409 && problemType(other) === 'secret-shown-once';
    const replay =
      replayed(other) && other.status === originals[0].status && isDeepStrictEqual(other.body, originals[0].body);
    if (!inUse && !secretOnce && !replay && !(s.secret && replayed(other)))
      problems.push('the other answer is neither a replay nor 409 idempotency-key-in-use');
  }
  // Each effect once it shows, then a while for a second one to show too.
  for (const [what, count] of Object.entries(effects))
    await eventually(count, 15_000, `${s.name}: ${what}`).catch(() => problems.push(`no ${what}`));
  await sleep(1_500);
  for (const [what, count] of Object.entries(effects)) {
    const n = await count();
    if (n > 1) problems.push(`${n} ${what}`);
  }
  return problems.length ? [`${s.name}: ${problems.join('; ')}\n  ${request}\n  → ${show(x)}\n  → ${show(y)}`] : [];
}

test('the same request twice at once under one key has one effect', async () => {
  // All at once: each scenario counts only its own account's, contact's or user's rows and mails.
  const failures = (await Promise.all(SCENARIOS.map(twiceAtOnce))).flat();
  if (failures.length) console.log(`${failures.length} of ${SCENARIOS.length} scenarios:\n${failures.join('\n')}`);
  expect(failures).toEqual([]);
}, 60_000);
