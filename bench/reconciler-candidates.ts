// The reconciler's candidate pages at scale: a scratch database with one firm's BENCH_RECONCILER_ITEMS pending
// items (settings rows, threads following the firm's chat policy, a share that are no candidates) and digest
// entries, then p50/p99 per page of a pass's walk (10 pages from the start and from a middle key): before the
// reconciler_candidate_indexes migration (with the queries as they were), then after it is applied, same data.
// The digest query is unchanged (a rewrite walking each state's entries was slower at a pass's 1000-row pages):
// measured as a reference.
// Standalone: `npx tsx bench/reconciler-candidates.ts`; BENCH_EXPLAIN=1 prints one page's plans. It drops
// its database at the end, also on Ctrl-C or SIGTERM.
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Prisma, type Db } from '../prisma/client';
import { migrate } from '../prisma/migration-runner';
import { createFirm } from '../domain/firms/firms';
import { candidates } from '../domain/reconciler/reminders';
import { waitingAddresses } from '../domain/reconciler/digests';
import { keysetBounds, PAGES_PER_PASS, type RingKey } from '../domain/reconciler/ring';
import { envBool, envInt, envList, percentile, runStandalone, table, withScratchDatabase } from './support';

const ITEMS = envInt('BENCH_RECONCILER_ITEMS', 100_000);
const RUNS = envInt('BENCH_RUNS', 5);
const PAGE_SIZES = envList('BENCH_PAGE_SIZES', [200, 1000]);
const EXPLAIN = envBool('BENCH_EXPLAIN', false);
/** The reconciler's default grace (RECONCILER_GRACE_SECONDS). */
const OLDER_THAN_MS = 120_000;
const MIGRATIONS = path.join(__dirname, '..', 'prisma', 'migrations');
const INDEX_MIGRATION = '20261206180000_reconciler_candidate_indexes';

