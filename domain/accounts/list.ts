// The account list: filters, sort, stable cursor pagination and the login/notify/email-sync columns,
// in a fixed number of queries per page however many accounts the firm has (no per-row lookups).
import type { Db } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import { seesAllAccounts, type Actor } from '../access/access';
import { invalid } from '../errors';

export interface AccountListQuery {
  search?: string;
  tagId?: string;
  type?: 'individual' | 'company' | 'other';
  status?: 'active' | 'archived';
  teamMemberId?: string;
  loginStatus?: 'active' | 'offline';
  sort: 'name' | 'createdAt' | 'updatedAt';
  order: 'asc' | 'desc';
  limit: number;
  cursor?: string;
}

interface Row {
  id: string;
  name: string;
  type: string;
  status: string;
  photoUrl: string | null;
  createdAt: Date;
  updatedAt: Date;
  sortKey: string;
  loginActive: boolean;
  notify: boolean;
  emailSync: boolean;
}

// "Some linked email with …": one EXISTS per column, evaluated only for the page's rows.
const linkedEmail = (cond: Prisma.Sql) =>
  Prisma.sql`EXISTS (SELECT 1 FROM "AccountContact" ac JOIN "ContactEmail" e ON e."contactId" = ac."contactId" WHERE ac."accountId" = a.id AND ${cond})`;
const LOGIN_ON = linkedEmail(Prisma.sql`e.login <> 'off'`);

/** Name sorts case-insensitively; timestamps sort as text in a fixed ISO-like form so the cursor round-trips exactly. */
const SORT_KEY: Record<AccountListQuery['sort'], Prisma.Sql> = {
  name: Prisma.sql`lower(a.name)`,
  createdAt: Prisma.sql`to_char(a."createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS')`,
  updatedAt: Prisma.sql`to_char(a."updatedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS')`,
};
// The timestamp sorts compare the column itself (so an index on it could serve them); the text key only travels in the cursor.
const SORT_EXPR: Record<AccountListQuery['sort'], { expr: Prisma.Sql; cast: (v: string) => Prisma.Sql }> = {
  name: { expr: Prisma.sql`lower(a.name)`, cast: (v) => Prisma.sql`${v}` },
  createdAt: { expr: Prisma.sql`a."createdAt"`, cast: (v) => Prisma.sql`${v}::timestamp(3)` },
  updatedAt: { expr: Prisma.sql`a."updatedAt"`, cast: (v) => Prisma.sql`${v}::timestamp(3)` },
};

export type AccountFilter = Pick<
  AccountListQuery,
  'search' | 'tagId' | 'type' | 'status' | 'teamMemberId' | 'loginStatus'
>;

/** The list's filters over `"Account" a`, within the firm and the accounts the actor may see (bulk actions select with them too). */
export function accountFilterConditions(firmId: string, actor: Actor, q: AccountFilter): Prisma.Sql[] {
  const where: Prisma.Sql[] = [Prisma.sql`a."firmId" = ${firmId}::uuid`];
  if (!seesAllAccounts(actor))
    where.push(
      Prisma.sql`EXISTS (SELECT 1 FROM "AccountTeamMember" m WHERE m."accountId" = a.id AND m."firmUserId" = ${actor.id}::uuid)`,
    );
  if (q.status) where.push(Prisma.sql`a.status = ${q.status}::"AccountStatus"`);
  if (q.type) where.push(Prisma.sql`a.type = ${q.type}::"AccountType"`);
  if (q.search) {
    // Part of the name, or of a linked contact's email address (a firm looks a client up by either). The firm's
    // addresses are matched once, not per account (a hashed set: bench/account-list.ts).
    const pattern = '%' + q.search.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
    where.push(Prisma.sql`(a.name ILIKE ${pattern} OR a.id IN (
      SELECT ac."accountId" FROM "ContactEmail" e JOIN "AccountContact" ac ON ac."contactId" = e."contactId"
      WHERE e."firmId" = ${firmId}::uuid AND e.address ILIKE ${pattern}))`);
  }
  if (q.tagId)
    where.push(
      Prisma.sql`EXISTS (SELECT 1 FROM "AccountTag" t WHERE t."accountId" = a.id AND t."tagId" = ${q.tagId}::uuid)`,
    );
  if (q.teamMemberId)
    where.push(
      Prisma.sql`EXISTS (SELECT 1 FROM "AccountTeamMember" tm WHERE tm."accountId" = a.id AND tm."firmUserId" = ${q.teamMemberId}::uuid)`,
    );
  if (q.loginStatus === 'active') where.push(LOGIN_ON);
  if (q.loginStatus === 'offline') where.push(Prisma.sql`NOT ${LOGIN_ON}`);
  return where;
}

