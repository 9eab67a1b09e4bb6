// How a reconciler pass walks its candidates: in one fixed order (a time, then an id), a page at a time from
// where the last pass stopped, on to the end and round from the start up to that point, so each gets its
// turn however many older ones never need anything; a pass does a bounded amount of work.
import { Prisma } from '../../prisma/client';

/** A place in a pass's order. */
export interface RingKey {
  at: Date;
  id: string;
}

/** Candidates a pass looks at (those whose workflow is not listed as running), at most. */
export const CHECKS_PER_PASS = 1000;

/** Pages of candidates a pass reads at most: running ones cost no check, but their rows are still read. */
export const PAGES_PER_PASS = 10;

/** The condition on `alias`.at and `alias`.id (a uuid) keeping the rows after `after` and up to `upTo`. */
export function keysetBounds(alias: string, after: RingKey | null, upTo: RingKey | null): Prisma.Sql {
  const key = Prisma.raw(`(${alias}.at, ${alias}.id)`);
  const lower = after ? Prisma.sql`${key} > (${after.at}::timestamp(3), ${after.id}::uuid)` : Prisma.sql`true`;
  const upper = upTo ? Prisma.sql`${key} <= (${upTo.at}::timestamp(3), ${upTo.id}::uuid)` : Prisma.sql`true`;
  return Prisma.sql`${lower} AND ${upper}`;
}

type Page<T> = (after: RingKey | null, upTo: RingKey | null, limit: number) => Promise<T[]>;

/**
 * Every row once, in order: from just after `from` to the end, then from the start up to `from` (from the
 * start to the end without one), `pageSize` rows at a time.
 */
export async function* lap<T extends RingKey>(page: Page<T>, pageSize: number, from: RingKey | null) {
  const halves: [RingKey | null, RingKey | null][] = from
    ? [
        [from, null],
        [null, from],
      ]
    : [[null, null]];
  for (const [start, upTo] of halves) {
    let after = start;
    for (;;) {
      const rows = await page(after, upTo, pageSize);
      yield* rows;
      if (rows.length < pageSize) break;
      after = rows[rows.length - 1];
    }
  }
}

export interface PassResult {
  /** Candidates whose workflow was not listed as running, so were looked at. */
  checked: number;
  rearmed: string[];
  /** Where the next pass goes on (null: from the start). */
  next: RingKey | null;
}

/**
 * One pass from `from`: each candidate whose workflow the visibility list (read once) does not show running is
 * handed to `rearm` (true: it armed the workflow), until `budget` were or `PAGES_PER_PASS` pages were read.
 */
export async function rearmPass<T extends RingKey>(pass: {
  page: Page<T>;
  from: RingKey | null;
  budget: number;
  running: () => Promise<Set<string>>;
  workflowId: (row: T) => string;
  rearm: (row: T, workflowId: string) => Promise<boolean>;
}): Promise<PassResult> {
  let running: Set<string> | undefined;
  let checked = 0;
  let read = 0;
  const rearmed: string[] = [];
  for await (const row of lap(pass.page, pass.budget, pass.from)) {
    read++;
    const workflowId = pass.workflowId(row);
    running ??= await pass.running();
    if (!running.has(workflowId)) {
      checked++;
      if (await pass.rearm(row, workflowId)) rearmed.push(workflowId);
    }
    if (checked >= pass.budget || read >= pass.budget * PAGES_PER_PASS) {
      return { checked, rearmed, next: { at: row.at, id: row.id } };
    }
  }
  return { checked, rearmed, next: null };
}
