// CSV import of contacts on the real stack: the template, the per-row report (created, updated on a
// matching email, rejected with a reason), and files that are not the template change nothing.
import { randomUUID } from 'node:crypto';
import { startStack, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts, firmUser } from './support/fixtures';

let stack: Stack;
let firm: FirmHandle;
let other: FirmHandle;
let acc: Awaited<ReturnType<typeof accountWithContacts>>;
let otherAccountId: string;

beforeAll(async () => {
  stack = await startStack({ worker: false });
  firm = await stack.newFirm();
  other = await stack.newFirm();
  acc = await accountWithContacts(firm, [{}]);
  otherAccountId = (await other.call('POST', '/v1/accounts', { name: 'Theirs', type: 'company' })).body.id;
});
afterAll(() => stack?.stop());

const HEADER = 'firstName,lastName,email,phone,accountId,description';
const upload = (body: string | Buffer, contentType = 'text/csv', as = firm.ownerId) =>
  fetch(`${stack.baseUrl}/v1/contacts/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${firm.apiKey}`, 'x-acting-user': as, 'content-type': contentType },
    body,
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));

async function counts() {
  return {
    contacts: await stack.db.contact.count(),
    emails: await stack.db.contactEmail.count(),
    links: await stack.db.accountContact.count(),
    audit: await stack.db.auditEvent.count(),
  };
}

