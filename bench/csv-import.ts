// Standalone benchmark of the contacts CSV import (`tsx bench/csv-import.ts`): a fresh database and firm,
// a generated CSV (BENCH_CSV_ROWS rows, default 10,000) streamed in 64 KiB chunks through the import
// service twice (all created, then all updated), rows/s and peak RSS printed, the database dropped.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { createDb } from '../prisma/client';
import { ensureDatabase, dropDatabase, migrate } from '../prisma/migration-runner';
import { createFirm } from '../domain/firms/firms';
import { importContacts, TEMPLATE_COLUMNS } from '../domain/contacts/csv-import';

const ROWS = Number(process.env.BENCH_CSV_ROWS ?? 10_000);
const CHUNK = 64 * 1024;

/** Peak resident set size of this process so far (VmHWM), in MiB. */
function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 1024 / 1024;
}

/** The CSV generated lazily, so the benchmark itself never holds the whole file. */
async function* csv(rows: number, accountId: string, tag: string): AsyncGenerator<Buffer> {
  let buf = `${TEMPLATE_COLUMNS.join(',')}\r\n`;
  for (let i = 0; i < rows; i++) {
    buf += `First ${i},"Last, ${tag} ${i}",bench-${i}@client.bench,+39 055 ${String(i).padStart(6, '0')},${i % 10 === 0 ? accountId : ''},Row ${i}\r\n`;
    if (buf.length >= CHUNK) {
      yield Buffer.from(buf);
      buf = '';
    }
  }
  if (buf) yield Buffer.from(buf);
}

async function main() {
  const base = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname))
    throw new Error(`the bench only talks to a local PostgreSQL, not ${base.hostname}`);
  base.pathname = `/nudge_bench_csv_${Date.now()}_${process.pid}`;
  const url = base.toString();
  await ensureDatabase(url);
  const db = createDb(url);
  try {
    await migrate(url, path.join(__dirname, '..', 'prisma', 'migrations'));
    const { firm, owner } = await createFirm(db, {
      name: 'Bench firm',
      owner: { email: `owner-${randomUUID()}@bench.test`, name: 'Bench Owner' },
    });
    const account = await db.account.create({ data: { firmId: firm.id, name: 'Bench Co', type: 'company' } });
    const actor = { id: owner.id, role: owner.role, canViewAllAccounts: owner.canViewAllAccounts };
    const before = peakRssMiB();
    console.log(`csv import bench: ${ROWS} rows, peak RSS before import ${before.toFixed(0)} MiB`);
    for (const pass of ['create', 'update'] as const) {
      const t = performance.now();
      const report = await importContacts(db, firm.id, actor, csv(ROWS, account.id, pass));
      const s = (performance.now() - t) / 1000;
      console.log(
        `${pass.padEnd(6)} ${ROWS} rows in ${s.toFixed(2)} s = ${Math.round(ROWS / s)} rows/s; created ${report.totals.created}, updated ${report.totals.updated}, rejected ${report.totals.rejected}; peak RSS ${peakRssMiB().toFixed(0)} MiB`,
      );
    }
    console.log(`contacts ${await db.contact.count()}, audit entries ${await db.auditEvent.count()}`);
  } finally {
    await db.$disconnect();
    await dropDatabase(url);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
