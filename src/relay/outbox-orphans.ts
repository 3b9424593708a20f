import type Database from "better-sqlite3";
import type { CountsByEnvironment } from "./dead-letters.js";
import { storageError } from "./outbox-errors.js";

/** Queued alarms of environments outside a JSON array of names, per environment. */
const COUNT = `SELECT environment, COUNT(*) AS n FROM outbox
  WHERE environment NOT IN (SELECT value FROM json_each(?)) GROUP BY environment`;
const BURY = `INSERT INTO dead_letters (id, environment, source, dedupe_key, api, payload, created_at, identity, failed_at, attempts, reason, error)
  SELECT id, environment, source, dedupe_key, api, payload, created_at, COALESCE(identity, dedupe_key), ?, attempts, 'orphaned',
    'environment "' || environment || '" is no longer configured (removed or renamed); replay it once it is back, or with --to another environment'
  FROM outbox WHERE environment NOT IN (SELECT value FROM json_each(?))`;
const REMOVE = "DELETE FROM outbox WHERE environment NOT IN (SELECT value FROM json_each(?))";

/**
 * Moves the queued alarms of environments not in `configured` (removed or renamed in the
 * configuration: no sender would ever take them) to the dead letters with reason `orphaned`, in
 * one transaction, their dedupe key and identity kept so a replay (`--to` another environment)
 * delivers them as they were. Returns how many per environment; throws OutboxStorageError.
 */
export function buryOrphans(
  db: Database.Database,
  configured: readonly string[],
  now: number,
): CountsByEnvironment {
  const names = JSON.stringify(configured);
  const counts: CountsByEnvironment = {};
  try {
    db.transaction(() => {
      const rows = db.prepare<[string], { environment: string; n: number }>(COUNT).all(names);
      for (const { environment, n } of rows) counts[environment] = n;
      if (rows.length === 0) return;
      db.prepare(BURY).run(now, names);
      db.prepare(REMOVE).run(names);
    }).immediate();
  } catch (err) {
    throw storageError(err, "write");
  }
  return counts;
}
