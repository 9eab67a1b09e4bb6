// Every operation of the served OpenAPI document, sent malformed requests: none may be answered 5xx, and
// every 4xx must be application/problem+json. Path parameters are filled with real ids of the firm, so a
// route gets past its 404 and validates the body; bodies are derived from the operation's JSON schema.
// The cases are fixed (no randomness): a failure is reproduced by running the file again.
import { startStack, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts, firmUser } from './support/fixtures';

type Json = any; // JSON schemas and bodies of any shape, read from the served document
interface Operation {
  method: string;
  path: string;
  op: Json;
}
interface Case {
  path: string;
  /** undefined: no body; a string: sent as is (raw JSON or another media type); else JSON-encoded. */
  body?: unknown;
  contentType?: string;
  /** May change state (a valid request): sent alone, after the operation's refusals ran concurrently. */
  writes?: boolean;
}
interface Failure {
  method: string;
  path: string;
  body: string;
  status: number;
  contentType: string;
  response: string;
}

// Long enough to exercise the suite, short enough for the run to stay near a minute on two cores.
const CONCURRENCY = 6;
const MAX_CASES_PER_OPERATION = 160;
const REQUEST_TIMEOUT_MS = 20_000;
const RANDOM_UUID = '5b0a0c4e-8d3f-4c1a-9e2b-7f6d5c4b3a21'; // fixed: the run is reproducible
const LONG_PATH = 'x'.repeat(5000);
// Within the limits the API sets on dates (a pause or an invitation at most a year ahead).
const SOON = new Date(Date.now() + 7 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
const WEIRD_TEXT = '👩🏽‍💻 مرحبا עברית \u202edlrow\u202c 𝔘𝔫𝔦';

/** The wrong (or extreme) values each declared property is given in turn. */
const BAD_VALUES: unknown[] = [
  { nested: { deep: [1, 'x'] } },
  [1, 'x', null],
  12345,
  true,
  'y'.repeat(10_000),
  -1,
  1e308,
  3_000_000_000,
  1.5,
  '10000-01-01T00:00:00Z',
  WEIRD_TEXT,
  '',
  null,
];

/** Garbage for query parameters (strings as they appear in the URL, encoded when sent). */
const BAD_QUERY: string[] = [
  'q'.repeat(5000),
  '-1',
  '99999999999999999999',
  '3000000000',
  '1.5',
  '1e308',
  'not-a-uuid',
  RANDOM_UUID.toUpperCase(),
  '',
  WEIRD_TEXT,
  '10000-01-01T00:00:00Z',
  // Opaque cursors: base64url of text that looks almost right, or not at all.
  Buffer.from(`10000-01-01T00:00:00.000Z|${RANDOM_UUID}`).toString('base64url'),
  Buffer.from(`2026-13-45T99:99:99Z|${RANDOM_UUID}`).toString('base64url'),
  Buffer.from('{"id":1,"at":-1}').toString('base64url'),
  Buffer.from('99999999999999999999|x').toString('base64url'),
];

let stack: Stack;
let a: FirmHandle;
let b: FirmHandle;
let spec: Json;
let fxA: Fixtures;
let fxB: Fixtures;
let csvHeader: string;

type Fixtures = Record<string, string>;

async function ok(res: Promise<{ status: number; body: Json }>, what: string): Promise<Json> {
  const r = await res;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** One of everything a path or body may name, in this firm, created through the API as the other tests do. */
async function seed(firm: FirmHandle): Promise<Fixtures> {
  const call = (method: string, path: string, body?: unknown) => ok(firm.call(method, path, body), `${method} ${path}`);
  // A second contact, without a login: the invitation routes need one to invite.
  const acc = await accountWithContacts(firm, [{}, { login: 'off' }]);
  const accountId = acc.accountId;
  const account2 = (await call('POST', '/v1/accounts', { name: 'Fuzz second', type: 'company' })).id;
  const userId = await firmUser(firm, 'Fuzz Employee');
  const keyId = (await call('POST', '/v1/api-keys', { name: 'fuzz key' })).id;
  const threadId = (
    await call('POST', `/v1/accounts/${accountId}/chat-threads`, { subject: 'T', message: { body: 'b' } })
  ).id;
  const documentId = (await call('POST', `/v1/accounts/${accountId}/documents`, { name: 'D' })).id;
  const signatureId = (
    await call('POST', `/v1/documents/${documentId}/signature-requests`, { signers: [acc.contacts[0].id] })
  ).id;
  const approvalId = (await call('POST', `/v1/documents/${documentId}/approval-requests`, {})).id;
  // Others for the cancel routes, so that signing and approving the first ones still find them pending.
  const signatureToCancel = (
    await call('POST', `/v1/documents/${documentId}/signature-requests`, { signers: [acc.contacts[0].id] })
  ).id;
  const approvalToCancel = (await call('POST', `/v1/documents/${documentId}/approval-requests`, {})).id;
  const tagId = (await call('POST', '/v1/tags', { name: 'fuzz-tag', color: '#336699' })).id;
  // Custom fields of each type a value could break: the bodies' customFields name them.
  const fieldId = (
    await call('POST', '/v1/custom-fields', { entity: 'account', key: 'fuzzNumber', label: 'N', type: 'number' })
  ).id;
  await call('POST', '/v1/custom-fields', { entity: 'account', key: 'fuzzDate', label: 'D', type: 'date' });
  await call('POST', '/v1/custom-fields', { entity: 'contact', key: 'fuzzText', label: 'T', type: 'text' });
  const chatTemplateId = (await call('POST', '/v1/chat-templates', { name: 'C', body: 'Hello' })).id;
  const folderTemplateId = (await call('POST', '/v1/folder-templates', { name: 'F', folders: ['Tax'] })).id;
  const emailTemplateId = (await call('POST', '/v1/email-templates', { name: 'E', subject: 'S', body: 'B' })).id;
  const gdprStatusId = (await call('POST', '/v1/gdpr-statuses', { name: 'G', emailTemplateId })).id;
  const customActionId = (
    await call('POST', '/v1/custom-actions', {
      name: 'A',
      fields: [
        { key: 'amount', label: 'Amount', type: 'number' },
        { key: 'due', label: 'Due', type: 'date' },
        { key: 'flag', label: 'Flag', type: 'boolean' },
        { key: 'pick', label: 'Pick', type: 'select', options: ['a', 'b'] },
      ],
    })
  ).id;
  const noteId = (await call('POST', '/v1/notes', { accountId, body: 'A note' })).id;
  // Only bounces are subscribed: no delivery is attempted during the run.
  const webhookId = (await call('POST', '/v1/webhooks', { url: 'https://1.1.1.1/fuzz', eventTypes: ['email.bounced'] }))
    .id;
  const bulkActionId = (
    await call('POST', '/v1/bulk-actions', {
      action: { kind: 'manage_tags', tags: [{ tagId, action: 'assign' }] },
      selection: { accountIds: [account2] },
    })
  ).id;
  const policy = await call('PUT', '/v1/reminder-policy/chat', {
    enabled: true,
    intervalDays: 7,
    count: 3,
    apply: 'running',
  });
  return {
    accountId,
    account2,
    contactId: acc.contacts[0].id,
    emailId: acc.contacts[0].emailId,
    emailWithoutLogin: acc.contacts[1].emailId,
    contactWithoutSignatures: acc.contacts[1].id,
    userId,
    firmUserId: userId,
    keyId,
    threadId,
    documentId,
    signatureId,
    approvalId,
    signatureToCancel,
    approvalToCancel,
    tagId,
    fieldId,
    chatTemplateId,
    folderTemplateId,
    emailTemplateId,
    gdprStatusId,
    customActionId,
    noteId,
    webhookId,
    bulkActionId,
    applicationId: policy.application?.id ?? RANDOM_UUID,
  };
}

beforeAll(async () => {
  // A reminder "day" of an hour: no reminder goes out while the run lasts.
  stack = await startStack({ daySeconds: 3600 });
  [a, b] = await Promise.all([stack.newFirm('Fuzz A'), stack.newFirm('Fuzz B')]);
  [fxA, fxB] = await Promise.all([seed(a), seed(b)]);
  // The bulk action's completion leaves a notification in the inbox. (No webhook delivery exists: an unknown id.)
  for (const [firm, fx] of [
    [a, fxA],
    [b, fxB],
  ] as const) {
    const deadline = Date.now() + 10_000;
    while (!fx.notificationId && Date.now() < deadline) {
      fx.notificationId = (await firm.call('GET', '/v1/inbox')).body.items?.[0]?.id;
      if (!fx.notificationId) await new Promise((r) => setTimeout(r, 200));
    }
    fx.notificationId ??= RANDOM_UUID;
  }
  spec = (await stack.request('GET', '/openapi.json')).body;
  csvHeader = String((await a.call('GET', '/v1/contacts/import-template')).body).split('\n')[0];
}, 90_000);
afterAll(() => stack?.stop());

// --- the document's schemas -------------------------------------------------------------------------------

/** The first non-null variant of a union, else the schema itself. */
function resolve(s: Json): Json {
  const variants = s?.anyOf ?? s?.oneOf;
  if (!variants) return s ?? {};
  return variants.find((v: Json) => v.type !== 'null') ?? variants[0];
}

/** The real id a path parameter or body property of this name stands for, in the firm's fixtures. */
function idFor(name: string, path: string, fx: Fixtures): string {
  const byName: Record<string, string> = {
    requestId: path.endsWith('/cancel')
      ? path.includes('signature-requests')
        ? fx.signatureToCancel
        : fx.approvalToCancel
      : path.includes('signature-requests')
        ? fx.signatureId
        : fx.approvalId,
    emailId: path.includes('/invitation') ? fx.emailWithoutLogin : fx.emailId,
    // The fuzzing itself asks the first contact for signatures, and a contact with one to give cannot move.
    contactId: path.endsWith('/move') ? fx.contactWithoutSignatures : fx.contactId,
    templateId: path.includes('folder-templates') ? fx.folderTemplateId : fx.chatTemplateId,
    itemId: fx.threadId,
    toAccountId: fx.account2,
    fromAccountId: fx.accountId,
    accountIds: fx.accountId,
    contactIds: fx.contactId,
    signers: fx.contactId,
    participants: fx.userId,
    team: fx.userId,
    teamMemberId: fx.userId,
    tags: fx.tagId,
    statusId: fx.gdprStatusId,
    deliveryId: RANDOM_UUID,
  };
  return byName[name] ?? fx[name] ?? RANDOM_UUID;
}

let serial = 0;
/** A valid value for the schema (required properties only), ids taken from firm A's fixtures. */
function example(schema: Json, name: string, path: string): unknown {
  const s = resolve(schema);
  if (s.const !== undefined) return s.const;
  // An action that does something (a bulk action must assign or remove a tag).
  if (s.enum) return s.enum.find((e: unknown) => e !== 'nothing');
  if (s.default !== undefined && s.type !== 'object') return s.default;
  switch (s.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      // The required properties; a body requiring none (a PATCH) needs one at least.
      const keys = s.required ?? Object.keys(s.properties ?? {}).slice(0, 1);
      for (const key of keys) out[key] = example(s.properties[key], key, path);
      return out;
    }
    case 'array': {
      const item = example(s.items, name, path);
      return Array.from({ length: Math.max(s.minItems ?? 0, 1) }, () => item);
    }
    case 'integer':
    case 'number':
      return Math.min(Math.max(s.minimum ?? 1, 1), s.maximum ?? Infinity);
    case 'boolean':
      return true;
    case 'string': {
      if (s.format === 'uuid') return idFor(name, path, fxA);
      if (s.format === 'email') return `fuzz-${++serial}@example.test`;
      if (s.format === 'date-time') return SOON;
      if (s.format === 'uri') return 'https://1.1.1.1/fuzz';
      const pattern: string = s.pattern ?? '';
      if (pattern.startsWith('^#')) return '#336699';
      if (pattern.startsWith('^[a-zA-Z]')) return `k${++serial}`;
      if (pattern.startsWith('^\\d{2}:')) return name === 'to' ? '17:00' : '09:00';
      if (pattern.startsWith('^whsec_'))
        return `whsec_${Buffer.from(`secret ${++serial}`.padEnd(24)).toString('base64')}`;
      if (pattern.startsWith('^\\d')) return '1';
      if (name === 'timeZone') return 'Europe/Rome';
      return `fuzz ${++serial}`.padEnd(s.minLength ?? 0, 'z');
    }
    default:
      return 'fuzz';
  }
}

/**
 * Valid bodies the schema alone does not describe (a rule across fields): without them every case would stop at
 * the same 422 and nothing past validation would run.
 */
const BASE_BODIES: Record<string, (fx: Fixtures) => unknown> = {
  'post /v1/assignments': (fx) => ({ userId: fx.userId, accountIds: [fx.accountId] }),
  'post /v1/notes': (fx) => ({ accountId: fx.accountId, body: 'A note' }),
  'post /v1/bulk-actions': (fx) => ({
    action: { kind: 'manage_tags', tags: [{ tagId: fx.tagId, action: 'assign' }] },
    selection: { accountIds: [fx.account2] },
  }),
};

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const MAX_UUID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/**
 * Values the schema accepts but that sit at its edges, where the code past validation (the database, Temporal,
 * date arithmetic) may still fail: another firm's ids, the nil UUID, the longest text, the latest date.
 */
function edgeValues(schema: Json, name: string, path: string): unknown[] {
  const s = resolve(schema);
  if (s.type === 'string' && s.format === 'uuid')
    return [idFor(name, path, fxB), NIL_UUID, MAX_UUID, idFor(name, path, fxA).toUpperCase()];
  if (s.type === 'string' && s.format === 'date-time')
    return [
      '9999-12-31T23:59:59Z',
      '1970-01-01T00:00:00Z',
      SOON.replace('Z', '+14:00'),
      SOON.replace('Z', '.123456789Z'),
    ];
  if (s.type === 'string' && s.maxLength && !s.pattern && !s.format && !s.enum)
    return [
      'a'.repeat(s.maxLength),
      '😀'.repeat(Math.floor(s.maxLength / 2)),
      '\ud800'.repeat(Math.min(s.maxLength, 5)),
    ];
  // A free-form value (a custom field's): text the database must take, or refuse with a 4xx.
  if (!s.type) return ['\ud800'.repeat(5), 'z'.repeat(100_000)];
  if (s.type === 'integer' || s.type === 'number') return [s.maximum, s.minimum].filter((v) => v !== undefined);
  if (s.type === 'array' && s.maxItems) {
    const item = resolve(s.items);
    const one = example(item, name, path);
    // As many of one value as allowed; ids of both firms together.
    const many = [Array.from({ length: s.maxItems }, () => one)];
    return item.format === 'uuid' ? [...many, [idFor(name, path, fxA), idFor(name, path, fxB)]] : many;
  }
  return [];
}

/** Keys of free-form objects (custom field values), as the fixtures define them, and one unknown. */
const FREE_FORM_KEYS: Record<string, string[]> = {
  customFields: ['fuzzNumber', 'fuzzDate', 'fuzzText', 'nope'],
  values: ['amount', 'due', 'flag', 'pick', 'nope'],
};

/** The property paths a body case replaces: declared properties, one level into objects and arrays. */
function propertyPaths(schema: Json, prefix: string[] = [], depth = 0): string[][] {
  const s = resolve(schema);
  const paths: string[][] = [];
  for (const [key, sub] of Object.entries<Json>(s.properties ?? {})) {
    const here = [...prefix, key];
    paths.push(here);
    if (depth >= 2) continue;
    const r = resolve(sub);
    if (r.type === 'object' && r.properties) paths.push(...propertyPaths(r, here, depth + 1));
    else if (r.type === 'object') for (const k of FREE_FORM_KEYS[key] ?? []) paths.push([...here, k]);
    else if (r.type === 'array') {
      paths.push([...here, '0']);
      if (resolve(r.items).type === 'object') paths.push(...propertyPaths(r.items, [...here, '0'], depth + 1));
    }
  }
  return paths;
}

/** The schema below a property path (properties, free-form values, array items). */
function schemaAt(schema: Json, key: string): Json {
  const s = resolve(schema);
  if (s.type === 'array') return s.items;
  return s.properties?.[key] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : {});
}

