// Bulk actions through the API: start (the selection becomes a fixed snapshot of outcome rows, one per
// account, in the same transaction as the action's row, then the workflow `bulk-<id>` starts), progress,
// list, cancel, the per-account outcomes (JSON pages and CSV text) and "retry the failed accounts".
// Knows nothing of HTTP: its inputs are the types of ./inputs, the CSV is yielded as text.
import type { Db, Tx } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import type { BulkCounts, BulkParams } from '../../shared/bulk-actions';
import {
  BATCHES_PER_RUN,
  bulkActionStart,
  bulkActionWorkflowContract,
  bulkCancelSignal,
  bulkWorkflowId,
  type BulkPacing,
  type BulkWorkflowInput,
} from '../../shared/contracts/bulk-action';
import type { TemporalGateway } from '../temporal/gateway';
import { insertOutboxRows, type Outbox } from '../outbox/outbox';
import { commandBuilders } from '../outbox/commands';
import { validateSettings } from '../../shared/reminder-policy';
import { countBulkOutcomes } from './report';
import { closeBulkAction } from './close';
import {
  bulkWorkflowInputOf,
  countRunning,
  isQueuedSettings,
  lockFirm,
  promoteUnderCap,
  queuedReport,
  startPromoted,
} from './queue';
import { applyAllPendingEffects } from './runner';
import { isNotAllowed } from './decisions';
import type { BulkListQuery, BulkOutcomeQuery, BulkSelection, NewBulkAction, RetryFailedRequest } from './inputs';
import { accountFilterConditions } from '../accounts/list';
import type { Actor } from '../access/access';
import { mayOpenAccountSql } from '../access/access-sql';
import { audit } from '../audit/audit';
import { conflict, DomainError, forbidden, invalid, notFound, unavailable } from '../errors';
import { encodeCreatedCursor, olderThanCursor } from '../pagination';

export type { BulkListQuery, BulkOutcomeQuery, NewBulkAction, RetryFailedRequest } from './inputs';

type BulkRow = Awaited<ReturnType<Db['bulkAction']['findUniqueOrThrow']>>;

export interface BulkActionsDeps {
  db: Db;
  gateway: TemporalGateway;
  daySeconds: number;
  pacing: BulkPacing;
  /** Bulk actions of one firm running at once; further ones are saved "queued". Absent: no cap. */
  maxRunningPerFirm?: number;
  /** Where a start or cancel made through the API queues its Temporal call; absent (the reconciler): direct. */
  outbox?: Outbox;
}

/** Snapshots at least this large refresh the outcome table's planner statistics (autovacuum may be slow or off). */
const ANALYZE_AFTER_ROWS = 1000;

export const DEFAULT_BULK_PACING: BulkPacing = {
  batchSize: 500,
  concurrentBatches: 2,
  accountConcurrency: 8,
  batchesPerRun: BATCHES_PER_RUN,
  accountsPerActivity: 100,
};

/** The reconciler's cap when its caller names none (BULK_MAX_RUNNING_PER_FIRM's default). */
export const DEFAULT_BULK_MAX_RUNNING_PER_FIRM = 3;

