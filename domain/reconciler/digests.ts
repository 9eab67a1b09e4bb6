// The reconciler's pass over digests: an address whose reminders wait for their digest (DigestEntry pending,
// or claimed by a send that did not finish) while its digest workflow is not running (terminated by hand,
// or lost to an outage) gets its workflow back. The workflow re-reads what waits, so a claimed digest goes
// under its send-once key and the pending ones at their window's end: nothing twice, nothing left behind.
import type { Db } from '../../prisma/client';
import { digestEntryAddedSignal, digestStart, digestWorkflowContract } from '../../shared/contracts/digest';
import type { TemporalGateway } from '../temporal/gateway';

type Address = { firmId: string; contactEmailId: string };

/** Addresses with a reminder waiting for their digest since at least `olderThanMs` ago, longest first. */
function waitingAddresses(db: Db, olderThanMs: number, limit: number): Promise<Address[]> {
  const cutoff = new Date(Date.now() - olderThanMs);
  return db.$queryRaw<Address[]>`
    SELECT "firmId"::text AS "firmId", "contactEmailId"::text AS "contactEmailId"
    FROM "DigestEntry"
    WHERE state IN ('pending', 'claimed') AND "createdAt" < ${cutoff}
    GROUP BY "firmId", "contactEmailId"
    ORDER BY min("createdAt") LIMIT ${limit}`;
}

export async function rearmLostDigests(
  deps: { db: Db; gateway: TemporalGateway },
  olderThanMs: number,
  limit = 1000,
): Promise<{ checked: number; rearmed: string[] }> {
  const { db, gateway } = deps;
  const addresses = await waitingAddresses(db, olderThanMs, limit);
  if (!addresses.length) return { checked: 0, rearmed: [] };
  const running = await gateway.runningWorkflowIds('NudgeItemKind = "digest"');
  const rearmed: string[] = [];
  for (const a of addresses) {
    const start = digestStart(a.firmId, a.contactEmailId);
    if (running.has(start.workflowId)) continue;
    // Visibility lags behind: a workflow just started may not be listed yet, so ask for it directly.
    if ((await gateway.status(start.workflowId)) === 'RUNNING') continue;
    await gateway.signalWithStart(digestWorkflowContract, start, digestEntryAddedSignal);
    rearmed.push(start.workflowId);
  }
  return { checked: addresses.length, rearmed };
}