/** The body with the value at the path replaced, missing containers on the way filled with valid examples. */
function withValue(schema: Json, body: unknown, path: string[], value: unknown, opPath: string): unknown {
  const root = structuredClone(body) as Record<string, unknown>;
  let node: Json = root;
  let s = schema;
  path.forEach((key, i) => {
    s = schemaAt(s, key);
    if (i === path.length - 1) node[key] = value;
    else {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = example(s, key, opPath);
      if (resolve(s).type === 'object' && Array.isArray(node[key])) node[key] = {};
      node = node[key];
    }
  });
  return root;
}

// --- the cases --------------------------------------------------------------------------------------------

const pathParams = (op: Json) => (op.parameters ?? []).filter((p: Json) => p.in === 'path');
const queryParams = (op: Json) => (op.parameters ?? []).filter((p: Json) => p.in === 'query');

function fill(template: string, values: Record<string, string>, raw = new Set<string>()): string {
  return template.replace(/\{(\w+)\}/g, (_m, n: string) => (raw.has(n) ? values[n] : encodeURIComponent(values[n])));
}

/** The real values of the path parameters: ids of firm A's fixtures, the first value of an enum. */
function realParams(o: Operation, fx: Fixtures): Record<string, string> {
  const values: Record<string, string> = {};
  for (const p of pathParams(o.op)) values[p.name] = p.schema.enum ? p.schema.enum[0] : idFor(p.name, o.path, fx);
  return values;
}

