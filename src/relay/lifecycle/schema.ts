import type Database from "better-sqlite3";

/**
 * The lifecycle's tables in the outbox database (created by {@link migrateLifecycle}, called from
 * the outbox's migrations): the firing alerts this replica keeps open, and the resolves whose
 * problem is still to be closed. Both survive restarts with the outbox.
 */
export const LIFECYCLE_SCHEMA = `
CREATE TABLE IF NOT EXISTS lifecycle_alerts (
  environment TEXT NOT NULL,
  alert_key TEXT NOT NULL,
  source TEXT NOT NULL,
  identity TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  first_sent_at INTEGER NOT NULL,
  last_sent_at INTEGER NOT NULL,
  next_refresh_at INTEGER NOT NULL,
  check_failures INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (environment, alert_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lifecycle_closes (
  environment TEXT NOT NULL,
  alert_key TEXT NOT NULL,
  identity TEXT NOT NULL,
  title TEXT NOT NULL,
  message TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  verifying INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  first_missed_at INTEGER,
  PRIMARY KEY (environment, alert_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lifecycle_correlations (
  environment TEXT NOT NULL,
  alert_key TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  seen_at INTEGER NOT NULL,
  PRIMARY KEY (environment, alert_key, correlation_id)
) WITHOUT ROWID;
`;

/** Adds the lifecycle tables to an outbox database; idempotent. */
export function migrateLifecycle(db: Database.Database): void {
  db.exec(LIFECYCLE_SCHEMA);
}
