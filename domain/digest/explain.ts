// What the reminder explainer says of digests (issue 12): that the next reminder will go in a digest, and
// for each reminder that went (or waits) in one, per address, whether it went, waits or dropped out and why.
import type { Queryable } from '../../prisma/client';
import type { ItemRef } from '../../shared/reminder-types';
import { readDigestSetting } from './settings';

const STATUS: Record<string, 'waiting' | 'sending' | 'sent' | 'dropped'> = {
  pending: 'waiting',
  claimed: 'sending',
  sent: 'sent',
  dropped: 'dropped',
};

/** When the firm's digests are on: how the next automatic reminder will go. */
export async function nextReminderDigest(db: Queryable, firmId: string) {
  const setting = await readDigestSetting(db, firmId);
  if (!setting.enabled) return null;
  return {
    windowMinutes: setting.windowMinutes,
    explanation: `goes in one digest per address, with that address's other reminders due within ${setting.windowMinutes} minutes`,
  };
}

/** Per dispatch key, each recipient's part in a digest. */
export async function digestsOfItem(db: Queryable, ref: ItemRef) {
  const entries = await db.digestEntry.findMany({
    where: { firmId: ref.firmId, itemKind: ref.kind, itemId: ref.itemId },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  const byDispatch = new Map<string, object[]>();
  for (const e of entries) {
    const list = byDispatch.get(e.dispatchKey) ?? [];
    list.push({
      contactEmailId: e.contactEmailId,
      status: STATUS[e.state] ?? e.state,
      queuedAt: e.createdAt.toISOString(),
      ...(e.digestKey ? { digestKey: e.digestKey } : {}),
      ...(e.settledAt ? { settledAt: e.settledAt.toISOString() } : {}),
      ...(e.dropReason ? { dropReason: e.dropReason } : {}),
    });
    byDispatch.set(e.dispatchKey, list);
  }
  return byDispatch;
}
