// The reconciler's pass over digests: an address whose reminders wait for their digest (DigestEntry pending,
// or claimed by a send that did not finish) while its digest workflow is not running (terminated by hand,
// or lost to an outage) gets its workflow back. The workflow re-reads what waits, so a claimed digest goes
// under its send-once key and the pending ones at their window's end: nothing twice, nothing left behind.
import type { Db } from '../../prisma/client';
import { digestEntryAddedSignal, digestStart, digestWorkflowContract } from '../../shared/contracts/digest';
import type { TemporalGateway } from '../temporal/gateway';
import { CHECKS_PER_PASS, keysetBounds, rearmPass, type PassResult, type RingKey } from './ring';

/** An address (`id`, its ContactEmail) and since when its oldest reminder waits (`at`). */
type Address = RingKey & { firmId: string };

/** Addresses with a reminder waiting for their digest since at least `olderThanMs` ago, longest first. */
export function waitingAddresses(
  db: Db,
  olderThanMs: number,
  after: RingKey | null,
  upTo: RingKey | null,
  limit: number,
): Promise<Address[]> {
  const cutoff = new Date(Date.now() - olderThanMs);
  return db.$queryRaw<Address[]>`
    SELECT w."firmId"::text AS "firmId", w.id::text AS id, w.at FROM (
      SELECT "firmId", "contactEmailId" AS id, min("createdAt") AS at
      FROM "DigestEntry"
      WHERE state IN ('pending', 'claimed') AND "createdAt" < ${cutoff}
      GROUP BY "firmId", "contactEmailId"
    ) w
    WHERE ${keysetBounds('w', after, upTo)}
    ORDER BY w.at, w.id LIMIT ${limit}`;
}

/**
 * One pass of up to `limit` addresses whose workflow is not listed as running, from just after `from` (where
 * the last pass stopped) round to it: those held long (a closed day, a pause) with their workflow running
 * are passed by, so an address whose workflow was lost later still gets its turn.
 */
export async function rearmLostDigests(
  deps: { db: Db; gateway: TemporalGateway },
  olderThanMs: number,
  limit = CHECKS_PER_PASS,
  from: RingKey | null = null,
): Promise<PassResult> {
  const { db, gateway } = deps;
  return rearmPass({
    page: (after, upTo, n) => waitingAddresses(db, olderThanMs, after, upTo, n),
    from,
    budget: limit,
    running: () => gateway.runningWorkflowIds('NudgeItemKind = "digest"'),
    workflowId: (a) => digestStart(a.firmId, a.id).workflowId,
    async rearm(a) {
      const start = digestStart(a.firmId, a.id);
      // Visibility lags behind: a workflow just started may not be listed yet, so ask for it directly.
      if ((await gateway.status(start.workflowId)) === 'RUNNING') return false;
      await gateway.signalWithStart(digestWorkflowContract, start, digestEntryAddedSignal);
      return true;
    },
  });
}
