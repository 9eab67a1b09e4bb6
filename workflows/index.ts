// Every workflow the worker runs; the worker bundles this file.
export { itemReminderWorkflow } from './item-reminder';
export { invitationWorkflow } from './invitation';
export { participantNotificationWorkflow } from './participant-notification';
export { bulkActionWorkflow, bulkBatchWorkflow } from './bulk-action';
export { reconcilerWorkflow } from './reconciler';
export { webhookDeliveryWorkflow } from './webhook-delivery';
export { digestWorkflow } from './digest';
export { reminderPolicyApplyWorkflow } from './policy-apply';