/** The item kinds of /v1/{kind}/{itemId}/…: each with an item of its own kind. */
const ITEM_OF_KIND: Record<string, keyof Fixtures> = {
  'chat-threads': 'threadId',
  'signature-requests': 'signatureId',
  'approval-requests': 'approvalId',
};

function casesOf(o: Operation): Case[] {
  const real = realParams(o, fxA);
  const realPath = fill(o.path, real);
  const schema = o.op.requestBody?.content?.['application/json']?.schema;
  // A valid body, made afresh for each case: unique names and emails do not collide into 409s.
  const override = BASE_BODIES[`${o.method} ${o.path}`];
  const base = () => (override ? override(fxA) : schema ? example(schema, '', o.path) : undefined);
  const refusals: Case[] = [];
  const writes: Case[] = [];

  // Path parameters, one at a time: another firm's id, unknown, upper case, malformed, very long.
  for (const p of pathParams(o.op)) {
    const variant = (value: string, raw = false) =>
      fill(o.path, { ...real, [p.name]: value }, new Set(raw ? [p.name] : []));
    if (p.schema.enum) {
      for (const e of p.schema.enum.slice(1)) {
        const item = p.name === 'kind' && ITEM_OF_KIND[e];
        const path = item ? fill(o.path, { ...real, kind: e, itemId: fxA[item] }) : variant(e);
        writes.push({ path, body: base() });
      }
      refusals.push({ path: variant(p.schema.enum[0].toUpperCase()), body: base() });
    } else {
      const other = idFor(p.name, o.path, fxB);
      if (other !== RANDOM_UUID) refusals.push({ path: variant(other), body: base() });
      refusals.push({ path: variant(RANDOM_UUID), body: base() });
      writes.push({ path: variant(real[p.name].toUpperCase()), body: base() });
    }
    for (const bad of ['not-a-uuid', LONG_PATH, WEIRD_TEXT]) refusals.push({ path: variant(bad), body: base() });
    for (const raw of ['%ZZ', '%00', '..%2F..']) refusals.push({ path: variant(raw, true), body: base() });
  }

  // Query parameters, one at a time, given garbage; and given twice.
  for (const q of queryParams(o.op)) {
    const at = (value: string) => `${realPath}?${q.name}=${encodeURIComponent(value)}`;
    for (const v of BAD_QUERY) refusals.push({ path: at(v) });
    const valid = q.schema.enum?.[0] ?? (q.schema.format === 'uuid' ? idFor(q.name, o.path, fxA) : '1');
    refusals.push({ path: `${at(valid)}&${q.name}=${encodeURIComponent(valid)}` });
    refusals.push({ path: `${realPath}?${q.name}[]=1&${q.name}[x]=2` });
  }

  if (schema) {
    // Not an object, nothing, or a body of another media type.
    for (const raw of ['[]', '42', '"text"', 'null', 'true', '{}', '{"a":', ''])
      refusals.push({ path: realPath, body: raw });
    refusals.push({ path: realPath });
    refusals.push({ path: realPath, body: JSON.stringify(base()), contentType: 'text/plain' });
    refusals.push({ path: realPath, body: 'a=1&b=2', contentType: 'application/x-www-form-urlencoded' });
    // Unknown properties, as a plain key and as keys that mean something to JavaScript objects.
    refusals.push({ path: realPath, body: { ...(base() as object), unknownField: 'x' } });
    const baseKeys = JSON.stringify(base()).slice(1, -1);
    refusals.push({ path: realPath, body: `{${baseKeys}${baseKeys ? ',' : ''}"__proto__":{"polluted":true}}` });
    refusals.push({ path: realPath, body: { ...(base() as object), constructor: { prototype: { polluted: true } } } });
    // Each declared property (one level deep too) replaced in turn by each wrong value, and by values at the
    // edges of what it accepts.
    for (const prop of propertyPaths(schema)) {
      const propSchema = prop.reduce((sub, key) => schemaAt(sub, key), schema);
      const name = [...prop].reverse().find((k) => !/^\d+$/.test(k))!;
      for (const value of [...BAD_VALUES, ...edgeValues(propSchema, name, o.path)])
        refusals.push({ path: realPath, body: withValue(schema, base(), prop, value, o.path) });
    }
    writes.push({ path: realPath, body: base() });
  } else if (o.method !== 'get') {
    // No body declared: one sent anyway (as JSON it is ignored, so the request may do what it says).
    refusals.push({ path: realPath, body: 'hello', contentType: 'text/plain' });
    writes.push({ path: realPath });
    writes.push({ path: realPath, body: { unexpected: 'x'.repeat(10_000) } });
  } else writes.push({ path: realPath });

  return [...capped(refusals, MAX_CASES_PER_OPERATION), ...writes.map((c) => ({ ...c, writes: true }))];
}

