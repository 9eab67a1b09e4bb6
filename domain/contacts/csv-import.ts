// CSV import of contacts (SPEC §7): the import itself; the template, parser and row rules are in csv-row.ts.
// The file is read chunk by chunk and written in batches inside one transaction, so a file that turns out
// not to be CSV halfway through changes nothing, and memory holds one batch plus the per-row report.
import { randomUUID } from 'node:crypto';
import type { Db, Tx } from '../../prisma/client';
import { isUniqueViolation, Prisma } from '../../prisma/client';
import { isDeadlock, isForeignKeyViolation } from '../../prisma/errors';
import { accountScope, seesAllAccounts, type Actor } from '../access/access';
import { audit } from '../audit/audit';
import { conflict, DomainError } from '../errors';
import { badFile, checkHeader, CsvParser, parseRow, type ContactRow, type CsvRecord } from './csv-row';

export { TEMPLATE_COLUMNS, csvTemplate, CsvParser } from './csv-row';

const BATCH_SIZE = 500;
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;
/** Rows of one file: at the bench's 1,800 new contacts a second (bench/README.md) about a minute, a fifth of
 * IMPORT_TIMEOUT_MS, with a report of a few MB. */
export const MAX_IMPORT_ROWS = 100_000;
/** The import's one transaction is ended after this long. */
export const IMPORT_TIMEOUT_MS = 300_000;
/** Rejected rows the report lists one by one; its totals count them all. */
export const MAX_LISTED_REJECTIONS = 1_000;

export interface ImportLimits {
  maxRows: number;
  timeoutMs: number;
}
const DEFAULT_LIMITS: ImportLimits = { maxRows: MAX_IMPORT_ROWS, timeoutMs: IMPORT_TIMEOUT_MS };

type Row = ContactRow & { row: number };

export interface RowReport {
  row: number;
  email: string | null;
  status: 'created' | 'updated' | 'rejected';
  contactId?: string;
  reason?: string;
}

export interface ImportReport {
  importId: string;
  totals: { rows: number; created: number; updated: number; rejected: number };
  rows: RowReport[];
  /** Rejected rows beyond MAX_LISTED_REJECTIONS, counted in totals.rejected but not listed in rows. */
  rejectedNotListed: number;
}

/** The report as it grows: every row counted, rejected ones listed up to MAX_LISTED_REJECTIONS. */
class Tally {
  readonly totals = { rows: 0, created: 0, updated: 0, rejected: 0 };
  readonly rows: RowReport[] = [];
  rejectedNotListed = 0;

  add(r: RowReport) {
    this.totals[r.status]++;
    if (r.status === 'rejected' && this.totals.rejected > MAX_LISTED_REJECTIONS) this.rejectedNotListed++;
    else this.rows.push(r);
  }
}

/**
 * Imports contacts from a CSV byte stream: rows are matched on email address (existing → updated, new →
 * created), invalid rows are rejected with a reason. A wrong header or a file that is not CSV (or UTF-8)
 * rolls everything back. Re-importing the same file is harmless: its rows come back as "updated". An
 * address repeated in the file links its contact to another account; repeated otherwise, the row is rejected.
 */
