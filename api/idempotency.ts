// Idempotency-Key support for change-making calls: the first response is stored per firm and key and
// replayed for a retry, so a retried call starts no second workflow and sends no second email.
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Db } from '../prisma/client';
import { isUniqueViolation, Prisma } from '../prisma/client';
import { Problem } from './problem';
import { withRequestKey } from '../domain/outbox/request-key';

/** A key left "in progress" this long belongs to a crashed request; a retry may take it over. */
const STALE_AFTER_MS = 60_000;

export function idempotency(db: Db): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (!key || req.method === 'GET' || req.method === 'HEAD') return next();
    if (key.length > 200) {
      return next(
        new Problem(400, 'invalid-idempotency-key', 'Idempotency-Key too long', 'Use at most 200 characters.', [
          { field: 'headers.idempotency-key', message: 'at most 200 characters' },
        ]),
      );
    }
    const requestHash = createHash('sha256')
      .update(JSON.stringify([req.method, req.path, req.body ?? null]))
      .digest('hex');
    const id = { firmId: req.firmId, key };
    try {
      await db.idempotencyRecord.create({ data: { ...id, method: req.method, path: req.path, requestHash } });
    } catch (err) {
      if (!isUniqueViolation(err)) return next(err);
      const prior = await db.idempotencyRecord.findUnique({ where: { firmId_key: id } });
      if (!prior) return next(new Problem(409, 'idempotency-key-in-use', 'Request in progress', 'Retry shortly.'));
      if (prior.requestHash !== requestHash) {
        return next(
          new Problem(
            422,
            'idempotency-key-reused',
            'Idempotency-Key reused',
            'This key was used for a different request; use a new key.',
          ),
        );
      }
      if (prior.status !== null) {
        res.set('Idempotent-Replayed', 'true');
        if (prior.body === null) return res.status(prior.status).end();
        return res
          .status(prior.status)
          .type(prior.status >= 400 ? 'application/problem+json' : 'application/json')
          .send(JSON.stringify(prior.body));
      }
      if (prior.committedAt) {
        // The first request's change committed but its answer was lost (its process died): running it
        // again would make the change twice.
        return next(
          new Problem(
            409,
            'idempotency-key-committed',
            'The request with this Idempotency-Key was applied; its answer was lost',
            'Do not retry it: read the resource it changed instead.',
          ),
        );
      }
      if (Date.now() - prior.createdAt.getTime() < STALE_AFTER_MS) {
        return next(
          new Problem(
            409,
            'idempotency-key-in-use',
            'A request with this Idempotency-Key is still in progress',
            'Retry after it finishes.',
          ),
        );
      }
      await db.idempotencyRecord.update({ where: { firmId_key: id }, data: { createdAt: new Date() } });
    }
    // Capture the response to store it. Errors are not kept: bad input writes nothing, and a retry after
    // a failure runs again, unless the change had committed (then the record stays, marked committed).
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      const status = res.statusCode;
      const done =
        status >= 400
          ? db.idempotencyRecord.deleteMany({ where: { ...id, committedAt: null } })
          : db.idempotencyRecord.update({
              where: { firmId_key: id },
              data: { status, body: parseJson(body) ?? Prisma.DbNull },
            });
      done.catch(() => undefined).finally(() => send(body));
      return res;
    };
    // The change's transaction marks the key committed with it (domain/outbox/request-key.ts).
    withRequestKey(id, () => next());
  };
}

function parseJson(body: unknown): Prisma.InputJsonValue | null {
  if (body === undefined || body === null || body === '') return null;
  try {
    return JSON.parse(typeof body === 'string' ? body : Buffer.from(body as Buffer).toString('utf8'));
  } catch {
    return null;
  }
}
