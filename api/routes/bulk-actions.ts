// Bulk actions: start (one route, the action typed by `kind`), progress, list, cancel, outcomes, report, retry.
import { Router, type Response } from 'express';
import { route, idParams } from '../route';
import * as s from '../schemas/bulk-actions';
import type { BulkActionsService } from '../../domain/bulk/bulk-actions';

export function bulkActionRoutes(bulk: BulkActionsService): Router {
  const r = Router();
  const mut = { idempotent: true } as const;
  const bulkId = idParams('bulkActionId');

  route(
    r,
    {
      method: 'post',
      path: '/v1/bulk-actions',
      tag: 'Bulk actions',
      summary:
        'Start a bulk action over explicit account ids (up to 10,000) or an account-list filter, resolved once into a fixed snapshot. Answers 202 with its progress; the workflow is bulk-<id>. Accounts the user may not change are reported as skipped. dryRun changes nothing and reports what each account would get.',
      body: s.newBulkAction,
      status: 202,
      ...mut,
    },
    async (req) => bulk.start(req.firmId, req.actor, req.valid.body, req.get('idempotency-key')),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/bulk-actions',
      tag: 'Bulk actions',
      summary: 'The firm’s bulk actions, newest first (an employee sees their own)',
      query: s.bulkListQuery,
    },
    async (req) => bulk.list(req.firmId, req.actor, req.valid.query),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/bulk-actions/:bulkActionId',
      tag: 'Bulk actions',
      summary: 'Status and progress (total, pending, done, skipped, failed, not reached); the report once finished',
      params: bulkId,
    },
    async (req) => bulk.get(req.firmId, req.actor, req.valid.params.bulkActionId),
  );
  // The outcomes, and the same at their former address `…/items` (deprecated, kept for existing callers).
  const outcomePaths = [
    [
      '/v1/bulk-actions/:bulkActionId/outcomes',
      'Per-account outcomes in selection order (cursor: nextCursor → after), optionally of one outcome',
    ],
    ['/v1/bulk-actions/:bulkActionId/items', 'Deprecated: use /v1/bulk-actions/{bulkActionId}/outcomes (same answer)'],
  ] as const;
  for (const [path, summary] of outcomePaths) {
    route(
      r,
      { method: 'get', path, tag: 'Bulk actions', summary, params: bulkId, query: s.bulkOutcomeQuery },
      async (req) => bulk.outcomes(req.firmId, req.actor, req.valid.params.bulkActionId, req.valid.query),
    );
  }
  route(
    r,
    {
      method: 'get',
      path: '/v1/bulk-actions/:bulkActionId/report.csv',
      tag: 'Bulk actions',
      summary: 'The report as CSV (text/csv), one line per selected account',
      params: bulkId,
      csv: 'response',
    },
    async (req, res) => {
      const id = req.valid.params.bulkActionId;
      const csv = await bulk.csvReport(req.firmId, req.actor, id); // throws (404) before anything is sent
      res
        .status(200)
        .type('text/csv; charset=utf-8')
        .set('Content-Disposition', `attachment; filename="bulk-action-${id}.csv"`);
      await stream(res, csv);
    },
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/bulk-actions/:bulkActionId/cancel',
      tag: 'Bulk actions',
      summary: 'Cancel: accounts in flight finish, those done stay done, the rest are reported as not reached',
      params: bulkId,
      status: 202,
      ...mut,
    },
    async (req) => bulk.cancel(req.firmId, req.actor, req.valid.params.bulkActionId),
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/bulk-actions/:bulkActionId/retry-failed',
      tag: 'Bulk actions',
      summary:
        'Start a new bulk action, same action, over exactly the accounts that failed in this finished one (of a retry, also those it did not reach; once per action; a delete needs confirm "DELETE" again)',
      params: bulkId,
      body: s.retryFailedBody,
      status: 202,
      ...mut,
    },
    async (req) =>
      bulk.retryFailed(
        req.firmId,
        req.actor,
        req.valid.params.bulkActionId,
        req.valid.body,
        req.get('idempotency-key'),
      ),
  );
  return r;
}

/**
 * Writes text chunks as they come, waiting for 'drain' when the socket's buffer is full, and ends the
 * response. A client that goes away stops it: no further chunk is asked for (so nothing more is read).
 */
async function stream(res: Response, chunks: AsyncGenerator<string, void, undefined>): Promise<void> {
  let gone = false;
  const onClose = () => (gone = true);
  res.once('close', onClose);
  try {
    for await (const chunk of chunks) {
      if (!res.write(chunk) && !gone) await drainOrClose(res);
      if (gone) break; // leaving the loop ends the generator
    }
    res.end();
  } finally {
    res.off('close', onClose);
  }
}

/** A client that reads nothing for this long is cut off: it would hold its admission slot, and a stop, for ever. */
const STALLED_MS = 60_000;

function drainOrClose(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const stalled = setTimeout(() => res.destroy(), STALLED_MS); // its 'close' ends the wait
    const done = () => {
      clearTimeout(stalled);
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
