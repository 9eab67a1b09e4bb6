// CSV import of contacts (SPEC §7): the import itself; the template, parser and row rules are in csv-row.ts.
// The file is read chunk by chunk and written in batches inside one transaction, so a file that turns out
// not to be CSV halfway through changes nothing, and memory holds one batch plus the per-row report.
import { randomUUID } from 'node:crypto';
import type { Db, Tx } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import { accountScope, seesAllAccounts, type Actor } from '../access/access';
import { audit } from '../audit/audit';
import { DomainError } from '../errors';
import { badFile, checkHeader, CsvParser, parseRow, type ContactRow } from './csv-row';

export { TEMPLATE_COLUMNS, csvTemplate, CsvParser } from './csv-row';

const BATCH_SIZE = 500;
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;

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
}

/**
 * Imports contacts from a CSV byte stream: rows are matched on email address (existing → updated, new →
 * created), invalid rows are rejected with a reason. A wrong header or a file that is not CSV (or UTF-8)
 * rolls everything back. Re-importing the same file is harmless: its rows come back as "updated".
 */
export async function importContacts(
  db: Db,
  firmId: string,
  actor: Actor,
  source: AsyncIterable<Buffer | string>,
): Promise<ImportReport> {
  const importId = randomUUID();
  const report: RowReport[] = [];
  const seen = new Map<string, number>(); // email → row that claimed it (only addresses: small next to the file)
  const totals = { rows: 0, created: 0, updated: 0, rejected: 0 };

  await db.$transaction(
    async (tx) => {
      const parser = new CsvParser();
      const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
      let header: string[] | null = null;
      let batch: Row[] = [];
      let recordNo = 0;

      const take = async (records: string[][]) => {
        for (const rec of records) {
          recordNo++;
          if (!header) {
            header = checkHeader(rec);
            continue;
          }
          totals.rows++;
          const row = recordNo;
          const parsed = parseRow(rec);
          if (!parsed.ok) {
            report.push({ row, email: parsed.email, status: 'rejected', reason: parsed.reason });
            continue;
          }
          const earlier = seen.get(parsed.row.email);
          if (earlier !== undefined) {
            report.push({
              row,
              email: parsed.row.email,
              status: 'rejected',
              reason: `email: already in row ${earlier} of this file`,
            });
            continue;
          }
          seen.set(parsed.row.email, row);
          batch.push({ ...parsed.row, row });
          if (batch.length >= BATCH_SIZE) {
            await writeBatch(tx, firmId, actor, importId, batch, report, totals);
            batch = [];
          }
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
      if (batch.length) await writeBatch(tx, firmId, actor, importId, batch, report, totals);
      for (const r of report) if (r.status === 'rejected') totals.rejected++;
      await audit(tx, { firmId, actorId: actor.id, action: 'contacts.imported', data: { importId, ...totals } });
    },
    { timeout: 300_000, maxWait: 10_000 },
  );
  report.sort((a, b) => a.row - b.row);
  return { importId, totals, rows: report };
}

/** Writes one batch: a handful of statements whatever its size (createMany, one UPDATE … FROM VALUES). */
async function writeBatch(
  tx: Tx,
  firmId: string,
  actor: Actor,
  importId: string,
  rows: Row[],
  report: RowReport[],
  totals: ImportReport['totals'],
) {
  const accountIds = [...new Set(rows.flatMap((r) => (r.accountId ? [r.accountId] : [])))];
  const allowed = new Set(
    accountIds.length
      ? (
          await tx.account.findMany({
            where: { id: { in: accountIds }, ...accountScope(firmId, actor) },
            select: { id: true },
          })
        ).map((a) => a.id)
      : [],
  );
  const valid: Row[] = [];
  for (const r of rows) {
    // Another firm's account and one the actor may not open read the same: no leak of ids.
    if (r.accountId && !allowed.has(r.accountId))
      report.push({
        row: r.row,
        email: r.email,
        status: 'rejected',
        reason: 'accountId: no such account you may open',
      });
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
      report.push({
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
    // An empty phone cell keeps the phone on file rather than erasing it.
    const values = Prisma.join(
      updated.map((r) => Prisma.sql`(${r.contactId}::uuid, ${r.firstName}, ${r.lastName}, ${r.phone ?? null})`),
    );
    await tx.$executeRaw`UPDATE "Contact" AS c SET "firstName" = v.fn, "lastName" = v.ln, "phone" = COALESCE(v.ph, c."phone"), "updatedAt" = now()
      FROM (VALUES ${values}) AS v(id, fn, ln, ph) WHERE c."id" = v.id AND c."firmId" = ${firmId}::uuid`;
  }
  const links = [...created, ...updated].filter((r) => r.accountId);
  const newLinks = links.length
    ? await tx.accountContact.createManyAndReturn({
        data: links.map((r) => ({ accountId: r.accountId!, contactId: r.contactId, description: r.description ?? '' })),
        skipDuplicates: true,
        select: { accountId: true, contactId: true },
      })
    : [];
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
  for (const r of created) report.push({ row: r.row, email: r.email, status: 'created', contactId: r.contactId });
  for (const r of updated) report.push({ row: r.row, email: r.email, status: 'updated', contactId: r.contactId });
  totals.created += created.length;
  totals.updated += updated.length;
}
