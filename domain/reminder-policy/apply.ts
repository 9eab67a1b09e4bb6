// The steps of applying a policy change to running reminders (the workflow reminder-policy-<id> calls them
// through activities): collect the running reminders once, update them a batch at a time (each item once:
// its outcome row is written with the change, in one transaction), and close the application with its report.
import type { Db, Tx } from '../../prisma/client';
import { reminderWorkflowId, settingsChangedSignal } from '../../shared/contracts/item-reminder';
import {
  policyApplyWorkflowId,
  type PolicyApplyResult,
  type PolicyItemOutcome,
} from '../../shared/contracts/reminder-policy';
import type { ItemKind } from '../../shared/reminder-types';
import { audit } from '../audit/audit';
import type { Outbox } from '../outbox/outbox';
import type { TemporalGateway } from '../temporal/gateway';
import { applicationCounts } from './policy';
import { policyOutcome, type ApplicationEnd, type PolicySettings } from './rules';
import { existingItems, itemSettingsViews, runningReminderItems } from './running';

const INSERT_CHUNK = 1000;

/**
 * Finds the running reminders of the application's kind by their search attributes and records them, in
 * one transaction with the total: a retried attempt after a commit finds the total and does nothing.
 */
export async function collectPolicyTargets(db: Db, gateway: TemporalGateway, applicationId: string): Promise<number> {
  const app = await db.reminderPolicyApplication.findUniqueOrThrow({ where: { id: applicationId } });
  if (app.total !== null) return app.total;
  const ids = (await runningReminderItems(gateway, app.firmId, app.itemKind)).sort();
  const accounts = new Map<string, string>();
  for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
    const found = await existingItems(db, app.firmId, app.itemKind, ids.slice(i, i + INSERT_CHUNK));
    for (const [id, accountId] of found) accounts.set(id, accountId);
  }
  return db.$transaction(async (tx) => {
    // Not once the application is closed: a collect still running when its workflow was cancelled adds nothing.
    const { count } = await tx.reminderPolicyApplication.updateMany({
      where: { id: applicationId, total: null, status: 'running' },
      data: { total: ids.length },
    });
    if (count === 0)
      return (await tx.reminderPolicyApplication.findUniqueOrThrow({ where: { id: applicationId } })).total ?? 0;
    for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
      await tx.reminderPolicyApplicationItem.createMany({
        data: ids.slice(i, i + INSERT_CHUNK).map((itemId, j) => ({
          applicationId,
          itemId,
          position: i + j,
          accountId: accounts.get(itemId) ?? null,
        })),
        skipDuplicates: true,
      });
    }
    return ids.length;
  });
}

export interface PolicyBatchResult {
  processed: number;
  remaining: number;
  /** A later policy change of the kind came first: this application stops. */
  superseded: boolean;
}

/**
 * The next `batchSize` items without an outcome: each item whose settings come from the policy gets the
 * application's settings (its row, an audit entry, and a settingsChanged signal to its workflow through the
 * outbox, so the workflow re-reads them and reschedules from its last send), all in one transaction with
 * the items' outcomes; a thread without a row already on them gets the signal only. Items with settings of
 * their own are left alone.
 */
