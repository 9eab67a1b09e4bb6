// The account profile (SPEC §6): details (tags, team and its history, custom fields, related accounts,
// contacts) and the overview — the latest five of each kind Nudge holds, each with its "view all" page.
import type { Db } from '../../prisma/client';
import { accountScope, requireAccountAccess, type Actor } from '../access/access';
import { getAccount } from './accounts';
import { listTeam, teamHistory } from './team';
import { invalid } from '../errors';
import { decodeTimeCursor, encodeCreatedCursor, encodeTimeCursor, olderThanCursor } from '../pagination';

export const OVERVIEW_SECTIONS = [
  'documents',
  'chat-threads',
  'signature-requests',
  'approval-requests',
  'emails',
  'notes',
  'logins',
  'audit-events',
] as const;
export type OverviewSection = (typeof OVERVIEW_SECTIONS)[number];

const iso = (d: Date | null) => d?.toISOString() ?? null;

interface Page<T> {
  items: T[];
  total: number;
  nextCursor: string | null;
}

/**
 * One page of a section, newest first. The cursor keeps the last row's time with its id (the audit events':
 * their id), not the row alone: a row that has since left the list (a request signed, approved or cancelled)
 * neither hides the next one nor ends the list.
 */
export async function listSection(
  db: Db,
  firmId: string,
  accountId: string,
  section: OverviewSection,
  limit: number,
  cursor?: string,
): Promise<Page<unknown>> {
  const take = limit + 1;
  // The rows after the cursor's, for the sections ordered by (createdAt, id).
  const after = <W extends object>(where: W) =>
    cursor ? { AND: [where, olderThanCursor(cursor, 'query.cursor')] } : where;
  const byAccount = { firmId, accountId };
  const desc = 'desc' as const;
  const finish = <T>(
    [rows, total]: [T[], number],
    present: (r: T) => unknown,
    cursorOf: (r: T) => string,
  ): Page<unknown> => {
    const page = rows.slice(0, limit);
    return {
      items: page.map(present),
      total,
      nextCursor: rows.length > limit ? cursorOf(page[page.length - 1]) : null,
    };
  };
  switch (section) {
    case 'documents':
      return finish(
        await Promise.all([
          db.document.findMany({
            where: after(byAccount),
            orderBy: [{ createdAt: desc }, { id: desc }],
            take,
          }),
          db.document.count({ where: byAccount }),
        ]),
        (d) => ({ id: d.id, name: d.name, createdAt: iso(d.createdAt) }),
        encodeCreatedCursor,
      );
    case 'chat-threads': {
      // Ordered by the time of their latest message, which moves: the cursor keeps the last row's time, so a
      // message arriving meanwhile neither repeats the threads seen nor restarts the list.
      const include = { messages: { orderBy: { createdAt: desc }, take: 1 } };
      const at = cursor ? decodeTimeCursor(cursor, 'query.cursor') : null;
      return finish(
        await Promise.all([
          db.chatThread.findMany({
            where: {
              ...byAccount,
              ...(at ? { OR: [{ updatedAt: { lt: at.at } }, { updatedAt: at.at, id: { lt: at.id } }] } : {}),
            },
            include,
            orderBy: [{ updatedAt: desc }, { id: desc }],
            take,
          }),
          db.chatThread.count({ where: byAccount }),
        ]),
        (t) => {
          const m = t.messages[0];
          return {
            id: t.id,
            subject: t.subject,
            status: t.status,
            updatedAt: iso(t.updatedAt),
            lastMessage: m ? { author: m.author, body: m.body.slice(0, 200), at: iso(m.createdAt) } : null,
          };
        },
        (t) => encodeTimeCursor(t.updatedAt, t.id),
      );
    }
    case 'signature-requests': {
      const where = { ...byAccount, status: 'pending' as const };
      return finish(
        await Promise.all([
          db.signatureRequest.findMany({
            where: after(where),
            include: { document: { select: { name: true } }, signers: true },
            orderBy: [{ createdAt: desc }, { id: desc }],
            take,
          }),
          db.signatureRequest.count({ where }),
        ]),
        (r) => ({
          id: r.id,
          documentId: r.documentId,
          documentName: r.document.name,
          status: r.status,
          signers: r.signers.length,
          signed: r.signers.filter((s: { signedAt: Date | null }) => s.signedAt).length,
          createdAt: iso(r.createdAt),
        }),
        encodeCreatedCursor,
      );
    }
    case 'approval-requests': {
      const where = { ...byAccount, status: 'pending' as const };
      return finish(
        await Promise.all([
          db.approvalRequest.findMany({
            where: after(where),
            include: { document: { select: { name: true } } },
            orderBy: [{ createdAt: desc }, { id: desc }],
            take,
          }),
          db.approvalRequest.count({ where }),
        ]),
        (r) => ({
          id: r.id,
          documentId: r.documentId,
          documentName: r.document.name,
          status: r.status,
          createdAt: iso(r.createdAt),
        }),
        encodeCreatedCursor,
      );
    }
    case 'emails': {
      const where = await accountEmailsWhere(db, firmId, accountId);
      return finish(
        await Promise.all([
          db.outboundEmail.findMany({
            where: after(where),
            orderBy: [{ createdAt: desc }, { id: desc }],
            take,
          }),
          db.outboundEmail.count({ where }),
        ]),
        (e) => ({
          id: e.id,
          to: e.toAddress,
          subject: e.subject,
          category: e.category,
          status: e.status,
          sentAt: iso(e.sentAt),
          createdAt: iso(e.createdAt),
        }),
        encodeCreatedCursor,
      );
    }
    case 'notes':
      return finish(
        await Promise.all([
          db.note.findMany({ where: after(byAccount), orderBy: [{ createdAt: desc }, { id: desc }], take }),
          db.note.count({ where: byAccount }),
        ]),
        (n) => ({
          id: n.id,
          authorId: n.authorId,
          contactId: n.contactId,
          body: n.body.slice(0, 500),
          createdAt: iso(n.createdAt),
        }),
        encodeCreatedCursor,
      );
    case 'logins':
      return finish(
        await Promise.all([
          db.loginEvent.findMany({
            where: after(byAccount),
            orderBy: [{ createdAt: desc }, { id: desc }],
            take,
          }),
          db.loginEvent.count({ where: byAccount }),
        ]),
        (l) => ({ id: l.id, contactEmailId: l.contactEmailId, at: iso(l.createdAt) }),
        encodeCreatedCursor,
      );
    case 'audit-events': {
      const before = cursor ? parseBigInt(cursor) : undefined;
      return finish(
        await Promise.all([
          db.auditEvent.findMany({
            where: { ...byAccount, ...(before !== undefined ? { id: { lt: before } } : {}) },
            orderBy: { id: desc },
            take,
          }),
          db.auditEvent.count({ where: byAccount }),
        ]),
        (e) => ({
          id: e.id.toString(),
          action: e.action,
          actorType: e.actorType,
          actorId: e.actorId,
          itemKind: e.itemKind,
          itemId: e.itemId,
          at: iso(e.createdAt),
        }),
        (e) => e.id.toString(),
      );
    }
  }
}

