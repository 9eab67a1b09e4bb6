// The firm's reminder policy (issue 12): defaults per item kind (on/off, interval, count, send-window rule)
// that new items without settings of their own take. A change says what it does to the reminders already
// running: `none` (only new items), `preview` (count those it would change, write nothing) or `running`
// (write it and apply it to each through the workflow reminder-policy-<applicationId>).
import type { Db } from '../../prisma/client';
import {
  policyApplyStart,
  policyApplyWorkflowContract,
  policyApplyWorkflowId,
  type PolicyApplicationCounts,
} from '../../shared/contracts/reminder-policy';
import { ITEM_KINDS, type ItemKind } from '../../shared/reminder-types';
import type { Actor } from '../access/access';
import { audit } from '../audit/audit';
import { invalidFields, notFound } from '../errors';
import type { Outbox } from '../outbox/outbox';
import { requireFirmAdmin } from '../settings/admin';
import type { TemporalGateway } from '../temporal/gateway';
import {
  APPLICATION_ITEM_OUTCOMES,
  policyOutcome,
  policyProblem,
  type ApplicationItemOutcome,
  type ApplyMode,
  type PolicySettings,
} from './rules';
import { itemSettingsViews, readPolicy, runningReminderItems, writeDownFollowers } from './running';

export interface ReminderPolicyDeps {
  db: Db;
  gateway: TemporalGateway;
  outbox: Outbox;
  /** Running reminders updated per activity of the apply workflow. */
  batchSize?: number;
}

export type PolicyChange = PolicySettings & { apply: ApplyMode };

const PREVIEW_CHUNK = 1000;

const presentPolicy = (kind: ItemKind, p: Awaited<ReturnType<typeof readPolicy>>) => ({
  itemKind: kind,
  ...p.settings,
  /** firm: set by the firm; default: Nudge's defaults, the firm has set none. */
  source: p.row ? ('firm' as const) : ('default' as const),
  version: p.row?.version ?? 0,
  updatedAt: p.row?.updatedAt.toISOString() ?? null,
});

/** Counts per outcome of an application's items (pending: not processed yet). */
export async function applicationCounts(db: Db, applicationId: string, total: number | null) {
  const groups = await db.reminderPolicyApplicationItem.groupBy({
    by: ['outcome'],
    where: { applicationId },
    _count: { _all: true },
  });
  const counts: PolicyApplicationCounts & Record<ApplicationItemOutcome, number> = {
    total,
    pending: 0,
    ...(Object.fromEntries(APPLICATION_ITEM_OUTCOMES.map((o) => [o, 0])) as Record<ApplicationItemOutcome, number>),
  };
  for (const g of groups) {
    if (g.outcome === null) counts.pending += g._count._all;
    else counts[g.outcome as ApplicationItemOutcome] += g._count._all;
  }
  return counts;
}

