import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";

/** The lock file in RELAY_DATA_DIR; its holder's description is kept beside it. */
export const LOCK_FILE = "relay.lock";
const HOLDER_FILE = "relay.lock.holder.json";

/** Who holds a data directory's lock, as the holder wrote it down. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  since: string;
}

/** The data directory is locked by another exporter. */
export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(`${dataDir} is in use by another exporter (${describeHolder(holder)})`);
  }
}

/** "pid 12 on host a since 2026-...", or what is known of it. */
export function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return "holder unknown";
  return `pid ${holder.pid} on host ${holder.host} since ${holder.since}`;
}

/**
 * The exclusive lock one exporter holds on its RELAY_DATA_DIR while its outbox is open, so that a
 * second process on the same directory refuses to start instead of sending every alarm twice.
 *
 * The lock is SQLite's own: a small database file opened in EXCLUSIVE locking mode, whose first
 * transaction takes an exclusive POSIX lock held until the connection closes. The kernel drops it
 * when the process dies, `kill -9` included, so a crash never leaves a stale lock behind (a
 * pid-file would need guessing whether its pid still runs, on this host or another). SQLite is
 * already the outbox's engine: no new dependency, and its locking is tested on every platform we
 * run. The outbox file itself stays unlocked, so the dead-letters CLI keeps working beside the
 * server. Who holds the lock is written to a JSON file beside it (the locked file cannot be read).
 */
export class DataDirLock {
  private constructor(
    private readonly db: Database.Database,
    private readonly holderFile: string,
  ) {}

  /** Takes the lock or throws {@link DataDirLockedError}; creates the directory if needed. */
  static acquire(dataDir: string, now: number): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const db = tryLock(dataDir);
    if (!db) throw new DataDirLockedError(dataDir, readHolder(dataDir));
    const holderFile = join(dataDir, HOLDER_FILE);
    writeHolder(holderFile, { pid: process.pid, host: hostname(), since: new Date(now).toISOString() });
    return new DataDirLock(db, holderFile);
  }

  /**
   * Who holds the lock now, without taking it for longer than the look (for `--check-config`);
   * undefined when it is free or the directory has no lock file yet (nothing is created).
   */
  static heldBy(dataDir: string): { holder: LockHolder | undefined } | undefined {
    let db: Database.Database | undefined;
    try {
      db = tryLock(dataDir, true);
    } catch {
      return undefined;
    }
    if (db) {
      db.close();
      return undefined;
    }
    return { holder: readHolder(dataDir) };
  }

  /** Gives the lock back (closing the connection drops it). */
  release(): void {
    rmSync(this.holderFile, { force: true });
    this.db.close();
  }
}

/** The locked connection, or undefined when another connection holds the lock. */
function tryLock(dataDir: string, mustExist = false): Database.Database | undefined {
  const db = new Database(join(dataDir, LOCK_FILE), { timeout: 0, fileMustExist: mustExist });
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    // No journal file: taking the lock writes nothing, so it works on a full disk too.
    db.pragma("journal_mode = MEMORY");
    db.exec("BEGIN EXCLUSIVE; COMMIT");
    return db;
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === "SQLITE_BUSY") return undefined;
    throw err;
  }
}

function writeHolder(file: string, holder: LockHolder): void {
  // Only a description: on a full disk the lock still holds, the holder is then "unknown".
  try {
    writeFileSync(`${file}.tmp`, JSON.stringify(holder));
    renameSync(`${file}.tmp`, file);
  } catch {
    rmSync(`${file}.tmp`, { force: true });
  }
}

function readHolder(dataDir: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(join(dataDir, HOLDER_FILE), "utf8")) as Partial<LockHolder>;
    if (typeof h.pid === "number" && typeof h.host === "string" && typeof h.since === "string")
      return { pid: h.pid, host: h.host.slice(0, 255), since: h.since.slice(0, 40) };
  } catch {
    // Missing or unreadable: the holder is unknown.
  }
  return undefined;
}