/**
 * The account's emails: those sent for it, and the digests (issue 12) that carried its reminders together with
 * other accounts' (such an email names no account). Those are found through the account's items, by index.
 */
async function accountEmailsWhere(db: Db, firmId: string, accountId: string) {
  const digests = await db.$queryRaw<{ key: string }[]>`
    SELECT DISTINCT e."digestKey" AS key
    FROM (
      SELECT 'chat' AS kind, id FROM "ChatThread" WHERE "firmId" = ${firmId}::uuid AND "accountId" = ${accountId}::uuid
      UNION ALL
      SELECT 'signature', id FROM "SignatureRequest" WHERE "firmId" = ${firmId}::uuid AND "accountId" = ${accountId}::uuid
      UNION ALL
      SELECT 'approval', id FROM "ApprovalRequest" WHERE "firmId" = ${firmId}::uuid AND "accountId" = ${accountId}::uuid
    ) i
    JOIN "DigestEntry" e ON e."itemKind" = i.kind::"ItemKind" AND e."itemId" = i.id
    WHERE e."firmId" = ${firmId}::uuid AND e."accountId" = ${accountId}::uuid AND e.state = 'sent'`;
  const byAccount = { firmId, accountId };
  if (!digests.length) return byAccount;
  return { firmId, OR: [{ accountId }, { idempotencyKey: { in: digests.map((d) => d.key) } }] };
}

