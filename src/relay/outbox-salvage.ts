import { rmSync } from "node:fs";
import Database from "better-sqlite3";
import { withRepairedHeader } from "./outbox-integrity.js";
import { copyFromLeaves, liveIds } from "./outbox-salvage-leaves.js";
import { sharedColumns, tryInsert, usable } from "./outbox-salvage-rows.js";

/** What a salvage copied out of a damaged outbox. */
export interface SalvageResult {
  /** Queued alarms copied into the fresh outbox. */
  queued: number;
  deadLetters: number;
  /** Ids that could not be read (a damaged page), and rows read but unusable (garbled content). */
  unreadable: number;
  /** False when not even the schema could be read. */
  readable: boolean;
}

/** Seeks past the last readable id before giving up when the file no longer says its highest id. */
const BLIND_PROBES = 100_000;
/** Failed seeks in a row after which the leaf pass takes over (when the index lists the queue). */
const SEEKS_BEFORE_LEAVES = 256;

/**
 * Copies every row that can still be read from the damaged file into `dst` (the fresh outbox,
 * schema in place), keeping ids so acceptance order holds. Rows are read in id order and a damaged
 * page is stepped over id by id, and queued alarms no query reaches (a damaged interior page) are
 * read from the leaf pages directly, if the queue's index still says they are queued; when the
 * header itself is damaged, a copy with a rewritten header is tried. The dedupe keys are not
 * salvaged: at worst a duplicate passes once.
 */
export function salvageInto(dst: Database.Database, damaged: string): SalvageResult {
  const first = salvageFrom(dst, damaged);
  if (first.readable) return first;
  const copy = withRepairedHeader(damaged);
  try {
    return salvageFrom(dst, copy);
  } finally {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${copy}${suffix}`, { force: true });
  }
}

function salvageFrom(dst: Database.Database, file: string): SalvageResult {
  let src: Database.Database | undefined;
  let tables: string[];
  try {
    src = new Database(file, { fileMustExist: true, timeout: 1000 });
    tables = src.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[];
  } catch {
    closeQuietly(src);
    return { queued: 0, deadLetters: 0, unreadable: 0, readable: false };
  }
  const from = src;
  try {
    return dst.transaction(() => {
      const live = tables.includes("outbox") ? liveIds(from) : new Set<number>();
      // With the index to go by, a long damaged stretch is left to the leaf pass (seconds, not minutes).
      const queued = tables.includes("outbox")
        ? copyTable(from, dst, "outbox", live.size > 0 ? SEEKS_BEFORE_LEAVES : Number.POSITIVE_INFINITY)
        : none();
      if (queued.unreadable > 0 && live.size > 0) {
        const found = copyFromLeaves(from, dst, file, live);
        queued.copied += found.added;
        queued.unreadable = found.missing;
      }
      const dead = tables.includes("dead_letters")
        ? copyTable(from, dst, "dead_letters", Number.POSITIVE_INFINITY)
        : none();
      keepIdsUnique(from, dst);
      return {
        queued: queued.copied,
        deadLetters: dead.copied,
        unreadable: queued.unreadable + dead.unreadable,
        readable: true,
      };
    })();
  } finally {
    closeQuietly(src);
  }
}

function none() {
  return { copied: 0, unreadable: 0 };
}

function copyTable(src: Database.Database, dst: Database.Database, table: string, maxFailedSeeks: number) {
  const { columns, select } = sharedColumns(src, dst, table);
  if (columns.length === 0) return none();
  const range = src.prepare(`SELECT ${select} FROM ${table} WHERE id > ? ORDER BY id`);
  const insert = dst.prepare(
    `INSERT OR IGNORE INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
  );
  const ceiling = highestId(src, table);
  let cursor = 0;
  let lastRead = 0;
  let copied = 0;
  let unreadable = 0;
  let failedSeeks = 0;
  for (;;) {
    try {
      for (const row of range.iterate(cursor) as Iterable<Record<string, unknown>>) {
        cursor = Number(row.id);
        lastRead = cursor;
        failedSeeks = 0;
        if (usable(row) && tryInsert(insert, columns, row)) copied++;
        else unreadable++;
      }
      return { copied, unreadable };
    } catch {
      // The page holding the next row is damaged: step over one id and seek again.
      cursor++;
      unreadable++;
      failedSeeks++;
      const end = ceiling ?? lastRead + BLIND_PROBES;
      if (cursor > end || failedSeeks > maxFailedSeeks) return { copied, unreadable };
    }
  }
}

/**
 * New alarms must get ids above every id the damaged file used: a dead letter keeps its alarm's
 * id, and a reused one would collide when that new alarm is dead-lettered in turn.
 */
function keepIdsUnique(src: Database.Database, dst: Database.Database): void {
  const mine = (table: string) => Number(dst.prepare(`SELECT max(id) FROM ${table}`).pluck().get() ?? 0);
  const seq = Math.max(
    highestId(src, "outbox") ?? 0,
    highestId(src, "dead_letters") ?? 0,
    mine("outbox"),
    mine("dead_letters"),
  );
  dst.prepare("DELETE FROM sqlite_sequence WHERE name = 'outbox'").run();
  dst.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)").run(seq);
}

/** The highest id the damaged file still states (AUTOINCREMENT's counter, or the last row). */
function highestId(src: Database.Database, table: string): number | undefined {
  const candidates: number[] = [];
  const attempts = [
    () => src.prepare("SELECT seq FROM sqlite_sequence WHERE name = ?").pluck().get(table),
    () => src.prepare(`SELECT max(id) FROM ${table}`).pluck().get(),
  ];
  for (const read of attempts) {
    try {
      const n = Number(read());
      if (Number.isSafeInteger(n) && n > 0) candidates.push(n);
    } catch {
      // That part of the file is damaged too.
    }
  }
  return candidates.length > 0 ? Math.max(...candidates) : undefined;
}

function closeQuietly(db: Database.Database | undefined): void {
  try {
    db?.close();
  } catch {
    // Closing a damaged file can fail; nothing more to read from it.
  }
}

/**
 * Makes salvaged rows deliverable: a damaged page can hand back a schedule or acceptance time that
 * is garbage (a retry due in the year 5914 would keep an alarm queued and never tried). Every
 * salvaged alarm is due now with its attempts reset, and an acceptance time in the future or before
 * 2000 becomes now, so RELAY_MAX_AGE still applies from a sensible start. Returns the rows fixed.
 */
export function normaliseSalvaged(db: Database.Database, now: number): number {
  const fixedTimes = db
    .prepare(
      "UPDATE outbox SET created_at = ? WHERE typeof(created_at) != 'integer' OR created_at > ? OR created_at < 946684800000",
    )
    .run(now, now).changes;
  db.prepare("UPDATE outbox SET next_attempt_at = ?, attempts = 0").run(now);
  return fixedTimes;
}