export async function applyPolicyBatch(
  outbox: Outbox,
  applicationId: string,
  batchSize: number,
): Promise<PolicyBatchResult> {
  return outbox.transaction(async (tx, enqueue) => {
    // One batch at a time per application, whatever retries overlap.
    await tx.$executeRaw`SELECT 1 FROM "ReminderPolicyApplication" WHERE id = ${applicationId}::uuid FOR UPDATE`;
    const app = await tx.reminderPolicyApplication.findUniqueOrThrow({ where: { id: applicationId } });
    if (app.status !== 'running') return { processed: 0, remaining: 0, superseded: app.status === 'superseded' };
    const kind: ItemKind = app.itemKind;
    if ((await lockPolicyVersion(tx, app.firmId, kind)) !== app.policyVersion) {
      return { processed: 0, remaining: 0, superseded: true };
    }
    const proposed = app.settings as unknown as PolicySettings;
    const items = await tx.reminderPolicyApplicationItem.findMany({
      where: { applicationId, outcome: null },
      orderBy: { position: 'asc' },
      take: batchSize,
    });
    const ids = items.map((i) => i.itemId);
    // The items' rows locked first: a user's own settings saved meanwhile are read, never overwritten.
    await tx.$executeRaw`SELECT 1 FROM "ReminderSettings"
      WHERE "firmId" = ${app.firmId}::uuid AND "itemKind" = ${kind}::"ItemKind" AND "itemId" = ANY(${ids}::uuid[])
      FOR UPDATE`;
    // An item following the policy without a row had the policy before the change, so it changes only if that
    // differs, as the preview counts it (older applications, without it, give every such item a row).
    const previousPolicy = app.previousSettings as unknown as PolicySettings | null;
    const views = await itemSettingsViews(tx, app.firmId, kind, ids, previousPolicy ?? proposed);
    const planned = items.map((item) => {
      const view = views.get(item.itemId) ?? null;
      const outcome: PolicyItemOutcome =
        view && !view.hasRow && !previousPolicy ? 'updated' : policyOutcome(view, proposed);
      return { item, view, outcome };
    });
    const toUpdate = planned.filter((d) => d.outcome === 'updated').map((d) => d.item.itemId);
    const written = await writePolicySettings(tx, app.firmId, kind, toUpdate, proposed);
    // A row-less item has no row to lock: one its user gave settings of their own meanwhile keeps them.
    const decided = planned.map((d) =>
      d.outcome === 'updated' && !written.has(d.item.itemId) ? { ...d, outcome: 'own_settings' as const } : d,
    );
    const updated = decided.filter((d) => d.outcome === 'updated');
    const now = new Date();
    const settings = { enabled: proposed.enabled, intervalDays: proposed.intervalDays, count: proposed.count };
    if (updated.length) {
      // Each item's timeline shows the change, as audit() writes it.
      await tx.auditEvent.createMany({
        data: updated.map((d) => ({
          firmId: app.firmId,
          accountId: d.item.accountId,
          actorType: 'firm_user',
          actorId: app.requestedBy,
          action: 'reminders.settings_changed',
          itemKind: kind,
          itemId: d.item.itemId,
          data: { ...proposed, source: 'policy', policyApplicationId: applicationId },
        })),
      });
    }
    // A thread without a row counted unchanged follows a policy that was the new one already, but only in the
    // database: its workflow may hold an older one (an application cancelled or superseded before reaching it),
    // so it is told too. Nothing is written for it.
    const rowLessUnchanged = decided.filter((d) => d.outcome === 'unchanged' && d.view && !d.view.hasRow);
    for (const d of [...updated, ...rowLessUnchanged]) {
      enqueue(
        app.firmId,
        outbox.commands.signal(reminderWorkflowId(kind, d.item.itemId), settingsChangedSignal, settings),
      );
    }
    // Outcomes, one statement per outcome and previous settings (a batch holds few distinct ones).
    const groups = new Map<string, { outcome: PolicyItemOutcome; previous: object | undefined; ids: string[] }>();
    for (const d of decided) {
      const previous = d.outcome === 'updated' && d.view ? { ...d.view.settings } : undefined;
      const key = `${d.outcome}:${JSON.stringify(previous ?? null)}`;
      const group = groups.get(key) ?? { outcome: d.outcome, previous, ids: [] };
      group.ids.push(d.item.itemId);
      groups.set(key, group);
    }
    for (const g of groups.values()) {
      await tx.reminderPolicyApplicationItem.updateMany({
        where: { applicationId, itemId: { in: g.ids }, outcome: null },
        data: { outcome: g.outcome, processedAt: now, previous: g.previous },
      });
    }
    const remaining = await tx.reminderPolicyApplicationItem.count({ where: { applicationId, outcome: null } });
    return { processed: items.length, remaining, superseded: false };
  });
}

/**
 * The kind's policy version, its row share-locked until the batch commits: a change (which locks it for update
 * first, then items' settings rows, as a batch does) either came first and supersedes the application, or waits,
 * so no item is given settings a newer policy already replaced.
 */
async function lockPolicyVersion(tx: Tx, firmId: string, kind: ItemKind): Promise<number | null> {
  const rows = await tx.$queryRaw<{ version: number }[]>`SELECT version FROM "FirmReminderPolicy"
    WHERE "firmId" = ${firmId}::uuid AND "itemKind" = ${kind}::"ItemKind" FOR SHARE`;
  return rows[0]?.version ?? null;
}

