// The pure half of the contacts CSV import: the RFC 4180 parser, the header check and one row's rules.
import { randomUUID } from 'node:crypto';
import {
  CsvParser,
  type CsvRecord,
  checkHeader,
  csvTemplate,
  parseRow,
  TEMPLATE_COLUMNS,
  MAX_FIELD_CHARS,
} from '../../domain/contacts/csv-row';
import { DomainError } from '../../domain/errors';

/** The records of a text pushed in chunks, each with its row number. */
const records = (...chunks: string[]) => {
  const p = new CsvParser();
  const out: CsvRecord[] = [];
  for (const c of chunks) out.push(...p.push(c));
  out.push(...p.end());
  return out;
};
const parse = (...chunks: string[]) => records(...chunks).map((r) => r.cells);
/** The error a parse throws, to check its kind, slug and detail. */
const failure = (fn: () => unknown): DomainError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected a DomainError');
};
const row = (over: Partial<Record<(typeof TEMPLATE_COLUMNS)[number], string>> = {}) => {
  const cells = {
    firstName: 'Nina',
    lastName: 'Nuova',
    email: 'nina@client.test',
    phone: '',
    accountId: '',
    description: '',
    ...over,
  };
  return TEMPLATE_COLUMNS.map((c) => cells[c]);
};

describe('CsvParser', () => {
  test('plain records, with LF, CRLF and lone CR line ends', () => {
    expect(parse('a,b\nc,d\r\ne,f\rg,h')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
      ['g', 'h'],
    ]);
  });

  test('quoted fields keep commas, line breaks and doubled quotes', () => {
    expect(parse('"a,1","multi\r\nline","say ""hi""",""\n')).toEqual([['a,1', 'multi\r\nline', 'say "hi"', '']]);
  });

  test('empty cells are kept, blank lines are skipped, a line of commas is a record', () => {
    expect(parse('a,,c\n\n\r\n,,\n')).toEqual([
      ['a', '', 'c'],
      ['', '', ''],
    ]);
  });

  test('row numbers are a spreadsheet’s: blank lines count, a line break inside quotes does not', () => {
    const text = 'h\n\na\r\n\r\n"multi\nline",b\n\rc\n\n';
    expect(records(text)).toEqual([
      { row: 1, cells: ['h'] },
      { row: 3, cells: ['a'] },
      { row: 5, cells: ['multi\nline', 'b'] },
      { row: 7, cells: ['c'] },
    ]);
    for (let i = 1; i < text.length; i++) expect(records(text.slice(0, i), text.slice(i))).toEqual(records(text));
  });

  test('a record split across chunks anywhere, even between CR and LF or inside a doubled quote', () => {
    const text = 'first,"a ""quoted"" one"\r\nsecond,x\r\n';
    const whole = parse(text);
    for (let i = 1; i < text.length; i++) expect(parse(text.slice(0, i), text.slice(i))).toEqual(whole);
    expect(parse(...text.split(''))).toEqual(whole);
  });

  test('a last record without a line end still counts', () => {
    expect(parse('a,b')).toEqual([['a', 'b']]);
    expect(parse('')).toEqual([]);
  });

  test('spaces are data: cells are not trimmed by the parser', () => {
    expect(parse(' a , b ')).toEqual([[' a ', ' b ']]);
  });

  test.each([
    ['a"b,c', /line 1: a quote inside an unquoted field/],
    ['"ab"c,d', /line 1: unexpected character after a closing quote/],
    ['ok\n"never closed', /line 2: a quoted field is never closed/],
    ['a\nb\0c', /line 2: binary content/],
  ])('refuses %j', (text, detail) => {
    const p = failure(() => parse(text));
    expect(p).toMatchObject({ kind: 'invalid', slug: 'invalid-csv', title: 'The file is not a valid contacts CSV' });
    expect(p.detail).toMatch(detail);
  });

  test('line numbers count the line breaks inside quoted fields', () => {
    expect(failure(() => parse('"one\ntwo",x\nbad"quote')).detail).toMatch(/^line 3:/);
  });

  test(`a field may hold ${MAX_FIELD_CHARS} characters, not one more`, () => {
    expect(parse('x'.repeat(MAX_FIELD_CHARS))[0][0]).toHaveLength(MAX_FIELD_CHARS);
    expect(failure(() => parse('x'.repeat(MAX_FIELD_CHARS + 1))).detail).toMatch(/a field longer than/);
  });
});

