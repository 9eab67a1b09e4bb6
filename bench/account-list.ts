// Account list latency at firm scale: a scratch database with 100,000 accounts (tags, team members,
// linked contacts and emails), then p50/p99 per page of listAccounts for several filter/sort combinations.
// Standalone: `tsx bench/account-list.ts` (BENCH_ACCOUNTS, BENCH_PAGES to change the size); it drops its
// database at the end, also on Ctrl-C or SIGTERM. BENCH_EXPLAIN=1 prints each combination's query plan.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Db } from '../prisma/client';
import { migrate } from '../prisma/migration-runner';
import { percentile, runStandalone, withScratchDatabase } from './support';
import { createFirm } from '../domain/firms/firms';
import { accountPageSql, listAccounts, type AccountListQuery } from '../domain/accounts/list';
import { Prisma } from '../prisma/client';
import type { Actor } from '../domain/access/access';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 100_000);
/** Pages walked (following nextCursor) per run of a combination. */
const PAGES = Number(process.env.BENCH_PAGES ?? 20);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const USERS = 20;
const TAGS = 30;

const t0 = performance.now();
const log = (msg: string) =>
  console.log(`[account-list ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);

async function seed(db: Db) {
  const { firm, owner } = await createFirm(db, {
    name: 'Bench firm',
    owner: { email: 'owner@bench.test', name: 'Owner' },
  });
  await db.firmUser.createMany({
    data: Array.from({ length: USERS }, (_, i) => ({
      firmId: firm.id,
      email: `emp${i}@bench.test`,
      name: `Employee ${i}`,
      role: 'employee' as const,
    })),
  });
  await db.tag.createMany({ data: Array.from({ length: TAGS }, (_, i) => ({ firmId: firm.id, name: `Tag ${i}` })) });
  const users = await db.firmUser.findMany({ where: { firmId: firm.id, role: 'employee' }, orderBy: { email: 'asc' } });
  const tags = await db.tag.findMany({ where: { firmId: firm.id }, orderBy: { name: 'asc' } });
  const f = firm.id;
  // Set-based inserts: seeding 100k rows one by one would take longer than the measurements.
  await db.$executeRaw`
    INSERT INTO "Account" (id, "firmId", name, type, status, "customFields", "createdAt", "updatedAt")
    SELECT gen_random_uuid(), ${f}::uuid, initcap(substr(md5(i::text), 1, 8)) || ' ' || (ARRAY['Srl', 'Family', 'Ltd', 'Trust'])[1 + i % 4],
      (ARRAY['individual', 'company', 'other'])[1 + i % 3]::"AccountType",
      CASE WHEN i % 10 = 0 THEN 'archived' ELSE 'active' END::"AccountStatus",
      '{}', now() - (i || ' minutes')::interval, now() - ((i * 7919) % 100000 || ' seconds')::interval
    FROM generate_series(1, ${ACCOUNTS}::int) i`;
  log(`${ACCOUNTS} accounts`);
  await db.$executeRaw`
    CREATE TEMP TABLE acc AS SELECT id, row_number() OVER (ORDER BY "createdAt" DESC) AS n FROM "Account" WHERE "firmId" = ${f}::uuid`;
  await db.$executeRaw`
    INSERT INTO "AccountTag" ("accountId", "tagId")
    SELECT acc.id, (${tags.map((t) => t.id)}::uuid[])[1 + (acc.n * k) % ${TAGS}::int] FROM acc, generate_series(1, 2) k WHERE acc.n % 3 <> 0
    ON CONFLICT DO NOTHING`;
  await db.$executeRaw`
    INSERT INTO "AccountTeamMember" ("accountId", "firmUserId") SELECT acc.id, (${users.map((u) => u.id)}::uuid[])[1 + acc.n % ${USERS}::int] FROM acc`;
  // One contact per account with one email: a quarter with login on (pending or active), notify on for half, sync on for a fifth.
  await db.$executeRaw`
    INSERT INTO "Contact" (id, "firmId", "firstName", "lastName", "updatedAt")
    SELECT gen_random_uuid(), ${f}::uuid, 'Client', acc.n::text, now() FROM acc`;
  await db.$executeRaw`
    INSERT INTO "AccountContact" ("accountId", "contactId")
    SELECT acc.id, c.id FROM acc JOIN "Contact" c ON c."firmId" = ${f}::uuid AND c."lastName" = acc.n::text`;
  await db.$executeRaw`
    INSERT INTO "ContactEmail" (id, "firmId", "contactId", address, login, notify, "emailSync", "updatedAt")
    SELECT gen_random_uuid(), ${f}::uuid, c.id, 'client' || c."lastName" || '@bench.test',
      (CASE WHEN c."lastName"::int % 8 = 0 THEN 'active' WHEN c."lastName"::int % 8 = 1 THEN 'pending' ELSE 'off' END)::"LoginStatus",
      c."lastName"::int % 2 = 0, c."lastName"::int % 5 = 0, now()
    FROM "Contact" c WHERE c."firmId" = ${f}::uuid`;
  await db.$executeRawUnsafe('ANALYZE');
  log('tags, team members, contacts and emails; analyzed');
  return {
    firmId: f,
    owner: { id: owner.id, role: 'owner', canViewAllAccounts: false } as Actor,
    employee: { id: users[3].id, role: 'employee', canViewAllAccounts: false } as Actor,
    tagId: tags[7].id,
    memberId: users[5].id,
  };
}

async function main() {
  await withScratchDatabase('accounts', 4, async (url, db) => {
    await migrate(url, path.join(__dirname, '..', 'prisma', 'migrations'));
    log(`database ${new URL(url).pathname.slice(1)} migrated; seeding`);
    const s = await seed(db);
    const base50 = { sort: 'name', order: 'asc', limit: 50 } as const;
    const combos: [string, Actor, Partial<AccountListQuery>][] = [
      ['owner, all, name asc', s.owner, {}],
      ['owner, status=active, name asc', s.owner, { status: 'active' }],
      ['owner, search "ab" (substring)', s.owner, { search: 'ab' }],
      ['owner, search "family" (25%)', s.owner, { search: 'family' }],
      ['owner, tag', s.owner, { tagId: s.tagId }],
      ['owner, type=company, status=active', s.owner, { type: 'company', status: 'active' }],
      ['owner, team member', s.owner, { teamMemberId: s.memberId }],
      ['owner, login=active', s.owner, { loginStatus: 'active' }],
      ['owner, login=offline, createdAt desc', s.owner, { loginStatus: 'offline', sort: 'createdAt', order: 'desc' }],
      ['owner, updatedAt desc', s.owner, { sort: 'updatedAt', order: 'desc' }],
      [
        'owner, tag+company+login=active+search',
        s.owner,
        { tagId: s.tagId, type: 'company', loginStatus: 'active', search: 'a' },
      ],
      [`employee (team scope, ${Math.round(ACCOUNTS / USERS)} accounts)`, s.employee, {}],
    ];
    console.log(`\n${ACCOUNTS} accounts; ${RUNS} runs × ${PAGES} pages of 50 per combination (ms per page)\n`);
    console.log(
      `${'combination'.padEnd(44)} ${'rows'.padStart(6)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'first'.padStart(7)}`,
    );
    for (const [name, actor, q] of combos) {
      const times: number[] = [];
      const firsts: number[] = [];
      let rows = 0;
      for (let run = 0; run < RUNS; run++) {
        let cursor: string | undefined;
        rows = 0;
        for (let p = 0; p < PAGES; p++) {
          const start = performance.now();
          const page = await listAccounts(db, s.firmId, actor, { ...base50, ...q, cursor } as AccountListQuery);
          const ms = performance.now() - start;
          times.push(ms);
          if (p === 0) firsts.push(ms);
          rows += page.items.length;
          if (!page.nextCursor) break;
          cursor = page.nextCursor;
        }
      }
      if (process.env.BENCH_EXPLAIN) {
        const plan = await db.$queryRaw<{ 'QUERY PLAN': string }[]>(
          Prisma.sql`EXPLAIN (ANALYZE, BUFFERS) ${accountPageSql(s.firmId, actor, { ...base50, ...q } as AccountListQuery)}`,
        );
        console.log(plan.map((r) => r['QUERY PLAN']).join('\n'));
      }
      console.log(
        `${name.padEnd(44)} ${String(rows).padStart(6)} ${percentile(times, 50).toFixed(1).padStart(7)} ${percentile(times, 99).toFixed(1).padStart(7)} ${percentile(firsts, 50).toFixed(1).padStart(7)}`,
      );
    }
    console.log('');
  });
  log('database dropped');
}

runStandalone(main);
