// The firm's settings on the real stack: tags, email templates, GDPR statuses, custom actions and custom
// field definitions can be changed and deleted; a delete that would break data is refused (409), past
// custom action runs stay readable on the timelines, another firm's ids answer 404, and bad input writes nothing.
import { randomUUID } from 'node:crypto';
import { useStackWithFirm, type FirmHandle } from './support/stack';
import { accountWithContacts } from './support/fixtures';
import { rowCounter, expectRefused, type BadInputCase } from './support/bad-input';

// No worker: nothing here sends an email or needs a workflow to run, and row counts stay still.
const ctx = useStackWithFirm({ worker: false });
let other: FirmHandle;
let employee: string;

beforeAll(async () => {
  other = await ctx.stack.newFirm();
  const res = await ctx.firm.call('POST', '/v1/users', {
    email: `emp-${randomUUID()}@firm.test`,
    name: 'Eve Employee',
    role: 'employee',
  });
  expect(res.status).toBe(201);
  employee = res.body.id;
});

const unique = (prefix: string) => `${prefix} ${randomUUID().slice(0, 8)}`;
async function created(res: Promise<{ status: number; body: any }>) {
  const r = await res;
  if (r.status !== 201) throw new Error(`expected 201, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}
const lastAudit = (action: string) =>
  ctx.stack.db.auditEvent.findFirstOrThrow({ where: { firmId: ctx.firm.firmId, action }, orderBy: { id: 'desc' } });

describe('tags', () => {
  test('rename and recolour; a name already taken is a 409 and changes nothing', async () => {
    const tag = await created(ctx.firm.call('POST', '/v1/tags', { name: unique('VIP') }));
    const taken = await created(ctx.firm.call('POST', '/v1/tags', { name: unique('Tax') }));
    const name = unique('Key client');
    const res = await ctx.firm.call('PATCH', `/v1/tags/${tag.id}`, { name, color: '#1e88e5' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: tag.id, name, color: '#1e88e5' });
    expect((await ctx.firm.call('GET', '/v1/tags')).body).toContainEqual(
      expect.objectContaining({ id: tag.id, name, color: '#1e88e5' }),
    );
    expect((await lastAudit('tag.updated')).data).toMatchObject({
      tagId: tag.id,
      from: { name: tag.name, color: tag.color },
      to: { name, color: '#1e88e5' },
    });

    const clash = await ctx.firm.call('PATCH', `/v1/tags/${tag.id}`, { name: taken.name });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({
      type: 'https://nudge.dev/problems/tag-exists',
      detail: expect.stringContaining(taken.name),
    });
    expect(await ctx.stack.db.tag.findUniqueOrThrow({ where: { id: tag.id } })).toMatchObject({
      name,
      color: '#1e88e5',
    });
  });

  test('delete removes the tag from every account and is audited', async () => {
    const tag = await created(ctx.firm.call('POST', '/v1/tags', { name: unique('Payroll') }));
    const keep = await created(ctx.firm.call('POST', '/v1/tags', { name: unique('Keep') }));
    const a = await created(
      ctx.firm.call('POST', '/v1/accounts', { name: 'Tagged A', type: 'company', tags: [tag.id, keep.id] }),
    );
    await created(ctx.firm.call('POST', '/v1/accounts', { name: 'Tagged B', type: 'company', tags: [tag.id] }));
    const del = await ctx.firm.call('DELETE', `/v1/tags/${tag.id}`);
    expect(del.status).toBe(204);
    expect(await ctx.stack.db.accountTag.count({ where: { tagId: tag.id } })).toBe(0);
    expect((await ctx.firm.call('GET', `/v1/accounts/${a.id}`)).body.tags.map((t: { id: string }) => t.id)).toEqual([
      keep.id,
    ]);
    expect((await ctx.firm.call('GET', '/v1/tags')).body.map((t: { id: string }) => t.id)).not.toContain(tag.id);
    expect(await lastAudit('tag.deleted')).toMatchObject({
      actorId: ctx.firm.ownerId,
      data: { tagId: tag.id, name: tag.name, removedFromAccounts: 2 },
    });
    expect((await ctx.firm.call('DELETE', `/v1/tags/${tag.id}`)).status).toBe(404);
  });

  test('a retried delete with the same Idempotency-Key replays the first answer', async () => {
    const tag = await created(ctx.firm.call('POST', '/v1/tags', { name: unique('Retry') }));
    const key = randomUUID();
    expect((await ctx.firm.call('DELETE', `/v1/tags/${tag.id}`, undefined, { idempotencyKey: key })).status).toBe(204);
    const again = await ctx.firm.call('DELETE', `/v1/tags/${tag.id}`, undefined, { idempotencyKey: key });
    expect(again.status).toBe(204);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(
      await ctx.stack.db.auditEvent.count({
        where: { action: 'tag.deleted', data: { path: ['tagId'], equals: tag.id } },
      }),
    ).toBe(1);
  });
});

describe('email templates and GDPR statuses', () => {
  test('a template is edited, and cannot be deleted while a GDPR status emails with it', async () => {
    const template = await created(
      ctx.firm.call('POST', '/v1/email-templates', {
        name: unique('Consent'),
        subject: 'Hello',
        body: 'Dear {{firstName}}',
      }),
    );
    const status = await created(
      ctx.firm.call('POST', '/v1/gdpr-statuses', { name: unique('Consent given'), emailTemplateId: template.id }),
    );
    const edit = await ctx.firm.call('PATCH', `/v1/email-templates/${template.id}`, {
      subject: 'Thank you {{firstName}}',
      body: 'Dear {{firstName}} {{lastName}}',
    });
    expect(edit.status).toBe(200);
    expect(edit.body).toMatchObject({
      id: template.id,
      name: template.name,
      subject: 'Thank you {{firstName}}',
      body: 'Dear {{firstName}} {{lastName}}',
    });
    expect((await lastAudit('email_template.updated')).data).toMatchObject({
      emailTemplateId: template.id,
      changed: ['subject', 'body'],
    });

    const refused = await ctx.firm.call('DELETE', `/v1/email-templates/${template.id}`);
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refused.body).toMatchObject({
      type: 'https://nudge.dev/problems/email-template-in-use',
      detail: expect.stringContaining(status.name),
    });

    const unlinked = await ctx.firm.call('PATCH', `/v1/gdpr-statuses/${status.id}`, { emailTemplateId: null });
    expect(unlinked.body).toMatchObject({ id: status.id, emailTemplateId: null });
    expect((await ctx.firm.call('DELETE', `/v1/email-templates/${template.id}`)).status).toBe(204);
    expect(await ctx.stack.db.emailTemplate.count({ where: { id: template.id } })).toBe(0);
    expect((await lastAudit('email_template.deleted')).data).toMatchObject({
      emailTemplateId: template.id,
      name: template.name,
    });
  });

  test('renaming a GDPR status carries over to its contacts; it cannot be deleted while a contact holds it', async () => {
    const { contacts } = await accountWithContacts(ctx.firm, [{}]);
    const contactId = contacts[0].id;
    const given = await created(ctx.firm.call('POST', '/v1/gdpr-statuses', { name: unique('Given') }));
    const withdrawn = await created(ctx.firm.call('POST', '/v1/gdpr-statuses', { name: unique('Withdrawn') }));
    expect((await ctx.firm.call('PUT', `/v1/contacts/${contactId}/gdpr-status`, { statusId: given.id })).status).toBe(
      200,
    );

    const name = unique('Consent given');
    const renamed = await ctx.firm.call('PATCH', `/v1/gdpr-statuses/${given.id}`, { name });
    expect(renamed.status).toBe(200);
    expect((await ctx.stack.db.contact.findUniqueOrThrow({ where: { id: contactId } })).gdprStatus).toBe(name);
    expect((await lastAudit('gdpr_status.updated')).data).toMatchObject({
      gdprStatusId: given.id,
      from: { name: given.name },
      to: { name },
      contactsRenamed: 1,
    });

    const clash = await ctx.firm.call('PATCH', `/v1/gdpr-statuses/${given.id}`, { name: withdrawn.name });
    expect(clash.status).toBe(409);
    expect(clash.body.type).toBe('https://nudge.dev/problems/name-taken');

    const refused = await ctx.firm.call('DELETE', `/v1/gdpr-statuses/${given.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      type: 'https://nudge.dev/problems/gdpr-status-in-use',
      detail: expect.stringMatching(/1 contact\(s\).*another status/),
    });

    expect(
      (await ctx.firm.call('PUT', `/v1/contacts/${contactId}/gdpr-status`, { statusId: withdrawn.id })).status,
    ).toBe(200);
    expect((await ctx.firm.call('DELETE', `/v1/gdpr-statuses/${given.id}`)).status).toBe(204);
    const left = (await ctx.firm.call('GET', '/v1/gdpr-statuses')).body.items.map((s: { id: string }) => s.id);
    expect(left).toContain(withdrawn.id);
    expect(left).not.toContain(given.id);
    // The contact's timeline still tells what it held, under the name it had then.
    const timeline = (await ctx.firm.call('GET', `/v1/contacts/${contactId}/timeline`)).body.items;
    expect(
      timeline.filter((e: { action: string }) => e.action === 'contact.gdpr_status_set').map((e: any) => e.data.to),
    ).toEqual([withdrawn.name, given.name]);
  });
});

