// The pure half of the contacts CSV import (SPEC §7): the template, a small streaming RFC 4180 parser, the
// header check and one row's validation and normalisation. No database here, so it is unit-testable.
import { z } from 'zod';
import { DomainError } from '../errors';

export const TEMPLATE_COLUMNS = ['firstName', 'lastName', 'email', 'phone', 'accountId', 'description'] as const;

/** The downloadable template: the header row only, so no example row is ever imported by mistake. */
export const csvTemplate = () => `${TEMPLATE_COLUMNS.join(',')}\r\n`;

export const MAX_FIELD_CHARS = 10_000;

export const badFile = (detail: string) =>
  new DomainError('invalid', 'invalid-csv', 'The file is not a valid contacts CSV', detail);

/** One record and its row as a spreadsheet numbers it: blank lines count, a quoted line break does not. */
export interface CsvRecord {
  row: number;
  cells: string[];
}

/** Incremental RFC 4180 parser: push text chunks, get back the records completed so far. */
export class CsvParser {
  private field = '';
  private record: string[] = [];
  private inQuotes = false;
  private afterQuote = false;
  private skipLf = false;
  private started = false;
  private row = 0;
  line = 1;

  push(text: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (this.skipLf) {
        this.skipLf = false;
        if (ch === '\n') continue;
      }
      if (ch === '\0') throw badFile(`line ${this.line}: binary content`);
      if (this.inQuotes) {
        if (ch === '"') {
          this.inQuotes = false;
          this.afterQuote = true;
        } else {
          if (ch === '\n') this.line++;
          this.append(ch);
        }
        continue;
      }
      if (this.afterQuote) {
        this.afterQuote = false;
        if (ch === '"') {
          // "" inside a quoted field is one quote
          this.append('"');
          this.inQuotes = true;
          continue;
        }
        if (ch !== ',' && ch !== '\n' && ch !== '\r')
          throw badFile(`line ${this.line}: unexpected character after a closing quote`);
      }
      if (ch === ',') {
        this.record.push(this.field);
        this.field = '';
        this.started = true;
      } else if (ch === '\n' || ch === '\r') {
        if (ch === '\r') this.skipLf = true;
        this.endRecord(out);
        this.line++;
      } else if (ch === '"') {
        if (this.field !== '') throw badFile(`line ${this.line}: a quote inside an unquoted field`);
        this.inQuotes = true;
        this.started = true;
      } else {
        this.append(ch);
        this.started = true;
      }
    }
    return out;
  }

  end(): CsvRecord[] {
    if (this.inQuotes) throw badFile(`line ${this.line}: a quoted field is never closed`);
    const out: CsvRecord[] = [];
    if (this.started || this.field !== '') this.endRecord(out); // a last record without a line end
    return out;
  }

  private append(ch: string) {
    if (this.field.length >= MAX_FIELD_CHARS)
      throw badFile(`line ${this.line}: a field longer than ${MAX_FIELD_CHARS} characters`);
    this.field += ch;
  }

  private endRecord(out: CsvRecord[]) {
    // Blank lines are skipped, as spreadsheets often leave some at the end, but counted: the report's row
    // numbers are the spreadsheet's.
    this.row++;
    if (this.started || this.field !== '') {
      this.record.push(this.field);
      out.push({ row: this.row, cells: this.record });
    }
    this.record = [];
    this.field = '';
    this.started = false;
  }
}

/** The header cells, trimmed; throws unless they are the template's columns in order (any letter case). */
export function checkHeader(record: string[]): string[] {
  const header = record.map((h) => h.trim());
  const expected = TEMPLATE_COLUMNS.join(',');
  if (header.join(',').toLowerCase() !== expected.toLowerCase())
    throw badFile(`the header must be exactly: ${expected} (download the template)`);
  return header;
}

const optional = (max: number, message: string) =>
  z
    .string()
    .trim()
    .max(max, message)
    .transform((s) => s || undefined);
const rowSchema = z.object({
  firstName: z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters'),
  lastName: z.string().trim().max(100, 'at most 100 characters'),
  email: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ message: 'must be an email address' }).max(254)),
  phone: optional(50, 'at most 50 characters'),
  // Ids are taken in any case, and kept lower-cased as the database answers them: the import matches on them.
  accountId: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.union([z.literal(''), z.uuid({ message: 'must be an account id (UUID)' })]))
    .transform((s) => s || undefined),
  description: optional(500, 'at most 500 characters'),
});

/** One valid row, normalised: cells trimmed, the email and account id lower-cased, empty optional cells absent. */
export type ContactRow = z.infer<typeof rowSchema>;

export type RowCheck = { ok: true; row: ContactRow } | { ok: false; email: string | null; reason: string };

/** Validates and normalises one data record (not the header); a rejection says why, column by column. */
export function parseRow(record: string[]): RowCheck {
  if (record.length !== TEMPLATE_COLUMNS.length) {
    return { ok: false, email: null, reason: `expected ${TEMPLATE_COLUMNS.length} columns, found ${record.length}` };
  }
  const parsed = rowSchema.safeParse(Object.fromEntries(TEMPLATE_COLUMNS.map((c, i) => [c, record[i]])));
  if (!parsed.success) {
    return {
      ok: false,
      email: record[2]?.trim() || null,
      reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    };
  }
  return { ok: true, row: parsed.data };
}