function parseBigInt(cursor: string): bigint {
  if (!/^\d{1,19}$/.test(cursor) || BigInt(cursor) > 9223372036854775807n)
    throw invalid('query.cursor', 'must be a nextCursor from an earlier page');
  return BigInt(cursor);
}

/** "View all" of one section, if the actor may open the account. */
export async function accountSection(
  db: Db,
  firmId: string,
  actor: Actor,
  accountId: string,
  section: OverviewSection,
  limit: number,
  cursor?: string,
) {
  await requireAccountAccess(db, firmId, actor, accountId);
  return listSection(db, firmId, accountId, section, limit, cursor);
}

/** The latest five of every kind, each with its total and where to fetch all of them, if the actor may open the account. */
export async function accountOverview(db: Db, firmId: string, actor: Actor, accountId: string) {
  await requireAccountAccess(db, firmId, actor, accountId);
  const sections = await Promise.all(OVERVIEW_SECTIONS.map((s) => listSection(db, firmId, accountId, s, 5)));
  return Object.fromEntries(
    OVERVIEW_SECTIONS.map((s, i) => [
      camel(s),
      {
        latest: sections[i].items,
        total: sections[i].total,
        viewAll: { href: `/v1/accounts/${accountId}/overview/${s}?limit=50`, section: s },
      },
    ]),
  );
}

const camel = (s: string) => s.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

/** The related accounts of an account the actor may open. */
export async function accountRelated(db: Db, firmId: string, actor: Actor, accountId: string) {
  await requireAccountAccess(db, firmId, actor, accountId);
  return relatedAccounts(db, firmId, actor, accountId);
}

/** Accounts sharing at least one contact with this one, limited to those the actor may open. */
export async function relatedAccounts(db: Db, firmId: string, actor: Actor, accountId: string) {
  const rows = await db.account.findMany({
    where: {
      ...accountScope(firmId, actor),
      id: { not: accountId },
      contacts: { some: { contact: { firmId, accounts: { some: { accountId } } } } },
    },
    select: {
      id: true,
      name: true,
      type: true,
      status: true,
      contacts: { where: { contact: { accounts: { some: { accountId } } } }, select: { contactId: true } },
    },
    orderBy: { name: 'asc' },
    take: 200,
  });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    type: r.type,
    status: r.status,
    sharedContactIds: r.contacts.map((c) => c.contactId),
  }));
}

/** The details section with the contacts section: everything the profile's Info tab shows, if the actor may open the account. */
export async function accountDetails(db: Db, firmId: string, actor: Actor, accountId: string) {
  await requireAccountAccess(db, firmId, actor, accountId);
  const [account, tags, team, history, related, definitions] = await Promise.all([
    getAccount(db, firmId, accountId),
    db.accountTag.findMany({ where: { accountId }, include: { tag: true } }),
    listTeam(db, accountId),
    teamHistory(db, firmId, accountId),
    relatedAccounts(db, firmId, actor, accountId),
    db.customFieldDefinition.findMany({ where: { firmId, entity: 'account' }, orderBy: { key: 'asc' } }),
  ]);
  const values = account.customFields as Record<string, unknown>;
  return {
    ...account,
    tags: tags
      .map((t) => ({ id: t.tag.id, name: t.tag.name, color: t.tag.color }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    team,
    teamHistory: history,
    // Defined fields with their labels, in key order.
    customFieldValues: definitions.map((d) => ({
      key: d.key,
      label: d.label,
      type: d.type,
      required: d.required,
      value: values[d.key] ?? null,
    })),
    relatedAccounts: related,
  };
}