export function createReminderPolicyService({ db, gateway, outbox, batchSize }: ReminderPolicyDeps) {
  /** What applying `proposed` would do to the running reminders of the kind, from their search attributes. */
  async function preview(firmId: string, kind: ItemKind, proposed: PolicySettings, current: PolicySettings) {
    const ids = await runningReminderItems(gateway, firmId, kind);
    const n = { total: ids.length, wouldChange: 0, unchanged: 0, ownSettings: 0 };
    // In chunks: a firm may have tens of thousands running, more than one statement may bind.
    for (let i = 0; i < ids.length; i += PREVIEW_CHUNK) {
      const views = await itemSettingsViews(db, firmId, kind, ids.slice(i, i + PREVIEW_CHUNK), current);
      for (const view of views.values()) {
        const outcome = policyOutcome(view, proposed);
        if (outcome === 'updated') n.wouldChange++;
        else if (outcome === 'unchanged') n.unchanged++;
        else if (outcome === 'own_settings') n.ownSettings++;
        else n.total--; // a workflow whose item is gone is about to end
      }
    }
    return n;
  }

  async function requireApplication(firmId: string, actor: Actor, applicationId: string) {
    requireFirmAdmin(actor);
    const app = await db.reminderPolicyApplication.findFirst({ where: { id: applicationId, firmId } });
    if (!app) throw notFound('Reminder policy application', applicationId);
    return app;
  }

  return {
    /** The policy of every item kind (Nudge's defaults for a kind the firm has not set). */
    async list(firmId: string) {
      return {
        policies: await Promise.all(ITEM_KINDS.map(async (k) => presentPolicy(k, await readPolicy(db, firmId, k)))),
      };
    },

    async get(firmId: string, kind: ItemKind) {
      return presentPolicy(kind, await readPolicy(db, firmId, kind));
    },

    /** Changes the kind's policy (owners and admins), or with `preview` only says what it would change. */
    async change(firmId: string, actor: Actor, kind: ItemKind, input: PolicyChange) {
      requireFirmAdmin(actor);
      const { apply, ...proposed } = input;
      const problem = policyProblem(proposed);
      if (problem) throw invalidFields([problem]);
      if (apply === 'preview') {
        const current = await readPolicy(db, firmId, kind);
        return {
          apply,
          policy: presentPolicy(kind, current),
          proposed: { itemKind: kind, ...proposed },
          runningReminders: await preview(firmId, kind, proposed, current.settings),
        };
      }
      return outbox.transaction(async (tx, enqueue) => {
        // One change of a kind's policy at a time, each reading the one before. A row lock would not do for the
        // firm's first change, which finds no row to lock: two at once both read the defaults, and the second's
        // audit entry and application named them as what it replaced.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`reminder-policy:${firmId}:${kind}`}::text))`;
        // Then its row, as before (an application's batch takes it FOR SHARE and waits for this change).
        await tx.$executeRaw`SELECT 1 FROM "FirmReminderPolicy"
          WHERE "firmId" = ${firmId}::uuid AND "itemKind" = ${kind}::"ItemKind" FOR UPDATE`;
        const before = await readPolicy(tx, firmId, kind);
        // Only when the change is not applied: applied, those items take the new policy too (running ones
        // through the application, which keeps the old policy as what they had).
        const followers = apply === 'none' ? await writeDownFollowers(tx, firmId, kind, before.settings) : 0;
        const row = await tx.firmReminderPolicy.upsert({
          where: { firmId_itemKind: { firmId, itemKind: kind } },
          create: { firmId, itemKind: kind, ...proposed, updatedBy: actor.id },
          update: { ...proposed, updatedBy: actor.id, version: { increment: 1 } },
        });
        await audit(tx, {
          firmId,
          actorId: actor.id,
          action: 'reminder_policy.changed',
          data: { itemKind: kind, ...proposed, apply, version: row.version, before: { ...before.settings } },
        });
        let application = null;
        if (apply === 'running') {
          const app = await tx.reminderPolicyApplication.create({
            data: {
              firmId,
              itemKind: kind,
              policyVersion: row.version,
              settings: { ...proposed },
              previousSettings: { ...before.settings },
              requestedBy: actor.id,
            },
          });
          enqueue(
            firmId,
            outbox.commands.start(
              policyApplyWorkflowContract,
              policyApplyStart({ id: app.id, firmId, itemKind: kind, requestedBy: actor.id }, batchSize),
            ),
          );
          application = { id: app.id, status: app.status, workflowId: policyApplyWorkflowId(app.id) };
        }
        return {
          apply,
          policy: presentPolicy(kind, { row, settings: proposed }),
          // Items that followed the policy without a row of their own, now holding the one they had.
          itemsKeepingPreviousPolicy: apply === 'none' ? followers : undefined,
          application,
        };
      });
    },

    /** An application's status and progress; its report (counts per outcome) once it has ended. */
    async application(firmId: string, actor: Actor, applicationId: string) {
      const app = await requireApplication(firmId, actor, applicationId);
      return {
        id: app.id,
        itemKind: app.itemKind,
        workflowId: policyApplyWorkflowId(app.id),
        status: app.status,
        settings: app.settings,
        policyVersion: app.policyVersion,
        requestedBy: app.requestedBy,
        createdAt: app.createdAt.toISOString(),
        finishedAt: app.finishedAt?.toISOString() ?? null,
        progress: await applicationCounts(db, app.id, app.total),
        report: app.report,
      };
    },

    /** The running reminders an application found and what it did to each, in order (cursor: after). */
    async applicationItems(
      firmId: string,
      actor: Actor,
      applicationId: string,
      q: { outcome?: ApplicationItemOutcome | 'pending'; after?: number; limit: number },
    ) {
      const app = await requireApplication(firmId, actor, applicationId);
      const rows = await db.reminderPolicyApplicationItem.findMany({
        where: {
          applicationId: app.id,
          position: { gt: q.after ?? -1 },
          ...(q.outcome ? { outcome: q.outcome === 'pending' ? null : q.outcome } : {}),
        },
        orderBy: { position: 'asc' },
        take: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      return {
        items: page.map((r) => ({
          itemKind: app.itemKind,
          itemId: r.itemId,
          accountId: r.accountId,
          outcome: r.outcome ?? 'pending',
          previous: r.previous,
          processedAt: r.processedAt?.toISOString() ?? null,
        })),
        nextCursor: rows.length > q.limit ? String(page[page.length - 1].position) : null,
      };
    },
  };
}

export type ReminderPolicyService = ReturnType<typeof createReminderPolicyService>;
