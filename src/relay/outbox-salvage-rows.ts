import type Database from "better-sqlite3";

/**
 * The fresh table's columns the damaged one can fill, and the SELECT list that reads them. A
 * delivery `identity` column an older file lacks is filled with the dedupe key (the identity of
 * last resort), so a newer schema never makes old rows unreadable.
 */
export function sharedColumns(
  src: Database.Database,
  dst: Database.Database,
  table: string,
): { columns: string[]; select: string } {
  try {
    const names = (db: Database.Database) =>
      (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
    const theirs = new Set(names(src));
    const fill = (c: string) => c === "identity" && theirs.has("dedupe_key");
    const columns = names(dst).filter((c) => theirs.has(c) || fill(c));
    const select = columns.map((c) => (theirs.has(c) ? c : `dedupe_key AS ${c}`)).join(", ");
    return { columns, select };
  } catch {
    return { columns: [], select: "" };
  }
}

/** Rows with garbled content would fail every delivery; they are counted as unreadable instead. */
export function usable(row: Record<string, unknown>): boolean {
  if (typeof row.environment !== "string" || row.environment === "") return false;
  if ("api" in row && row.api !== "v1" && row.api !== "v2") return false;
  if (typeof row.payload !== "string") return false;
  try {
    const body: unknown = JSON.parse(row.payload);
    return typeof body === "object" && body !== null;
  } catch {
    return false;
  }
}

/** Inserts the row's `columns`; false when it was there already or the fresh schema refuses it. */
export function tryInsert(
  insert: Database.Statement,
  columns: string[],
  row: Record<string, unknown>,
): boolean {
  try {
    return insert.run(...columns.map((c) => row[c])).changes === 1;
  } catch {
    return false;
  }
}
