import type Database from "better-sqlite3";
import type { Logger } from "../log/logger.js";
import { MarkerWriter } from "./outbox-marker.js";

/** What an {@link OutboxWatch} reads and calls. */
export interface OutboxWatchDeps {
  db: Database.Database;
  logger: Logger;
  markerPath: string;
  /** The outbox's identity, written into the marker. */
  instance: string;
  /** The current queue depths (in memory: cheap). */
  depths: () => ReadonlyMap<string, number>;
  /** Another connection committed: recount and wake delivery. */
  onExternalChange: () => void;
}

/**
 * Once a second, between turns of the event loop (never inside a group commit): notices commits
 * of other connections (the dead-letters CLI) by `PRAGMA data_version`, which changes only then and
 * costs microseconds, and keeps the marker file current (written at most every 2 s, and only when
 * the depths changed; forced at start and at close).
 */
export class OutboxWatch {
  private readonly timer: NodeJS.Timeout;
  private readonly marker: MarkerWriter;
  private dataVersion: number;
  private stopped = false;

  constructor(private readonly deps: OutboxWatchDeps) {
    this.dataVersion = this.version();
    this.marker = new MarkerWriter(deps.markerPath, deps.instance, 2000, (err) =>
      deps.logger.warn({ err: err.message }, "cannot write the relay outbox marker file"),
    );
    this.marker.update(deps.depths(), Date.now(), true);
    this.timer = setInterval(() => this.tick(), 1000).unref();
  }

  /** Stops the timer and writes the marker a last time (call before the database closes). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.marker.update(this.deps.depths(), Date.now(), true);
  }

  private version(): number {
    return this.deps.db.pragma("data_version", { simple: true }) as number;
  }

  private tick(): void {
    if (this.stopped) return;
    try {
      const version = this.version();
      if (version !== this.dataVersion) {
        this.dataVersion = version;
        this.deps.onExternalChange();
      }
    } catch (err) {
      // A damaged page: the depths keep their last values; delivery reports the read errors.
      this.deps.logger.warn({ err: (err as Error).message }, "cannot re-read the relay queue depths");
    }
    this.marker.update(this.deps.depths(), Date.now());
  }
}
