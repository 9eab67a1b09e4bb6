// The reconciler's contract: a short workflow that a Temporal Schedule (`nudge-reconciler`, visible in
// the UI) starts every minute or so, to repair what an outage between the database and Temporal left
// behind: bulk actions without their workflow, reminders and digests whose workflow is gone.
import type { BulkPacing } from './bulk-action';
import { defineWorkflow } from './workflow';

export const RECONCILER_SCHEDULE_ID = 'nudge-reconciler';

export interface ReconcilerInput {
  /** Only what has been left alone this long is repaired (younger changes are still in flight). */
  olderThanMs: number;
  /** Length of a reminder "day" in seconds, for the reminder and bulk workflows it starts. */
  daySeconds: number;
  /** How a bulk action it starts cuts its work (the API's BULK_* settings). */
  pacing: BulkPacing;
  /** BULK_MAX_RUNNING_PER_FIRM: queued bulk actions of a firm under it are started. */
  maxRunningPerFirm?: number;
}

export interface ReconcileReport {
  bulkStarted: string[];
  bulkClosed: string[];
  remindersChecked: number;
  remindersRearmed: string[];
  /** Digest workflows started again for addresses whose reminders waited without one (absent: older runs). */
  digestsRearmed?: string[];
  /** Policy applications closed `cancelled` whose workflow ended without closing them (absent: older runs). */
  policyApplicationsClosed?: string[];
}

export const reconcilerWorkflowContract = defineWorkflow<ReconcilerInput, ReconcileReport>('reconcilerWorkflow');
