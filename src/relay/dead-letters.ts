import type Database from "better-sqlite3";
import type { DeadLetterFilter } from "./dead-letter-filter.js";
import { storageError } from "./outbox-errors.js";

/** One dead letter as listed (no payload). */
export interface DeadLetterSummary {
  id: number;
  environment: string;
  source: string;
  reason: string;
  attempts: number;
  createdAt: number;
  failedAt: number;
  error: string | null;
}

/** One dead letter in full. */
export interface DeadLetter extends DeadLetterSummary {
  dedupeKey: string;
  api: string;
  /** The body that would be pushed, as stored (JSON text). */
  payload: string;
}

/** Alarms an action touched, per environment. */
export type CountsByEnvironment = Record<string, number>;

/** Rows moved or deleted per transaction: a writer waiting on us waits at most one chunk. */
const CHUNK = 500;

/**
 * The dead-letter table of an outbox file, on whatever connection it is given: the server's own,
 * or the CLI's while a server runs (WAL lets both read; each write is one short IMMEDIATE
 * transaction of at most {@link CHUNK} alarms, so the server's intake waits milliseconds at most).
 * SQLite failures surface as OutboxReadError / OutboxWriteError.
 */
export class DeadLetterTable {
  private readonly replayColumns: { into: string; from: string };

  constructor(
    private readonly db: Database.Database,
    private readonly clock: () => number,
  ) {
    this.replayColumns = guard("read", () => replayColumns(db));
  }

  /** Dead letters matching the filter, oldest failure first, at most `limit`; and how many match. */
  list(filter: DeadLetterFilter, limit: number): { total: number; items: DeadLetterSummary[] } {
    const { where, params } = whereOf(filter);
    return guard("read", () => {
      const total = (
        this.db.prepare(`SELECT COUNT(*) AS n FROM dead_letters ${where}`).get(...params) as { n: number }
      ).n;
      const rows = this.db
        .prepare(`SELECT * FROM dead_letters ${where} ORDER BY failed_at, id LIMIT ?`)
        .all(...params, limit) as Record<string, unknown>[];
      return { total, items: rows.map(summaryOf) };
    });
  }

  /** One dead letter with its payload, or undefined. */
  get(id: number): DeadLetter | undefined {
    const r = guard(
      "read",
      () => this.db.prepare("SELECT * FROM dead_letters WHERE id = ?").get(id) as Record<string, unknown>,
    );
    if (!r) return undefined;
    return {
      ...summaryOf(r),
      dedupeKey: String(r.dedupe_key),
      api: String(r.api),
      payload: String(r.payload),
    };
  }

  /**
   * Moves the matching dead letters to the END of the queue as new outbox rows (new ids, so after
   * everything queued), in id order: dedupe key and delivery identity kept, attempts 0, due now,
   * and accepted now, so RELAY_MAX_AGE counts from the replay. With `to`, they are queued for that
   * environment instead of their own (alarms of a removed or renamed one); counts are then `to`'s.
   */
  replay(filter: DeadLetterFilter, to?: string): CountsByEnvironment {
    const { into, from } = this.replayColumns;
    const source = to === undefined ? from : from.replace(/\benvironment\b/, "? AS environment");
    const move = this.db.prepare(
      `INSERT INTO outbox (${into}, created_at, attempts, next_attempt_at) SELECT ${source}, ?, 0, ? FROM dead_letters WHERE id = ?`,
    );
    const drop = this.db.prepare("DELETE FROM dead_letters WHERE id = ?");
    const counts = this.inChunks(filter, (row) => {
      const now = this.clock();
      if (to === undefined) move.run(now, now, row.id);
      else move.run(to, now, now, row.id);
      drop.run(row.id);
    });
    if (to === undefined) return counts;
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    return total > 0 ? { [to]: total } : {};
  }

  /** Deletes the matching dead letters. */
  purge(filter: DeadLetterFilter): CountsByEnvironment {
    const drop = this.db.prepare("DELETE FROM dead_letters WHERE id = ?");
    return this.inChunks(filter, (row) => drop.run(row.id));
  }

  private inChunks(
    filter: DeadLetterFilter,
    apply: (row: { id: number; environment: string }) => void,
  ): CountsByEnvironment {
    const { where, params } = whereOf(filter, "id > ?");
    const next = this.db.prepare<unknown[], { id: number; environment: string }>(
      `SELECT id, environment FROM dead_letters ${where} ORDER BY id LIMIT ${CHUNK}`,
    );
    const counts: CountsByEnvironment = {};
    let cursor = 0;
    for (;;) {
      const done = guard("write", () =>
        this.db
          .transaction(() => {
            const rows = next.all(...params, cursor);
            for (const row of rows) {
              apply(row);
              counts[row.environment] = (counts[row.environment] ?? 0) + 1;
              cursor = row.id;
            }
            return rows.length < CHUNK;
          })
          .immediate(),
      );
      if (done) return counts;
    }
  }
}

function whereOf(filter: DeadLetterFilter, extra?: string): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.environment !== undefined) {
    clauses.push("environment = ?");
    params.push(filter.environment);
  }
  if (filter.since !== undefined) {
    clauses.push("failed_at >= ?");
    params.push(filter.since);
  }
  if (filter.id !== undefined) {
    clauses.push("id = ?");
    params.push(filter.id);
  }
  if (extra) clauses.push(extra);
  return { where: clauses.length ? `WHERE ${clauses.join(" AND ")}` : "", params };
}

/**
 * Columns copied from a dead letter into a new outbox row: every column both tables share, bar
 * those a replay resets. An outbox `identity` column the dead-letter table lacks is filled with the
 * dedupe key (the identity of last resort).
 */
function replayColumns(db: Database.Database): { into: string; from: string } {
  const columns = (table: string) =>
    new Set((db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name));
  const outbox = columns("outbox");
  const dead = columns("dead_letters");
  const reset = new Set(["id", "created_at", "attempts", "next_attempt_at", "last_error"]);
  const into: string[] = [];
  const from: string[] = [];
  for (const c of outbox) {
    if (reset.has(c)) continue;
    if (dead.has(c)) {
      into.push(c);
      from.push(c);
    } else if (c === "identity") {
      into.push(c);
      from.push("dedupe_key");
    }
  }
  return { into: into.join(", "), from: from.join(", ") };
}

function summaryOf(r: Record<string, unknown>): DeadLetterSummary {
  return {
    id: Number(r.id),
    environment: String(r.environment),
    source: String(r.source),
    reason: String(r.reason),
    attempts: Number(r.attempts),
    createdAt: Number(r.created_at),
    failedAt: Number(r.failed_at),
    error: typeof r.error === "string" ? r.error : null,
  };
}

function guard<T>(kind: "read" | "write", fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw storageError(err, kind);
  }
}
