// CSV import of contacts on the real stack: the template, the per-row report (created, updated on a
// matching email, rejected with a reason), and files that are not the template change nothing.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { startStack, serveApp, eventually, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts, firmUser } from './support/fixtures';
import { whileHeld, withAuditHeld } from './support/holds';
import { importContacts, MAX_IMPORT_ROWS, MAX_LISTED_REJECTIONS } from '../domain/contacts/csv-import';

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
const upload = (body: string | Buffer, contentType = 'text/csv', as = firm.ownerId, baseUrl = stack.baseUrl) =>
  fetch(`${baseUrl}/v1/contacts/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${firm.apiKey}`, 'x-acting-user': as, 'content-type': contentType },
    body,
  }).then(async (res) => ({ status: res.status, headers: res.headers, body: (await res.json()) as any }));
const csvOf = (...rows: string[]) => [HEADER, ...rows, ''].join('\n');
const fresh = (tag = 'c') => `${tag}-${randomUUID()}@client.test`;

/** What the import wrote for this firm (the database is shared with other test files). */
async function firmCounts(firmId = firm.firmId) {
  return {
    contacts: await stack.db.contact.count({ where: { firmId } }),
    emails: await stack.db.contactEmail.count({ where: { firmId } }),
    links: await stack.db.accountContact.count({ where: { account: { firmId } } }),
    audit: await stack.db.auditEvent.count({ where: { firmId } }),
  };
}

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