/**
 * The policy's settings for the items following it, in one statement: a row for a row-less item, its row
 * updated otherwise; a row that became the item's own meanwhile is left alone. Answers the items written.
 */
async function writePolicySettings(
  tx: Tx,
  firmId: string,
  kind: ItemKind,
  ids: string[],
  s: PolicySettings,
): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await tx.$queryRaw<{ itemId: string }[]>`
    INSERT INTO "ReminderSettings" AS r
      ("firmId", "itemKind", "itemId", "enabled", "intervalDays", "count", "source", "sendWindow", "updatedAt")
    SELECT ${firmId}::uuid, ${kind}::"ItemKind", id, ${s.enabled}, ${s.intervalDays}, ${s.count},
      'policy'::"ReminderSettingsSource", ${s.sendWindow}::"ReminderSendWindow", now()
    FROM unnest(${ids}::uuid[]) AS id
    ON CONFLICT ("itemKind", "itemId") DO UPDATE SET enabled = EXCLUDED.enabled,
      "intervalDays" = EXCLUDED."intervalDays", count = EXCLUDED.count, "sendWindow" = EXCLUDED."sendWindow",
      "updatedAt" = EXCLUDED."updatedAt"
    WHERE r.source = 'policy' AND r."firmId" = EXCLUDED."firmId"
    RETURNING r."itemId"::text AS "itemId"`;
  return new Set(rows.map((r) => r.itemId));
}

/** Closes the application as the workflow ends it (completed, or superseded by a later change). */
export async function finishPolicyApplication(
  db: Db,
  applicationId: string,
  status: PolicyApplyResult['status'],
): Promise<PolicyApplyResult> {
  return (await closeApplication(db, applicationId, status)) as PolicyApplyResult;
}

/** The application's workflow was cancelled (Temporal UI): it closes `cancelled`, as do the items not reached. */
export function cancelPolicyApplication(db: Db, applicationId: string) {
  return closeApplication(db, applicationId, 'cancelled');
}

/**
 * For the reconciler: applications still `running` (older than `olderThanMs`) whose workflow has ended without
 * closing them (terminated from the Temporal UI, which runs no workflow code) close `cancelled`. One whose
 * workflow was never started is the outbox's to start. Answers the applications closed.
 */
export async function closeAbandonedPolicyApplications(
  db: Db,
  gateway: TemporalGateway,
  olderThanMs: number,
  limit = 500,
): Promise<string[]> {
  const rows = await db.reminderPolicyApplication.findMany({
    where: { status: 'running', createdAt: { lt: new Date(Date.now() - olderThanMs) } },
    orderBy: { createdAt: 'asc' },
    select: { id: true },
    take: limit,
  });
  const closed: string[] = [];
  for (const { id } of rows) {
    const status = await gateway.status(policyApplyWorkflowId(id));
    if (status === null || status === 'RUNNING') continue;
    await cancelPolicyApplication(db, id);
    closed.push(id);
  }
  return closed;
}

/** Closes the application once: items it did not reach read why (superseded, cancelled); the report holds the counts. */
async function closeApplication(db: Db, applicationId: string, status: ApplicationEnd) {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT 1 FROM "ReminderPolicyApplication" WHERE id = ${applicationId}::uuid FOR UPDATE`;
    const app = await tx.reminderPolicyApplication.findUniqueOrThrow({ where: { id: applicationId } });
    if (app.status !== 'running') {
      return { status: app.status as ApplicationEnd, counts: (app.report as { counts: never }).counts };
    }
    if (status !== 'completed') {
      await tx.reminderPolicyApplicationItem.updateMany({
        where: { applicationId, outcome: null },
        data: { outcome: status, processedAt: new Date() },
      });
    }
    const counts = await applicationCounts(tx as Db, applicationId, app.total);
    await tx.reminderPolicyApplication.update({
      where: { id: applicationId },
      data: { status, report: { counts: { ...counts } }, finishedAt: new Date() },
    });
    await audit(tx, {
      firmId: app.firmId,
      actorId: app.requestedBy,
      action: 'reminder_policy.applied',
      data: { applicationId, itemKind: app.itemKind, status, counts: { ...counts } },
    });
    return { status, counts };
  });
}
