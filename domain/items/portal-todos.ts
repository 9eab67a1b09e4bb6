// Portal to-dos: the client's list of pending items, newest (or most recently resent) first.
import type { Db, Queryable } from '../../prisma/client';
import { accountScope, type Actor } from '../access/access';
import { requireContactEmailAccess } from '../access/contact-access';

/** The email's open to-dos on the accounts the actor may open (its contact must be open to them). */
export async function listTodos(db: Db, firmId: string, actor: Actor, emailId: string) {
  await requireContactEmailAccess(db, firmId, actor, emailId);
  const todos = await db.portalTodo.findMany({
    where: { contactEmailId: emailId, status: 'open', account: accountScope(firmId, actor) },
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

/**
 * A thread reopened with its client still to answer: its to-dos are open again and on top, as a new message's
 * notification would leave them (none is sent for the same message), for the emails still on the portal.
 */
export async function reopenTodos(tx: Queryable, itemKind: 'chat', itemId: string) {
  await tx.portalTodo.updateMany({
    where: { itemKind, itemId, email: { login: { not: 'off' } } },
    data: { status: 'open', bumpedAt: new Date() },
  });
}
