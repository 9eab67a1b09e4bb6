// What a bulk action's account step asks of Temporal once its transaction has committed: arm the
// reminder workflow of a posted message, request a manual resend, start or revoke invitation workflows,
// stop the reminder workflows of a deleted account. The list is stored with the account's outcome, so a
// retry that finds the account done repeats them; each is idempotent (workflow ids, dispatch keys).
import type { ItemRef, ReminderSettings } from '../../shared/reminder-types';
import * as sig from '../../shared/contracts/item-reminder';
import type { TemporalGateway } from '../temporal/gateway';
import { createReminderWorkflows } from '../items/reminder-workflows';
import { createInvitationWorkflows, type InvitationEffects } from '../invitations/invitations';

export type BulkEffect =
  | { type: 'message-posted'; item: ItemRef; messageId: string }
  /** `message`: only in effects stored before resend messages moved to the database. */
  | { type: 'manual-resend'; item: ItemRef; resendId: string; message?: string; requestedBy: string }
  | { type: 'stop-reminders'; items: Pick<ItemRef, 'kind' | 'itemId'>[] }
  | { type: 'settings-changed'; item: ItemRef; settings: ReminderSettings }
  | { type: 'invitations'; effects: InvitationEffects };

export interface BulkEffectTarget {
  gateway: TemporalGateway;
  daySeconds: number;
}

export async function applyBulkEffects(target: BulkEffectTarget, effects: BulkEffect[]): Promise<void> {
  const reminders = createReminderWorkflows(target);
  const invitations = createInvitationWorkflows(target);
  for (const e of effects) {
    switch (e.type) {
      case 'message-posted':
        await reminders.arm(e.item, sig.firmMessagePostedSignal, { messageId: e.messageId });
        break;
      case 'manual-resend':
        await reminders.arm(e.item, sig.manualResendSignal, {
          resendId: e.resendId,
          message: e.message,
          requestedBy: e.requestedBy,
        });
        break;
      case 'settings-changed':
        await reminders.arm(e.item, sig.settingsChangedSignal, e.settings);
        break;
      case 'stop-reminders':
        for (const item of e.items) await reminders.stop(item, 'account deleted by a bulk action');
        break;
      case 'invitations':
        await invitations.apply(e.effects);
        break;
    }
  }
}