export async function importContacts(
  db: Db,
  firmId: string,
  actor: Actor,
  source: AsyncIterable<Buffer | string>,
  limits: Partial<ImportLimits> = {},
): Promise<ImportReport> {
  const { maxRows, timeoutMs } = { ...DEFAULT_LIMITS, ...limits };
  const importId = randomUUID();
  const tally = new Tally();
  const startedAt = Date.now();
  let began = false;

  try {
    await db.$transaction(
      async (tx) => {
        began = true;
        await claimFirmImport(tx, firmId);
        const parser = new CsvParser();
        const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
        let header: string[] | null = null;
        // Addresses of rows written so far: the first such row, and the accounts rows of it linked.
        const seen = new Map<string, { row: number; accounts: Set<string> }>();
        let batch: Row[] = [];
        const inBatch = new Set<string>();

        const flush = async () => {
          if (!batch.length) return;
          for (const r of await writeBatch(tx, firmId, actor, importId, batch, tally)) {
            const first = seen.get(r.email) ?? { row: r.row, accounts: new Set<string>() };
            if (r.accountId) first.accounts.add(r.accountId);
            seen.set(r.email, first);
          }
          batch = [];
          inBatch.clear();
        };

        const take = async (records: CsvRecord[]) => {
          for (const { row, cells } of records) {
            if (!header) {
              header = checkHeader(cells);
              continue;
            }
            if (++tally.totals.rows > maxRows) throw tooManyRows(maxRows);
            const parsed = parseRow(cells);
            if (!parsed.ok) {
              tally.add({ row, email: parsed.email, status: 'rejected', reason: parsed.reason });
              continue;
            }
            // An address claimed by an earlier row of this batch waits for that row's outcome: only a
            // row that was written claims its address.
            if (inBatch.has(parsed.row.email)) await flush();
            const earlier = seen.get(parsed.row.email);
            if (earlier && (!parsed.row.accountId || earlier.accounts.has(parsed.row.accountId))) {
              tally.add({
                row,
                email: parsed.row.email,
                status: 'rejected',
                reason: `email: already in row ${earlier.row} of this file`,
              });
              continue;
            }
            batch.push({ ...parsed.row, row });
            inBatch.add(parsed.row.email);
            if (batch.length >= BATCH_SIZE) await flush();
          }
        };

        let bytes = 0;
        for await (const chunk of source) {
          const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          bytes += buf.length;
          if (bytes > MAX_IMPORT_BYTES)
            throw new DomainError(
              'payload-too-large',
              'body-too-large',
              'The file is too large',
              `Import at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB at once.`,
            );
          let text: string;
          try {
            text = decoder.decode(buf, { stream: true });
          } catch {
            throw badFile('the file is not UTF-8 text');
          }
          await take(parser.push(text));
        }
        try {
          await take(parser.push(decoder.decode()));
        } catch (err) {
          if (err instanceof DomainError) throw err;
          throw badFile('the file is not UTF-8 text');
        }
        await take(parser.end());
        if (!header) throw badFile('the file is empty: download the template and fill it in');
        await flush();
        await audit(tx, {
          firmId,
          actorId: actor.id,
          action: 'contacts.imported',
          data: { importId, ...tally.totals },
        });
      },
      { timeout: timeoutMs, maxWait: 10_000 },
    );
  } catch (err) {
    throw importFailure(err, began && Date.now() - startedAt >= timeoutMs, timeoutMs, maxRows);
  }
  tally.rows.sort((a, b) => a.row - b.row);
  return { importId, totals: tally.totals, rows: tally.rows, rejectedNotListed: tally.rejectedNotListed };
}

/**
 * One import per firm at a time (a transaction-scoped advisory lock): two imports sharing new addresses
 * would otherwise both find them new and the second would fail on the address index after minutes of work.
 */
async function claimFirmImport(tx: Tx, firmId: string) {
  const [{ claimed }] = await tx.$queryRaw<{ claimed: boolean }[]>`
    SELECT pg_try_advisory_xact_lock(hashtext(${`csv-import:${firmId}`}::text)) AS claimed`;
  if (!claimed)
    throw conflict(
      'import-in-progress',
      'Another import is running',
      'This firm is importing another file; upload this one when that import has finished.',
    );
}

const tooManyRows = (max: number) =>
  new DomainError(
    'payload-too-large',
    'too-many-rows',
    'The file has too many rows',
    `Import at most ${max.toLocaleString('en')} rows at once: split the file; nothing was imported.`,
  );

const contactDeleted = () =>
  conflict(
    'import-conflict',
    'A contact was deleted meanwhile',
    'Another change deleted a contact of one of the file’s addresses while the import ran; nothing was imported. Upload the file again.',
  );

const addressMoved = () =>
  conflict(
    'import-conflict',
    'An address changed meanwhile',
    'Another change removed or changed one of the file’s addresses while the import ran; nothing was imported. Upload the file again.',
  );

