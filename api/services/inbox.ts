// The acting firm user's inbox (bulk-action reports and other notifications), newest first.
import type { Db } from '../../prisma/client';
import { invalid, notFound } from '../problem';

export async function listInbox(db: Db, firmId: string, userId: string, q: { unread?: boolean; limit: number; before?: string }) {
  const rows = await db.inboxNotification.findMany({
    where: { firmId, firmUserId: userId, ...(q.unread ? { readAt: null } : {}), ...(q.before ? before(q.before) : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return { items: page.map(present), nextCursor: rows.length > q.limit ? Buffer.from(`${last.createdAt.toISOString()}|${last.id}`).toString('base64url') : null };
}

/** After the cursor's row in (createdAt, id) order, so rows of the same millisecond are not skipped. */
function before(cursor: string) {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(at);
  if (!id || Number.isNaN(date.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) throw invalid('query.before', 'must be a nextCursor from an earlier page');
  return { OR: [{ createdAt: { lt: date } }, { createdAt: date, id: { lt: id } }] };
}

export async function markRead(db: Db, firmId: string, userId: string, id: string) {
  const n = await db.inboxNotification.findFirst({ where: { id, firmId, firmUserId: userId } });
  if (!n) throw notFound('Notification', id);
  const updated = n.readAt ? n : await db.inboxNotification.update({ where: { id }, data: { readAt: new Date() } });
  return present(updated);
}

function present(n: { id: string; kind: string; title: string; body: string; data: unknown; readAt: Date | null; createdAt: Date }) {
  return { id: n.id, kind: n.kind, title: n.title, body: n.body, data: n.data, readAt: n.readAt?.toISOString() ?? null, createdAt: n.createdAt.toISOString() };
}