const t0 = performance.now();
const log = (msg: string) =>
  console.log(`[reconciler ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);

type PageFn = (db: Db, after: RingKey | null, upTo: RingKey | null, limit: number) => Promise<RingKey[]>;
const QUERIES: [string, PageFn][] = [
  ['reminders', (db, after, upTo, n) => candidates(db, OLDER_THAN_MS, after, upTo, n)],
  ['digests', (db, after, upTo, n) => waitingAddresses(db, OLDER_THAN_MS, after, upTo, n)],
];

const AWAITS_CLIENT = Prisma.sql`(SELECT m.author FROM "ChatMessage" m WHERE m."threadId" = t.id
  ORDER BY m."createdAt" DESC, m.id DESC LIMIT 1) = 'firm'`;
/** The two queries as they were before the migration (eee4b36): one ORDER BY over the union; the groups (as
 * today). */
const OLD_QUERIES: [string, PageFn][] = [
  [
    'reminders',
    (db, after, upTo, n) => db.$queryRaw`
    SELECT c.kind, c.id::text AS id, c."firmId"::text AS "firmId", c."accountId"::text AS "accountId",
      c.at, c."policyAt"
    FROM (
      SELECT s."itemKind"::text AS kind, s."itemId" AS id, s."firmId",
        COALESCE(t."accountId", sr."accountId", ar."accountId") AS "accountId", s."updatedAt" AS at,
        NULL::timestamp(3) AS "policyAt"
      FROM "ReminderSettings" s
      LEFT JOIN "ChatThread" t ON s."itemKind" = 'chat' AND t.id = s."itemId" AND t.status = 'open' AND ${AWAITS_CLIENT}
      LEFT JOIN "SignatureRequest" sr ON s."itemKind" = 'signature' AND sr.id = s."itemId" AND sr.status = 'pending'
      LEFT JOIN "ApprovalRequest" ar ON s."itemKind" = 'approval' AND ar.id = s."itemId" AND ar.status = 'pending'
      WHERE s.enabled AND s."updatedAt" < ${cutoff()} AND COALESCE(t.id, sr.id, ar.id) IS NOT NULL
      UNION ALL
      SELECT 'chat', t.id, t."firmId", t."accountId", t."updatedAt", p."updatedAt"
      FROM "ChatThread" t
      JOIN "FirmReminderPolicy" p ON p."firmId" = t."firmId" AND p."itemKind" = 'chat' AND p.enabled
      WHERE t.status = 'open' AND t."updatedAt" < ${cutoff()} AND ${AWAITS_CLIENT}
        AND NOT EXISTS (SELECT 1 FROM "ReminderSettings" s WHERE s."itemKind" = 'chat' AND s."itemId" = t.id)
    ) c
    JOIN "Account" a ON a.id = c."accountId" AND a."firmId" = c."firmId" AND a.status = 'active'
    WHERE ${keysetBounds('c', after, upTo)}
    ORDER BY c.at, c.id LIMIT ${n}`,
  ],
  [
    'digests',
    (db, after, upTo, n) => db.$queryRaw`
    SELECT w."firmId"::text AS "firmId", w.id::text AS id, w.at FROM (
      SELECT "firmId", "contactEmailId" AS id, min("createdAt") AS at
      FROM "DigestEntry"
      WHERE state IN ('pending', 'claimed') AND "createdAt" < ${cutoff()}
      GROUP BY "firmId", "contactEmailId"
    ) w
    WHERE ${keysetBounds('w', after, upTo)}
    ORDER BY w.at, w.id LIMIT ${n}`,
  ],
];
const cutoff = () => new Date(Date.now() - OLDER_THAN_MS);

/**
 * Items i = 1..ITEMS over ITEMS/10 accounts (every 10th archived): by i % 10, 4 approval and 3 signature
 * requests with settings rows, 2 chat threads following the firm's policy, 1 thread with its own settings. By
 * (i / 10) % 10, non-candidates: 0 disabled settings (a policy thread: its latest message the client's), 1
 * completed (approved, signed, archived), 2 a thread whose latest message is the client's. updatedAt spread
 * over 30 days, a few within the grace. Digest entries: ITEMS of them over one email per account, 35 % pending,
 * 5 % claimed, the rest sent.
 */
async function seed(db: Db) {
  const { firm, owner } = await createFirm(db, { name: 'Bench firm', owner: { email: 'o@bench.test', name: 'O' } });
  const f = firm.id;
  const accounts = Math.max(1, Math.floor(ITEMS / 10));
  await db.firmReminderPolicy.create({
    data: { firmId: f, itemKind: 'chat', enabled: true, intervalDays: 3, count: 3, updatedBy: owner.id },
  });
  // Set-based inserts: row by row, seeding would take longer than the measurements.
  await db.$executeRaw`
    CREATE TEMP TABLE acc AS SELECT n, gen_random_uuid() AS id, gen_random_uuid() AS doc, gen_random_uuid() AS contact,
      gen_random_uuid() AS email FROM generate_series(1, ${accounts}::int) n`;
  await db.$executeRaw`
    INSERT INTO "Account" (id, "firmId", name, type, status, "updatedAt")
    SELECT id, ${f}::uuid, 'Account ' || n, 'company',
      (CASE WHEN n % 10 = 0 THEN 'archived' ELSE 'active' END)::"AccountStatus",
      now() FROM acc`;
  await db.$executeRaw`
    INSERT INTO "Document" (id, "firmId", "accountId", name) SELECT doc, ${f}::uuid, id, 'doc' FROM acc`;
  await db.$executeRaw`
    INSERT INTO "Contact" (id, "firmId", "firstName", "lastName", "updatedAt")
    SELECT contact, ${f}::uuid, 'C', n::text, now() FROM acc`;
  await db.$executeRaw`
    INSERT INTO "ContactEmail" (id, "firmId", "contactId", address, "updatedAt")
    SELECT email, ${f}::uuid, contact, 'c' || n || '@bench.test', now() FROM acc`;
  await db.$executeRaw`
    CREATE TEMP TABLE it AS
    SELECT i, gen_random_uuid() AS id, a.id AS account, a.doc, a.email,
      CASE WHEN i % 10 < 4 THEN 'approval' WHEN i % 10 < 7 THEN 'signature' ELSE 'chat' END AS kind,
      i % 10 IN (7, 8) AS policy, (i / 10) % 10 AS flag,
      date_trunc('milliseconds', now() - ((i * 7919) % 2592000 || ' seconds')::interval
        - CASE WHEN i % 997 = 0 THEN interval '0' ELSE interval '150 seconds' END) AS at
    FROM generate_series(1, ${ITEMS}::int) i JOIN acc a ON a.n = 1 + abs(hashint4(i)) % ${accounts}::int`;
  await db.$executeRaw`
    INSERT INTO "ApprovalRequest" (id, "firmId", "accountId", "documentId", status, "createdAt")
    SELECT id, ${f}::uuid, account, doc, (CASE WHEN flag = 1 THEN 'approved' ELSE 'pending' END)::"ApprovalStatus", at
    FROM it WHERE kind = 'approval'`;
  await db.$executeRaw`
    INSERT INTO "SignatureRequest" (id, "firmId", "accountId", "documentId", status, "createdAt")
    SELECT id, ${f}::uuid, account, doc, (CASE WHEN flag = 1 THEN 'signed' ELSE 'pending' END)::"SignatureStatus", at
    FROM it WHERE kind = 'signature'`;
  await db.$executeRaw`
    INSERT INTO "ChatThread" (id, "firmId", "accountId", subject, status, "createdAt", "updatedAt")
    SELECT id, ${f}::uuid, account, 'Thread ' || i,
      (CASE WHEN flag = 1 THEN 'archived' ELSE 'open' END)::"ChatThreadStatus",
      at - interval '1 hour', at
    FROM it WHERE kind = 'chat'`;
  // Two messages a thread; the later one the client's for flag 2 (and a policy thread's flag 0).
  await db.$executeRaw`
    INSERT INTO "ChatMessage" (id, "firmId", "threadId", author, body, "createdAt")
    SELECT gen_random_uuid(), ${f}::uuid, id,
      (CASE WHEN (k = 2) = (flag = 2 OR (policy AND flag = 0)) THEN 'client' ELSE 'firm' END)::"MessageAuthor",
      'message', at - (3 - k || ' minutes')::interval
    FROM it, generate_series(1, 2) k WHERE kind = 'chat'`;
  await db.$executeRaw`
    INSERT INTO "ReminderSettings" ("firmId", "itemKind", "itemId", enabled, "updatedAt")
    SELECT ${f}::uuid, kind::"ItemKind", id, flag <> 0, at FROM it WHERE NOT policy`;
  await db.$executeRaw`
    INSERT INTO "DigestEntry"
      (id, "firmId", "contactEmailId", "accountId", "itemKind", "itemId", "dispatchKey", state, "createdAt")
    SELECT gen_random_uuid(), ${f}::uuid, email, account, kind::"ItemKind", id, 'bench:' || i,
      CASE WHEN i % 20 < 7 THEN 'pending' WHEN i % 20 = 7 THEN 'claimed' ELSE 'sent' END, at
    FROM it`;
  await db.$executeRawUnsafe('ANALYZE');
}

/** A pass's walk: up to PAGES_PER_PASS pages of `size` from just after `from`; the ms of each page and the rows. */
async function walk(db: Db, page: PageFn, size: number, from: RingKey | null) {
  const ms: number[] = [];
  const rows: RingKey[] = [];
  let after = from;
  for (let p = 0; p < PAGES_PER_PASS; p++) {
    const start = performance.now();
    const got = await page(db, after, null, size);
    ms.push(performance.now() - start);
    rows.push(...got);
    if (got.length < size) break;
    after = got[got.length - 1];
  }
  return { ms, rows };
}

/** A Db whose $queryRaw prints the plan of the statement it is given (and returns no rows). */
function explaining(db: Db): Db {
  return {
    async $queryRaw(strings: TemplateStringsArray, ...values: unknown[]) {
      const sql = Prisma.sql`EXPLAIN (ANALYZE, BUFFERS) ${Prisma.sql(strings, ...values)}`;
      const plan = await db.$queryRaw<{ 'QUERY PLAN': string }[]>(sql);
      console.log(plan.map((r) => r['QUERY PLAN']).join('\n'));
      return [];
    },
  } as unknown as Db;
}

const key = (r: RingKey) => `${r.at.toISOString()} ${r.id}`;

/** Every variant's walks, as table rows; each query's full list and walks' rows must be the same in every variant. */
async function measure(db: Db, variant: string, queries: [string, PageFn][], reference: Map<string, string[]>) {
  const out: (string | number)[][] = [];
  for (const [name, page] of queries) {
    const list = await page(db, null, null, 10 * ITEMS);
    const all = list.map(key);
    const expected = reference.get(name);
    if (!expected) reference.set(name, all);
    else if (expected.join('\n') !== all.join('\n')) throw new Error(`${name}: ${variant} returns other rows`);
    const middle = list[Math.floor(list.length / 2)];
    for (const size of PAGE_SIZES) {
      for (const [from, fromName] of [
        [null, 'start'],
        [middle, 'middle'],
      ] as const) {
        const times: number[] = [];
        let rows = 0;
        for (let run = 0; run < RUNS; run++) {
          const w = await walk(db, page, size, from);
          times.push(...w.ms);
          rows = w.rows.length;
          const offset = from ? all.indexOf(key(from)) + 1 : 0;
          if (w.rows.map(key).join('\n') !== all.slice(offset, offset + rows).join('\n'))
            throw new Error(`${name}: a walk's pages differ from the full list`);
        }
        out.push([
          variant,
          name,
          all.length,
          size,
          fromName,
          rows,
          percentile(times, 50).toFixed(1),
          percentile(times, 99).toFixed(1),
        ]);
      }
      if (EXPLAIN) {
        console.log(`\n${variant}, ${name}, one page of ${size} from the middle:`);
        await page(explaining(db), middle, null, size);
      }
    }
  }
  return out;
}

