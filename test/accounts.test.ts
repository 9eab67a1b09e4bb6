// Accounts: create and update (tags, team, custom fields), team history, related accounts, the list
// (filters, sort, cursor pages, login/notify/email-sync columns), the profile overview, and bad input.
import { randomUUID } from 'node:crypto';
import { startStack, type Stack, type FirmHandle } from './support/stack';
import { validateCustomFields } from '../domain/settings/custom-fields';
import { rowCounter, expectRefused, type BadInputCase } from './support/bad-input';
import { firmUser } from './support/fixtures';
import { holdInTransaction, untilWaitingForLocks } from './support/holds';

let stack: Stack;
let firm: FirmHandle;
let employee: string;
let admin: string;

beforeAll(async () => {
  // No worker: nothing here needs a reminder to run, and row counts stay still.
  stack = await startStack({ daySeconds: 1, worker: false });
  firm = await stack.newFirm();
  employee = await firmUser(firm, 'Eve Employee');
  admin = await firmUser(firm, 'Adam Admin', 'admin');
  for (const [key, type, extra] of [
    ['vatNumber', 'text', {}],
    ['employees', 'number', {}],
    ['yearEnd', 'date', {}],
    ['billingEmail', 'email', {}],
    ['plan', 'select', { options: ['basic', 'premium'] }],
  ] as const) {
    const res = await firm.call('POST', '/v1/custom-fields', { entity: 'account', key, label: key, type, ...extra });
    expect(res.status).toBe(201);
  }
});
afterAll(() => stack?.stop());

