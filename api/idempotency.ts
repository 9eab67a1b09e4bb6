// Idempotency-Key support for change-making calls: the first response is stored per firm and key and
// replayed for a retry, so a retried call starts no second workflow and sends no second email.
import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Db } from '../prisma/client';
import { Problem } from './problem';
import { withRequestKey } from '../domain/outbox/request-key';
import { hotQuery, hotSql } from '../domain/outbox/hot-sql';

/** A key left "in progress" this long belongs to a crashed request; a retry may take it over. */
const STALE_AFTER_MS = 60_000;

/** How long after its claim a record stored before the upgrade still stands for a retry of its request. */
const LEGACY_RETRY_MS = 24 * 60 * 60_000;

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
    const requestHash = hashRequest([req.method, req.path, req.actorId, req.body ?? null]);
    const id = { firmId: req.firmId, key };
    // The claim, or the record that holds the key already, in one round trip.
    let claim: Claim[];
    try {
      claim = await hotQuery<Claim>(
        db,
        hotSql`
        WITH ins AS (
          INSERT INTO "IdempotencyRecord" ("firmId", key, method, path, "requestHash", "createdAt")
          VALUES (${id.firmId}::uuid, ${key}, ${req.method}, ${req.path}, ${requestHash}, ${new Date()}::timestamp(3))
          ON CONFLICT DO NOTHING
          RETURNING 1
        )
        SELECT false AS prior, NULL::text AS "requestHash", NULL::int AS status, NULL::jsonb AS body,
          NULL::float8 AS "createdAtMs", NULL::timestamp(3) AS "committedAt"
        FROM ins
        UNION ALL
        SELECT true, r."requestHash", r.status, r.body, extract(epoch FROM r."createdAt")::float8 * 1000, r."committedAt"
        FROM "IdempotencyRecord" r
        WHERE r."firmId" = ${id.firmId}::uuid AND r.key = ${key}::text AND NOT EXISTS (SELECT 1 FROM ins)`,
      );
    } catch (err) {
      return next(err);
    }
    if (claim[0]?.prior !== false) {
      const prior = claim[0];
      if (!prior) return next(new Problem(409, 'idempotency-key-in-use', 'Request in progress', 'Retry shortly.'));
      if (prior.requestHash !== requestHash && !sameLegacyRequest(prior, req)) {
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
        const omitted = secretOmitted(prior.body);
        if (omitted) return next(secretShownOnce(omitted));
        res.set('Idempotent-Replayed', 'true');
        if (prior.body === null) return res.status(prior.status).end();
        return res
          .status(prior.status)
          .type(prior.status >= 400 ? 'application/problem+json' : 'application/json')
          .send(JSON.stringify(prior.body));
      }
      // Also once its change committed: the first request may still be storing its answer.
      if (Date.now() - prior.createdAtMs < STALE_AFTER_MS) {
        return next(
          new Problem(
            409,
            'idempotency-key-in-use',
            'A request with this Idempotency-Key is still in progress',
            'Retry after it finishes.',
          ),
        );
      }
      if (prior.committedAt) {
        // The first request's change committed and, long since, no answer came (its process died): running it
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
      // The retry takes the key over as its own request: a record stored before the upgrade gets its hash.
      await db.idempotencyRecord.update({ where: { firmId_key: id }, data: { createdAt: new Date(), requestHash } });
    }
    // Capture the response to store it. Errors are not kept: bad input writes nothing, and a retry after
    // a failure runs again, unless the change had committed (then the record stays, marked committed).
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      const status = res.statusCode;
      const done =
        status >= 400
          ? db.idempotencyRecord.deleteMany({ where: { ...id, committedAt: null } })
          : hotQuery(
              db,
              hotSql`UPDATE "IdempotencyRecord" SET status = ${status}::int,
                body = ${withoutSecret(jsonText(body), res.locals.secretField)}::jsonb
                WHERE "firmId" = ${id.firmId}::uuid AND key = ${key}::text`,
            );
      done.catch(() => undefined).finally(() => send(body));
      return res;
    };
    // The change's transaction marks the key committed with it (domain/outbox/request-key.ts).
    withRequestKey(id, () => next());
  };
}

// The acting user is part of the request: another user's retry under the key is a different request (422), not
// a replay of an answer their own rights might refuse them.
const hashRequest = (parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

/**
 * A record stored before the hash named the acting user (it holds no actor to compare): the same request is
 * still replayed for a retry spanning the upgrade, but only within a retry's time, as it may be another user's.
 */
const sameLegacyRequest = (prior: Claim, req: Request) =>
  Date.now() - prior.createdAtMs < LEGACY_RETRY_MS &&
  prior.requestHash === hashRequest([req.method, req.path, req.body ?? null]);

interface Claim {
  /** false: this request claimed the key; true: the row is the earlier request's record. */
  prior: boolean;
  requestHash: string;
  status: number | null;
  body: unknown;
  /** When the record was claimed, in ms since the epoch. */
  createdAtMs: number;
  committedAt: Date | null;
}

/** The response body as JSON text to store, or null when it is empty or not JSON. */
function jsonText(body: unknown): string | null {
  if (body === undefined || body === null || body === '') return null;
  try {
    const text = typeof body === 'string' ? body : Buffer.from(body as Buffer).toString('utf8');
    JSON.parse(text);
    return text;
  } catch {
    return null;
  }
}

/** Marks a kept answer whose secret was left out; its other fields stay (the id for the problem's detail). */
const SECRET_OMITTED = '$secretOmitted';

/** The answer to keep: without the secret of a route that shows one once (an API key is kept only hashed). */
function withoutSecret(text: string | null, field: string | undefined): string | null {
  if (text === null || !field) return text;
  const { [field]: _secret, ...rest } = JSON.parse(text) as Record<string, unknown>;
  return JSON.stringify({ ...rest, [SECRET_OMITTED]: field });
}

function secretOmitted(body: unknown): { field: string; id?: string } | null {
  if (!body || typeof body !== 'object' || !(SECRET_OMITTED in body)) return null;
  const kept = body as Record<string, unknown>;
  return { field: String(kept[SECRET_OMITTED]), id: typeof kept.id === 'string' ? kept.id : undefined };
}

/** A retry of a call whose answer showed a secret once: the change stands, the secret is not shown again. */
function secretShownOnce({ field, id }: { field: string; id?: string }): Problem {
  return new Problem(
    409,
    'secret-shown-once',
    'The request with this Idempotency-Key was applied; its secret was shown only in the first answer',
    `The ${field} is not kept, so it cannot be shown again: ${id ? `the resource ${id} exists; ` : ''}` +
      'if its first answer was lost, revoke or disable it and create another.',
  );
}
