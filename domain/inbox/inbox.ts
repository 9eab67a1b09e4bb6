// The acting firm user's inbox (bulk-action reports and other notifications), newest first.
import type { Db } from '../../prisma/client';
import { notFound } from '../errors';
import { encodeCreatedCursor, olderThanCursor } from '../pagination';

export async function listInbox(
  db: Db,
  firmId: string,
  userId: string,
  q: { unread?: boolean; limit: number; before?: string },
) {
  const rows = await db.inboxNotification.findMany({
    where: {
      firmId,
      firmUserId: userId,
      ...(q.unread ? { readAt: null } : {}),
      ...(q.before ? olderThanCursor(q.before, 'query.before') : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return { items: page.map(present), nextCursor: rows.length > q.limit ? encodeCreatedCursor(last) : null };
}

export async function markRead(db: Db, firmId: string, userId: string, id: string) {
  const n = await db.inboxNotification.findFirst({ where: { id, firmId, firmUserId: userId } });
  if (!n) throw notFound('Notification', id);
  const updated = n.readAt ? n : await db.inboxNotification.update({ where: { id }, data: { readAt: new Date() } });
  return present(updated);
}

function present(n: {
  id: string;
  kind: string;
  title: string;
  body: string;
  data: unknown;
  readAt: Date | null;
  createdAt: Date;
}) {
  return {
    id: n.id,
    kind: n.kind,
    title: n.title,
    body: n.body,
    data: n.data,
    readAt: n.readAt?.toISOString() ?? null,
    createdAt: n.createdAt.toISOString(),
  };
}