export function createBulkActionsService({
  db,
  gateway,
  daySeconds,
  pacing,
  maxRunningPerFirm = Infinity,
  outbox,
}: BulkActionsDeps) {
  // Fixed in the input, so a later change of the default never alters a running action's replay.
  const settings = {
    daySeconds,
    pacing: {
      batchesPerRun: DEFAULT_BULK_PACING.batchesPerRun,
      accountsPerActivity: DEFAULT_BULK_PACING.accountsPerActivity,
      ...pacing,
    },
  };
  // A promoted action starts with the settings stored when it was queued.
  const workflowInput = (row: BulkRow): BulkWorkflowInput => bulkWorkflowInputOf(row, settings);
  /** Starts the workflows of queued actions the reconciler promoted; a failed start is left to its next pass. */
  const startPromotedActions = (ids: string[]) => startPromoted(db, gateway, ids, settings);

  /** Closes an action as cancelled; the queued action it promotes starts through the outbox. */
  async function closeCancelled(id: string) {
    const commands = outbox?.commands ?? commandBuilders(gateway.taskQueue);
    const closed = await closeBulkAction(db, id, { cancelled: true, starts: { commands, fallback: settings } });
    // Without an outbox here, the start also goes at once; the relay then finds it started.
    if (outbox && closed.startQueued) await outbox.deliverSoon(closed.startQueued.ids, closed.startQueued.workflowIds);
    else await startPromotedActions(closed.promoted);
  }

  /** A retried start finds the action's workflow running already: success. */
  async function startWorkflow(row: BulkRow) {
    await gateway.start(bulkActionWorkflowContract, bulkActionStart(row, workflowInput(row)));
  }

  /** Owner and admins see every bulk action of the firm; an employee sees the ones they started. */
  async function requireBulkAction(firmId: string, actor: Actor, id: string): Promise<BulkRow> {
    const row = await db.bulkAction.findFirst({ where: { id, firmId } });
    if (!row || (actor.role === 'employee' && row.startedBy !== actor.id)) throw notFound('Bulk action', id);
    return row;
  }

  async function present(row: BulkRow) {
    // A finished action's counts are in its report; only a running one is counted live.
    const stored = (row.report as { counts?: BulkCounts } | null)?.counts;
    const progress =
      row.status !== 'running' && row.status !== 'queued' && stored ? stored : await countBulkOutcomes(db, row.id);
    return {
      id: row.id,
      kind: row.kind,
      dryRun: row.dryRun,
      status: row.status,
      params: row.params,
      selection: row.selection,
      startedBy: row.startedBy,
      retryOf: row.retryOf,
      total: row.total,
      progress,
      cancelRequestedAt: row.cancelRequestedAt?.toISOString() ?? null,
      createdAt: row.createdAt.toISOString(),
      finishedAt: row.finishedAt?.toISOString() ?? null,
      // A queued or promoted action keeps its start settings there until it closes: internal.
      report: isQueuedSettings(row.report) ? null : row.report,
      workflowId: bulkWorkflowId(row.id),
      // `items` is the outcomes' former address, kept for existing callers.
      links: {
        outcomes: `/v1/bulk-actions/${row.id}/outcomes`,
        items: `/v1/bulk-actions/${row.id}/items`,
        csv: `/v1/bulk-actions/${row.id}/report.csv`,
      },
    };
  }

  /** Checks what the action names (tags, templates, reminder settings) against the firm before anything is written. */
  async function checkParams(tx: Tx, firmId: string, p: BulkParams) {
    if (p.kind === 'manage_tags') {
      const ids = p.tags.map((t) => t.tagId);
      const found = new Set(
        (await tx.tag.findMany({ where: { firmId, id: { in: ids } }, select: { id: true } })).map((t) => t.id),
      );
      const unknown = ids.find((t) => !found.has(t));
      if (unknown) throw invalid('body.action.tags', `no tag ${unknown} in this firm`);
    }
    if (
      p.kind === 'apply_folder_template' &&
      !(await tx.folderTemplate.findFirst({ where: { id: p.folderTemplateId, firmId } }))
    ) {
      throw invalid('body.action.folderTemplateId', 'no such folder template in this firm');
    }
    if (p.kind === 'send_message') {
      if (!(await tx.chatTemplate.findFirst({ where: { id: p.chatTemplateId, firmId } })))
        throw invalid('body.action.chatTemplateId', 'no such chat template in this firm');
      const problem = p.reminders && validateSettings({ enabled: false, intervalDays: 3, count: 1, ...p.reminders });
      if (problem) throw invalid('body.action.reminders', problem);
    }
  }

  /** Writes the snapshot: one outcome row per selected account, positions in a fixed order. Returns how many. */
  async function snapshot(
    tx: Tx,
    bulkActionId: string,
    firmId: string,
    actor: Actor,
    selection: BulkSelection | RetrySelection,
  ): Promise<number> {
    if ('accountIds' in selection) {
      // Every id is kept, also ones of no account of the firm: the report then says "skipped: no such account".
      return tx.$executeRaw`
        INSERT INTO "BulkActionOutcome" ("bulkActionId", "accountId", position, "updatedAt")
        SELECT ${bulkActionId}::uuid, t.id, (t.ord - 1)::int, now()
        FROM unnest(${selection.accountIds.map((i) => i.toLowerCase())}::uuid[]) WITH ORDINALITY AS t(id, ord)`;
    }
    if ('retryOf' in selection) {
      return tx.$executeRaw`
        INSERT INTO "BulkActionOutcome" ("bulkActionId", "accountId", position, "updatedAt")
        SELECT ${bulkActionId}::uuid, o."accountId", (row_number() OVER (ORDER BY o.position) - 1)::int, now()
        FROM "BulkActionOutcome" o
        WHERE o."bulkActionId" = ${selection.retryOf}::uuid AND o.outcome = ANY(${selection.outcomes}::text[])`;
    }
    const where = accountFilterConditions(firmId, actor, selection.filter);
    return tx.$executeRaw`
      INSERT INTO "BulkActionOutcome" ("bulkActionId", "accountId", position, "updatedAt")
      SELECT ${bulkActionId}::uuid, a.id, (row_number() OVER (ORDER BY lower(a.name), a.id) - 1)::int, now()
      FROM "Account" a WHERE ${Prisma.join(where, ' AND ')}`;
  }

  async function create(
    firmId: string,
    actor: Actor,
    fields: { kind: string; params: BulkParams; selection: object; dryRun: boolean; retryOf?: string },
    select: BulkSelection | RetrySelection,
    idempotencyKey: string | undefined,
  ) {
    if (idempotencyKey) {
      // The first attempt committed but its workflow start (or its response) was lost: finish that one.
      const prior = await db.bulkAction.findUnique({ where: { firmId_idempotencyKey: { firmId, idempotencyKey } } });
      if (prior) {
        // One whose workflow could not be started at all is resumed by the retry.
        const resumed =
          prior.status === 'failed' && isStartFailure(prior.report)
            ? await db.bulkAction.update({
                where: { id: prior.id },
                data: { status: 'running', finishedAt: null, report: Prisma.DbNull },
              })
            : prior;
        if (resumed.status === 'running') await startOrFail(resumed);
        return present(resumed);
      }
    }
    let startQueued: { ids: bigint[]; workflowIds: string[] } | undefined;
    const row = await db.$transaction(
      async (tx) => {
        if (fields.retryOf) {
          // Two retries of one action at once: the second waits here, then finds the first.
          await tx.$executeRaw`SELECT 1 FROM "BulkAction" WHERE id = ${fields.retryOf}::uuid FOR UPDATE`;
          const earlier = await tx.bulkAction.findFirst({
            where: { firmId, retryOf: fields.retryOf },
            select: { id: true },
          });
          if (earlier)
            throw conflict(
              'already-retried',
              'Already retried',
              `Its failed accounts were retried by bulk action ${earlier.id}; retry that one's failures instead.`,
            );
        }
        await checkParams(tx, firmId, fields.params);
        const action = await tx.bulkAction.create({
          data: {
            firmId,
            kind: fields.kind,
            params: fields.params as unknown as Prisma.InputJsonObject,
            selection: fields.selection as Prisma.InputJsonObject,
            dryRun: fields.dryRun,
            startedBy: actor.id,
            idempotencyKey: idempotencyKey ?? null,
            retryOf: fields.retryOf ?? null,
          },
        });
        const total = await snapshot(tx, action.id, firmId, actor, select);
        if (total === 0)
          throw new DomainError(
            'invalid',
            'empty-selection',
            'No accounts selected',
            'The filter matches none of the accounts you can see; nothing was started.',
          );
        await audit(tx, {
          firmId,
          actorId: actor.id,
          action: 'bulk_action.started',
          data: { bulkActionId: action.id, kind: fields.kind, total, dryRun: fields.dryRun },
        });
        // Under the firm's lock, so two starts at once cannot both take the last place.
        await lockFirm(tx, firmId);
        const queued = (await countRunning(tx, firmId, action.id)) >= maxRunningPerFirm;
        const saved = await tx.bulkAction.update({
          where: { id: action.id },
          data: queued ? { total, status: 'queued', report: queuedReport(settings) } : { total },
        });
        // The start commits with the action: a crash after commit leaves it to the relay, not to nobody.
        if (!queued && outbox) {
          const start = outbox.commands.start(bulkActionWorkflowContract, bulkActionStart(saved, workflowInput(saved)));
          startQueued = await insertOutboxRows(tx, [{ firmId, command: start }]);
        }
        return saved;
      },
      { timeout: 120_000 },
    );
    // Fresh statistics before the first account: with the table's old ones the planner takes the new
    // action id for a rare value and looks outcome rows up through the position index, scanning every row
    // of the action for each account (50 ms instead of 0.5 ms at 100,000 accounts, measured).
    if (row.total >= ANALYZE_AFTER_ROWS) await db.$executeRawUnsafe('ANALYZE "BulkActionOutcome"');
    // A queued one starts when a running one of the firm closes (or the reconciler finds a free place).
    if (startQueued && outbox) await outbox.deliverSoon(startQueued.ids, startQueued.workflowIds);
    else if (row.status === 'running') await startOrFail(row);
    return present(row);
  }

  /** The report's CSV text: the header, then one chunk of lines per page of 2,000 accounts. */
  async function* csvChunks(id: string, firmId: string, actor: Actor): AsyncGenerator<string, void, undefined> {
    yield `${CSV_HEADER}\n`;
    let after = -1;
    for (;;) {
      const rows = await db.$queryRaw<OutcomeRow[]>`
        SELECT o.position, o."accountId"::text AS "accountId", a.name AS "accountName", o.outcome, o.detail, o.result
        FROM "BulkActionOutcome" o LEFT JOIN "Account" a ON a.id = o."accountId" AND a."firmId" = ${firmId}::uuid
          AND ${mayOpenAccountSql(actor, 'a.id')} -- the name only for who may open the account
        WHERE o."bulkActionId" = ${id}::uuid AND o.position > ${after} ORDER BY o.position LIMIT 2000`;
      if (!rows.length) return;
      yield rows.map((r) => csvLine(presentOutcome(r))).join('\n') + '\n';
      after = rows[rows.length - 1].position;
    }
  }

  /** The workflow's status (RUNNING, COMPLETED, …), or null when there is none. */
  const workflowStatus = (id: string) => gateway.status(bulkWorkflowId(id));

  /** Without its workflow the action would stay "running" forever: record the failure and report the service unavailable. */
  async function startOrFail(row: BulkRow) {
    try {
      await startWorkflow(row);
    } catch (err) {
      // A timeout can hide a start that the server did accept: then the action is running after all.
      if ((await workflowStatus(row.id).catch(() => null)) !== null) return;
      await db.bulkAction.update({
        where: { id: row.id },
        data: {
          status: 'failed',
          finishedAt: new Date(),
          report: { startError: String((err as Error).message ?? err) },
        },
      });
      throw unavailable(
        'workflow-unavailable',
        'The bulk action could not be started',
        'Temporal did not accept its workflow; nothing was changed. Retry with the same Idempotency-Key to resume it.',
      );
    }
  }

  return {
    /**
     * The reconciler's pass over actions still "running" for longer than `olderThanMs`: one whose workflow
     * never started (the API stopped between its commit and the start) is started now; one whose workflow
     * ended without closing it (terminated by an operator) is closed, its unreached accounts "not reached".
     * A queued action cancelled as long ago (the cancel's own close did not happen) is closed too.
     * Starting and closing are both idempotent, so a second pass changes nothing.
     */
    async reconcileRunning(olderThanMs: number, limit = 500): Promise<{ started: string[]; closed: string[] }> {
      const before = new Date(Date.now() - olderThanMs);
      const rows = await db.bulkAction.findMany({
        where: {
          OR: [
            { status: 'running', createdAt: { lt: before } },
            { status: 'queued', cancelRequestedAt: { lt: before } },
          ],
        },
        orderBy: { createdAt: 'asc' },
        take: limit,
      });
      const started: string[] = [];
      const closed: string[] = [];
      for (const row of rows) {
        if (row.status === 'queued') {
          // Never promoted once cancelled, so no workflow ever ran: closed here, as the cancel would have.
          await applyAllPendingEffects(db, { gateway, daySeconds }, row.id);
          await closeCancelled(row.id);
          closed.push(row.id);
          continue;
        }
        const status = await workflowStatus(row.id);
        if (status === 'RUNNING') continue;
        if (status === null) {
          if (await gateway.start(bulkActionWorkflowContract, bulkActionStart(row, workflowInput(row)))) {
            started.push(row.id);
          }
          continue;
        }
        await applyAllPendingEffects(db, { gateway, daySeconds }, row.id);
        await closeCancelled(row.id);
        closed.push(row.id);
      }
      return { started, closed };
    },

    /**
     * The reconciler's pass over queued actions: each firm with fewer than `max` running gets its oldest
     * queued ones promoted and started (a crash between a close and its promotion's start left them).
     */
    async promoteQueued(max: number = maxRunningPerFirm): Promise<string[]> {
      return promoteUnderCap(db, gateway, max, settings);
    },

    async start(firmId: string, actor: Actor, body: NewBulkAction, idempotencyKey?: string) {
      if (body.action.kind === 'delete') requireDeleteRight(actor);
      // The stored selection says what was asked; the ids themselves are the outcome rows.
      const asked = 'accountIds' in body.selection ? { accountIds: body.selection.accountIds.length } : body.selection;
      return create(
        firmId,
        actor,
        { kind: body.action.kind, params: normalise(body.action), selection: asked, dryRun: body.dryRun },
        body.selection,
        idempotencyKey,
      );
    },

    async get(firmId: string, actor: Actor, id: string) {
      return present(await requireBulkAction(firmId, actor, id));
    },

    async list(firmId: string, actor: Actor, q: BulkListQuery) {
      const where: Prisma.BulkActionWhereInput = {
        firmId,
        ...(q.status ? { status: q.status } : {}),
        ...(actor.role === 'employee' ? { startedBy: actor.id } : {}),
      };
      if (q.before) Object.assign(where, olderThanCursor(q.before, 'query.before'));
      const rows = await db.bulkAction.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        items: await Promise.all(page.map(present)),
        nextCursor: rows.length > q.limit ? encodeCreatedCursor(last) : null,
      };
    },

    /** Per-account outcomes in snapshot order, optionally of one outcome. */
    async outcomes(firmId: string, actor: Actor, id: string, q: BulkOutcomeQuery) {
      await requireBulkAction(firmId, actor, id);
      const rows = await db.$queryRaw<OutcomeRow[]>`
        SELECT o.position, o."accountId"::text AS "accountId", a.name AS "accountName", o.outcome, o.detail, o.result
        FROM "BulkActionOutcome" o LEFT JOIN "Account" a ON a.id = o."accountId" AND a."firmId" = ${firmId}::uuid
          AND ${mayOpenAccountSql(actor, 'a.id')} -- the name only for who may open the account
        WHERE o."bulkActionId" = ${id}::uuid AND o.position > ${q.after}
          ${q.outcome === 'pending' ? Prisma.sql`AND o.outcome IS NULL` : q.outcome ? Prisma.sql`AND o.outcome = ${q.outcome}` : Prisma.empty}
        ORDER BY o.position LIMIT ${q.limit + 1}`;
      const page = rows.slice(0, q.limit);
      return {
        items: page.map(presentOutcome),
        nextCursor: rows.length > q.limit ? page[page.length - 1].position : null,
      };
    },

    /**
     * The whole report as CSV, one line per selected account. The access check runs first (it throws,
     * and nothing is read); then the text comes in chunks — the header, then one chunk per page of
     * accounts, read only as the consumer asks for it, so a large action streams and a consumer that
     * stops (the client went away) stops the reading.
     */
    async csvReport(firmId: string, actor: Actor, id: string): Promise<AsyncGenerator<string, void, undefined>> {
      await requireBulkAction(firmId, actor, id);
      return csvChunks(id, firmId, actor);
    },

    /** Stops after the accounts in flight; those done stay done, the rest are reported "not reached". */
    async cancel(firmId: string, actor: Actor, id: string) {
      await requireBulkAction(firmId, actor, id);
      let signalQueued: { ids: bigint[]; workflowIds: string[] } | undefined;
      const row = await db.$transaction(async (tx) => {
        // Guarded: a cancel racing the action's own end either lands first or is refused.
        const marked = await tx.bulkAction.updateMany({
          where: { id, firmId, status: { in: ['running', 'queued'] }, cancelRequestedAt: null },
          data: { cancelRequestedAt: new Date() },
        });
        const current = await tx.bulkAction.findUniqueOrThrow({ where: { id } });
        if (current.status !== 'running' && current.status !== 'queued')
          throw conflict(
            'bulk-action-finished',
            'The bulk action has finished',
            `It ended as ${current.status}; there is nothing left to cancel.`,
          );
        if (marked.count)
          await audit(tx, {
            firmId,
            actorId: actor.id,
            action: 'bulk_action.cancel_requested',
            data: { bulkActionId: id },
          });
        // The signal only hastens it: each account step reads the cancel mark itself.
        if (marked.count && current.status === 'running' && outbox) {
          const command = outbox.commands.signal(bulkWorkflowId(id), bulkCancelSignal);
          signalQueued = await insertOutboxRows(tx, [{ firmId, command }]);
        }
        return current;
      });
      if (row.status === 'running') {
        if (signalQueued && outbox) await outbox.deliverSoon(signalQueued.ids, signalQueued.workflowIds);
        // Its start still in the outbox: the workflow starts, finds the mark and closes the action itself.
        const startPending = (await db.outboxMessage.count({ where: { workflowId: bulkWorkflowId(id) } })) > 0;
        if (startPending) return present(row);
        if ((await workflowStatus(id)) === 'RUNNING') {
          if (!outbox) await gateway.signal(bulkWorkflowId(id), bulkCancelSignal); // ended meanwhile: it closed itself
          return present(row);
        }
      }
      // A queued action has no workflow (and, being cancelled, is never promoted): it closes here at once.
      // No workflow to do it (terminated by an operator, or never started): close the action here.
      await applyAllPendingEffects(db, { gateway, daySeconds }, id);
      await closeCancelled(id);
      return present(await db.bulkAction.findUniqueOrThrow({ where: { id } }));
    },

    /**
     * A new bulk action, same action and options, over exactly the accounts that failed in a finished
     * one. Once per action: the retry's own failures are retried from the retry, so no account is done twice.
     */
    async retryFailed(firmId: string, actor: Actor, id: string, body: RetryFailedRequest, idempotencyKey?: string) {
      const source = await requireBulkAction(firmId, actor, id);
      if (source.status === 'running' || source.status === 'queued')
        throw conflict(
          'bulk-action-running',
          'The bulk action is still running',
          'Retry its failed accounts once it has finished.',
        );
      if (source.kind === 'delete') {
        requireDeleteRight(actor);
        if (body.confirm !== 'DELETE')
          throw invalid('body.confirm', 'retrying a delete deletes accounts: send confirm "DELETE"');
      }
      const outcomes = retriedOutcomes(source);
      const failed = await db.bulkActionOutcome.count({ where: { bulkActionId: id, outcome: { in: outcomes } } });
      if (!failed)
        throw conflict(
          'nothing-to-retry',
          'No failed accounts',
          'Every account of this bulk action was done, skipped or not reached.',
        );
      return create(
        firmId,
        actor,
        {
          kind: source.kind,
          params: source.params as unknown as BulkParams,
          selection: { retryOf: id },
          dryRun: source.dryRun,
          retryOf: id,
        },
        { retryOf: id, outcomes },
        idempotencyKey,
      );
    },
  };
}

