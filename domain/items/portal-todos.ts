// Portal to-dos: the client's list of pending items, newest (or most recently resent) first.
import type { Db, Queryable } from '../../prisma/client';
import { notFound } from '../errors';

export async function listTodos(db: Db, firmId: string, emailId: string) {
  const email = await db.contactEmail.findFirst({ where: { id: emailId, firmId }, select: { id: true } });
  if (!email) throw notFound('Contact email', emailId);
  const todos = await db.portalTodo.findMany({
    where: { contactEmailId: emailId, status: 'open' },
    orderBy: [{ bumpedAt: 'desc' }, { createdAt: 'desc' }],
  });
  return todos.map((t) => ({
    id: t.id,
    accountId: t.accountId,
    itemKind: t.itemKind,
    itemId: t.itemId,
    title: t.title,
    status: t.status,
    bumpedAt: t.bumpedAt.toISOString(),
  }));
}

export async function closeTodos(tx: Queryable, itemKind: 'chat' | 'signature' | 'approval', itemId: string) {
  await tx.portalTodo.updateMany({ where: { itemKind, itemId, status: 'open' }, data: { status: 'done' } });
}
