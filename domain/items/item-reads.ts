// What the firm reads of its items (SPEC §2): a chat thread and its messages (the client's replies among them,
// which the client pages record too), a signature or an approval request. Only staff who may open the item's
// account read it: another firm's id is not found, an employee off the account's team is refused.
import type { Db } from '../../prisma/client';
import type { Actor } from '../access/access';
import { notFound } from '../errors';
import { createdPage, olderThanCursor } from '../pagination';
import { KIND_LABEL, requireItemAccess } from './item-refs';
import { presentApproval, presentMessage, presentSignature, presentThread } from './present';

export interface MessagePageQuery {
  limit?: number;
  /** The nextCursor of the page before. */
  cursor?: string;
}

export function createItemReads(db: Db) {
  /** The row, or not found: a delete may have taken it since the access check. */
  const found = <T>(row: T | null, label: string, id: string): T => {
    if (!row) throw notFound(label, id);
    return row;
  };

  return {
    /** A thread with its number of messages and the time of the latest (an archive or a reopen is no message). */
    async getThread(firmId: string, actor: Actor, threadId: string) {
      await requireItemAccess(db, firmId, actor, 'chat', threadId);
      const t = found(
        await db.chatThread.findFirst({
          where: { id: threadId, firmId },
          include: {
            _count: { select: { messages: true } },
            messages: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 1, select: { createdAt: true } },
          },
        }),
        KIND_LABEL.chat,
        threadId,
      );
      return {
        ...presentThread(t),
        updatedAt: t.updatedAt.toISOString(),
        messages: t._count.messages,
        lastMessageAt: t.messages[0]?.createdAt.toISOString() ?? null,
      };
    },

    /** A thread's messages, newest first, 50 a page (`cursor`: the last page's nextCursor). */
    async listMessages(firmId: string, actor: Actor, threadId: string, query: MessagePageQuery) {
      await requireItemAccess(db, firmId, actor, 'chat', threadId);
      const limit = query.limit ?? 50;
      const rows = await db.chatMessage.findMany({
        where: { threadId, firmId, ...(query.cursor ? olderThanCursor(query.cursor, 'query.cursor') : {}) },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
      });
      return createdPage(rows, limit, presentMessage);
    },

    async getSignatureRequest(firmId: string, actor: Actor, requestId: string) {
      await requireItemAccess(db, firmId, actor, 'signature', requestId);
      const r = found(
        await db.signatureRequest.findFirst({ where: { id: requestId, firmId }, include: { signers: true } }),
        KIND_LABEL.signature,
        requestId,
      );
      return {
        ...presentSignature(r),
        createdAt: r.createdAt.toISOString(),
        completedAt: r.completedAt?.toISOString() ?? null,
      };
    },

    async getApprovalRequest(firmId: string, actor: Actor, requestId: string) {
      await requireItemAccess(db, firmId, actor, 'approval', requestId);
      const r = found(
        await db.approvalRequest.findFirst({ where: { id: requestId, firmId } }),
        KIND_LABEL.approval,
        requestId,
      );
      return { ...presentApproval(r), createdAt: r.createdAt.toISOString() };
    },
  };
}
