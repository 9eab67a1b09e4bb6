// Newest-first cursor pages over (createdAt, id): rows created in the same millisecond are neither
// skipped nor repeated. The cursor is opaque to clients (base64url of "<ISO time>|<id>").
import { invalid } from './errors';
import { isUuid } from '../shared/ids';

export const encodeCreatedCursor = (row: { createdAt: Date; id: string }) => encodeTimeCursor(row.createdAt, row.id);

/** The same cursor over another time column (a thread's updatedAt): a row's time is kept, not re-read. */
export const encodeTimeCursor = (at: Date, id: string) =>
  Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');

/**
 * A page of rows read newest first with one row more than `limit` (`take: limit + 1`): the first `limit`, shown
 * as `present` says, and the cursor of the next page (null when none is left).
 */
export function createdPage<R extends { createdAt: Date; id: string }, T>(
  rows: R[],
  limit: number,
  present: (row: R) => T,
): { items: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return {
    items: page.map(present),
    nextCursor: rows.length > limit ? encodeCreatedCursor(page[page.length - 1]) : null,
  };
}

/** The where-clause for rows after the cursor's row; a cursor not made by encodeCreatedCursor is invalid. */
export function olderThanCursor(cursor: string, field: string) {
  const { at, id } = decodeTimeCursor(cursor, field);
  return { OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: id } }] };
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The time and id an encodeTimeCursor cursor holds; invalid (naming the field) for anything else. The time must be
 * one toISOString writes (no 30 February) and one PostgreSQL takes (no year 0, no signed year): not a 500.
 */
export function decodeTimeCursor(cursor: string, field: string): { at: Date; id: string } {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const [at, id] = parts;
  const date = new Date(at);
  if (
    parts.length !== 2 ||
    !ISO_UTC.test(at) ||
    at.startsWith('0000') ||
    Number.isNaN(date.getTime()) ||
    date.toISOString() !== at ||
    !isUuid(id)
  )
    throw invalid(field, 'must be a nextCursor from an earlier page');
  return { at: date, id };
}
