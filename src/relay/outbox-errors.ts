/**
 * The outbox cannot take these alarms now: the queue is full or the disk failed. None of them is
 * stored; the sender should retry later (the HTTP layer answers 503 with Retry-After).
 */
export class OutboxUnavailableError extends Error {
  override readonly name = "OutboxUnavailableError";
}

/**
 * Errors of the outbox's storage: the disk or the SQLite file failed under a read or a write.
 * They carry SQLite's code (e.g. SQLITE_CORRUPT, SQLITE_IOERR_READ) and a message that names no
 * secret; callers catch them per operation, so a damaged page fails one delivery or one request,
 * never the process.
 */
export class OutboxStorageError extends Error {
  override readonly name: string = "OutboxStorageError";
  constructor(
    message: string,
    /** SQLite's error code, or "unknown". */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A read of the outbox failed (a damaged page, an I/O error). */
export class OutboxReadError extends OutboxStorageError {
  override readonly name = "OutboxReadError";
}

/** A write to the outbox failed (disk full, I/O error, damaged page). */
export class OutboxWriteError extends OutboxStorageError {
  override readonly name = "OutboxWriteError";
}

/** A dead-letter filter that cannot be applied: the caller's mistake (HTTP 400, CLI exit code 2). */
export class DeadLetterFilterError extends Error {
  override readonly name = "DeadLetterFilterError";
}

interface Guardable {
  get?: (...args: never[]) => unknown;
  all?: (...args: never[]) => unknown;
  iterate?: (...args: never[]) => unknown;
  run?: (...args: never[]) => unknown;
}

/** Wraps an error thrown by SQLite into the typed error of the operation. */
export function storageError(err: unknown, kind: "read" | "write"): unknown {
  if (err instanceof OutboxStorageError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !code.startsWith("SQLITE_")) return err;
  const message = `relay outbox ${kind} failed: ${(err as Error).message} (${code})`;
  return kind === "read"
    ? new OutboxReadError(message, code, { cause: err })
    : new OutboxWriteError(message, code, { cause: err });
}

/**
 * Makes every prepared statement of `statements` throw {@link OutboxReadError} (get, all,
 * iterate) or {@link OutboxWriteError} (run) instead of SQLite's own error, in place: callers
 * then tell a damaged disk from a bug by type.
 */
export function guardStatements(statements: Record<string, unknown>): void {
  for (const s of Object.values(statements) as Guardable[]) {
    for (const method of ["get", "all", "iterate", "run"] as const) {
      const original = s[method];
      if (typeof original !== "function") continue;
      const kind = method === "run" ? "write" : "read";
      (s as Record<string, unknown>)[method] = (...args: never[]) => {
        try {
          return original.apply(s, args);
        } catch (err) {
          throw storageError(err, kind);
        }
      };
    }
  }
}