/** What a failed import tells its caller: a domain error where the cause is the file or a change made meanwhile. */
function importFailure(err: unknown, expired: boolean, timeoutMs: number, maxRows: number): unknown {
  // Another change (a new contact) took one of the file's new addresses while the import ran.
  if (isUniqueViolation(err))
    return conflict(
      'import-conflict',
      'An address was added meanwhile',
      'Another change added one of the file’s addresses while the import ran; nothing was imported. Upload the file again.',
    );
  // The import's account locks (held to its end, taken batch by batch) met a bulk action's in the other order.
  if (isDeadlock(err))
    return conflict(
      'import-conflict',
      'Another change held the same accounts',
      'A change to some of the file’s accounts (a bulk action) ran at the same time; nothing was imported. Upload the file again.',
    );
  // A row written for something another change deleted meanwhile (the checks in writeBatch should see it first).
  if (isForeignKeyViolation(err))
    return conflict(
      'import-conflict',
      'A contact or account was deleted meanwhile',
      'Another change deleted a contact or account of the file while the import ran; nothing was imported. Upload the file again.',
    );
  // Prisma ended the transaction at its timeout: the file is too large to import at once.
  if (expired && err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2028')
    return new DomainError(
      'payload-too-large',
      'import-too-large',
      'The import took too long',
      `An import must finish within ${timeoutMs / 1000} s; nothing was imported. Split the file (at most ${maxRows.toLocaleString('en')} rows each).`,
    );
  return err;
}

/** Why a row naming this account cannot be written, given the account's status (undefined: not found). */
function accountRejection(status: string | undefined): string | undefined {
  // Another firm's account and one the actor may not open read the same: no leak of ids.
  if (status === undefined) return 'accountId: no such account you may open';
  if (status === 'archived') return 'accountId: the account is archived; restore it first';
  return undefined;
}

/**
 * The accounts the rows name that the actor may open, with their status, read under a lock held to the end of
 * the import (in id order). KEY SHARE, what the links' foreign-key check takes anyway: a bulk archive or delete
 * (FOR UPDATE) waits for the import, so no link goes to an account archived or deleted meanwhile, while the
 * NO KEY UPDATE of requireWritableAccount (account, then contact) never waits on it: the import holds contacts
 * of earlier batches, and a stronger lock here could close a cycle with such a transaction. Batches lock in id
 * order each, not across the file, so a bulk action locking the same accounts may still meet it the other way
 * round: PostgreSQL ends one of the two, and an import so ended answers 409 import-conflict (upload again).
 */
async function lockAccounts(tx: Tx, firmId: string, actor: Actor, rows: Row[]): Promise<Map<string, string>> {
  const ids = [...new Set(rows.flatMap((r) => (r.accountId ? [r.accountId] : [])))];
  if (!ids.length) return new Map();
  const open = (
    await tx.account.findMany({ where: { id: { in: ids }, ...accountScope(firmId, actor) }, select: { id: true } })
  ).map((a) => a.id);
  if (!open.length) return new Map();
  const locked = await tx.$queryRaw<{ id: string; status: string }[]>`
    SELECT id::text, status::text FROM "Account" WHERE id = ANY(${open}::uuid[]) AND "firmId" = ${firmId}::uuid
    ORDER BY id FOR KEY SHARE`;
  return new Map(locked.map((a) => [a.id, a.status]));
}

/**
 * Links contacts to accounts; a link already there takes the row's description, as linkContact does (an empty
 * cell keeps the one on file). Answers the links that are new.
 */
async function upsertLinks(tx: Tx, links: (Row & { contactId: string })[]) {
  const values = Prisma.join(
    links.map((l) => Prisma.sql`(${l.accountId}::uuid, ${l.contactId}::uuid, ${l.description ?? ''})`),
  );
  const rows = await tx.$queryRaw<{ accountId: string; contactId: string; created: boolean }[]>`
    INSERT INTO "AccountContact" AS ac ("accountId", "contactId", "description") VALUES ${values}
    ON CONFLICT ("accountId", "contactId") DO UPDATE SET "description" = EXCLUDED."description"
      WHERE EXCLUDED."description" <> '' AND ac."description" <> EXCLUDED."description"
    RETURNING ac."accountId"::text AS "accountId", ac."contactId"::text AS "contactId", (ac.xmax = 0) AS created`;
  return rows.filter((r) => r.created);
}

/**
 * Writes one batch (each address at most once): a handful of statements whatever its size (createMany, one
 * UPDATE … FROM VALUES, one INSERT … ON CONFLICT). Answers the rows written.
 */
async function writeBatch(
  tx: Tx,
  firmId: string,
  actor: Actor,
  importId: string,
  rows: Row[],
  tally: Tally,
): Promise<Row[]> {
  const accounts = await lockAccounts(tx, firmId, actor, rows);
  const valid: Row[] = [];
  for (const r of rows) {
    const reason = r.accountId ? accountRejection(accounts.get(r.accountId)) : undefined;
    if (reason) tally.add({ row: r.row, email: r.email, status: 'rejected', reason });
    else valid.push(r);
  }
  const existing = new Map(
    (
      await tx.contactEmail.findMany({
        where: { firmId, address: { in: valid.map((r) => r.email) } },
        select: { address: true, contactId: true },
      })
    ).map((e) => [e.address, e.contactId]),
  );
  // Updating a contact needs access to one of its accounts (or it has none), as PATCH /v1/contacts does.
  const changeable = seesAllAccounts(actor)
    ? null
    : new Set(
        (
          await tx.contact.findMany({
            where: {
              firmId,
              id: { in: [...new Set(existing.values())] },
              OR: [{ accounts: { none: {} } }, { accounts: { some: { account: accountScope(firmId, actor) } } }],
            },
            select: { id: true },
          })
        ).map((c) => c.id),
      );
  const kept: Row[] = [];
  for (const r of valid) {
    const contactId = existing.get(r.email);
    if (contactId && changeable && !changeable.has(contactId))
      tally.add({
        row: r.row,
        email: r.email,
        status: 'rejected',
        reason: 'email: belongs to a contact you may not change',
      });
    else kept.push(r);
  }
  const created = kept.filter((r) => !existing.has(r.email)).map((r) => ({ ...r, contactId: randomUUID() }));
  const updated = kept.filter((r) => existing.has(r.email)).map((r) => ({ ...r, contactId: existing.get(r.email)! }));

  if (created.length) {
    await tx.contact.createMany({
      data: created.map((r) => ({
        id: r.contactId,
        firmId,
        firstName: r.firstName,
        lastName: r.lastName,
        phone: r.phone ?? null,
      })),
    });
    await tx.contactEmail.createMany({
      data: created.map((r) => ({ firmId, contactId: r.contactId, address: r.email })),
    });
  }
  if (updated.length) {
    // An empty phone cell keeps the phone on file rather than erasing it. Two addresses of one contact: as two
    // batches would leave it, the later row's name and the later phone given (an UPDATE joining two rows to one
    // contact would apply either).
    const byContact = new Map<string, Row & { contactId: string }>();
    for (const r of updated) byContact.set(r.contactId, { ...r, phone: r.phone ?? byContact.get(r.contactId)?.phone });
    const latest = [...byContact.values()];
    const values = Prisma.join(
      latest.map((r) => Prisma.sql`(${r.contactId}::uuid, ${r.firstName}, ${r.lastName}, ${r.phone ?? null})`),
    );
    const changed = await tx.$queryRaw<
      { id: string }[]
    >`UPDATE "Contact" AS c SET "firstName" = v.fn, "lastName" = v.ln, "phone" = COALESCE(v.ph, c."phone"), "updatedAt" = now()
      FROM (VALUES ${values}) AS v(id, fn, ln, ph) WHERE c."id" = v.id AND c."firmId" = ${firmId}::uuid
      RETURNING c."id"::text AS id`;
    // The addresses were read without a lock: a contact deleted since (its deletion committed while this UPDATE
    // waited for its row) is not updated, and must be neither reported updated nor linked.
    if (changed.length < latest.length) throw contactDeleted();
    // Nor may an address have left its contact meanwhile (removed, or changed): that change locks the contact
    // first, so now that this UPDATE holds the contacts, one that committed before it shows here.
    const still = await tx.contactEmail.findMany({
      where: { firmId, address: { in: updated.map((r) => r.email) } },
      select: { address: true, contactId: true },
    });
    const owner = new Map(still.map((e) => [e.address, e.contactId]));
    if (updated.some((r) => owner.get(r.email) !== r.contactId)) throw addressMoved();
  }
  // One link per account and contact: two addresses of one contact may name the same account (the later row wins).
  const links = new Map<string, Row & { contactId: string }>();
  for (const r of [...created, ...updated]) if (r.accountId) links.set(`${r.accountId}:${r.contactId}`, r);
  const newLinks = links.size ? await upsertLinks(tx, [...links.values()]) : [];
  // One timeline entry per contact (its timeline shows the import) and per new link; createMany keeps it one statement.
  await tx.auditEvent.createMany({
    data: [
      ...created.map((r) => ({
        firmId,
        actorType: 'firm_user',
        actorId: actor.id,
        action: 'contact.imported',
        contactId: r.contactId,
        data: { importId, row: r.row, outcome: 'created' },
      })),
      ...updated.map((r) => ({
        firmId,
        actorType: 'firm_user',
        actorId: actor.id,
        action: 'contact.imported',
        contactId: r.contactId,
        data: { importId, row: r.row, outcome: 'updated' },
      })),
      ...newLinks.map((l) => ({
        firmId,
        actorType: 'firm_user',
        actorId: actor.id,
        action: 'contact.linked',
        contactId: l.contactId,
        accountId: l.accountId,
        data: { importId },
      })),
    ],
  });
  for (const r of created) tally.add({ row: r.row, email: r.email, status: 'created', contactId: r.contactId });
  for (const r of updated) tally.add({ row: r.row, email: r.email, status: 'updated', contactId: r.contactId });
  return kept;
}
