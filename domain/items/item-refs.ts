// Finding an item of the firm, checking the actor's right to it (through its account), and saving its
// reminder settings: the steps every chat, signature, approval and reminder operation shares.
import type { Db, Tx } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import type { ItemKind, ItemRef, ReminderSettings } from '../../shared/reminder-types';
import { requireAccountAccess, type Actor } from '../access/access';
import { invalid, notFound } from '../errors';
import { settingsRowToSave } from '../reminder-policy/rules';
import { readItemReminderSettings } from './snapshot';

export type ReminderInput = Partial<ReminderSettings>;

export const KIND_LABEL: Record<ItemKind, string> = {
  chat: 'Chat thread',
  signature: 'Signature request',
  approval: 'Approval request',
};

/** The item of this firm, or not found (another firm's id included). */
export async function itemRef(db: Db, firmId: string, kind: ItemKind, itemId: string): Promise<ItemRef> {
  const where = { id: itemId, firmId };
  const select = { accountId: true };
  const row =
    kind === 'chat'
      ? await db.chatThread.findFirst({ where, select })
      : kind === 'signature'
        ? await db.signatureRequest.findFirst({ where, select })
        : await db.approvalRequest.findFirst({ where, select });
  if (!row) throw notFound(KIND_LABEL[kind], itemId);
  return { firmId, accountId: row.accountId, kind, itemId };
}

/** The item, if the actor may open its account: not found for no such item in the firm, forbidden without the right. */
export async function requireItemAccess(db: Db, firmId: string, actor: Actor, kind: ItemKind, itemId: string) {
  const ref = await itemRef(db, firmId, kind, itemId);
  await requireAccountAccess(db, firmId, actor, ref.accountId);
  return ref;
}

const ITEM_TABLE: Record<ItemKind, string> = {
  chat: '"ChatThread"',
  signature: '"SignatureRequest"',
  approval: '"ApprovalRequest"',
};

/**
 * Locks the item's row until the transaction ends and answers its status now (null: no such item), so changes
 * to one item take turns and each decides from what the one before wrote. Take it after the account's lock
 * (requireWritableAccount), as a bulk delete takes them; a dispatch takes the item only. NO KEY UPDATE: the
 * strength of the update that follows, so rows inserted meanwhile that refer to it are not held up.
 */
export async function lockItemRow(tx: Tx, kind: ItemKind, itemId: string): Promise<string | null> {
  const [row] = await tx.$queryRaw<{ status: string }[]>`
    SELECT status::text AS status FROM ${Prisma.raw(ITEM_TABLE[kind])} WHERE id = ${itemId}::uuid FOR NO KEY UPDATE`;
  return row?.status ?? null;
}

/** The document's account id, if the actor may open that account. */
export async function requireDocumentAccess(db: Db, firmId: string, actor: Actor, documentId: string) {
  const doc = await db.document.findFirst({ where: { id: documentId, firmId } });
  if (!doc) throw notFound('Document', documentId);
  await requireAccountAccess(db, firmId, actor, doc.accountId);
  return doc;
}

/**
 * Merges the input into the item's settings, checks them and stores them in the caller's transaction. Input
 * makes them the item's own; without input an item keeps its own or takes the firm's policy (issue 12).
 */
export async function saveSettings(
  tx: Tx,
  firmId: string,
  kind: ItemKind,
  itemId: string,
  input: ReminderInput | undefined,
): Promise<ReminderSettings> {
  // Read-merge-write under the item's lock: two changes at once (reminders off, another interval) both stay.
  await lockItemRow(tx, kind, itemId);
  // And under the settings row's: a policy batch locks that row only (never the item's, so no deadlock), and
  // what it writes meanwhile is merged into, not overwritten.
  await tx.$executeRaw`SELECT 1 FROM "ReminderSettings"
    WHERE "itemKind" = ${kind}::"ItemKind" AND "itemId" = ${itemId}::uuid FOR UPDATE`;
  const current = await readItemReminderSettings(tx as Db, { firmId, kind, itemId });
  const { settings, row, problem } = settingsRowToSave(current, input);
  if (problem) throw invalid('reminders', problem);
  await tx.reminderSettings.upsert({
    where: { itemKind_itemId: { itemKind: kind, itemId } },
    create: { firmId, itemKind: kind, itemId, ...row },
    update: row,
  });
  return settings;
}
