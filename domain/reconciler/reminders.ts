// The reconciler's pass over reminders: an item that still needs reminders but whose workflow is not
// running (lost to an outage between a commit and its signal, or terminated by hand) is armed again. The
// workflow re-reads the database, so it resumes from the last send, without a burst.
import type { Db } from '../../prisma/client';
import * as sig from '../../shared/contracts/item-reminder';
import { nextStep } from '../../shared/reminder-policy';
import type { ItemKind, ItemRef } from '../../shared/reminder-types';
import type { ReminderWorkflows } from '../items/reminder-workflows';
import { readItemSnapshot } from '../items/snapshot';
import type { TemporalGateway } from '../temporal/gateway';

type Candidate = { kind: ItemKind; itemId: string; firmId: string; accountId: string };

/**
 * Pending items with reminders on, changed at least `olderThanMs` ago, oldest first: those with their own
 * settings row, and chat threads without one whose firm's chat policy has reminders on (they follow it).
 */
function candidates(db: Db, olderThanMs: number, limit: number): Promise<Candidate[]> {
  const cutoff = new Date(Date.now() - olderThanMs);
  return db.$queryRaw<Candidate[]>`
    SELECT kind, "itemId", "firmId", "accountId" FROM (
      SELECT s."itemKind"::text AS kind, s."itemId"::text AS "itemId", s."firmId"::text AS "firmId",
        COALESCE(t."accountId", sr."accountId", ar."accountId")::text AS "accountId", s."updatedAt" AS at
      FROM "ReminderSettings" s
      LEFT JOIN "ChatThread" t ON s."itemKind" = 'chat' AND t.id = s."itemId" AND t.status = 'open'
      LEFT JOIN "SignatureRequest" sr ON s."itemKind" = 'signature' AND sr.id = s."itemId" AND sr.status = 'pending'
      LEFT JOIN "ApprovalRequest" ar ON s."itemKind" = 'approval' AND ar.id = s."itemId" AND ar.status = 'pending'
      WHERE s.enabled AND s."updatedAt" < ${cutoff} AND COALESCE(t.id, sr.id, ar.id) IS NOT NULL
      UNION ALL
      SELECT 'chat', t.id::text, t."firmId"::text, t."accountId"::text, t."updatedAt"
      FROM "ChatThread" t
      JOIN "FirmReminderPolicy" p ON p."firmId" = t."firmId" AND p."itemKind" = 'chat' AND p.enabled
      WHERE t.status = 'open' AND t."updatedAt" < ${cutoff}
        AND NOT EXISTS (SELECT 1 FROM "ReminderSettings" s WHERE s."itemKind" = 'chat' AND s."itemId" = t.id)
    ) c
    ORDER BY at LIMIT ${limit}`;
}

export async function rearmLostReminders(
  deps: { db: Db; gateway: TemporalGateway; reminders: ReminderWorkflows; daySeconds: number },
  olderThanMs: number,
  limit = 1000,
): Promise<{ checked: number; rearmed: string[] }> {
  const { db, gateway, reminders, daySeconds } = deps;
  const items = await candidates(db, olderThanMs, limit);
  if (!items.length) return { checked: 0, rearmed: [] };
  const running = await gateway.runningWorkflowIds('NudgeItemKind IN ("chat", "signature", "approval")');
  const rearmed: string[] = [];
  for (const c of items) {
    const workflowId = sig.reminderWorkflowId(c.kind, c.itemId);
    if (running.has(workflowId)) continue;
    // Visibility lags behind: a workflow just started may not be listed yet, so ask for it directly.
    if ((await gateway.status(workflowId)) === 'RUNNING') continue;
    const item: ItemRef = { firmId: c.firmId, accountId: c.accountId, kind: c.kind, itemId: c.itemId };
    const snapshot = await readItemSnapshot(db, item);
    if (nextStep(snapshot, daySeconds).step === 'stop') continue; // done, off, or every reminder sent
    await reminders.arm(item, sig.settingsChangedSignal, snapshot.settings);
    rearmed.push(workflowId);
  }
  return { checked: items.length, rearmed };
}
