// The steps of applying a policy change to running reminders (the workflow reminder-policy-<id> calls them
// through activities): collect the running reminders once, update them a batch at a time (each item once:
// its outcome row is written with the change, in one transaction), and close the application with its report.
import type { Db } from '../../prisma/client';
import { reminderWorkflowId, settingsChangedSignal } from '../../shared/contracts/item-reminder';
import type { PolicyApplyResult, PolicyItemOutcome } from '../../shared/contracts/reminder-policy';
import type { ItemKind } from '../../shared/reminder-types';
import { audit } from '../audit/audit';
import type { Outbox } from '../outbox/outbox';
import type { TemporalGateway } from '../temporal/gateway';
import { applicationCounts } from './policy';
import { policyOutcome, type PolicySettings } from './rules';
import { existingItems, itemSettingsViews, readPolicy, runningReminderItems } from './running';

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
    const { count } = await tx.reminderPolicyApplication.updateMany({
      where: { id: applicationId, total: null },
      data: { total: ids.length },
    });
    if (count === 0)
      return (await tx.reminderPolicyApplication.findUniqueOrThrow({ where: { id: applicationId } })).total!;
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
 * the items' outcomes. Items with settings of their own are left alone.
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
    const policy = await readPolicy(tx, app.firmId, kind);
    if (policy.row?.version !== app.policyVersion) return { processed: 0, remaining: 0, superseded: true };
    const proposed = app.settings as unknown as PolicySettings;
    const items = await tx.reminderPolicyApplicationItem.findMany({
      where: { applicationId, outcome: null },
      orderBy: { position: 'asc' },
      take: batchSize,
    });
    const ids = items.map((i) => i.itemId);
    // The items' rows locked first: a user's own settings saved meanwhile are read, never overwritten.
    await tx.$executeRaw`SELECT 1 FROM "ReminderSettings"
      WHERE "itemKind" = ${kind}::"ItemKind" AND "itemId" = ANY(${ids}::uuid[]) FOR UPDATE`;
    // An item following the policy without a row had the policy before the change (older applications wrote
    // it down as a row instead).
    const before = (app.previousSettings as unknown as PolicySettings | null) ?? proposed;
    const views = await itemSettingsViews(tx, app.firmId, kind, ids, before);
    // Set-based: a few statements per batch whatever its size (all updated items get the same settings).
    const now = new Date();
    const { sendWindow, ...settings } = proposed;
    const row = { ...settings, sendWindow, source: 'policy' as const };
    const decided = items.map((item) => {
      const view = views.get(item.itemId) ?? null;
      // A row-less item follows the policy already; it gets a row holding the applied settings.
      const outcome: PolicyItemOutcome = view && !view.hasRow ? 'updated' : policyOutcome(view, proposed);
      return { item, view, outcome };
    });
    const updated = decided.filter((d) => d.outcome === 'updated');
    const withRow = updated.filter((d) => d.view!.hasRow).map((d) => d.item.itemId);
    if (withRow.length) {
      await tx.reminderSettings.updateMany({ where: { itemKind: kind, itemId: { in: withRow } }, data: row });
    }
    const rowless = updated.filter((d) => !d.view!.hasRow);
    if (rowless.length) {
      await tx.reminderSettings.createMany({
        data: rowless.map((d) => ({ firmId: app.firmId, itemKind: kind, itemId: d.item.itemId, ...row })),
        skipDuplicates: true,
      });
    }
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
    for (const d of updated) {
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

/** Closes the application: items not reached by a superseded one say so; the report holds the counts. */
export async function finishPolicyApplication(
  db: Db,
  applicationId: string,
  status: PolicyApplyResult['status'],
): Promise<PolicyApplyResult> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT 1 FROM "ReminderPolicyApplication" WHERE id = ${applicationId}::uuid FOR UPDATE`;
    const app = await tx.reminderPolicyApplication.findUniqueOrThrow({ where: { id: applicationId } });
    if (app.status !== 'running') {
      return { status: app.status as PolicyApplyResult['status'], counts: (app.report as { counts: never }).counts };
    }
    if (status === 'superseded') {
      await tx.reminderPolicyApplicationItem.updateMany({
        where: { applicationId, outcome: null },
        data: { outcome: 'superseded', processedAt: new Date() },
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
