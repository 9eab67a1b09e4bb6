// What a PATCH changes: the fields given whose value differs from the row's, so a value the row already has
// writes nothing (and no audit entry).

/** The fields of `patch` given (not undefined) whose value differs from `row`'s, compared as JSON (a list too). */
export function changedFields<T extends object>(row: T, patch: Partial<T>): Partial<T> {
  return Object.fromEntries(
    Object.entries(patch).filter(
      ([k, v]) => v !== undefined && JSON.stringify(v) !== JSON.stringify(row[k as keyof T]),
    ),
  ) as Partial<T>;
}