describe('custom actions', () => {
  test('renamed, given new fields and deleted; past runs keep their name, values and labels on the timeline', async () => {
    const { accountId } = await accountWithContacts(ctx.firm, [{}]);
    const def = await created(
      ctx.firm.call('POST', '/v1/custom-actions', {
        name: unique('Meeting'),
        fields: [{ key: 'outcome', label: 'Outcome', type: 'select', options: ['won', 'lost'], required: true }],
      }),
    );
    const run = await created(
      ctx.firm.call('POST', `/v1/custom-actions/${def.id}/runs`, { accountId, values: { outcome: 'won' } }),
    );

    const name = unique('Qualification meeting');
    const fields = [{ key: 'fee', label: 'Fee', type: 'number', required: true }];
    const edit = await ctx.firm.call('PATCH', `/v1/custom-actions/${def.id}`, { name, fields });
    expect(edit.status).toBe(200);
    expect(edit.body).toMatchObject({ id: def.id, name, fields });
    // New runs follow the new fields.
    const stale = await ctx.firm.call('POST', `/v1/custom-actions/${def.id}/runs`, {
      accountId,
      values: { outcome: 'won' },
    });
    expect(stale.status).toBe(422);
    expect(
      (await ctx.firm.call('POST', `/v1/custom-actions/${def.id}/runs`, { accountId, values: { fee: 900 } })).status,
    ).toBe(201);

    expect((await ctx.firm.call('DELETE', `/v1/custom-actions/${def.id}`)).status).toBe(204);
    expect((await lastAudit('custom_action.deleted')).data).toMatchObject({ customActionId: def.id, name });
    expect(
      (await ctx.firm.call('GET', '/v1/custom-actions')).body.items.map((d: { id: string }) => d.id),
    ).not.toContain(def.id);
    expect(
      (await ctx.firm.call('POST', `/v1/custom-actions/${def.id}/runs`, { accountId, values: { fee: 1 } })).status,
    ).toBe(404);

    const runs = (await ctx.firm.call('GET', `/v1/accounts/${accountId}/timeline`)).body.items.filter(
      (e: { action: string }) => e.action === 'custom_action.run',
    );
    expect(runs.map((e: any) => e.data)).toEqual([
      expect.objectContaining({ customActionId: def.id, name, values: { fee: 900 }, labels: { fee: 'Fee' } }),
      expect.objectContaining({
        runId: run.runId,
        customActionId: def.id,
        name: def.name,
        values: { outcome: 'won' },
        labels: { outcome: 'Outcome' },
      }),
    ]);
  });
});

