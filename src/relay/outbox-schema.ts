import type Database from "better-sqlite3";
import type { UpstreamApi } from "./alarm.js";
import { guardStatements } from "./outbox-errors.js";
import { migrateOutbox } from "./outbox-migrate.js";

/** A queued alarm as stored. */
export interface QueuedAlarm {
  id: number;
  environment: string;
  source: string;
  dedupeKey: string;
  api: UpstreamApi;
  payload: string;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  /** Ordering identity: the alarm's own, else (rows written before it existed) its dedupe key. */
  identity: string;
}

/** What delivery scheduling needs of a queued alarm, without its body. */
export interface QueueEntry {
  id: number;
  identity: string;
  createdAt: number;
  nextAttemptAt: number;
}

/**
 * The outbox's base tables as the first version wrote them. Later columns and tables are added
 * by the steps in outbox-migrate.ts, so old files and new ones end up the same.
 */
export const OUTBOX_SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  environment TEXT NOT NULL,
  source TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  api TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_by_environment ON outbox (environment, id);
CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY,
  environment TEXT NOT NULL,
  source TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  api TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  failed_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  reason TEXT NOT NULL,
  error TEXT
);
CREATE TABLE IF NOT EXISTS recent_keys (
  key TEXT PRIMARY KEY,
  seen_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

/**
 * Makes a new outbox file, or brings one written by any older version up to date: WAL with
 * fsync at every commit, the base tables, then the migration steps.
 */
export function prepareOutboxFile(db: Database.Database): void {
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec(OUTBOX_SCHEMA);
  migrateOutbox(db);
}

/**
 * The outbox's prepared statements, on a migrated database. Each throws OutboxReadError or
 * OutboxWriteError instead of SQLite's own error, so callers tell a failing disk from a bug.
 */
export function prepareOutboxStatements(db: Database.Database) {
  const statements = {
    // One statement: a new key, or one last seen before the window, is (re)stamped and changes a
    // row; a key seen within the window changes nothing, which marks a duplicate.
    remember: db.prepare(
      "INSERT INTO recent_keys (key, seen_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET seen_at = excluded.seen_at WHERE recent_keys.seen_at < ?",
    ),
    prune: db.prepare("DELETE FROM recent_keys WHERE seen_at < ?"),
    insert: db.prepare(
      "INSERT INTO outbox (environment, source, dedupe_key, api, payload, created_at, next_attempt_at, identity) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    head: db.prepare<[string, number], Record<string, unknown>>(
      "SELECT * FROM outbox WHERE environment = ? AND id > ? ORDER BY id LIMIT 1",
    ),
    entries: db.prepare<[string, number, number], QueueEntry>(
      "SELECT id, COALESCE(identity, dedupe_key) AS identity, created_at AS createdAt, next_attempt_at AS nextAttemptAt FROM outbox WHERE environment = ? AND id > ? ORDER BY id LIMIT ?",
    ),
    byId: db.prepare<[number], Record<string, unknown>>("SELECT * FROM outbox WHERE id = ?"),
    release: db.prepare(
      "UPDATE outbox SET next_attempt_at = ? WHERE environment = ? AND next_attempt_at > ?",
    ),
    remove: db.prepare("DELETE FROM outbox WHERE id = ?"),
    reschedule: db.prepare(
      "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
    ),
    bury: db.prepare(
      "INSERT INTO dead_letters (id, environment, source, dedupe_key, api, payload, created_at, identity, failed_at, attempts, reason, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    counts: db.prepare<[], { environment: string; n: number }>(
      "SELECT environment, COUNT(*) AS n FROM outbox GROUP BY environment",
    ),
    oldest: db.prepare<[string], { created_at: number }>(
      "SELECT created_at FROM outbox WHERE environment = ? ORDER BY id LIMIT 1",
    ),
    /** Queued alarms per environment among the ids of a JSON array. */
    countAmong: db.prepare<[string], { environment: string; n: number }>(
      "SELECT environment, COUNT(*) AS n FROM outbox WHERE id IN (SELECT value FROM json_each(?)) GROUP BY environment",
    ),
    deadCount: db.prepare<[string], { n: number }>(
      "SELECT COUNT(*) AS n FROM dead_letters WHERE environment = ?",
    ),
  };
  guardStatements(statements);
  return statements;
}

/** The outbox's prepared statements (see {@link prepareOutboxStatements}). */
export type OutboxStatements = ReturnType<typeof prepareOutboxStatements>;

/** The `bury` statement's parameters: the queued alarm's columns and why it failed. */
export function deadLetterRow(
  a: QueuedAlarm,
  f: { failedAt: number; attempts: number; reason: string; error: string },
) {
  return [
    ...[a.id, a.environment, a.source, a.dedupeKey, a.api, a.payload, a.createdAt, a.identity],
    ...[f.failedAt, f.attempts, f.reason, f.error],
  ] as const;
}

/** A row of the `outbox` table as the rest of the relay reads it. */
export function toQueuedAlarm(r: Record<string, unknown>): QueuedAlarm {
  return {
    id: r.id as number,
    environment: r.environment as string,
    source: r.source as string,
    dedupeKey: r.dedupe_key as string,
    api: r.api as UpstreamApi,
    payload: r.payload as string,
    createdAt: r.created_at as number,
    attempts: r.attempts as number,
    nextAttemptAt: r.next_attempt_at as number,
    identity: (r.identity as string | null) ?? (r.dedupe_key as string),
  };
}