describe('the template and its header', () => {
  test('the template is the header row only', () => {
    expect(csvTemplate()).toBe('firstName,lastName,email,phone,accountId,description\r\n');
    expect(parse(csvTemplate())).toEqual([[...TEMPLATE_COLUMNS]]);
  });

  test('the header matches in any letter case, cells trimmed', () => {
    expect(checkHeader([' FirstName', 'LASTNAME ', 'email', 'Phone', 'accountid', 'Description'])).toEqual([
      'FirstName',
      'LASTNAME',
      'email',
      'Phone',
      'accountid',
      'Description',
    ]);
  });

  test.each([
    [['firstName', 'lastName', 'email', 'phone', 'accountId']],
    [['lastName', 'firstName', 'email', 'phone', 'accountId', 'description']],
    [['firstName', 'lastName', 'email', 'phone', 'accountId', 'description', 'extra']],
    [['first name', 'lastName', 'email', 'phone', 'accountId', 'description']],
  ])('refuses the header %j', (header) => {
    expect(failure(() => checkHeader(header)).detail).toBe(
      'the header must be exactly: firstName,lastName,email,phone,accountId,description (download the template)',
    );
  });
});

describe('parseRow', () => {
  test('normalises: cells trimmed, the email lower-cased, empty optional cells absent', () => {
    const accountId = randomUUID();
    expect(
      parseRow(
        row({
          firstName: '  Nina ',
          lastName: ' Nuova ',
          email: '  Nina.Nuova@Client.TEST ',
          phone: ' +39 055 1 ',
          accountId: ` ${accountId} `,
          description: ' Director ',
        }),
      ),
    ).toEqual({
      ok: true,
      row: {
        firstName: 'Nina',
        lastName: 'Nuova',
        email: 'nina.nuova@client.test',
        phone: '+39 055 1',
        accountId,
        description: 'Director',
      },
    });
    const minimal = parseRow(row({ lastName: '', phone: '   ', accountId: ' ', description: '' }));
    expect(minimal).toEqual({
      ok: true,
      row: {
        firstName: 'Nina',
        lastName: '',
        email: 'nina@client.test',
        phone: undefined,
        accountId: undefined,
        description: undefined,
      },
    });
  });

  test('an account id in capitals is taken and lower-cased', () => {
    const accountId = randomUUID();
    expect(parseRow(row({ accountId: ` ${accountId.toUpperCase()} ` }))).toMatchObject({
      ok: true,
      row: { accountId },
    });
  });

  test('a wrong number of cells is refused before anything else, without an email', () => {
    expect(parseRow(['Few', 'Columns', 'few@client.test'])).toEqual({
      ok: false,
      email: null,
      reason: 'expected 6 columns, found 3',
    });
    expect(parseRow([...row(), 'extra'])).toEqual({ ok: false, email: null, reason: 'expected 6 columns, found 7' });
  });

  test.each([
    ['a blank first name', { firstName: '   ' }, 'firstName: must not be empty'],
    ['a long first name', { firstName: 'x'.repeat(101) }, 'firstName: at most 100 characters'],
    ['a long last name', { lastName: 'x'.repeat(101) }, 'lastName: at most 100 characters'],
    ['a malformed email', { email: 'not-an-email' }, 'email: must be an email address'],
    ['an empty email', { email: '' }, 'email: must be an email address'],
    ['a long phone', { phone: '1'.repeat(51) }, 'phone: at most 50 characters'],
    ['an account id that is no UUID', { accountId: 'acc-1' }, 'accountId: must be an account id (UUID)'],
    ['a long description', { description: 'x'.repeat(501) }, 'description: at most 500 characters'],
  ])('refuses %s', (_, over, reason) => {
    expect(parseRow(row(over))).toMatchObject({ ok: false, reason });
  });

  test('limits count the trimmed text', () => {
    expect(parseRow(row({ firstName: ` ${'x'.repeat(100)} `, phone: ` ${'1'.repeat(50)} ` })).ok).toBe(true);
  });

  test('an email longer than 254 characters is refused', () => {
    const long = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.test`;
    expect(long.length).toBeGreaterThan(254);
    const r = parseRow(row({ email: long }));
    expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/^email: /) });
  });

  test('every problem of a row is reported, and the (trimmed, as written) email with them', () => {
    const r = parseRow(row({ firstName: '', email: '  Bad@Email  ', accountId: 'nope' }));
    expect(r).toEqual({
      ok: false,
      email: 'Bad@Email',
      reason: 'firstName: must not be empty; email: must be an email address; accountId: must be an account id (UUID)',
    });
    expect(parseRow(row({ firstName: '', email: '   ' }))).toMatchObject({ ok: false, email: null });
  });
});
