// A pause ended early (DELETE …/reminder-pause): the reminder it held is asked about again at once, not at the
// workflow's next daily look. The pause's end and the signals to the workflows it held commit together (outbox).
import type { Db, Tx } from '../../prisma/client';
import * as sig from '../../shared/contracts/item-reminder';
import type { ItemKind, ItemRef } from '../../shared/reminder-types';
import type { Actor } from '../access/access';
import { requireItemAccess } from './item-refs';
import { contactTarget, itemTarget, removePause, requireContactPauseAccess } from './pauses';
import type { ItemWorkflows } from './reminder-workflows';

/** The pending items a contact's pause may hold: open threads and pending requests of the contact's accounts. */
function pendingItemsOfContact(tx: Tx, firmId: string, contactId: string): Promise<ItemRef[]> {
  return tx.$queryRaw<ItemRef[]>`
    SELECT i.kind, i."itemId", i."accountId", ${firmId} AS "firmId" FROM (
      SELECT 'chat' AS kind, t.id::text AS "itemId", t."accountId"::text AS "accountId"
      FROM "ChatThread" t WHERE t."firmId" = ${firmId}::uuid AND t.status = 'open'
        AND t."accountId" IN (SELECT "accountId" FROM "AccountContact" WHERE "contactId" = ${contactId}::uuid)
      UNION ALL
      SELECT 'signature', r.id::text, r."accountId"::text
      FROM "SignatureRequest" r WHERE r."firmId" = ${firmId}::uuid AND r.status = 'pending'
        AND r."accountId" IN (SELECT "accountId" FROM "AccountContact" WHERE "contactId" = ${contactId}::uuid)
      UNION ALL
      SELECT 'approval', r.id::text, r."accountId"::text
      FROM "ApprovalRequest" r WHERE r."firmId" = ${firmId}::uuid AND r.status = 'pending'
        AND r."accountId" IN (SELECT "accountId" FROM "AccountContact" WHERE "contactId" = ${contactId}::uuid)
    ) i`;
}

export function createPauseEnds(db: Db, workflows: Pick<ItemWorkflows, 'transaction'>) {
  return {
    /** Ends the item's pause now; a reminder it held goes at once, inside the send window. */
    async resumeItemReminders(firmId: string, actor: Actor, kind: ItemKind, itemId: string): Promise<void> {
      const ref = await requireItemAccess(db, firmId, actor, kind, itemId);
      await workflows.transaction(async (tx, calls) => {
        const fields = { itemKind: kind, itemId, accountId: ref.accountId };
        if (await removePause(tx, firmId, actor, itemTarget(kind, itemId), fields))
          calls.notify(ref, sig.pauseEndedSignal);
      });
    },

    /** Ends the contact's pause now; the reminders it held (of every pending item of its accounts) go at once. */
    async resumeContactReminders(firmId: string, actor: Actor, contactId: string): Promise<void> {
      await requireContactPauseAccess(db, firmId, actor, contactId);
      await workflows.transaction(async (tx, calls) => {
        if (!(await removePause(tx, firmId, actor, contactTarget(contactId), { contactId }))) return;
        for (const item of await pendingItemsOfContact(tx, firmId, contactId)) calls.notify(item, sig.pauseEndedSignal);
      });
    },
  };
}
