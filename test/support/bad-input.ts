// Shared checks for "bad input: a precise 4xx as problem+json, and nothing written".
import type { Db } from '../../prisma/client';
import type { ApiResponse } from './stack';

export type BadInputCase = [
  name: string,
  send: () => Promise<ApiResponse>,
  status: number,
  type: string,
  field?: string,
];

type CountableTable = { [K in keyof Db]: Db[K] extends { count(): Promise<number> } ? K : never }[keyof Db];

/** A function counting the rows of the given tables (the database is read when it is called). */
export function rowCounter(db: () => Db, tables: readonly CountableTable[]) {
  return async () => {
    const counts: Record<string, number> = {};
    for (const t of tables) counts[t] = await (db()[t] as unknown as { count(): Promise<number> }).count();
    return counts;
  };
}

/** Sends the bad request and checks the problem+json answer and that no row was written. */
export async function expectRefused(
  rowCounts: () => Promise<Record<string, number>>,
  [, send, status, type, field]: BadInputCase,
) {
  const before = await rowCounts();
  const res = await send();
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(res.body).toMatchObject({ type: `https://nudge.dev/problems/${type}`, status, title: expect.any(String) });
  if (field) expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  expect(await rowCounts()).toEqual(before);
}
