// Workflow ids come from the business entity, so one item has one workflow and operators can guess them.
import type { ItemKind } from './reminder-types';

export function reminderWorkflowId(kind: ItemKind, itemId: string): string {
  return `reminder-${kind}-${itemId}`;
}

export function bulkWorkflowId(bulkActionId: string): string {
  return `bulk-${bulkActionId}`;
}

/** Key of one notification/reminder/manual resend; emails are keyed `<dispatchKey>:<contactEmailId>`. */
export function dispatchKey(workflowId: string, cycleOrSubject: string, kind: string, seq: number | string): string {
  return `${workflowId}:${cycleOrSubject}:${kind}:${seq}`;
}
