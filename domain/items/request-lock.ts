// Approve, sign and cancel each decide from a request's status. Under read committed two of them at once
// would both see 'pending' (two last signers would each count one left, and the request would stay pending
// for good); locking the row first makes them take turns, so the second decides from the first's outcome.
import type { Tx } from '../../prisma/client';
import { notFound } from '../errors';

/**
 * Locks the signature or approval request's row until the transaction ends; its status now. Not found when it is
 * gone: a deletion of its account (or of the request's item) committed while this change waited.
 */
export async function lockRequestStatus(tx: Tx, kind: 'signature' | 'approval', requestId: string): Promise<string> {
  const rows =
    kind === 'signature'
      ? await tx.$queryRaw<{ status: string }[]>`
          SELECT status::text AS status FROM "SignatureRequest" WHERE id = ${requestId}::uuid FOR NO KEY UPDATE`
      : await tx.$queryRaw<{ status: string }[]>`
          SELECT status::text AS status FROM "ApprovalRequest" WHERE id = ${requestId}::uuid FOR NO KEY UPDATE`;
  if (!rows[0]) throw notFound(kind === 'signature' ? 'Signature request' : 'Approval request', requestId);
  return rows[0].status;
}
