import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import type { Logger } from "../log/logger.js";
import { checkOutboxFile, moveAside, type OutboxFileState } from "./outbox-integrity.js";
import { readMarker, type OutboxMarker } from "./outbox-marker.js";
import { normaliseSalvaged, type SalvageResult, salvageInto } from "./outbox-salvage.js";

/** Name of the marker file beside the outbox (see {@link OutboxMarker}). */
export const MARKER_FILE = "relay-outbox.state.json";

/** What opening the outbox found, for the log and `dynatrace_relay_outbox_*` metrics. */
export interface OutboxOpenReport {
  state: OutboxFileState["kind"];
  /** Where the damaged file was moved, when it was. */
  damagedCopy?: string;
  salvage?: SalvageResult;
  /** Alarms the marker says were queued that the outbox no longer holds (0: none, or unknown). */
  lostAlarms: number;
  /** This outbox's identity, kept in the database and in the marker. */
  instance: string;
}

/**
 * Opens the outbox file so that a damaged or vanished one is loud, never a crash loop: a file that
 * fails `PRAGMA quick_check` (or is not a database) is moved aside and what can be read is copied
 * into a fresh one; a marker that says alarms were queued beside a missing, emptied, damaged or
 * replaced file is logged at error level as a loss. Throws only when no outbox can be opened or
 * created at all (permissions, a full disk): starting cannot help then.
 */
export function openOutboxDatabase(
  file: string,
  options: { logger: Logger; now: number; prepare: (db: Database.Database) => void },
): { db: Database.Database; report: OutboxOpenReport } {
  const { logger, now } = options;
  const marker = readMarker(join(dirname(file), MARKER_FILE));
  const state = checkOutboxFile(file);
  const damagedCopy = state.kind === "damaged" ? moveAside(file, now) : undefined;
  const db = new Database(file, { timeout: 5000 });
  try {
    options.prepare(db);
    const instance = instanceOf(db);
    const report: OutboxOpenReport = { state: state.kind, lostAlarms: 0, instance };
    if (damagedCopy && state.kind === "damaged") {
      report.damagedCopy = damagedCopy;
      report.salvage = salvageInto(db, damagedCopy);
      normaliseSalvaged(db, now);
      logger.error(
        { file, damagedCopy, problem: state.reason, ...report.salvage },
        `relay outbox ${file} is damaged: moved it to ${damagedCopy} and recovered ${report.salvage.queued} queued alarms and ${report.salvage.deadLetters} dead letters into a fresh outbox (${report.salvage.unreadable} rows or ids unreadable)`,
      );
    }
    report.lostAlarms = lossOf(db, marker, report, file, logger);
    return { db, report };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The outbox file's name in its data directory. */
export const OUTBOX_FILE = "relay-outbox.sqlite";

/**
 * {@link openOutboxDatabase} on the outbox file of `dataDir`, creating the directory if needed;
 * the file's path is returned with the database for the checkpointer.
 */
export function openOutboxIn(
  dataDir: string,
  options: { logger: Logger; now: number; prepare: (db: Database.Database) => void },
): { db: Database.Database; report: OutboxOpenReport; file: string } {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, OUTBOX_FILE);
  return { ...openOutboxDatabase(file, options), file };
}

/** The outbox's identity, created with the file. */
function instanceOf(db: Database.Database): string {
  db.exec("CREATE TABLE IF NOT EXISTS outbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID");
  db.prepare("INSERT OR IGNORE INTO outbox_meta (key, value) VALUES ('instance', ?)").run(randomUUID());
  return db.prepare("SELECT value FROM outbox_meta WHERE key = 'instance'").pluck().get() as string;
}

/** Compares the marker with what the file holds now; logs and returns the alarms lost. */
function lossOf(
  db: Database.Database,
  marker: OutboxMarker | undefined,
  report: OutboxOpenReport,
  file: string,
  logger: Logger,
): number {
  if (!marker || marker.total <= 0) return 0;
  const held = db.prepare("SELECT COUNT(*) FROM outbox").pluck().get() as number;
  const how: Record<OutboxOpenReport["state"], string> = {
    missing: "is now missing",
    empty: "is now empty (0 bytes)",
    damaged: `was damaged; ${held} could be recovered`,
    ok: "was replaced by another file",
  };
  if (report.state === "ok" && marker.instance === report.instance) return 0;
  const lost = Math.max(0, marker.total - held);
  if (lost === 0) return 0;
  logger.error(
    { file, lostAlarms: lost, queuedAtMarker: marker.queued, markerWrittenAt: marker.writtenAt },
    `relay outbox ${file} held ${marker.total} alarms at ${marker.writtenAt} and ${how[report.state]}: ${lost} alarms are lost unless restored from backup${report.damagedCopy ? ` (damaged copy: ${report.damagedCopy})` : ""}`,
  );
  return lost;
}
