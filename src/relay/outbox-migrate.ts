import type Database from "better-sqlite3";
import { migrateLifecycle } from "./lifecycle/schema.js";

/**
 * One step from an older outbox file to the current schema. Every step runs at every open, in
 * order, so each must be idempotent: it looks before it changes (a column that exists, a table
 * created `IF NOT EXISTS`).
 */
export interface OutboxMigration {
  /** What the step adds, for people reading this list. */
  readonly adds: string;
  apply(db: Database.Database): void;
}

/**
 * The schema's history after OUTBOX_SCHEMA, oldest first. Add a step at the end for a new column
 * or table; relay features that keep their own state beside the queue (e.g. the alert lifecycle's
 * firing alerts and correlation ids) add their tables here, so old files gain them on open.
 */
export const OUTBOX_MIGRATIONS: readonly OutboxMigration[] = [
  {
    // Rows without it, written before it existed, are ordered by their dedupe key.
    adds: "outbox.identity, the ordering identity",
    apply: (db) => addColumn(db, "outbox", "identity", "TEXT"),
  },
  {
    adds: "the problem lifecycle's tables: firing alerts kept open, pending closes, correlation ids",
    apply: migrateLifecycle,
  },
  {
    // A resolve's grace for finding its problem counts from the first look-up that found none.
    adds: "lifecycle_closes.first_missed_at",
    apply: (db) => addColumn(db, "lifecycle_closes", "first_missed_at", "INTEGER"),
  },
  {
    // A replay keeps the alarm's delivery identity; older dead letters replay with their dedupe key.
    adds: "dead_letters.identity, the ordering identity kept for a replay",
    apply: (db) => addColumn(db, "dead_letters", "identity", "TEXT"),
  },
];

/** Brings an outbox file written by any older version up to the current schema, in place. */
export function migrateOutbox(db: Database.Database): void {
  for (const step of OUTBOX_MIGRATIONS) step.apply(db);
}

/** Adds a column unless the table has it already. */
export function addColumn(db: Database.Database, table: string, column: string, type: string): void {
  const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
  if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
}