async function main() {
  await withScratchDatabase('reconciler', 2, async (url, db) => {
    // First the migrations before the indexes' (from a copy of their folder), then the rest.
    const before = mkdtempSync(path.join(tmpdir(), 'nudge-bench-migrations-'));
    for (const name of readdirSync(MIGRATIONS).filter((n) => n < INDEX_MIGRATION))
      cpSync(path.join(MIGRATIONS, name), path.join(before, name), { recursive: true });
    await migrate(url, before).finally(() => rmSync(before, { recursive: true, force: true }));
    log(`database ${new URL(url).pathname.slice(1)} migrated up to ${INDEX_MIGRATION}; seeding ${ITEMS} items`);
    await seed(db);
    log('seeded and analyzed');
    const reference = new Map<string, string[]>();
    const rows: (string | number)[][] = [];
    rows.push(...(await measure(db, 'before', OLD_QUERIES, reference)));
    const applied = await migrate(url, MIGRATIONS);
    await db.$executeRawUnsafe('ANALYZE');
    log(`applied ${applied.join(', ')}`);
    rows.push(...(await measure(db, 'old query, new indexes', OLD_QUERIES, reference)));
    rows.push(...(await measure(db, 'after', QUERIES, reference)));
    console.log(`\n${ITEMS} items; ${RUNS} runs × up to ${PAGES_PER_PASS} pages per walk (ms per page)\n`);
    console.log(table(['variant', 'query', 'candidates', 'page', 'from', 'rows', 'p50', 'p99'], rows));
    console.log('');
  });
  log('database dropped');
}

runStandalone(main);
