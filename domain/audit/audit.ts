// The audit trail: append-only, written in the same transaction as the change it records.
import type { Db, Queryable } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import type { ItemKind } from '../../shared/reminder-types';
import { requireAccountAccess, seesAllAccounts, type Actor } from '../access/access';
import { forbidden } from '../errors';

export interface AuditEntry {
  firmId: string;
  actorId: string | null;
  actorType?: 'firm_user' | 'client' | 'system';
  action: string;
  accountId?: string | null;
  /** Events about a contact also form its activity timeline. */
  contactId?: string | null;
  itemKind?: ItemKind;
  itemId?: string;
  data?: Prisma.InputJsonObject;
}

export async function audit(tx: Queryable, e: AuditEntry): Promise<void> {
  await tx.auditEvent.create({
    data: {
      firmId: e.firmId,
      accountId: e.accountId ?? null,
      contactId: e.contactId ?? null,
      actorType: e.actorType ?? (e.actorId ? 'firm_user' : 'system'),
      actorId: e.actorId,
      action: e.action,
      itemKind: e.itemKind,
      itemId: e.itemId,
      data: e.data ?? {},
    },
  });
}

export interface AuditQuery {
  accountId?: string;
  /** A contact's activity timeline. */
  contactId?: string;
  itemId?: string;
  action?: string;
  /** Only entries of no account or of one of these (a reader limited to their team's accounts). */
  accountsOpen?: string[];
  /** Return entries older than this id (cursor pagination, newest first). */
  before?: string;
  limit: number;
}

/** The firm's audit trail as the actor may read it: of one account they may open, or firm-wide when they see all accounts. */
export async function listAuditTrail(db: Db, firmId: string, actor: Actor, q: AuditQuery) {
  if (q.accountId) await requireAccountAccess(db, firmId, actor, q.accountId);
  // The firm-wide trail spans every account; an employee limited to their team's accounts asks per account.
  else if (!seesAllAccounts(actor)) throw forbidden('Filter the audit trail by an account you work on (accountId).');
  return listAudit(db, firmId, { ...q, accountsOpen: await accountsOpenTo(db, firmId, actor) });
}

/** The accounts a reader limited to their team's accounts may open; undefined for one who sees them all. */
export async function accountsOpenTo(db: Queryable, firmId: string, actor: Actor): Promise<string[] | undefined> {
  if (seesAllAccounts(actor)) return undefined;
  const rows = await db.accountTeamMember.findMany({
    where: { firmUserId: actor.id, account: { firmId } },
    select: { accountId: true },
  });
  return rows.map((m) => m.accountId);
}

export async function listAudit(db: Db, firmId: string, q: AuditQuery) {
  const rows = await db.auditEvent.findMany({
    where: {
      firmId,
      ...(q.accountId ? { accountId: q.accountId } : {}),
      ...(q.contactId ? { contactId: q.contactId } : {}),
      ...(q.itemId ? { itemId: q.itemId } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.accountsOpen ? { OR: [{ accountId: null }, { accountId: { in: q.accountsOpen } }] } : {}),
      ...(q.before ? { id: { lt: BigInt(q.before) } } : {}),
    },
    orderBy: { id: 'desc' },
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const open = q.accountsOpen && new Set(q.accountsOpen);
  return {
    items: page.map((r) => ({
      ...r,
      id: r.id.toString(),
      createdAt: r.createdAt.toISOString(),
      data: open ? withoutHiddenAccounts(r.data, open) : r.data,
    })),
    nextCursor: rows.length > q.limit ? page[page.length - 1].id.toString() : null,
  };
}

/**
 * An entry's data as a reader limited to some accounts sees it: the other accounts it names (a contact's
 * `accountIds`, a move's `fromAccountId` / `toAccountId`) left out, as the contact's links leave them out.
 */
function withoutHiddenAccounts(data: Prisma.JsonValue, open: Set<string>): Prisma.JsonValue {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return data;
  const seen = (id: Prisma.JsonValue | undefined) => typeof id === 'string' && open.has(id);
  return Object.fromEntries(
    Object.entries(data).map(([k, v]) => {
      if (k === 'accountIds' && Array.isArray(v)) return [k, v.filter(seen)];
      if (k.endsWith('AccountId') && typeof v === 'string' && !seen(v)) return [k, null];
      return [k, v];
    }),
  );
}
