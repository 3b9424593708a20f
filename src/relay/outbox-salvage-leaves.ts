import type Database from "better-sqlite3";
import { scanTableLeaves } from "./outbox-page-scan.js";
import { sharedColumns, tryInsert, usable } from "./outbox-salvage-rows.js";

/** Ids of queued alarms as the index `outbox_by_environment` lists them (what of it can be read). */
export function liveIds(src: Database.Database): Set<number> {
  const live = new Set<number>();
  try {
    const ids = src
      .prepare("SELECT id FROM outbox INDEXED BY outbox_by_environment ORDER BY environment, id")
      .pluck();
    for (const id of ids.iterate() as Iterable<number>) live.add(Number(id));
  } catch {
    // What was read of the index still counts; without an index the leaf pass takes nothing.
  }
  return live;
}

/**
 * Second pass for queued alarms: rows on leaf pages no query reached. Only ids the index
 * `outbox_by_environment` lists are taken, so a freed page's delivered alarms never come back.
 * Returns how many rows it added, and how many queued alarms the index lists that are still missing.
 */
export function copyFromLeaves(
  src: Database.Database,
  dst: Database.Database,
  file: string,
  live: Set<number>,
): { added: number; missing: number } {
  const columns = (src.pragma("table_info(outbox)") as { name: string; cid: number }[])
    .sort((a, b) => a.cid - b.cid)
    .map((c) => c.name);
  const wanted = sharedColumns(src, dst, "outbox").columns;
  const insert = dst.prepare(
    `INSERT OR IGNORE INTO outbox (${wanted.join(", ")}) VALUES (${wanted.map(() => "?").join(", ")})`,
  );
  let added = 0;
  for (const record of scanTableLeaves(file)) {
    if (!live.has(record.rowid) || record.values.length > columns.length) continue;
    const row: Record<string, unknown> = {};
    columns.forEach((name, i) => (row[name] = record.values[i] ?? null));
    row.id = record.rowid;
    row.identity ??= row.dedupe_key;
    if (usable(row) && tryInsert(insert, wanted, row)) {
      added++;
      live.delete(record.rowid);
    }
  }
  const have = new Set(dst.prepare("SELECT id FROM outbox").pluck().all() as number[]);
  return { added, missing: [...live].filter((id) => !have.has(id)).length };
}
