import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";

/**
 * What the marker file beside the outbox (`relay-outbox.state.json`) remembers: which outbox file
 * it describes (a random id stored inside the database) and how many alarms were queued when it
 * was last written. At start a marker that says alarms were queued, beside an outbox that is
 * missing, empty, damaged or another file, is how a loss gets reported instead of passing silently.
 */
export interface OutboxMarker {
  /** The outbox's identity: `outbox_meta.instance` in the database. */
  instance: string;
  /** Queued alarms per environment when written. */
  queued: Record<string, number>;
  /** Sum of `queued`. */
  total: number;
  /** When written (ISO time). */
  writtenAt: string;
}

/** Reads the marker; undefined when there is none or it is unreadable (a marker is advisory). */
export function readMarker(path: string): OutboxMarker | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  try {
    const m = JSON.parse(text) as Partial<OutboxMarker>;
    if (typeof m.instance !== "string" || typeof m.total !== "number" || !Number.isFinite(m.total)) {
      return undefined;
    }
    return {
      instance: m.instance,
      queued: typeof m.queued === "object" && m.queued !== null ? m.queued : {},
      total: m.total,
      writtenAt: typeof m.writtenAt === "string" ? m.writtenAt : "an unknown time",
    };
  } catch {
    return undefined;
  }
}

/**
 * Writes the marker atomically (a temporary file, fsync, rename): a crash leaves the old marker or
 * the new one, never half of one. At most once per `minIntervalMs` unless forced, and only when
 * the depths changed, so an idle relay does not touch the disk.
 */
export class MarkerWriter {
  private last = "";
  private lastWrittenAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly path: string,
    private readonly instance: string,
    private readonly minIntervalMs: number,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Writes the marker when the depths changed and the last write is old enough (or `force`). */
  update(depths: ReadonlyMap<string, number>, now: number, force = false): void {
    const queued = Object.fromEntries([...depths].filter(([, n]) => n > 0).sort());
    const key = JSON.stringify(queued);
    if (key === this.last) return;
    if (!force && now - this.lastWrittenAt < this.minIntervalMs) return;
    const total = Object.values(queued).reduce((a, b) => a + b, 0);
    const marker: OutboxMarker = {
      instance: this.instance,
      queued,
      total,
      writtenAt: new Date(now).toISOString(),
    };
    try {
      writeAtomically(this.path, `${JSON.stringify(marker)}\n`);
      this.last = key;
      this.lastWrittenAt = now;
    } catch (err) {
      this.onError(err as Error);
      this.lastWrittenAt = now;
    }
  }
}

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
