// Manual resends (SPEC §3): the firm user's optional message is stored here and the workflow is told
// only the resend's id, so no client-facing text reaches Temporal's history.
import { randomUUID } from 'node:crypto';
import type { Db, Tx } from '../../prisma/client';
import type { ItemRef, ManualResend } from '../../shared/reminder-types';

/** Records the resend; the answer is the signal's payload (ids only). */
export async function recordManualResend(
  db: Db | Tx,
  item: ItemRef,
  requestedBy: string,
  message?: string,
): Promise<ManualResend> {
  const [resend] = await recordManualResends(db, [item], requestedBy, message);
  return resend;
}

/**
 * Records one resend per item in one statement (a firm's "request all pending" may name thousands), in account
 * order: the accounts' foreign-key locks are taken in the order other writers lock accounts. The answers are
 * in the items' order.
 */
export async function recordManualResends(
  db: Db | Tx,
  items: ItemRef[],
  requestedBy: string,
  message?: string,
): Promise<ManualResend[]> {
  const rows = items.map((item) => ({
    id: randomUUID(),
    firmId: item.firmId,
    accountId: item.accountId,
    itemKind: item.kind,
    itemId: item.itemId,
    requestedBy,
    message: message ?? null,
  }));
  const ordered = [...rows].sort((a, b) => a.accountId.localeCompare(b.accountId) || a.itemId.localeCompare(b.itemId));
  await db.manualResend.createMany({ data: ordered });
  return rows.map((r) => ({ resendId: r.id, requestedBy }));
}

/** A resend id as the workflow signals it (older signals may carry anything). */
export const isResendId = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
