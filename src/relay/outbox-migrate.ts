import type Database from "better-sqlite3";
import { migrateLifecycle } from "./lifecycle/schema.js";

/**
 * Brings an outbox file written by an older version up to the current schema, in place and
 * idempotently: adds `outbox.identity`, the ordering identity (rows without it, written before it
 * existed, are ordered by their dedupe key); creates the problem lifecycle's tables.
 */
export function migrateOutbox(db: Database.Database): void {
  const columns = db.prepare("PRAGMA table_info(outbox)").all() as { name: string }[];
  if (!columns.some((c) => c.name === "identity")) {
    db.exec("ALTER TABLE outbox ADD COLUMN identity TEXT");
  }
  // The problem lifecycle's tables (firing alerts kept open, pending closes).
  migrateLifecycle(db);
}