test('the template downloads as text/csv with the header row', async () => {
  const res = await fetch(`${stack.baseUrl}/v1/contacts/import-template`, {
    headers: { authorization: `Bearer ${firm.apiKey}`, 'x-acting-user': firm.ownerId },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
  expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="?contacts-template.csv"?/);
  expect((await res.text()).trim()).toBe(HEADER);
});

test('answers a per-row report: created, updated on a matching email, rejected with reasons', async () => {
  const fresh = `new-${randomUUID()}@client.test`;
  const quoted = `q-${randomUUID()}@client.test`;
  const csv = [
    HEADER,
    `Nina,Nuova,${fresh},+39 055 1,${acc.accountId},"Director, finance"`,
    `Carla,Renamed,${acc.contacts[0].address.toUpperCase()},,,`,
    `,NoFirst,nofirst-${randomUUID()}@client.test,,,`,
    `Bad,Email,not-an-email,,,`,
    `Dup,Row,${fresh},,,`,
    `Few,Columns,${randomUUID()}@client.test`,
    `Foreign,Account,f-${randomUUID()}@client.test,,${otherAccountId},`,
    `"Quo""ted","Multi`,
    `line",${quoted},,,`,
    '',
  ].join('\r\n');
  const res = await upload(csv);
  expect(res.status).toBe(200);
  expect(res.body.totals).toEqual({ rows: 8, created: 2, updated: 1, rejected: 5 });
  const byRow = Object.fromEntries(res.body.rows.map((r: any) => [r.row, r]));
  expect(byRow[2]).toMatchObject({ status: 'created', email: fresh });
  expect(byRow[3]).toMatchObject({ status: 'updated', contactId: acc.contacts[0].id });
  expect(byRow[4]).toMatchObject({ status: 'rejected', reason: expect.stringContaining('firstName') });
  expect(byRow[5]).toMatchObject({ status: 'rejected', reason: expect.stringContaining('email') });
  expect(byRow[6]).toMatchObject({ status: 'rejected', reason: 'email: already in row 2 of this file' });
  expect(byRow[7]).toMatchObject({ status: 'rejected', reason: 'expected 6 columns, found 3' });
  expect(byRow[8]).toMatchObject({ status: 'rejected', reason: expect.stringContaining('accountId') });
  expect(byRow[9]).toMatchObject({ status: 'created', email: quoted });

  const nina = await stack.db.contact.findUniqueOrThrow({
    where: { id: byRow[2].contactId },
    include: { accounts: true, emails: true },
  });
  expect(nina).toMatchObject({ firstName: 'Nina', lastName: 'Nuova', phone: '+39 055 1', firmId: firm.firmId });
  expect(nina.accounts).toEqual([
    expect.objectContaining({ accountId: acc.accountId, description: 'Director, finance' }),
  ]);
  const quotedContact = await stack.db.contact.findUniqueOrThrow({ where: { id: byRow[9].contactId } });
  expect(quotedContact).toMatchObject({ firstName: 'Quo"ted', lastName: 'Multi\r\nline' });
  expect((await stack.db.contact.findUniqueOrThrow({ where: { id: acc.contacts[0].id } })).lastName).toBe('Renamed');

  // Each imported contact's timeline shows the import; the account's shows the new link.
  const timeline = await firm.call('GET', `/v1/contacts/${byRow[2].contactId}/timeline`);
  expect(timeline.body.items.map((e: any) => e.action)).toEqual(
    expect.arrayContaining(['contact.imported', 'contact.linked']),
  );
  const accountTimeline = await firm.call('GET', `/v1/accounts/${acc.accountId}/timeline`);
  expect(accountTimeline.body.items).toContainEqual(
    expect.objectContaining({ action: 'contact.linked', contactId: byRow[2].contactId }),
  );

  // Importing the same file again is safe: what was created is now updated, nothing is duplicated.
  const before = await counts();
  const again = await upload(csv);
  expect(again.body.totals).toEqual({ rows: 8, created: 0, updated: 3, rejected: 5 });
  const after = await counts();
  expect({ ...after, audit: 0 }).toEqual({ ...before, audit: 0 });
});

test('an employee may not update a contact of accounts they cannot open: rejected, unchanged, not linked', async () => {
  const employee = await firmUser(firm, 'Team-limited importer');
  const mine = await accountWithContacts(firm, [{}]);
  const theirs = await accountWithContacts(firm, [{}]);
  expect((await firm.call('POST', `/v1/accounts/${mine.accountId}/team`, { firmUserId: employee })).status).toBe(200);
  const fresh = `emp-${randomUUID()}@client.test`;
  const csv = [
    HEADER,
    `Hidden,Renamed,${theirs.contacts[0].address},,${mine.accountId},`,
    `Own,Renamed,${mine.contacts[0].address},,,`,
    `New,Contact,${fresh},,${mine.accountId},`,
    '',
  ].join('\n');
  const res = await upload(csv, 'text/csv', employee);
  expect(res.status).toBe(200);
  expect(res.body.totals).toEqual({ rows: 3, created: 1, updated: 1, rejected: 1 });
  expect(res.body.rows[0]).toEqual({
    row: 2,
    email: theirs.contacts[0].address,
    status: 'rejected',
    reason: 'email: belongs to a contact you may not change',
  });
  const hidden = await stack.db.contact.findUniqueOrThrow({
    where: { id: theirs.contacts[0].id },
    include: { accounts: true },
  });
  expect(hidden.lastName).not.toBe('Renamed');
  expect(hidden.accounts.map((a) => a.accountId)).toEqual([theirs.accountId]);
  expect((await stack.db.contact.findUniqueOrThrow({ where: { id: mine.contacts[0].id } })).lastName).toBe('Renamed');
});

test('imports across several batches', async () => {
  const rows = Array.from({ length: 1_234 }, (_, i) => `First${i},Last${i},bulk-${i}-${randomUUID()}@client.test,,,`);
  const res = await upload([HEADER, ...rows].join('\n'));
  expect(res.status).toBe(200);
  expect(res.body.totals).toEqual({ rows: 1234, created: 1234, updated: 0, rejected: 0 });
  expect(res.body.rows[1233]).toMatchObject({ row: 1235, status: 'created' });
});

describe('a bad file changes nothing', () => {
  const valid = () => `Ok,Row,ok-${randomUUID()}@client.test,,,`;
  const cases: [string, () => Promise<{ status: number; body: any }>, number, string][] = [
    ['wrong header', () => upload(`name,email\n${valid()}`), 422, 'invalid-csv'],
    ['empty file', () => upload(''), 422, 'invalid-csv'],
    [
      'not text (binary)',
      () =>
        upload(
          Buffer.concat([
            Buffer.from(`${HEADER}\n${valid()}\n`),
            Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe]),
          ]),
        ),
      422,
      'invalid-csv',
    ],
    [
      'not UTF-8',
      () =>
        upload(
          Buffer.concat([
            Buffer.from(`${HEADER}\n${valid()}\nCaf`),
            Buffer.from([0xe9, 0xff]),
            Buffer.from(',x,y@z.test,,,\n'),
          ]),
        ),
      422,
      'invalid-csv',
    ],
    [
      'a quote never closed (after valid rows)',
      () => upload(`${HEADER}\n${valid()}\n"Open,Quote,x@y.test,,,\n`),
      422,
      'invalid-csv',
    ],
    ['a stray quote inside a field', () => upload(`${HEADER}\n${valid()}\nSt"ray,Q,s@y.test,,,\n`), 422, 'invalid-csv'],
    ['JSON sent instead of CSV', () => upload('{"firstName":"x"}', 'application/json'), 415, 'unsupported-media-type'],
    ['no content type', () => upload(`${HEADER}\n${valid()}`, ''), 415, 'unsupported-media-type'],
  ];
  test.each(cases)('%s', async (_name, send, status, type) => {
    const before = await counts();
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.body.type).toBe(`https://nudge.dev/problems/${type}`);
    expect(await counts()).toEqual(before);
  });

  test('thousands of valid rows then a broken one: all rolled back', async () => {
    const before = await counts();
    const rows = Array.from({ length: 1_500 }, (_, i) => `R${i},L,rb-${i}-${randomUUID()}@client.test,,,`);
    const res = await upload([HEADER, ...rows, '"broken'].join('\n'));
    expect(res.status).toBe(422);
    expect(await counts()).toEqual(before);
  });

  test('without an API key', async () => {
    const res = await fetch(`${stack.baseUrl}/v1/contacts/import`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: HEADER,
    });
    expect(res.status).toBe(401);
  });
});