export type BulkActionsService = ReturnType<typeof createBulkActionsService>;

/** A retry's snapshot: the source's accounts with these outcomes. */
type RetrySelection = { retryOf: string; outcomes: string[] };

/**
 * The accounts "retry the failed" takes. A retry's accounts had all failed, so those a cancelled retry did not
 * reach are failed still: they are retried from it (its source counts as retried once, whatever its end).
 */
const retriedOutcomes = (source: BulkRow): string[] => (source.retryOf ? ['failed', 'not_reached'] : ['failed']);

/** The stored params: "nothing" choices are dropped, so the steps see only what changes. */
function normalise(a: NewBulkAction['action']): BulkParams {
  switch (a.kind) {
    case 'manage_tags':
      // Ids as the database writes them (lowercase), so they match the firm's tags however they were typed.
      return {
        kind: a.kind,
        tags: a.tags
          .filter((t) => t.action !== 'nothing')
          .map((t) => ({ tagId: t.tagId.toLowerCase(), action: t.action as 'assign' | 'remove' })),
      };
    case 'contact_toggles': {
      const pick = (t: 'nothing' | 'enable' | 'disable') => (t === 'nothing' ? undefined : t);
      return JSON.parse(
        JSON.stringify({
          kind: a.kind,
          login: pick(a.login),
          notify: pick(a.notify),
          emailSync: pick(a.emailSync),
          sendInvitations: a.sendInvitations,
          invitationMessage: a.invitationMessage,
          preferences: a.preferences,
        }),
      );
    }
    default:
      return a;
  }
}

