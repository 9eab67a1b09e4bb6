// Fixtures and valid requests for every operation of the served OpenAPI document: one of everything a path or
// body may name in a firm (created through the API), and a valid body derived from each operation's JSON schema.
// Shared by the tests that walk every operation (test/api-fuzz.test.ts, test/idempotency-sweep.test.ts).
import type { FirmHandle } from './stack';
import { accountWithContacts, firmUser } from './fixtures';

export type Json = any; // JSON schemas and bodies of any shape, read from the served document
export interface Operation {
  method: string;
  path: string;
  op: Json;
}
export type Fixtures = Record<string, string>;

export const RANDOM_UUID = '5b0a0c4e-8d3f-4c1a-9e2b-7f6d5c4b3a21'; // fixed: a run is reproducible
// Within the limits the API sets on dates (a pause or an invitation at most a year ahead).
export const SOON = new Date(Date.now() + 7 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');

async function ok(res: Promise<{ status: number; body: Json }>, what: string): Promise<Json> {
  const r = await res;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** One of everything a path or body may name, in this firm, created through the API as the other tests do. */
export async function seed(firm: FirmHandle): Promise<Fixtures> {
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
    address: acc.contacts[0].address,
    addressWithoutLogin: acc.contacts[1].address,
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

/** The bulk action's completion leaves a notification in the inbox: its id (an unknown one after 10 s). */
export async function awaitNotification(firm: FirmHandle, fx: Fixtures): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!fx.notificationId && Date.now() < deadline) {
    fx.notificationId = (await firm.call('GET', '/v1/inbox')).body.items?.[0]?.id;
    if (!fx.notificationId) await new Promise((r) => setTimeout(r, 200));
  }
  fx.notificationId ??= RANDOM_UUID;
}

// --- the document's schemas -------------------------------------------------------------------------------

/** The first non-null variant of a union, else the schema itself. */
export function resolve(s: Json): Json {
  const variants = s?.anyOf ?? s?.oneOf;
  if (!variants) return s ?? {};
  return variants.find((v: Json) => v.type !== 'null') ?? variants[0];
}

/** The real id a path parameter or body property of this name stands for, in the firm's fixtures. */
export function idFor(name: string, path: string, fx: Fixtures): string {
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
/** A valid value for the schema (required properties only), ids taken from the firm's fixtures. */
export function example(schema: Json, name: string, path: string, fx: Fixtures): unknown {
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
      for (const key of keys) out[key] = example(s.properties[key], key, path, fx);
      return out;
    }
    case 'array': {
      const item = example(s.items, name, path, fx);
      return Array.from({ length: Math.max(s.minItems ?? 0, 1) }, () => item);
    }
    case 'integer':
    case 'number':
      return Math.min(Math.max(s.minimum ?? 1, 1), s.maximum ?? Infinity);
    case 'boolean':
      return true;
    case 'string': {
      if (s.format === 'uuid') return idFor(name, path, fx);
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
 * Valid bodies the schema alone does not describe (a rule across fields): without them every request would stop
 * at the same 422 and nothing past validation would run.
 */
export const BASE_BODIES: Record<string, (fx: Fixtures) => unknown> = {
  'post /v1/assignments': (fx) => ({ userId: fx.userId, accountIds: [fx.accountId] }),
  'post /v1/notes': (fx) => ({ accountId: fx.accountId, body: 'A note' }),
  'post /v1/bulk-actions': (fx) => ({
    action: { kind: 'manage_tags', tags: [{ tagId: fx.tagId, action: 'assign' }] },
    selection: { accountIds: [fx.account2] },
  }),
};

/** The operation's JSON request body schema, if it declares one. */
export const bodySchema = (o: Operation): Json => o.op.requestBody?.content?.['application/json']?.schema;

/** A valid body for the operation (made afresh: unique names and emails do not collide into 409s). */
export function validBody(o: Operation, fx: Fixtures): unknown {
  const override = BASE_BODIES[`${o.method} ${o.path}`];
  const schema = bodySchema(o);
  return override ? override(fx) : schema ? example(schema, '', o.path, fx) : undefined;
}

// --- paths ------------------------------------------------------------------------------------------------

export const pathParams = (op: Json) => (op.parameters ?? []).filter((p: Json) => p.in === 'path');
export const queryParams = (op: Json) => (op.parameters ?? []).filter((p: Json) => p.in === 'query');

export function fill(template: string, values: Record<string, string>, raw = new Set<string>()): string {
  return template.replace(/\{(\w+)\}/g, (_m, n: string) => (raw.has(n) ? values[n] : encodeURIComponent(values[n])));
}

/** The real values of the path parameters: ids of the firm's fixtures, the first value of an enum. */
export function realParams(o: Operation, fx: Fixtures): Record<string, string> {
  const values: Record<string, string> = {};
  for (const p of pathParams(o.op)) values[p.name] = p.schema.enum ? p.schema.enum[0] : idFor(p.name, o.path, fx);
  return values;
}

/**
 * Operations in the order to send them: those ending a fixture's life (cancel, revoke, …) after the others,
 * then signing and approving (a contact with a signature to give cannot be moved), moving, and deletions last,
 * so each still finds what its path names.
 */
const LATER = [/\/(cancel|archive|revoke|replay|retry-failed|activation|status)$/, /\/(sign|approve)$/, /\/move$/];

export function operations(spec: Json): Operation[] {
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