/** At most `max` of the cases, spread evenly over the list (deterministic). */
function capped<T>(cases: T[], max: number): T[] {
  if (cases.length <= max) return cases;
  return Array.from({ length: max }, (_, i) => cases[Math.floor((i * cases.length) / max)]);
}

/** The CSV import streams its body: tried with other media types and with small broken files. */
function importCases(path: string): Case[] {
  const long = 'z'.repeat(5000);
  const row = (value: string) =>
    csvHeader
      .split(',')
      .map(() => value)
      .join(',');
  return [
    { path, body: '{}' },
    { path, body: 'a,b\n1,2\n', contentType: 'text/plain' },
    { path, body: 'a,b\n1,2\n', contentType: 'multipart/form-data; boundary=x' },
    { path, body: '', contentType: 'text/csv' },
    { path, body: 'not,the,template\n1,2,3\n', contentType: 'text/csv' },
    { path, body: `${csvHeader}\n"unbalanced,${long}\n`, contentType: 'text/csv' },
    { path, body: `${csvHeader}\n${row(WEIRD_TEXT)}\n`, contentType: 'text/csv' },
    { path, body: `${csvHeader}\n${row(long)}\n`, contentType: 'text/csv' },
    { path, body: '\u0000\u0001\u0002,\uFFFD\n', contentType: 'text/csv; charset=latin1' },
  ];
}