describe('custom field definitions', () => {
  test('label and select options change; an option still held by an account or contact cannot be dropped', async () => {
    const plan = await created(
      ctx.firm.call('POST', '/v1/custom-fields', {
        entity: 'account',
        key: 'plan',
        label: 'Plan',
        type: 'select',
        options: ['basic', 'premium', 'legacy'],
      }),
    );
    const account = await created(
      ctx.firm.call('POST', '/v1/accounts', {
        name: 'Premium client',
        type: 'company',
        customFields: { plan: 'premium' },
      }),
    );

    const res = await ctx.firm.call('PATCH', `/v1/custom-fields/${plan.id}`, {
      label: 'Service plan',
      options: ['basic', 'premium', 'gold'],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: plan.id,
      key: 'plan',
      label: 'Service plan',
      options: ['basic', 'premium', 'gold'],
    });
    expect((await lastAudit('custom_field.updated')).data).toMatchObject({
      fieldId: plan.id,
      changes: [
        { field: 'label', from: 'Plan', to: 'Service plan' },
        { field: 'options', added: ['gold'], removed: ['legacy'] },
      ],
    });
    expect((await ctx.firm.call('GET', `/v1/accounts/${account.id}`)).body.customFieldValues).toContainEqual(
      expect.objectContaining({ key: 'plan', label: 'Service plan', value: 'premium' }),
    );
    expect(
      (await ctx.firm.call('PATCH', `/v1/accounts/${account.id}`, { customFields: { plan: 'gold' } })).status,
    ).toBe(200);
    expect((await ctx.firm.call('PATCH', `/v1/custom-fields/${plan.id}`, { options: ['basic', 'gold'] })).status).toBe(
      200,
    );

    const refused = await ctx.firm.call('PATCH', `/v1/custom-fields/${plan.id}`, { options: ['basic'] });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      type: 'https://nudge.dev/problems/option-in-use',
      detail: expect.stringContaining('"gold" (1 account)'),
    });
    expect((await ctx.stack.db.customFieldDefinition.findUniqueOrThrow({ where: { id: plan.id } })).options).toEqual([
      'basic',
      'gold',
    ]);

    const tier = await created(
      ctx.firm.call('POST', '/v1/custom-fields', {
        entity: 'contact',
        key: 'tier',
        label: 'Tier',
        type: 'select',
        options: ['a', 'b'],
      }),
    );
    const { contacts } = await accountWithContacts(ctx.firm, [{}]);
    await ctx.stack.db.contact.update({ where: { id: contacts[0].id }, data: { customFields: { tier: 'b' } } });
    const contactRefused = await ctx.firm.call('PATCH', `/v1/custom-fields/${tier.id}`, { options: ['a'] });
    expect(contactRefused.status).toBe(409);
    expect(contactRefused.body.detail).toContain('"b" (1 contact)');
  });
});