test('an account id in capitals: the row is created and linked, and the id matches it written in lower case', async () => {
  const address = fresh('caps');
  const res = await upload(
    csvOf(`Cap,Itals,${address},,${acc.accountId.toUpperCase()},Partner`, `Cap,Again,${address},,${acc.accountId},`),
  );
  expect(res.status).toBe(200);
  expect(res.body.totals).toEqual({ rows: 2, created: 1, updated: 0, rejected: 1 });
  const [created, repeated] = res.body.rows;
  expect(created).toMatchObject({ row: 2, status: 'created', email: address });
  expect(repeated).toMatchObject({ row: 3, status: 'rejected', reason: 'email: already in row 2 of this file' });
  const link = await stack.db.accountContact.findUniqueOrThrow({
    where: { accountId_contactId: { accountId: acc.accountId, contactId: created.contactId } },
  });
  expect(link.description).toBe('Partner');
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

describe('concurrent changes', () => {
  test('two imports at once: one runs, the other answers 409 import-in-progress with Retry-After; one contact per address', async () => {
    const addresses = Array.from({ length: 20 }, () => fresh('twice'));
    // No account: the account's lock alone would make the second wait for the first.
    const csv = csvOf(...addresses.map((a, i) => `Twin${i},Import,${a},,,`));
    // Both are in flight before either commits: the first waits on its audit entry.
    const results = await withAuditHeld(stack.db, () => Promise.all([upload(csv), upload(csv)]));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const refused = results.find((r) => r.status === 409)!;
    expect(refused.body.type).toBe('https://nudge.dev/problems/import-in-progress');
    expect(refused.headers.get('retry-after')).toBe('10');
    expect(results.find((r) => r.status === 200)!.body.totals).toMatchObject({ created: 20, rejected: 0 });
    expect(await stack.db.contactEmail.count({ where: { firmId: firm.firmId, address: { in: addresses } } })).toBe(20);
    // Once it has finished, the same file goes through again: every row updated.
    expect((await upload(csv)).body.totals).toMatchObject({ created: 0, updated: 20 });
  });

  test('an address another change adds while the import runs: 409 import-conflict, nothing imported', async () => {
    const taken = fresh('taken');
    const before = await firmCounts();
    const contactId = randomUUID();
    // A contact with that address, written but not yet committed when the import inserts its own.
    const res = await whileHeld(
      stack.db,
      async (tx) => {
        await tx.contact.create({ data: { id: contactId, firmId: firm.firmId, firstName: 'Meanwhile', lastName: '' } });
        await tx.contactEmail.create({ data: { firmId: firm.firmId, contactId, address: taken } });
      },
      () => upload(csvOf(`Other,Row,${fresh()},,,`, `Late,Comer,${taken},,,`)),
    );
    expect(res.status).toBe(409);
    expect(res.body.type).toBe('https://nudge.dev/problems/import-conflict');
    expect(await firmCounts()).toEqual({ ...before, contacts: before.contacts + 1, emails: before.emails + 1 });
  });

  test('a row naming an archived account is rejected: nothing linked or changed', async () => {
    const archived = await accountWithContacts(firm, [{}]);
    const existing = await accountWithContacts(firm, [{}]);
    await stack.db.account.update({ where: { id: archived.accountId }, data: { status: 'archived' } });
    const before = await firmCounts();
    const res = await upload(
      csvOf(
        `New,Contact,${fresh('arch')},,${archived.accountId},`,
        `Carla,Renamed,${existing.contacts[0].address},,${archived.accountId},`,
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body.totals).toEqual({ rows: 2, created: 0, updated: 0, rejected: 2 });
    for (const r of res.body.rows) expect(r.reason).toBe('accountId: the account is archived; restore it first');
    expect(await firmCounts()).toEqual({ ...before, audit: before.audit + 1 }); // the import's own entry
    expect((await stack.db.contact.findUniqueOrThrow({ where: { id: existing.contacts[0].id } })).lastName).not.toBe(
      'Renamed',
    );
  });

  test('an account deleted while the import waits for it: its row is rejected, no foreign-key failure', async () => {
    const doomed = (await firm.call('POST', '/v1/accounts', { name: 'Doomed', type: 'company' })).body.id;
    const address = fresh('doomed');
    const res = await whileHeld(
      stack.db,
      (tx) => tx.account.delete({ where: { id: doomed } }),
      () => upload(csvOf(`Gone,Account,${address},,${doomed},`)),
    );
    expect(res.status).toBe(200);
    expect(res.body.rows).toEqual([
      { row: 2, email: address, status: 'rejected', reason: 'accountId: no such account you may open' },
    ]);
    expect(await stack.db.contactEmail.count({ where: { address } })).toBe(0);
  });

  // Its address is read before the deletion commits: the row would update a contact that is gone (and link it).
  test.each([
    ['naming its account', true],
    ['naming no account', false],
  ])(
    'a contact deleted while the import waits for it (%s): 409 import-conflict with Retry-After, nothing written',
    async (_, naming) => {
      const { accountId, contacts } = await accountWithContacts(firm, [{ login: 'off' }, {}]);
      const [gone] = contacts;
      const beside = fresh('beside');
      const before = await firmCounts();
      const res = await whileHeld(
        stack.db,
        (tx) => tx.contact.delete({ where: { id: gone.id } }),
        () => upload(csvOf(`New,Beside,${beside},,,`, `Gone,Contact,${gone.address},,${naming ? accountId : ''},`)),
      );
      expect(res.status).toBe(409);
      expect(res.body.type).toBe('https://nudge.dev/problems/import-conflict');
      expect(res.headers.get('retry-after')).toBe('10');
      // Only the deletion's own changes: its contact, email and link.
      expect(await firmCounts()).toEqual({
        ...before,
        contacts: before.contacts - 1,
        emails: before.emails - 1,
        links: before.links - 1,
      });
      expect(await stack.db.contactEmail.count({ where: { address: { in: [beside, gone.address] } } })).toBe(0);
    },
  );
  // Its address is read before the change commits: the row would update (and report) a contact the address left.
  test.each([
    ['removed', 'removed'],
    ['changed to another', 'changed'],
  ])(
    'an address %s while the import waits for its contact (the contact kept): 409 import-conflict, nothing written',
    async (_, how) => {
      const { contacts } = await accountWithContacts(firm, [{}]);
      const [c] = contacts;
      const second = await stack.db.contactEmail.create({
        data: { firmId: firm.firmId, contactId: c.id, address: fresh('second') },
      });
      const beside = fresh('beside');
      const before = await firmCounts();
      // As the API removes or changes an address: the contact's lock first, then the email.
      const res = await whileHeld(
        stack.db,
        async (tx) => {
          await tx.$queryRaw`SELECT 1 FROM "Contact" WHERE id = ${c.id}::uuid FOR NO KEY UPDATE`;
          if (how === 'removed') await tx.contactEmail.delete({ where: { id: second.id } });
          else await tx.contactEmail.update({ where: { id: second.id }, data: { address: fresh('moved') } });
        },
        () => upload(csvOf(`New,Beside,${beside},,,`, `Renamed,Contact,${second.address},,,`)),
      );
      expect(res.status).toBe(409);
      expect(res.body.type).toBe('https://nudge.dev/problems/import-conflict');
      expect(res.body.title).toBe('An address changed meanwhile');
      expect(await firmCounts()).toEqual({ ...before, emails: before.emails - (how === 'removed' ? 1 : 0) });
      expect((await stack.db.contact.findUniqueOrThrow({ where: { id: c.id } })).firstName).not.toBe('Renamed');
      expect(await stack.db.contactEmail.count({ where: { address: beside } })).toBe(0);
    },
  );
});

describe('rows that repeat an address', () => {
  test('another account links the same contact; a row rejected for its account leaves the address to a later row', async () => {
    const second = await accountWithContacts(firm, [{}]);
    const ann = fresh('ann');
    const bob = fresh('bob');
    const res = await upload(
      csvOf(
        `Ann,One,${ann},,${acc.accountId},Owner`,
        `Ann,One,${ann},,${second.accountId},Director`,
        `Ann,Again,${ann},,${acc.accountId},`,
        `Bob,Foreign,${bob},,${otherAccountId},`,
        `Bob,Own,${bob},,,`,
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body.totals).toEqual({ rows: 5, created: 2, updated: 1, rejected: 2 });
    const [r2, r3, r4, r5, r6] = res.body.rows;
    expect(r2).toMatchObject({ row: 2, status: 'created' });
    expect(r3).toMatchObject({ row: 3, status: 'updated', contactId: r2.contactId });
    expect(r4).toMatchObject({ row: 4, status: 'rejected', reason: 'email: already in row 2 of this file' });
    expect(r5).toMatchObject({ row: 5, status: 'rejected', reason: 'accountId: no such account you may open' });
    expect(r6).toMatchObject({ row: 6, status: 'created', email: bob });
    const contact = await stack.db.contact.findUniqueOrThrow({
      where: { id: r2.contactId },
      include: { accounts: true, emails: true },
    });
    expect(contact.emails).toHaveLength(1);
    expect(contact.accounts.map((l) => [l.accountId, l.description]).sort()).toEqual(
      [
        [acc.accountId, 'Owner'],
        [second.accountId, 'Director'],
      ].sort(),
    );
  });

  test('two addresses of one contact in one file: the later row’s name and the later phone given, both rows updated', async () => {
    const { contacts } = await accountWithContacts(firm, [{}]);
    const [c] = contacts;
    const second = fresh('second');
    await stack.db.contactEmail.create({ data: { firmId: firm.firmId, contactId: c.id, address: second } });
    for (const [first, later] of [
      ['Early', 'Late'],
      ['Late', 'Early'],
    ]) {
      const res = await upload(csvOf(`${first},One,${c.address},111,,`, `${later},Two,${second},222,,`));
      expect(res.status).toBe(200);
      expect(res.body.totals).toEqual({ rows: 2, created: 0, updated: 2, rejected: 0 });
      const contact = await stack.db.contact.findUniqueOrThrow({ where: { id: c.id } });
      expect([contact.firstName, contact.lastName, contact.phone]).toEqual([later, 'Two', '222']);
    }
    // The later row's phone cell empty: the earlier row's phone, as two uploads one after the other would leave it.
    const res = await upload(csvOf(`Early,One,${c.address},333,,`, `Late,Two,${second},,,`));
    expect(res.body.totals).toMatchObject({ updated: 2 });
    const contact = await stack.db.contact.findUniqueOrThrow({ where: { id: c.id } });
    expect([contact.firstName, contact.phone]).toEqual(['Late', '333']);
  });

  test('a re-import changes a link’s description; an empty cell keeps it', async () => {
    const address = fresh('desc');
    const first = await upload(csvOf(`Dee,Scription,${address},,${acc.accountId},Bookkeeper`));
    const contactId = first.body.rows[0].contactId;
    const link = () =>
      stack.db.accountContact.findUniqueOrThrow({
        where: { accountId_contactId: { accountId: acc.accountId, contactId } },
      });
    const again = await upload(csvOf(`Dee,Scription,${address},,${acc.accountId},Finance director`));
    expect(again.body.rows[0]).toMatchObject({ status: 'updated', contactId });
    expect((await link()).description).toBe('Finance director');
    await upload(csvOf(`Dee,Scription,${address},,${acc.accountId},`));
    expect((await link()).description).toBe('Finance director');
  });
});

test('row numbers are the spreadsheet’s: blank lines in the middle count', async () => {
  const res = await upload(
    [HEADER, '', `Blank,Before,${fresh('blank')},,,`, '', '', 'Bad,Email,nope,,,', ''].join('\r\n'),
  );
  expect(res.body.rows.map((r: any) => [r.row, r.status])).toEqual([
    [3, 'created'],
    [6, 'rejected'],
  ]);
});

describe('limits', () => {
  test(`more than ${MAX_IMPORT_ROWS} rows: 413 too-many-rows, nothing written`, async () => {
    const before = await firmCounts();
    const valid = Array.from({ length: 600 }, (_, i) => `Many${i},Rows,${fresh(`many${i}`)},,,`);
    // Rows of one cell: quick to refuse, so the file is quick to read.
    const res = await upload(csvOf(...valid, ...Array<string>(MAX_IMPORT_ROWS - valid.length + 1).fill('x')));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ type: 'https://nudge.dev/problems/too-many-rows' });
    expect(res.body.detail).toContain('100,000 rows');
    expect(await firmCounts()).toEqual(before);
  });

  test(`the report lists ${MAX_LISTED_REJECTIONS} rejected rows and counts the rest`, async () => {
    const bad = MAX_LISTED_REJECTIONS + 5;
    const res = await upload(csvOf(`Good,Row,${fresh('good')},,,`, ...Array<string>(bad).fill('Bad,Email,nope,,,')));
    expect(res.status).toBe(200);
    expect(res.body.totals).toEqual({ rows: bad + 1, created: 1, updated: 0, rejected: bad });
    expect(res.body.rows).toHaveLength(MAX_LISTED_REJECTIONS + 1);
    expect(res.body.rejectedNotListed).toBe(5);
  });

  test('an import that outlives its transaction: import-too-large, nothing written', async () => {
    const before = await firmCounts();
    const actor = { id: firm.ownerId, role: 'owner' as const, canViewAllAccounts: true };
    async function* slowly() {
      yield `${HEADER}\n${Array.from({ length: 600 }, (_, i) => `Slow${i},Row,${fresh(`slow${i}`)},,,`).join('\n')}\n`;
      await new Promise((r) => setTimeout(r, 1_500));
      yield `Late,Row,${fresh('late')},,,\n`;
    }
    await expect(importContacts(stack.db, firm.firmId, actor, slowly(), { timeoutMs: 1_000 })).rejects.toMatchObject({
      kind: 'payload-too-large',
      slug: 'import-too-large',
    });
    expect(await firmCounts()).toEqual(before);
  });
});

test('an upload the client cuts off is not logged as a database outage', async () => {
  const warnings: Record<string, unknown>[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
  const api = await serveApp(stack, { log });
  warnings.length = 0; // the app's own start-up notices
  try {
    await new Promise<void>((resolve) => {
      const req = http.request(`${api.baseUrl}/v1/contacts/import`, {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${firm.apiKey}`,
          'x-acting-user': firm.ownerId,
          'content-type': 'text/csv',
          'content-length': '1000000',
        },
      });
      req.on('error', () => undefined); // the destroy below
      req.write(csvOf(`Cut,Off,${fresh('cut')},,,`));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 300);
    });
    // The import has ended once another may run; by then its error has been handled.
    await eventually(async () => (await upload(csvOf())).status === 200, 10_000, 'the cut-off import ended');
    await new Promise((r) => setTimeout(r, 200));
    expect(warnings).toEqual([]);
  } finally {
    await api.close();
  }
});
