// Building blocks of the request schemas: ids, text fields and PATCH bodies, with the same messages everywhere.
import { z } from 'zod';

/** An id in the body or query: "must be a UUID", or "must be a firm user id" given what it names. */
export const id = (what = 'UUID') => z.uuid({ message: `must be a${/^[aeiou]/.test(what) ? 'n' : ''} ${what}` });

/** Trimmed, non-empty text of at most `max` characters. */
export const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);

/** A PATCH body: the create schema's fields, each optional, at least one given. */
export const patchOf = <T extends z.ZodRawShape>(create: z.ZodObject<T>) => {
  const names = Object.keys(create.shape).join(', ');
  return create
    .partial()
    .strict()
    .refine((p) => Object.keys(p).length > 0, { message: `name at least one of ${names}` });
};

/** Newest-first pages keyed by audit id: nextCursor → before. */
export const cursorBefore = () =>
  z
    .string()
    .regex(/^\d{1,19}$/, 'must be a cursor from nextCursor')
    .refine((v) => !/^\d+$/.test(v) || BigInt(v) <= MAX_BIGINT, 'must be a cursor from nextCursor');

/** The largest id of a PostgreSQL bigint column. */
const MAX_BIGINT = 9223372036854775807n;
/** The largest value of an int column (a position), beyond which a cursor would make PostgreSQL fail. */
export const MAX_INT = 2_147_483_647;

/** The account list's search, which a bulk action's filter shares: the selection is what the list shows. */
export const accountSearch = () =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(200)
    .describe('Part of the account’s name or of a linked contact’s email address, in any case');