describe('bad input: 4xx problem+json and nothing written', () => {
  const TABLES = [
    'tag',
    'accountTag',
    'emailTemplate',
    'gdprStatusDefinition',
    'customActionDefinition',
    'customFieldDefinition',
    'contact',
    'auditEvent',
    'idempotencyRecord',
  ] as const;
  const rowCounts = rowCounter(() => ctx.stack.db, TABLES);
  const ids = {} as Record<
    | 'tag'
    | 'takenTag'
    | 'template'
    | 'usedTemplate'
    | 'status'
    | 'heldStatus'
    | 'takenStatus'
    | 'action'
    | 'textField'
    | 'selectField',
    string
  >;
  const theirs = {} as Record<'tag' | 'template' | 'status' | 'action' | 'field', string>;
  const unknown = randomUUID();

  beforeAll(async () => {
    const f = ctx.firm;
    ids.tag = (await created(f.call('POST', '/v1/tags', { name: unique('Bad') }))).id;
    ids.takenTag = (await created(f.call('POST', '/v1/tags', { name: 'Taken tag' }))).id;
    ids.template = (
      await created(f.call('POST', '/v1/email-templates', { name: unique('T'), subject: 's', body: 'b' }))
    ).id;
    ids.usedTemplate = (
      await created(f.call('POST', '/v1/email-templates', { name: unique('Used'), subject: 's', body: 'b' }))
    ).id;
    ids.status = (
      await created(f.call('POST', '/v1/gdpr-statuses', { name: unique('S'), emailTemplateId: ids.usedTemplate }))
    ).id;
    ids.takenStatus = (await created(f.call('POST', '/v1/gdpr-statuses', { name: 'Taken status' }))).id;
    ids.heldStatus = (await created(f.call('POST', '/v1/gdpr-statuses', { name: unique('Held') }))).id;
    const { contacts } = await accountWithContacts(f, [{}]);
    expect(
      (await f.call('PUT', `/v1/contacts/${contacts[0].id}/gdpr-status`, { statusId: ids.heldStatus })).status,
    ).toBe(200);
    ids.action = (
      await created(
        f.call('POST', '/v1/custom-actions', { name: unique('A'), fields: [{ key: 'n', label: 'N', type: 'number' }] }),
      )
    ).id;
    ids.textField = (
      await created(
        f.call('POST', '/v1/custom-fields', { entity: 'account', key: 'vatNumber', label: 'VAT', type: 'text' }),
      )
    ).id;
    ids.selectField = (
      await created(
        f.call('POST', '/v1/custom-fields', {
          entity: 'account',
          key: 'size',
          label: 'Size',
          type: 'select',
          options: ['small', 'large'],
        }),
      )
    ).id;
    await created(
      f.call('POST', '/v1/accounts', { name: 'Large Co', type: 'company', customFields: { size: 'large' } }),
    );

    theirs.tag = (await created(other.call('POST', '/v1/tags', { name: 'Theirs' }))).id;
    theirs.template = (
      await created(other.call('POST', '/v1/email-templates', { name: 'Theirs', subject: 's', body: 'b' }))
    ).id;
    theirs.status = (await created(other.call('POST', '/v1/gdpr-statuses', { name: 'Theirs' }))).id;
    theirs.action = (await created(other.call('POST', '/v1/custom-actions', { name: 'Theirs', fields: [] }))).id;
    theirs.field = (
      await created(
        other.call('POST', '/v1/custom-fields', { entity: 'account', key: 'theirs', label: 'Theirs', type: 'text' }),
      )
    ).id;
  });

  const f = () => ctx.firm;
  const cases: BadInputCase[] = [
    // tags
    ['tag PATCH with nothing to change', () => f().call('PATCH', `/v1/tags/${ids.tag}`, {}), 422, 'validation-error'],
    [
      'tag PATCH with a bad colour',
      () => f().call('PATCH', `/v1/tags/${ids.tag}`, { color: 'blue' }),
      422,
      'validation-error',
      'body.color',
    ],
    [
      'tag PATCH with a blank name',
      () => f().call('PATCH', `/v1/tags/${ids.tag}`, { name: '   ' }),
      422,
      'validation-error',
      'body.name',
    ],
    [
      'tag PATCH with an unknown field',
      () => f().call('PATCH', `/v1/tags/${ids.tag}`, { name: 'x', icon: 'star' }),
      422,
      'validation-error',
    ],
    [
      'tag renamed to a name already taken',
      () => f().call('PATCH', `/v1/tags/${ids.tag}`, { name: 'Taken tag' }),
      409,
      'tag-exists',
    ],
    [
      'tag PATCH of another firm’s tag',
      () => f().call('PATCH', `/v1/tags/${theirs.tag}`, { name: 'Mine' }),
      404,
      'not-found',
    ],
    ['tag DELETE of another firm’s tag', () => f().call('DELETE', `/v1/tags/${theirs.tag}`), 404, 'not-found'],
    ['tag DELETE with a malformed id', () => f().call('DELETE', '/v1/tags/not-a-uuid'), 404, 'not-found'],
    // email templates
    [
      'template PATCH with nothing to change',
      () => f().call('PATCH', `/v1/email-templates/${ids.template}`, {}),
      422,
      'validation-error',
    ],
    [
      'template PATCH with a blank subject',
      () => f().call('PATCH', `/v1/email-templates/${ids.template}`, { subject: '' }),
      422,
      'validation-error',
      'body.subject',
    ],
    [
      'template PATCH with a body too long',
      () => f().call('PATCH', `/v1/email-templates/${ids.template}`, { body: 'x'.repeat(20001) }),
      422,
      'validation-error',
      'body.body',
    ],
    [
      'template PATCH of another firm’s template',
      () => f().call('PATCH', `/v1/email-templates/${theirs.template}`, { subject: 'Mine' }),
      404,
      'not-found',
    ],
    [
      'template DELETE of another firm’s template',
      () => f().call('DELETE', `/v1/email-templates/${theirs.template}`),
      404,
      'not-found',
    ],
    [
      'template DELETE while a GDPR status uses it',
      () => f().call('DELETE', `/v1/email-templates/${ids.usedTemplate}`),
      409,
      'email-template-in-use',
    ],
    [
      'template DELETE by an employee',
      () => f().call('DELETE', `/v1/email-templates/${ids.template}`, undefined, { as: employee }),
      403,
      'forbidden',
    ],
    // GDPR statuses
    [
      'GDPR status PATCH with an unknown template',
      () => f().call('PATCH', `/v1/gdpr-statuses/${ids.status}`, { emailTemplateId: unknown }),
      422,
      'validation-error',
      'body.emailTemplateId',
    ],
    [
      'GDPR status PATCH with another firm’s template',
      () => f().call('PATCH', `/v1/gdpr-statuses/${ids.status}`, { emailTemplateId: theirs.template }),
      422,
      'validation-error',
      'body.emailTemplateId',
    ],
    [
      'GDPR status PATCH with a malformed template id',
      () => f().call('PATCH', `/v1/gdpr-statuses/${ids.status}`, { emailTemplateId: 'consent' }),
      422,
      'validation-error',
      'body.emailTemplateId',
    ],
    [
      'GDPR status renamed to a name already taken',
      () => f().call('PATCH', `/v1/gdpr-statuses/${ids.status}`, { name: 'Taken status' }),
      409,
      'name-taken',
    ],
    [
      'GDPR status PATCH of another firm’s status',
      () => f().call('PATCH', `/v1/gdpr-statuses/${theirs.status}`, { name: 'Mine' }),
      404,
      'not-found',
    ],
    [
      'GDPR status DELETE while a contact holds it',
      () => f().call('DELETE', `/v1/gdpr-statuses/${ids.heldStatus}`),
      409,
      'gdpr-status-in-use',
    ],
    [
      'GDPR status DELETE of another firm’s status',
      () => f().call('DELETE', `/v1/gdpr-statuses/${theirs.status}`),
      404,
      'not-found',
    ],
    [
      'GDPR status PATCH by an employee',
      () => f().call('PATCH', `/v1/gdpr-statuses/${ids.status}`, { name: 'Nope' }, { as: employee }),
      403,
      'forbidden',
    ],
    // custom actions
    [
      'custom action PATCH with a select without options',
      () =>
        f().call('PATCH', `/v1/custom-actions/${ids.action}`, { fields: [{ key: 'k', label: 'K', type: 'select' }] }),
      422,
      'validation-error',
      'body.fields.0.options',
    ],
    [
      'custom action PATCH with duplicate field keys',
      () =>
        f().call('PATCH', `/v1/custom-actions/${ids.action}`, {
          fields: [
            { key: 'k', label: 'K', type: 'text' },
            { key: 'k', label: 'K2', type: 'number' },
          ],
        }),
      422,
      'validation-error',
      'body.fields',
    ],
    [
      'custom action PATCH with an unknown field type',
      () =>
        f().call('PATCH', `/v1/custom-actions/${ids.action}`, { fields: [{ key: 'k', label: 'K', type: 'colour' }] }),
      422,
      'validation-error',
      'body.fields.0.type',
    ],
    [
      'custom action PATCH with nothing to change',
      () => f().call('PATCH', `/v1/custom-actions/${ids.action}`, {}),
      422,
      'validation-error',
    ],
    [
      'custom action PATCH of another firm’s action',
      () => f().call('PATCH', `/v1/custom-actions/${theirs.action}`, { name: 'Mine' }),
      404,
      'not-found',
    ],
    [
      'custom action DELETE of another firm’s action',
      () => f().call('DELETE', `/v1/custom-actions/${theirs.action}`),
      404,
      'not-found',
    ],
    [
      'custom action DELETE by an employee',
      () => f().call('DELETE', `/v1/custom-actions/${ids.action}`, undefined, { as: employee }),
      403,
      'forbidden',
    ],
    // custom field definitions
    [
      'custom field PATCH with options on a text field',
      () => f().call('PATCH', `/v1/custom-fields/${ids.textField}`, { options: ['a'] }),
      422,
      'validation-error',
      'body.options',
    ],
    [
      'custom field PATCH with duplicate options',
      () => f().call('PATCH', `/v1/custom-fields/${ids.selectField}`, { options: ['small', 'large', 'small'] }),
      422,
      'validation-error',
      'body.options',
    ],
    [
      'custom field PATCH with no options left',
      () => f().call('PATCH', `/v1/custom-fields/${ids.selectField}`, { options: [] }),
      422,
      'validation-error',
      'body.options',
    ],
    [
      'custom field PATCH of its type (not editable)',
      () => f().call('PATCH', `/v1/custom-fields/${ids.textField}`, { type: 'number' }),
      422,
      'validation-error',
    ],
    [
      'custom field PATCH dropping an option an account holds',
      () => f().call('PATCH', `/v1/custom-fields/${ids.selectField}`, { options: ['small'] }),
      409,
      'option-in-use',
    ],
    [
      'custom field PATCH of another firm’s field',
      () => f().call('PATCH', `/v1/custom-fields/${theirs.field}`, { label: 'Mine' }),
      404,
      'not-found',
    ],
    [
      'custom field PATCH by an employee',
      () => f().call('PATCH', `/v1/custom-fields/${ids.textField}`, { label: 'Nope' }, { as: employee }),
      403,
      'forbidden',
    ],
  ];
  // Rest parameters: a case without a field must not make Jest pass a done callback in its place.
  test.each(cases)('%s', async (...c: BadInputCase) => expectRefused(rowCounts, c));

  test('the refused changes left the definitions as they were', async () => {
    expect(await ctx.stack.db.tag.findUniqueOrThrow({ where: { id: ids.tag } })).toMatchObject({ color: '#9e9e9e' });
    expect(await ctx.stack.db.gdprStatusDefinition.findUniqueOrThrow({ where: { id: ids.status } })).toMatchObject({
      emailTemplateId: ids.usedTemplate,
    });
    expect(
      await ctx.stack.db.customFieldDefinition.findUniqueOrThrow({ where: { id: ids.selectField } }),
    ).toMatchObject({ options: ['small', 'large'] });
    expect(await ctx.stack.db.tag.findUniqueOrThrow({ where: { id: theirs.tag } })).toMatchObject({ name: 'Theirs' });
  });
});

describe('digest setting', () => {
  test('changes at once take turns: each audit entry starts from what the one before it wrote', async () => {
    const f = await ctx.stack.newFirm();
    const put = (windowMinutes: number) =>
      f.call('PUT', '/v1/settings/digest', { enabled: windowMinutes % 2 === 0, windowMinutes });
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all([put(2 * round + 1), put(2 * round + 2)]);
      for (const a of answers) expect(a.status).toBe(200);
    }
    const audit = await ctx.stack.db.auditEvent.findMany({
      where: { firmId: f.firmId, action: 'digest.settings_changed' },
      orderBy: { id: 'asc' },
    });
    const changes = audit.map((e) => e.data as { from: unknown; to: unknown });
    expect(changes).toHaveLength(10);
    expect(changes[0].from).toEqual({ enabled: false, windowMinutes: 60 });
    for (let i = 1; i < changes.length; i++) expect(changes[i].from).toEqual(changes[i - 1].to);
  });
});
