// Every operation of the served OpenAPI document, sent malformed requests: none may be answered 5xx, and
// every 4xx must be application/problem+json. Path parameters are filled with real ids of the firm, so a
// route gets past its 404 and validates the body; bodies are derived from the operation's JSON schema.
// The cases are fixed (no randomness): a failure is reproduced by running the file again.
import { startStack, type Stack, type FirmHandle } from './support/stack';
import {
  awaitNotification,
  bodySchema,
  example as exampleIn,
  fill,
  idFor,
  operations,
  pathParams,
  queryParams,
  RANDOM_UUID,
  realParams,
  resolve,
  seed,
  SOON,
  validBody,
  type Fixtures,
  type Json,
  type Operation,
} from './support/operation-fixtures';
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
const MAX_CASES_PER_OPERATION = 80;
const REQUEST_TIMEOUT_MS = 20_000;
const LONG_PATH = 'x'.repeat(5000);
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

beforeAll(async () => {
  // A reminder "day" of an hour: no reminder goes out while the run lasts.
  stack = await startStack({ daySeconds: 3600 });
  [a, b] = await Promise.all([stack.newFirm('Fuzz A'), stack.newFirm('Fuzz B')]);
  [fxA, fxB] = await Promise.all([seed(a), seed(b)]);
  // The bulk action's completion leaves a notification in the inbox. (No webhook delivery exists: an unknown id.)
  await awaitNotification(a, fxA);
  await awaitNotification(b, fxB);
  spec = (await stack.request('GET', '/openapi.json')).body;
  csvHeader = String((await a.call('GET', '/v1/contacts/import-template')).body).split('\n')[0];
}, 90_000);
afterAll(() => stack?.stop());

// --- the document's schemas -------------------------------------------------------------------------------

/** A valid value for the schema (required properties only), ids taken from firm A's fixtures. */
const example = (schema: Json, name: string, path: string) => exampleIn(schema, name, path, fxA);

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

/** The item kinds of /v1/{kind}/{itemId}/…: each with an item of its own kind. */
const ITEM_OF_KIND: Record<string, keyof Fixtures> = {
  'chat-threads': 'threadId',
  'signature-requests': 'signatureId',
  'approval-requests': 'approvalId',
};

function casesOf(o: Operation): Case[] {
  const real = realParams(o, fxA);
  const realPath = fill(o.path, real);
  const schema = bodySchema(o);
  // A valid body, made afresh for each case: unique names and emails do not collide into 409s.
  const base = () => validBody(o, fxA);
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
  const ops = operations(spec);
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
