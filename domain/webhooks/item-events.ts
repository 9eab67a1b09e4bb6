// The item events firm webhooks hear of (issue 11), each keyed so that recording it again is a no-op:
// reminder.sent and item.reminders_exhausted in the dispatch's own statement, item.completed in the
// client's reply, last signature or approval transaction (domain/items/), email.bounced right after a
// permanent refusal of a client email of an item.
import type { Db, Tx } from '../../prisma/client';
import type { HotFragment } from '../outbox/hot-sql';
import type { DispatchRequest, ItemRef, ItemSnapshot } from '../../shared/reminder-types';
import { recordWebhookEvent, webhookEventCtes, type WebhookEvent } from './events';

const itemData = (item: ItemRef) => ({ itemKind: item.kind, itemId: item.itemId, accountId: item.accountId });

/**
 * In the dispatch's statement: a reminder went to `recipients` addresses; the last of the cycle's count too.
 * The CTEs that record them (events.ts `webhookEventCtes`) when `onlyIf` holds a row; null: no event.
 */
export function reminderEventCtes(
  req: DispatchRequest,
  recipients: number,
  settings: ItemSnapshot['settings'],
  onlyIf: string,
): HotFragment | null {
  if (req.kind === 'notification') return null;
  const events: Omit<WebhookEvent, 'firmId'>[] = [];
  if (recipients > 0)
    events.push({
      type: 'reminder.sent',
      key: req.dispatchKey,
      data: {
        ...itemData(req.item),
        reminderKind: req.kind === 'manual' ? 'manual' : 'automatic',
        reminderNumber: req.seq,
        recipients,
      },
    });
  // No further automatic reminder in this cycle unless the firm raises the count.
  if (req.kind === 'reminder' && req.seq >= settings.count)
    events.push({
      type: 'item.reminders_exhausted',
      key: `${req.dispatchKey}:exhausted`,
      data: { ...itemData(req.item), remindersSent: req.seq },
    });
  return events.length ? webhookEventCtes(req.item.firmId, events, onlyIf) : null;
}

/** In the client action's transaction: the item is done (`completion` says how); `key` names that action. */
export async function recordItemCompleted(
  tx: Tx,
  item: ItemRef,
  completion: 'replied' | 'signed' | 'approved',
  key: string,
): Promise<void> {
  await recordWebhookEvent(tx, {
    firmId: item.firmId,
    type: 'item.completed',
    key: `item.completed:${item.kind}:${item.itemId}:${key}`,
    data: { ...itemData(item), completion },
  });
}

/** A client email of the item refused for good (the address is now marked bouncing); keyed by the email. */
export async function recordEmailBounced(db: Db, item: ItemRef, emailKey: string, contactEmailId: string) {
  await recordWebhookEvent(db, {
    firmId: item.firmId,
    type: 'email.bounced',
    key: `${emailKey}:bounced`,
    data: { ...itemData(item), contactEmailId },
  });
}
