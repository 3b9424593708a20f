import { copyFileSync, existsSync, renameSync, statSync, writeSync, openSync, closeSync } from "node:fs";
import Database from "better-sqlite3";

/** What the outbox file looked like before it was opened. */
export type OutboxFileState =
  | { kind: "missing" }
  /** Zero bytes and no WAL holding its content: a new file, or one truncated to nothing. */
  | { kind: "empty" }
  | { kind: "ok"; checkMs: number }
  | { kind: "damaged"; reason: string };

/** SQLite codes that mean "this file is damaged", as opposed to "it cannot be opened here". */
const DAMAGE = /^SQLITE_(CORRUPT|NOTADB)/;

/**
 * Checks the outbox file with `PRAGMA quick_check` on a connection of its own (about 0.4 s for
 * 100,000 queued alarms, 42 MB; it reads every page once). Damage is reported as a state; anything else
 * (permissions, a directory in the way) is thrown, since starting cannot help with it.
 */
export function checkOutboxFile(file: string): OutboxFileState {
  if (!existsSync(file)) return { kind: "missing" };
  if (statSync(file).size === 0 && sizeOf(`${file}-wal`) === 0) return { kind: "empty" };
  const started = performance.now();
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true, timeout: 5000 });
    const rows = db.pragma("quick_check") as { quick_check: string }[];
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== "ok");
    if (problems.length > 0) {
      return { kind: "damaged", reason: `integrity check: ${problems.slice(0, 3).join("; ")}` };
    }
    return { kind: "ok", checkMs: performance.now() - started };
  } catch (err) {
    const raw = (err as { code?: unknown }).code;
    const code = typeof raw === "string" ? raw : "";
    if (DAMAGE.test(code)) return { kind: "damaged", reason: `${(err as Error).message} (${code})` };
    throw err;
  } finally {
    try {
      db?.close();
    } catch {
      // A damaged file can fail its close too; the check has its answer.
    }
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Renames the damaged file and its `-wal`/`-shm` to `<file>.corrupt-<time>` (plus the same
 * suffixes, so SQLite still pairs them), leaving the name free for a fresh outbox. Returns the new
 * name of the main file.
 */
export function moveAside(file: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, "-");
  const aside = `${file}.corrupt-${stamp}`;
  renameSync(file, aside);
  for (const suffix of ["-wal", "-shm"]) {
    if (existsSync(`${file}${suffix}`)) renameSync(`${file}${suffix}`, `${aside}${suffix}`);
  }
  return aside;
}

/**
 * A copy of a damaged file whose 100-byte header is rewritten as SQLite writes it for this outbox
 * (4 KiB pages, WAL, UTF-8, the size taken from the file's length), for when the header itself is
 * what was damaged: the pages behind it are often intact. Returns the copy's name.
 */
export function withRepairedHeader(damaged: string, pageSize = 4096): string {
  const copy = `${damaged}.header-repaired`;
  copyFileSync(damaged, copy);
  if (existsSync(`${damaged}-wal`)) copyFileSync(`${damaged}-wal`, `${copy}-wal`);
  const h = Buffer.alloc(100);
  h.write("SQLite format 3\u0000", 0, "latin1");
  h.writeUInt16BE(pageSize === 65536 ? 1 : pageSize, 16);
  h.set([2, 2, 0, 64, 32, 32], 18); // WAL read/write versions, no reserved bytes, payload fractions
  h.writeUInt32BE(1, 24); // change counter; differs from version-valid-for (92): size from length
  h.writeUInt32BE(1, 40); // schema cookie
  h.writeUInt32BE(4, 44); // schema format
  h.writeUInt32BE(1, 56); // UTF-8
  h.writeUInt32BE(3_046_000, 96);
  const fd = openSync(copy, "r+");
  try {
    writeSync(fd, h, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  return copy;
}
