// Which running reminders a policy change reaches (issue 12): the reminder workflows of the firm's kind found
// by their search attributes, and each one's settings as the database has them.
import { Prisma, type Queryable, type Tx } from '../../prisma/client';
import { itemReminderWorkflowContract, reminderWorkflowId } from '../../shared/contracts/item-reminder';
import type { ItemKind } from '../../shared/reminder-types';
import type { TemporalGateway } from '../temporal/gateway';
import { DEFAULT_POLICY, type ItemSettingsView, type PolicySettings } from './rules';

/** Item ids of the firm's running reminder workflows of this kind (NudgeFirmId, NudgeItemKind, Running). */
export async function runningReminderItems(gateway: TemporalGateway, firmId: string, kind: ItemKind) {
  const prefix = reminderWorkflowId(kind, '');
  // Ids come from the authenticated firm and the kind enum, never from the caller's text.
  const ids = await gateway.runningWorkflowIds(
    `WorkflowType = "${itemReminderWorkflowContract.workflowType}" AND NudgeFirmId = "${firmId}" AND NudgeItemKind = "${kind}"`,
  );
  return [...ids].filter((id) => id.startsWith(prefix)).map((id) => id.slice(prefix.length));
}

/** The firm's policy for the kind, or Nudge's defaults while it has none. */
export async function readPolicy(db: Queryable, firmId: string, kind: ItemKind) {
  const row = await db.firmReminderPolicy.findUnique({ where: { firmId_itemKind: { firmId, itemKind: kind } } });
  const settings: PolicySettings = row
    ? { enabled: row.enabled, intervalDays: row.intervalDays, count: row.count, sendWindow: row.sendWindow }
    : { ...DEFAULT_POLICY };
  return { row, settings };
}

const ITEM_TABLES: Record<ItemKind, { table: Prisma.Sql; pending: string }> = {
  chat: { table: Prisma.sql`"ChatThread"`, pending: 'open' },
  signature: { table: Prisma.sql`"SignatureRequest"`, pending: 'pending' },
  approval: { table: Prisma.sql`"ApprovalRequest"`, pending: 'pending' },
};

/** The items of the firm that still exist, with their account: id → accountId. */
export async function existingItems(db: Queryable, firmId: string, kind: ItemKind, ids: string[]) {
  const where = { firmId, id: { in: ids } };
  const select = { id: true, accountId: true };
  const rows =
    kind === 'chat'
      ? await db.chatThread.findMany({ where, select })
      : kind === 'signature'
        ? await db.signatureRequest.findMany({ where, select })
        : await db.approvalRequest.findMany({ where, select });
  return new Map(rows.map((r) => [r.id, r.accountId]));
}

/**
 * Each item's settings as a policy change sees them: its row, or (no row: an item started without settings)
 * the policy it follows; null for an item that no longer exists.
 */
export async function itemSettingsViews(
  db: Queryable,
  firmId: string,
  kind: ItemKind,
  ids: string[],
  policy: PolicySettings,
): Promise<Map<string, (ItemSettingsView & { hasRow: boolean }) | null>> {
  const [rows, existing] = await Promise.all([
    db.reminderSettings.findMany({ where: { firmId, itemKind: kind, itemId: { in: ids } } }),
    existingItems(db, firmId, kind, ids),
  ]);
  const byId = new Map(rows.map((r) => [r.itemId, r]));
  return new Map(
    ids.map((id): [string, (ItemSettingsView & { hasRow: boolean }) | null] => {
      const r = byId.get(id);
      if (!existing.has(id)) return [id, null];
      if (!r) return [id, { source: 'policy', settings: policy, hasRow: false }];
      const settings = { enabled: r.enabled, intervalDays: r.intervalDays, count: r.count, sendWindow: r.sendWindow };
      return [id, { source: r.source, settings, hasRow: true }];
    }),
  );
}

/**
 * Before a policy changes, the pending items that follow it without a row of their own (chat threads started
 * without settings) get the policy they had written down, so a change not applied to running reminders
 * leaves them as they were. One statement; the items keep `source = policy`.
 */
export async function writeDownFollowers(tx: Tx, firmId: string, kind: ItemKind, current: PolicySettings) {
  const { table, pending } = ITEM_TABLES[kind];
  return tx.$executeRaw`
    INSERT INTO "ReminderSettings"
      ("firmId", "itemKind", "itemId", "enabled", "intervalDays", "count", "source", "sendWindow", "updatedAt")
    SELECT t."firmId", ${kind}::"ItemKind", t.id, ${current.enabled}, ${current.intervalDays}, ${current.count},
      'policy'::"ReminderSettingsSource", ${current.sendWindow}::"ReminderSendWindow", now()
    FROM ${table} t
    WHERE t."firmId" = ${firmId}::uuid AND t.status::text = ${pending}
      AND NOT EXISTS (SELECT 1 FROM "ReminderSettings" s WHERE s."itemKind" = ${kind}::"ItemKind" AND s."itemId" = t.id)
    ON CONFLICT DO NOTHING`;
}