/** The page query with its three columns (exported for the benchmark's EXPLAIN). */
export function accountPageSql(firmId: string, actor: Actor, q: AccountListQuery): Prisma.Sql {
  const where = accountFilterConditions(firmId, actor, q);

  const { expr, cast } = SORT_EXPR[q.sort];
  const desc = q.order === 'desc';
  if (q.cursor) {
    const [value, id] = decodeCursor(q.cursor, q.sort);
    where.push(
      desc
        ? Prisma.sql`(${expr}, a.id) < (${cast(value)}, ${id}::uuid)`
        : Prisma.sql`(${expr}, a.id) > (${cast(value)}, ${id}::uuid)`,
    );
  }
  const direction = desc ? Prisma.sql`DESC` : Prisma.sql`ASC`;

  // The page is chosen first; the three columns are computed for its rows only.
  return Prisma.sql`
    WITH page AS (
      SELECT a.id, a.name, a.type::text AS type, a.status::text AS status, a."photoUrl", a."createdAt", a."updatedAt", ${SORT_KEY[q.sort]} AS "sortKey"
      FROM "Account" a
      WHERE ${Prisma.join(where, ' AND ')}
      ORDER BY ${expr} ${direction}, a.id ${direction}
      LIMIT ${q.limit + 1}
    )
    SELECT page.*, ${LOGIN_ON} AS "loginActive",
      ${linkedEmail(Prisma.sql`e.notify`)} AS notify,
      ${linkedEmail(Prisma.sql`e."emailSync"`)} AS "emailSync"
    FROM page JOIN "Account" a ON a.id = page.id
    ORDER BY page."sortKey" ${direction}, page.id ${direction}`;
}

export async function listAccounts(db: Db, firmId: string, actor: Actor, q: AccountListQuery) {
  const rows = await db.$queryRaw<Row[]>(accountPageSql(firmId, actor, q));

  const page = rows.slice(0, q.limit);
  const ids = page.map((r) => r.id);
  const [tags, team] = await Promise.all([
    db.accountTag.findMany({
      where: { accountId: { in: ids } },
      include: { tag: { select: { id: true, name: true, color: true } } },
    }),
    db.accountTeamMember.findMany({
      where: { accountId: { in: ids } },
      include: { user: { select: { id: true, name: true } } },
    }),
  ]);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      id: r.id,
      name: r.name,
      type: r.type,
      status: r.status,
      photoUrl: r.photoUrl,
      createdAt: new Date(r.createdAt).toISOString(),
      updatedAt: new Date(r.updatedAt).toISOString(),
      loginStatus: r.loginActive ? 'active' : 'offline',
      notify: r.notify,
      emailSync: r.emailSync,
      tags: tags
        .filter((t) => t.accountId === r.id)
        .map((t) => t.tag)
        .sort((x, y) => x.name.localeCompare(y.name)),
      team: team
        .filter((m) => m.accountId === r.id)
        .map((m) => m.user)
        .sort((x, y) => x.name.localeCompare(y.name)),
    })),
    nextCursor: rows.length > q.limit ? encodeCursor(q.sort, last.sortKey, last.id) : null,
  };
}

// The cursor names its sort, so a cursor of another sort is refused rather than misread.
const encodeCursor = (sort: string, value: string, id: string) =>
  Buffer.from(JSON.stringify([sort, value, id])).toString('base64url');
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/;

/** A time as SORT_KEY writes it, and one ::timestamp(3) takes: no 13th month, no 30 February, no year 0. */
function isTimestamp(v: string): boolean {
  const at = new Date(v + 'Z');
  return (
    TIMESTAMP.test(v) && !v.startsWith('0000') && !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 23) === v
  );
}

/** The cursor's value goes to PostgreSQL: one it would refuse (NUL in text, an impossible time) is invalid here. */
function decodeCursor(cursor: string, sort: AccountListQuery['sort']): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 3 &&
      v[0] === sort &&
      typeof v[1] === 'string' &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v[2])
    ) {
      if (!v[1].includes('\u0000') && (sort === 'name' || isTimestamp(v[1]))) return [v[1], v[2]];
    }
  } catch {
    /* fall through */
  }
  throw invalid('query.cursor', 'must be a nextCursor from an earlier page of the same sort');
}
