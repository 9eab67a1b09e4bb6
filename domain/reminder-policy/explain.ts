// The reminder explainer's policy part (issue 12): where an item's settings come from (its own, the firm's
// policy for the kind, or Nudge's defaults while the firm has set none) and whether it waits for the send window.
import type { Queryable } from '../../prisma/client';
import type { ItemRef } from '../../shared/reminder-types';
import { readItemReminderSettings } from '../items/snapshot';
import type { SendWindowRule, SettingsSource } from './rules';

export interface SettingsOrigin {
  source: SettingsSource;
  sendWindow: SendWindowRule;
  explanation: string;
}

export async function explainSettingsSource(db: Queryable, ref: ItemRef): Promise<SettingsOrigin> {
  const [item, policy] = await Promise.all([
    readItemReminderSettings(db, ref),
    db.firmReminderPolicy.findUnique({ where: { firmId_itemKind: { firmId: ref.firmId, itemKind: ref.kind } } }),
  ]);
  // Settings taken from the policy before the firm set one are Nudge's defaults.
  const source: SettingsSource = item.source === 'policy' && !policy ? 'default' : item.source;
  const window =
    item.sendWindow === 'anytime'
      ? 'they go when due, whatever the send window'
      : 'they respect the firm’s send window';
  const from = {
    own: 'set for this item: a change of the firm’s reminder policy leaves them alone',
    policy: `from the firm’s reminder policy for ${ref.kind} items: a change applied to running reminders updates them`,
    default: 'Nudge’s defaults (the firm has set no reminder policy for this kind)',
  }[source];
  return { source, sendWindow: item.sendWindow, explanation: `Settings ${from}; ${window}.` };
}
