// Items the client must act on (chat threads, signature and approval requests) and their reminders, as
// one service for the API: each operation checks the actor's access, writes the change with its audit
// entry, then tells the item's reminder workflow.
import type { Db } from '../../prisma/client';
import { createApprovalService } from './approvals';
import { createChatService } from './chat';
import { createDocumentService } from './documents';
import { createItemReads } from './item-reads';
import { createReminderService } from './reminders';
import { createPauseEnds } from './pause-ends';
import type { ItemWorkflows } from './reminder-workflows';
import { createSignatureService } from './signatures';

export function createItemsService(db: Db, workflows: ItemWorkflows) {
  return {
    ...createChatService(db, workflows),
    ...createDocumentService(db, workflows),
    ...createSignatureService(db, workflows),
    ...createApprovalService(db, workflows),
    ...createReminderService(db, workflows),
    ...createPauseEnds(db, workflows),
    ...createItemReads(db),
  };
}

export type ItemsService = ReturnType<typeof createItemsService>;