// --- sending ----------------------------------------------------------------------------------------------

/** Sends a case as firm A's owner (the headers FirmHandle sends), with a timeout of its own. */
async function send(method: string, c: Case): Promise<{ status: number; contentType: string; text: string }> {
  const body = c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
  try {
    const res = await fetch(stack.baseUrl + c.path, {
      method: method.toUpperCase(),
      headers: {
        authorization: `Bearer ${a.apiKey}`,
        'x-acting-user': a.ownerId,
        ...(body !== undefined ? { 'content-type': c.contentType ?? 'application/json' } : {}),
      },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
  } catch (err) {
    return { status: 0, contentType: '', text: `no answer: ${String(err)}` };
  }
}

const excerpt = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

/** Runs `fn` over the items, at most `n` at once. */
async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/**
 * Operations in the order they are fuzzed: those ending a fixture's life (cancel, revoke, …) after the others,
 * then signing and approving (a contact with a signature to give cannot be moved), moving, and deletions last,
 * so each still finds what its path names.
 */
const LATER = [/\/(cancel|archive|revoke|replay|retry-failed|activation|status)$/, /\/(sign|approve)$/, /\/move$/];

function operations(): Operation[] {
  const all: Operation[] = Object.entries<Json>(spec.paths).flatMap(([path, methods]) =>
    Object.entries<Json>(methods).map(([method, op]) => ({ method, path, op })),
  );
  const phase = (o: Operation) =>
    o.method === 'delete' ? LATER.length + 1 : LATER.findIndex((re) => re.test(o.path)) + 1;
  return all
    .map((o, i) => ({ o, i }))
    .sort((x, y) => phase(x.o) - phase(y.o) || x.i - y.i)
    .map(({ o }) => o);
}

test('no malformed request to any operation is answered 5xx, and every 4xx is problem+json', async () => {
  const failures: Failure[] = [];
  let sent = 0;
  const check = async (method: string, c: Case) => {
    const res = await send(method, c);
    sent++;
    const problem = /^application\/problem\+json/.test(res.contentType);
    if (res.status >= 500 || res.status === 0 || (res.status >= 400 && !problem))
      failures.push({
        method: method.toUpperCase(),
        path: excerpt(c.path, 200),
        body: excerpt(
          c.body === undefined ? '(none)' : typeof c.body === 'string' ? c.body : JSON.stringify(c.body),
          300,
        ),
        status: res.status,
        contentType: res.contentType,
        response: excerpt(res.text, 500),
      });
  };
  const ops = operations();
  for (const o of ops) {
    const cases = o.path === '/v1/contacts/import' ? importCases(o.path) : casesOf(o);
    await pool(
      cases.filter((c) => !c.writes),
      CONCURRENCY,
      (c) => check(o.method, c),
    );
    for (const c of cases.filter((c) => c.writes)) await check(o.method, c);
  }
  expect(ops.length).toBeGreaterThan(100); // the document was read
  // Every failure in full, so a reader can act on each: the request as sent and what it was answered.
  if (failures.length)
    console.log(
      `${failures.length} of ${sent} requests failed:\n` +
        failures
          .map((f) => `${f.method} ${f.path}\n  body: ${f.body}\n  → ${f.status} ${f.contentType}: ${f.response}`)
          .join('\n'),
    );
  expect(failures.length).toBe(0);
}, 150_000);