async function contact(accountIds: string[], email: { login?: string; notify?: boolean; emailSync?: boolean } = {}) {
  const res = await firm.call('POST', '/v1/contacts', {
    firstName: 'Carla',
    lastName: `C${randomUUID().slice(0, 4)}`,
    emails: [{ address: `c-${randomUUID()}@client.test`, login: 'off', notify: false, emailSync: false, ...email }],
    accounts: accountIds.map((accountId) => ({ accountId })),
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

describe('create and update', () => {
  test('create with tags by name and id, team and custom fields; the profile shows them all', async () => {
    const vip = (await firm.call('POST', '/v1/tags', { name: `VIP ${randomUUID().slice(0, 4)}`, color: '#ff0000' }))
      .body;
    const tax = (await firm.call('POST', '/v1/tags', { name: `Tax ${randomUUID().slice(0, 4)}` })).body;
    const res = await firm.call('POST', '/v1/accounts', {
      name: 'Rossi SRL',
      type: 'company',
      photoUrl: 'https://cdn.test/rossi.png',
      tags: [vip.name, tax.id],
      team: [employee],
      customFields: {
        vatNumber: 'IT123',
        employees: 12,
        yearEnd: '2026-12-31',
        billingEmail: 'pay@rossi.test',
        plan: 'premium',
      },
    });
    expect(res.status).toBe(201);
    const profile = await firm.call('GET', `/v1/accounts/${res.body.id}`);
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({
      name: 'Rossi SRL',
      type: 'company',
      status: 'active',
      photoUrl: 'https://cdn.test/rossi.png',
      contacts: [],
      relatedAccounts: [],
    });
    expect(profile.body.tags.map((t: { id: string }) => t.id).sort()).toEqual([vip.id, tax.id].sort());
    expect(profile.body.team).toEqual([expect.objectContaining({ id: employee, name: 'Eve Employee' })]);
    expect(profile.body.teamHistory).toEqual([
      expect.objectContaining({
        change: 'added',
        firmUserId: employee,
        changedBy: firm.ownerId,
        changedByName: 'Olive Owner',
      }),
    ]);
    expect(profile.body.customFields).toEqual({
      vatNumber: 'IT123',
      employees: 12,
      yearEnd: '2026-12-31',
      billingEmail: 'pay@rossi.test',
      plan: 'premium',
    });
    expect(profile.body.customFieldValues).toContainEqual({
      key: 'plan',
      label: 'plan',
      type: 'select',
      required: false,
      value: 'premium',
    });
  });

  test('PATCH changes name, type, photo, tags (replaced), team (history) and custom fields (merged, null clears)', async () => {
    const t1 = (await firm.call('POST', '/v1/tags', { name: `T1 ${randomUUID().slice(0, 4)}` })).body;
    const t2 = (await firm.call('POST', '/v1/tags', { name: `T2 ${randomUUID().slice(0, 4)}` })).body;
    const id = (
      await firm.call('POST', '/v1/accounts', {
        name: 'Bianchi',
        type: 'individual',
        photoUrl: 'https://cdn.test/b.png',
        tags: [t1.id],
        team: [employee],
        customFields: { vatNumber: 'X', employees: 1 },
      })
    ).body.id;
    const res = await firm.call('PATCH', `/v1/accounts/${id}`, {
      name: 'Bianchi family',
      type: 'other',
      photoUrl: null,
      tags: [t2.name],
      team: [admin],
      customFields: { employees: null, plan: 'basic' },
    });
    expect(res.status).toBe(200);
    const p = (await firm.call('GET', `/v1/accounts/${id}`)).body;
    expect(p).toMatchObject({
      name: 'Bianchi family',
      type: 'other',
      photoUrl: null,
      customFields: { vatNumber: 'X', plan: 'basic' },
    });
    expect(p.customFields).not.toHaveProperty('employees');
    expect(p.tags.map((t: { id: string }) => t.id)).toEqual([t2.id]);
    expect(p.team.map((m: { id: string }) => m.id)).toEqual([admin]);
    expect(p.teamHistory.map((h: any) => [h.change, h.firmUserId]).sort()).toEqual(
      [
        ['added', admin],
        ['added', employee],
        ['removed', employee],
      ].sort(),
    );
    const audit = await firm.call('GET', `/v1/audit-events?accountId=${id}`);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining([
        'account.created',
        'account.updated',
        'account.team_member_added',
        'account.team_member_removed',
      ]),
    );
  });
});

describe('concurrency and read-only archives', () => {
  test('concurrent PATCHes of different custom fields all stick (the row is locked for the merge)', async () => {
    const id = (await firm.call('POST', '/v1/accounts', { name: 'Busy', type: 'company' })).body.id;
    const patches = [
      { vatNumber: 'IT9' },
      { employees: 3 },
      { yearEnd: '2026-06-30' },
      { billingEmail: 'b@busy.test' },
      { plan: 'basic' },
    ];
    const results = await Promise.all(
      patches.map((customFields) => firm.call('PATCH', `/v1/accounts/${id}`, { customFields })),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect((await firm.call('GET', `/v1/accounts/${id}`)).body.customFields).toEqual(Object.assign({}, ...patches));
  });

  describe('a custom field deleted while an account is saved with a value of it', () => {
    async function setup() {
      const f = await stack.newFirm();
      const field = (
        await f.call('POST', '/v1/custom-fields', { entity: 'account', key: 'k', label: 'K', type: 'text' })
      ).body.id as string;
      const holder = (
        await f.call('POST', '/v1/accounts', { name: 'Holder', type: 'company', customFields: { k: 'old' } })
      ).body.id as string;
      const saved = (await f.call('POST', '/v1/accounts', { name: 'Saved', type: 'company' })).body.id as string;
      const tag = (await f.call('POST', '/v1/tags', { name: `t-${randomUUID()}` })).body.id as string;
      const stored = async () => (await stack.db.account.findUniqueOrThrow({ where: { id: saved } })).customFields;
      return { f, field, holder, saved, tag, stored };
    }

    test('the delete first: the save waits for it, then finds the field gone (422)', async () => {
      const { f, field, holder, saved, stored } = await setup();
      // The delete has removed the definition and waits to clear the holder's value.
      const release = await holdInTransaction(
        stack.db,
        (tx) => tx.$executeRaw`SELECT 1 FROM "Account" WHERE id = ${holder}::uuid FOR NO KEY UPDATE`,
      );
      const deleted = f.call('DELETE', `/v1/custom-fields/${field}`);
      await untilWaitingForLocks(stack.db, 1);
      const patched = f.call('PATCH', `/v1/accounts/${saved}`, { customFields: { k: 'new' } });
      await untilWaitingForLocks(stack.db, 2); // the save waits for the definition
      await release();
      // Before: the save read the definition as it was (200) and its value stayed under the deleted key.
      expect([(await deleted).status, (await patched).status]).toEqual([204, 422]);
      expect(await stored()).toEqual({});
    });

    test('the save first: the delete waits for it, then clears the value it stored', async () => {
      const { f, field, saved, tag, stored } = await setup();
      // The save has checked its values and waits on its tag.
      const release = await holdInTransaction(
        stack.db,
        (tx) => tx.$executeRaw`SELECT 1 FROM "Tag" WHERE id = ${tag}::uuid FOR UPDATE`,
      );
      const patched = f.call('PATCH', `/v1/accounts/${saved}`, { customFields: { k: 'new' }, tags: [tag] });
      await untilWaitingForLocks(stack.db, 1);
      const deleted = f.call('DELETE', `/v1/custom-fields/${field}`);
      await untilWaitingForLocks(stack.db, 2); // the delete waits for the save
      await release();
      expect([(await patched).status, (await deleted).status]).toEqual([200, 204]);
      expect(await stored()).toEqual({});
    });
  });

  test('concurrent adds of the same member record one change', async () => {
    const id = (await firm.call('POST', '/v1/accounts', { name: 'Race', type: 'company' })).body.id;
    await Promise.all(
      Array.from({ length: 5 }, () => firm.call('POST', `/v1/accounts/${id}/team`, { firmUserId: employee })),
    );
    expect((await firm.call('GET', `/v1/accounts/${id}/team`)).body.history).toHaveLength(1);
  });
});

describe('team', () => {
  test('add and remove members, with who/when history readable in the details', async () => {
    const id = (await firm.call('POST', '/v1/accounts', { name: 'Team test', type: 'company' })).body.id;
    const add = await firm.call('POST', `/v1/accounts/${id}/team`, { firmUserId: employee }, { as: admin });
    expect(add.status).toBe(200);
    expect(add.body).toMatchObject({ added: true, team: [expect.objectContaining({ id: employee })] });
    const again = await firm.call('POST', `/v1/accounts/${id}/team`, { firmUserId: employee });
    expect(again.body.added).toBe(false);
    expect((await firm.call('DELETE', `/v1/accounts/${id}/team/${employee}`)).status).toBe(204);
    expect((await firm.call('DELETE', `/v1/accounts/${id}/team/${employee}`)).status).toBe(404);
    const team = await firm.call('GET', `/v1/accounts/${id}/team`);
    expect(team.body.members).toEqual([]);
    // Newest first; the repeated add recorded nothing.
    expect(team.body.history).toEqual([
      expect.objectContaining({
        change: 'removed',
        firmUserId: employee,
        firmUserName: 'Eve Employee',
        changedBy: firm.ownerId,
      }),
      expect.objectContaining({
        change: 'added',
        firmUserId: employee,
        changedBy: admin,
        changedByName: 'Adam Admin',
        at: expect.any(String),
      }),
    ]);
    expect((await firm.call('GET', `/v1/accounts/${id}`)).body.teamHistory).toHaveLength(2);
  });
});

describe('related accounts', () => {
  test('accounts sharing a contact, not the account itself nor unrelated ones', async () => {
    const mk = async (name: string) =>
      (await firm.call('POST', '/v1/accounts', { name, type: 'individual' })).body.id as string;
    const [family, company, unrelated] = [await mk('Family'), await mk('Company'), await mk('Unrelated')];
    const shared = await contact([family, company]);
    await contact([family]);
    await contact([unrelated]);
    const res = await firm.call('GET', `/v1/accounts/${family}/related`);
    expect(res.body).toEqual([
      { id: company, name: 'Company', type: 'individual', status: 'active', sharedContactIds: [shared] },
    ]);
    const details = await firm.call('GET', `/v1/accounts/${company}`);
    expect(details.body.relatedAccounts.map((a: { id: string }) => a.id)).toEqual([family]);
    expect((await firm.call('GET', `/v1/accounts/${unrelated}/related`)).body).toEqual([]);
  });
});

describe('custom field validation', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['unknown key', { colour: 'red' }, 'body.customFields.colour', /no account custom field "colour"/],
    ['text given a number', { vatNumber: 5 }, 'body.customFields.vatNumber', /text/],
    ['number given a string', { employees: '12' }, 'body.customFields.employees', /number/],
    ['impossible date', { yearEnd: '2026-02-30' }, 'body.customFields.yearEnd', /calendar date/],
    ['date in another format', { yearEnd: '31/12/2026' }, 'body.customFields.yearEnd', /YYYY-MM-DD/],
    ['not an email', { billingEmail: 'nope' }, 'body.customFields.billingEmail', /email/],
    ['select outside its options', { plan: 'gold' }, 'body.customFields.plan', /one of: basic, premium/],
  ];
  test.each(cases)('%s → 422 naming the field, nothing written', async (_n, customFields, field, message) => {
    const before = await stack.db.account.count();
    const res = await firm.call('POST', '/v1/accounts', { name: 'CF', type: 'company', customFields });
    expect(res.status).toBe(422);
    expect(res.body.errors).toContainEqual({ field, message: expect.stringMatching(message) });
    expect(await stack.db.account.count()).toBe(before);
  });

  test('a required field must be present on create and cannot be cleared', async () => {
    const f2 = await stack.newFirm();
    expect(
      (
        await f2.call('POST', '/v1/custom-fields', {
          entity: 'account',
          key: 'fiscalCode',
          label: 'Fiscal code',
          type: 'text',
          required: true,
        })
      ).status,
    ).toBe(201);
    const missing = await f2.call('POST', '/v1/accounts', { name: 'R', type: 'company' });
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual([
      { field: 'body.customFields.fiscalCode', message: '"Fiscal code" is required' },
    ]);
    const ok = await f2.call('POST', '/v1/accounts', {
      name: 'R',
      type: 'company',
      customFields: { fiscalCode: 'RSS' },
    });
    expect(ok.status).toBe(201);
    expect((await f2.call('PATCH', `/v1/accounts/${ok.body.id}`, { customFields: { fiscalCode: null } })).status).toBe(
      422,
    );
    expect((await f2.call('PATCH', `/v1/accounts/${ok.body.id}`, { name: 'R2' })).status).toBe(200);
  });

  test('contacts are checked against contact definitions through validateCustomFields', async () => {
    expect(
      (
        await firm.call('POST', '/v1/custom-fields', {
          entity: 'contact',
          key: 'birthday',
          label: 'Birthday',
          type: 'date',
        })
      ).status,
    ).toBe(201);
    await expect(validateCustomFields(stack.db, firm.firmId, 'contact', { birthday: '1980-05-04' })).resolves.toEqual({
      birthday: '1980-05-04',
    });
    await expect(validateCustomFields(stack.db, firm.firmId, 'contact', { vatNumber: 'IT1' })).rejects.toMatchObject({
      kind: 'invalid',
      errors: [{ field: 'body.customFields.vatNumber' }],
    });
  });

  test('definitions: list by entity, duplicate key 409, delete', async () => {
    const list = await firm.call('GET', '/v1/custom-fields?entity=account');
    expect(list.body.map((d: { key: string }) => d.key)).toEqual([
      'billingEmail',
      'employees',
      'plan',
      'vatNumber',
      'yearEnd',
    ]);
    expect(
      (await firm.call('POST', '/v1/custom-fields', { entity: 'account', key: 'plan', label: 'Again', type: 'text' }))
        .status,
    ).toBe(409);
    const temp = await firm.call('POST', '/v1/custom-fields', {
      entity: 'contact',
      key: 'temp',
      label: 'Temp',
      type: 'number',
    });
    expect((await firm.call('DELETE', `/v1/custom-fields/${temp.body.id}`)).status).toBe(204);
    expect((await firm.call('DELETE', `/v1/custom-fields/${temp.body.id}`)).status).toBe(404);
  });

  test('deleting a definition clears its values: the records save again, and the key re-created starts empty', async () => {
    const f2 = await stack.newFirm();
    const field = await f2.call('POST', '/v1/custom-fields', {
      entity: 'account',
      key: 'legacy',
      label: 'L',
      type: 'text',
    });
    const other = await f2.call('POST', '/v1/custom-fields', {
      entity: 'account',
      key: 'vat',
      label: 'V',
      type: 'text',
    });
    expect([field.status, other.status]).toEqual([201, 201]);
    const acc = await f2.call('POST', '/v1/accounts', { name: 'Old', type: 'company', customFields: { legacy: 'L1' } });
    expect(acc.status).toBe(201);
    const contactField = await f2.call('POST', '/v1/custom-fields', {
      entity: 'contact',
      key: 'nick',
      label: 'N',
      type: 'text',
    });
    const c = await f2.call('POST', '/v1/contacts', {
      firstName: 'A',
      lastName: 'B',
      emails: [{ address: `nick-${randomUUID()}@client.test`, login: 'off' }],
      accounts: [{ accountId: acc.body.id }],
    });
    expect(c.status).toBe(201);
    expect((await f2.call('PATCH', `/v1/contacts/${c.body.id}`, { customFields: { nick: 'Bee' } })).status).toBe(200);
    expect((await f2.call('DELETE', `/v1/custom-fields/${field.body.id}`)).status).toBe(204);
    expect((await f2.call('DELETE', `/v1/custom-fields/${contactField.body.id}`)).status).toBe(204);
    const patched = await f2.call('PATCH', `/v1/accounts/${acc.body.id}`, { customFields: { vat: 'IT1' } });
    expect(patched.status).toBe(200);
    expect(patched.body.customFields).toEqual({ vat: 'IT1' });
    expect((await f2.call('PATCH', `/v1/contacts/${c.body.id}`, { customFields: {} })).status).toBe(200);
    expect((await stack.db.contact.findUniqueOrThrow({ where: { id: c.body.id } })).customFields).toEqual({});
    // Re-created as a select, the old text is not there to slip past its options.
    const again = await f2.call('POST', '/v1/custom-fields', {
      entity: 'account',
      key: 'legacy',
      label: 'L',
      type: 'select',
      options: ['a', 'b'],
    });
    expect(again.status).toBe(201);
    expect((await f2.call('GET', `/v1/accounts/${acc.body.id}`)).body.customFields).toEqual({ vat: 'IT1' });
    // A key the firm never defined is still refused, but null for it clears nothing and passes.
    const unknown = await f2.call('PATCH', `/v1/accounts/${acc.body.id}`, { customFields: { colour: 'red' } });
    expect(unknown.status).toBe(422);
    expect((await f2.call('PATCH', `/v1/accounts/${acc.body.id}`, { customFields: { colour: null } })).status).toBe(
      200,
    );
  });
});

describe('account list', () => {
  let f: FirmHandle;
  const ids: Record<string, string> = {};
  let tagId: string;
  let member: string;

  beforeAll(async () => {
    // A firm of its own, so the list holds exactly these accounts.
    f = await stack.newFirm();
    member = await firmUser(f, 'Mia');
    tagId = (await f.call('POST', '/v1/tags', { name: 'Payroll' })).body.id;
    const specs: [string, string][] = [
      ['alpha Srl', 'company'],
      ['Beta 100% Ltd', 'company'],
      ['Charlie Rossi', 'individual'],
      ['delta_trust', 'other'],
      ['Echo Rossi', 'individual'],
    ];
    for (const [name, type] of specs) {
      ids[name] = (await f.call('POST', '/v1/accounts', { name, type })).body.id;
      await new Promise((r) => setTimeout(r, 5)); // distinct createdAt
    }
    await f.call('PATCH', `/v1/accounts/${ids['Charlie Rossi']}`, { tags: [tagId], team: [member] });
    await f.call('PATCH', `/v1/accounts/${ids['alpha Srl']}`, { tags: ['Payroll'] });
    await stack.db.account.update({ where: { id: ids['delta_trust'] }, data: { status: 'archived' } });
    const mkContact = async (accountId: string, email: object) =>
      f.call('POST', '/v1/contacts', {
        firstName: 'K',
        emails: [{ address: `k-${randomUUID()}@client.test`, login: 'off', notify: false, ...email }],
        accounts: [{ accountId }],
      });
    await mkContact(ids['alpha Srl'], { login: 'active' });
    await mkContact(ids['Beta 100% Ltd'], { login: 'pending', notify: true });
    await mkContact(ids['Charlie Rossi'], { emailSync: true });
    await mkContact(ids['Charlie Rossi'], { notify: true });
  });

  const names = (res: { body: { items: { name: string }[] } }) => res.body.items.map((a) => a.name);

  test('sorted by name case-insensitively, with the three columns', async () => {
    const res = await f.call('GET', '/v1/accounts');
    expect(res.status).toBe(200);
    expect(names(res)).toEqual(['alpha Srl', 'Beta 100% Ltd', 'Charlie Rossi', 'delta_trust', 'Echo Rossi']);
    const by = Object.fromEntries(res.body.items.map((a: any) => [a.name, [a.loginStatus, a.notify, a.emailSync]]));
    expect(by).toEqual({
      'alpha Srl': ['active', false, false],
      'Beta 100% Ltd': ['active', true, false],
      'Charlie Rossi': ['offline', true, true],
      delta_trust: ['offline', false, false],
      'Echo Rossi': ['offline', false, false],
    });
    const charlie = res.body.items.find((a: any) => a.name === 'Charlie Rossi');
    expect(charlie).toMatchObject({ tags: [{ id: tagId, name: 'Payroll' }], team: [{ id: member, name: 'Mia' }] });
    expect(res.body.nextCursor).toBeNull();
  });

  test.each([
    ['search=rossi', ['Charlie Rossi', 'Echo Rossi']],
    ['search=100%25', ['Beta 100% Ltd']],
    ['search=a_t', ['delta_trust']],
    ['tagId=TAG', ['alpha Srl', 'Charlie Rossi']],
    ['type=individual', ['Charlie Rossi', 'Echo Rossi']],
    ['status=archived', ['delta_trust']],
    ['status=active&type=company', ['alpha Srl', 'Beta 100% Ltd']],
    ['teamMemberId=MEMBER', ['Charlie Rossi']],
    ['loginStatus=active', ['alpha Srl', 'Beta 100% Ltd']],
    ['loginStatus=offline&search=rossi', ['Charlie Rossi', 'Echo Rossi']],
    ['sort=name&order=desc', ['Echo Rossi', 'delta_trust', 'Charlie Rossi', 'Beta 100% Ltd', 'alpha Srl']],
    ['sort=createdAt&order=desc', ['Echo Rossi', 'delta_trust', 'Charlie Rossi', 'Beta 100% Ltd', 'alpha Srl']],
  ])('filter %s', async (q, expected) => {
    const res = await f.call('GET', `/v1/accounts?${q.replace('TAG', tagId).replace('MEMBER', member)}`);
    expect(res.status).toBe(200);
    expect(names(res)).toEqual(expected);
  });

  test('sort by updatedAt follows the latest change', async () => {
    await f.call('PATCH', `/v1/accounts/${ids['Beta 100% Ltd']}`, { name: 'Beta 100% Ltd' });
    const res = await f.call('GET', '/v1/accounts?sort=updatedAt&order=desc&limit=1');
    expect(names(res)).toEqual(['Beta 100% Ltd']);
  });

  test.each(['name', 'createdAt', 'updatedAt'])(
    'cursor pages (sort=%s) visit every account once, in order, both ways',
    async (sort) => {
      for (const order of ['asc', 'desc']) {
        const all = names(await f.call('GET', `/v1/accounts?sort=${sort}&order=${order}&limit=200`));
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const res: any = await f.call(
            'GET',
            `/v1/accounts?sort=${sort}&order=${order}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          );
          expect(res.status).toBe(200);
          expect(res.body.items.length).toBeLessThanOrEqual(2);
          seen.push(...names(res));
          cursor = res.body.nextCursor;
        } while (cursor);
        expect(seen).toEqual(all);
        expect(seen).toHaveLength(5);
      }
    },
  );

  test('a cursor of another sort is refused', async () => {
    const page = await f.call('GET', '/v1/accounts?sort=name&limit=1');
    const res = await f.call('GET', `/v1/accounts?sort=createdAt&cursor=${page.body.nextCursor}`);
    expect(res.status).toBe(422);
    expect(res.body.errors[0].field).toBe('query.cursor');
  });
});

describe('overview', () => {
  test('latest five of each kind with totals and view-all pages', async () => {
    const id = (await firm.call('POST', '/v1/accounts', { name: 'Overview', type: 'company' })).body.id;
    for (let i = 0; i < 7; i++) await firm.call('POST', `/v1/accounts/${id}/chat-threads`, { subject: `Thread ${i}` });
    const doc = (await firm.call('POST', `/v1/accounts/${id}/documents`, { name: 'Balance sheet' })).body.id;
    await stack.db.note.create({
      data: { firmId: firm.firmId, accountId: id, authorId: firm.ownerId, body: 'Called the client' },
    });
    await stack.db.loginEvent.create({ data: { firmId: firm.firmId, accountId: id, contactEmailId: randomUUID() } });
    await stack.db.outboundEmail.create({
      data: {
        firmId: firm.firmId,
        accountId: id,
        idempotencyKey: randomUUID(),
        toAddress: 'c@client.test',
        category: 'messages',
        subject: 'Hello',
        status: 'sent',
        sentAt: new Date(),
      },
    });
    const res = await firm.call('GET', `/v1/accounts/${id}/overview`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([
      'approvalRequests',
      'auditEvents',
      'chatThreads',
      'documents',
      'emails',
      'logins',
      'notes',
      'signatureRequests',
    ]);
    expect(res.body.chatThreads.latest.map((t: { subject: string }) => t.subject)).toEqual([
      'Thread 6',
      'Thread 5',
      'Thread 4',
      'Thread 3',
      'Thread 2',
    ]);
    expect(res.body.chatThreads.total).toBe(7);
    expect(res.body.chatThreads.viewAll.href).toBe(`/v1/accounts/${id}/overview/chat-threads?limit=50`);
    expect(res.body.documents.latest).toEqual([expect.objectContaining({ id: doc, name: 'Balance sheet' })]);
    expect(res.body.notes.latest).toEqual([expect.objectContaining({ body: 'Called the client' })]);
    expect(res.body.logins.total).toBe(1);
    expect(res.body.emails.latest).toEqual([expect.objectContaining({ subject: 'Hello', status: 'sent' })]);
    expect(res.body.auditEvents.total).toBeGreaterThanOrEqual(9);
    expect(res.body.approvalRequests).toMatchObject({ latest: [], total: 0 });

    const p1 = await firm.call('GET', `/v1/accounts/${id}/overview/chat-threads?limit=4`);
    // A message on the last thread seen moves it up: the next page neither repeats nor restarts.
    const last = p1.body.items[3].id as string;
    expect(
      (await firm.call('POST', `/v1/chat-threads/${last}/messages`, { author: 'firm', body: 'Any news?' })).status,
    ).toBe(201);
    const p2 = await firm.call('GET', `/v1/accounts/${id}/overview/chat-threads?limit=4&cursor=${p1.body.nextCursor}`);
    expect([...p1.body.items, ...p2.body.items].map((t: { subject: string }) => t.subject)).toEqual([
      'Thread 6',
      'Thread 5',
      'Thread 4',
      'Thread 3',
      'Thread 2',
      'Thread 1',
      'Thread 0',
    ]);
    expect(p2.body.nextCursor).toBeNull();
    const a1 = await firm.call('GET', `/v1/accounts/${id}/overview/audit-events?limit=3`);
    const a2 = await firm.call('GET', `/v1/accounts/${id}/overview/audit-events?limit=3&cursor=${a1.body.nextCursor}`);
    expect(Number(a2.body.items[0].id)).toBeLessThan(Number(a1.body.items[2].id));
  });
});

describe('bad input on account routes: 4xx problem+json, nothing written', () => {
  let accountId: string;
  let other: FirmHandle;
  let archivedId: string;
  beforeAll(async () => {
    accountId = (await firm.call('POST', '/v1/accounts', { name: 'Target', type: 'company' })).body.id;
    archivedId = (await firm.call('POST', '/v1/accounts', { name: 'Archived', type: 'company' })).body.id;
    await stack.db.account.update({ where: { id: archivedId }, data: { status: 'archived' } });
    other = await stack.newFirm();
  });
  const TABLES = [
    'account',
    'tag',
    'accountTag',
    'accountTeamMember',
    'accountTeamChange',
    'customFieldDefinition',
    'auditEvent',
    'idempotencyRecord',
  ] as const;
  const rowCounts = rowCounter(() => stack.db, TABLES);
  const bad: BadInputCase[] = [
    [
      'create with an unknown tag name',
      () => firm.call('POST', '/v1/accounts', { name: 'x', type: 'company', tags: ['No such tag'] }),
      422,
      'validation-error',
      'body.tags.0',
    ],
    [
      'create with a team member of another firm',
      () => firm.call('POST', '/v1/accounts', { name: 'x', type: 'company', team: [other.ownerId] }),
      422,
      'validation-error',
      'body.team',
    ],
    [
      'create with the same team member twice',
      () => firm.call('POST', '/v1/accounts', { name: 'x', type: 'company', team: [employee, employee] }),
      422,
      'validation-error',
      'body.team',
    ],
    [
      'create with custom fields not an object',
      () => firm.call('POST', '/v1/accounts', { name: 'x', type: 'company', customFields: ['a'] }),
      422,
      'validation-error',
      'body.customFields',
    ],
    [
      'create with an unknown custom field',
      () => firm.call('POST', '/v1/accounts', { name: 'x', type: 'company', customFields: { nope: 1 } }),
      422,
      'validation-error',
      'body.customFields.nope',
    ],
    [
      'PATCH with nothing to change',
      () => firm.call('PATCH', `/v1/accounts/${accountId}`, {}),
      422,
      'validation-error',
    ],
    [
      'PATCH to an unknown type',
      () => firm.call('PATCH', `/v1/accounts/${accountId}`, { type: 'trust' }),
      422,
      'validation-error',
      'body.type',
    ],
    [
      'PATCH with a blank name',
      () => firm.call('PATCH', `/v1/accounts/${accountId}`, { name: '  ' }),
      422,
      'validation-error',
      'body.name',
    ],
    [
      'PATCH status (not editable here)',
      () => firm.call('PATCH', `/v1/accounts/${accountId}`, { status: 'archived' }),
      422,
      'validation-error',
    ],
    [
      'PATCH with a wrongly typed custom field',
      () => firm.call('PATCH', `/v1/accounts/${accountId}`, { customFields: { employees: 'many' } }),
      422,
      'validation-error',
      'body.customFields.employees',
    ],
    [
      'PATCH an account of another firm',
      () => other.call('PATCH', `/v1/accounts/${accountId}`, { name: 'Mine' }),
      404,
      'not-found',
    ],
    [
      'PATCH an archived account',
      () => firm.call('PATCH', `/v1/accounts/${archivedId}`, { name: 'Back' }),
      409,
      'account-archived',
    ],
    [
      'team add on an archived account',
      () => firm.call('POST', `/v1/accounts/${archivedId}/team`, { firmUserId: employee }),
      409,
      'account-archived',
    ],
    [
      'team add without a user',
      () => firm.call('POST', `/v1/accounts/${accountId}/team`, {}),
      422,
      'validation-error',
      'body.firmUserId',
    ],
    [
      'team add of an unknown user',
      () => firm.call('POST', `/v1/accounts/${accountId}/team`, { firmUserId: randomUUID() }),
      422,
      'validation-error',
      'body.firmUserId',
    ],
    [
      'team removal of a non-member',
      () => firm.call('DELETE', `/v1/accounts/${accountId}/team/${admin}`),
      404,
      'not-found',
    ],
    [
      'tag with a bad colour',
      () => firm.call('POST', '/v1/tags', { name: 'Red', color: 'red' }),
      422,
      'validation-error',
      'body.color',
    ],
    [
      'tag without a name',
      () => firm.call('POST', '/v1/tags', { color: '#ff0000' }),
      422,
      'validation-error',
      'body.name',
    ],
    [
      'custom field of an unknown type',
      () => firm.call('POST', '/v1/custom-fields', { entity: 'account', key: 'k1', label: 'K', type: 'color' }),
      422,
      'validation-error',
      'body.type',
    ],
    [
      'select field without options',
      () => firm.call('POST', '/v1/custom-fields', { entity: 'account', key: 'k2', label: 'K', type: 'select' }),
      422,
      'validation-error',
      'body.options',
    ],
    [
      'custom field key with spaces',
      () => firm.call('POST', '/v1/custom-fields', { entity: 'account', key: 'my key', label: 'K', type: 'text' }),
      422,
      'validation-error',
      'body.key',
    ],
    ['list page of 1000', () => firm.call('GET', '/v1/accounts?limit=1000'), 422, 'validation-error', 'query.limit'],
    [
      'list sorted by an unknown column',
      () => firm.call('GET', '/v1/accounts?sort=revenue'),
      422,
      'validation-error',
      'query.sort',
    ],
    [
      'list with a forged cursor',
      () => firm.call('GET', '/v1/accounts?cursor=bm9wZQ'),
      422,
      'validation-error',
      'query.cursor',
    ],
    [
      'list filtered by a malformed tag id',
      () => firm.call('GET', '/v1/accounts?tagId=vip'),
      422,
      'validation-error',
      'query.tagId',
    ],
    [
      'overview of an unknown section',
      () => firm.call('GET', `/v1/accounts/${accountId}/overview/invoices`),
      404,
      'not-found',
    ],
    [
      'view-all with a forged cursor',
      () => firm.call('GET', `/v1/accounts/${accountId}/overview/documents?cursor=abc`),
      422,
      'validation-error',
      'query.cursor',
    ],
  ];

  test.each(bad)('%s', async (...c: BadInputCase) => expectRefused(rowCounts, c));

  test(`covers at least 12 kinds (${bad.length})`, () => expect(bad.length).toBeGreaterThanOrEqual(12));
});

test('search finds an account by part of its name or of a linked contact’s email address', async () => {
  const f = await stack.newFirm();
  const make = async (name: string) => (await f.call('POST', '/v1/accounts', { name, type: 'company' })).body.id;
  const [studio, other] = [await make('Bianchi Holding'), await make('Verdi Srl')];
  const tag = randomUUID().slice(0, 8);
  const contact = await f.call('POST', '/v1/contacts', {
    firstName: 'Giulia',
    emails: [{ address: `giulia.bianchi@studio-${tag}.test` }],
    accounts: [{ accountId: studio }],
  });
  expect(contact.status).toBe(201);
  const search = async (q: string) =>
    (await f.call('GET', `/v1/accounts?search=${encodeURIComponent(q)}`)).body.items.map((a: { id: string }) => a.id);
  expect(await search(`studio-${tag}`)).toEqual([studio]);
  expect(await search(`STUDIO-${tag.toUpperCase()}`)).toEqual([studio]);
  expect(await search('verdi')).toEqual([other]);
  // Matched once although the name matches too.
  expect(await search('bianchi')).toEqual([studio]);
});
