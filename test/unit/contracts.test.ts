// Every workflow contract names a workflow that workflows/index.ts exports, so starting a workflow by
// its contract can never name a type the worker does not run.
import * as workflows from '../../workflows';
import { bulkActionWorkflowContract, bulkBatchWorkflowContract } from '../../shared/contracts/bulk-action';
import { invitationWorkflowContract } from '../../shared/contracts/invitation';
import { itemReminderWorkflowContract } from '../../shared/contracts/item-reminder';
import { participantNotificationWorkflowContract } from '../../shared/contracts/participant-notification';
import { reconcilerWorkflowContract } from '../../shared/contracts/reconciler';
import { webhookDeliveryWorkflowContract } from '../../shared/contracts/webhook-delivery';
import { digestWorkflowContract } from '../../shared/contracts/digest';
import { policyApplyWorkflowContract } from '../../shared/contracts/reminder-policy';

const contracts = [
  itemReminderWorkflowContract,
  invitationWorkflowContract,
  participantNotificationWorkflowContract,
  bulkActionWorkflowContract,
  bulkBatchWorkflowContract,
  reconcilerWorkflowContract,
  webhookDeliveryWorkflowContract,
  digestWorkflowContract,
  policyApplyWorkflowContract,
];

test.each(contracts.map((c) => c.workflowType))('%s is a workflow the worker registers', (name) => {
  expect(typeof (workflows as Record<string, unknown>)[name]).toBe('function');
});

test('each workflow the worker registers has a contract', () => {
  expect(Object.keys(workflows).sort()).toEqual(contracts.map((c) => c.workflowType).sort());
});
