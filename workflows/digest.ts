// One durable workflow per address of a firm with digests on (issue 12): the address's automatic reminders
// wait in the database (DigestEntry) for the collection window, then go as one email listing each item. The
// workflow only knows ids and instants; the activities read and write everything else.
import {
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createDigestActivities } from '../activities/digest-activities';
import { STATUS } from '../shared/contracts/search-attributes';
import {
  digestEntryAddedSignal,
  digestStateQuery,
  type DigestInput,
  type DigestResult,
  type DigestStatus,
  type digestWorkflowContract,
} from '../shared/contracts/digest';
import type { WorkflowFunction } from '../shared/contracts/workflow';
import { DISPATCH_EMAILS, LOAD_ITEM } from './activity-options';

type DigestActivities = ReturnType<typeof createDigestActivities>;
const { planDigest } = proxyActivities<DigestActivities>(LOAD_ITEM);
const { sendDigest } = proxyActivities<DigestActivities>(DISPATCH_EMAILS);

export async function digestWorkflow(input: DigestInput): Promise<DigestResult> {
  const address = { firmId: input.firmId, contactEmailId: input.contactEmailId };
  let digestsSent = input.digestsSent ?? 0;
  let status: DigestStatus = 'starting';
  let sendAt: number | null = null;
  let added = false; // a reminder was queued since the last look at the database

  setHandler(digestEntryAddedSignal, () => void (added = true));
  setHandler(digestStateQuery, () => ({
    status,
    sendAt: status === 'collecting' && sendAt !== null ? new Date(sendAt).toISOString() : null,
    digestsSent,
  }));

  function setStatus(next: DigestStatus) {
    if (next === status) return;
    status = next;
    // The search attribute keeps the states operators filter on: waiting (collecting or idle), completed.
    upsertSearchAttributes([{ key: STATUS, value: next === 'completed' ? 'completed' : 'waiting' }]);
  }

  for (;;) {
    added = false; // before the look, so a reminder queued during it wakes the idle wait below
    const plan = await planDigest(address);
    if (plan.sendAt === null) {
      // Nothing waits: stay a window's length for the next reminder, then end (a later one starts a new run).
      setStatus('idle');
      if (await condition(() => added, plan.idleMs)) continue;
      break;
    }
    // Collecting: reminders queued meanwhile join this digest; those queued while it is sent, the next.
    sendAt = plan.sendAt;
    setStatus('collecting');
    if (plan.sendAt > Date.now()) await sleep(plan.sendAt - Date.now());
    setStatus('sending');
    const sent = await sendDigest(address);
    if (sent.status === 'sent') digestsSent++;
    // State lives in the database: a new run picks up whatever still waits.
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof digestWorkflow>({ ...input, digestsSent });
    }
  }

  setStatus('completed');
  return { digestsSent };
}

digestWorkflow satisfies WorkflowFunction<typeof digestWorkflowContract>;