/** An account's outcome row as the pages and the CSV read it, with the account's name. */
interface OutcomeRow {
  position: number;
  accountId: string;
  accountName: string | null;
  outcome: string | null;
  detail: string | null;
  result: Record<string, unknown> | null;
}

function presentOutcome(r: OutcomeRow) {
  // An account the user may not change is reported by id only: its name is not theirs to see.
  if (r.outcome === 'skipped' && isNotAllowed(r.detail))
    return {
      position: r.position,
      accountId: r.accountId,
      accountName: null,
      outcome: r.outcome,
      detail: r.detail,
      result: null,
    };
  // The follow-up calls recorded for crash recovery are internal.
  const { effects: _effects, ...result } = r.result ?? {};
  return {
    position: r.position,
    accountId: r.accountId,
    accountName: r.accountName,
    outcome: r.outcome,
    detail: r.detail,
    result: r.result ? result : null,
  };
}

function requireDeleteRight(actor: Actor) {
  if (actor.role === 'employee')
    throw forbidden('Deleting accounts in bulk is for the owner and admins.', 'Not allowed to delete accounts');
}

const CSV_HEADER = 'position,account_id,account_name,outcome,detail,result';

function csvLine(o: ReturnType<typeof presentOutcome>): string {
  return [
    o.position,
    o.accountId,
    o.accountName ?? '',
    o.outcome ?? 'pending',
    o.detail ?? '',
    o.result ? JSON.stringify(o.result) : '',
  ]
    .map(csvField)
    .join(',');
}

function csvField(v: string | number): string {
  const s = String(v);
  // Quote when needed; a leading =, +, - or @ is prefixed so a spreadsheet does not run it as a formula.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const isStartFailure = (report: unknown) => typeof report === 'object' && report !== null && 'startError' in report;
