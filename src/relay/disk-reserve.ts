import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, statfsSync, writeSync } from "node:fs";
import { join } from "node:path";

/** The reserve file in RELAY_DATA_DIR. */
export const RESERVE_FILE = "relay-outbox.reserve";

/**
 * Space the outbox gives itself back when the disk fills: 4 MiB hold the WAL frames of tens of
 * thousands of removals between two checkpoints.
 */
export const RESERVE_BYTES = 4 * 2 ** 20;

/**
 * A file of zeros kept beside the outbox, so that removals of delivered alarms can always be
 * written. When a commit fails because the disk is full, the outbox deletes the file and takes no
 * new alarms until it can be written again; the space it frees is the removals' (and the retries'
 * bookkeeping). Without it, a restart on a full disk would send again every alarm delivered since
 * the disk filled, their removals having never reached the file.
 */
export class DiskReserve {
  private readonly file: string;

  constructor(
    private readonly dir: string,
    private readonly bytes = RESERVE_BYTES,
  ) {
    this.file = join(dir, RESERVE_FILE);
  }

  /** Whether the reserve is on disk, whole. */
  held(): boolean {
    try {
      return statSync(this.file).size >= this.bytes;
    } catch {
      return false;
    }
  }

  /** Writes the reserve (fsynced) unless it is there; false when the disk has no room for it. */
  restore(): boolean {
    if (this.held()) return true;
    // Written only with room to spare beside it: a reserve that took the last free byte would
    // block the very removals it is for.
    if (freeBytes(this.dir) < 2 * this.bytes) return false;
    const tmp = `${this.file}.tmp`;
    try {
      const fd = openSync(tmp, "w");
      try {
        const chunk = Buffer.alloc(2 ** 20);
        for (let written = 0; written < this.bytes;)
          written += writeSync(fd, chunk, 0, Math.min(chunk.length, this.bytes - written));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
      return true;
    } catch {
      rmSync(tmp, { force: true });
      return false;
    }
  }

  /** Deletes the reserve, giving its space to the outbox; false when there was none to give. */
  release(): boolean {
    const had = this.held();
    rmSync(this.file, { force: true });
    return had;
  }
}

function freeBytes(dir: string): number {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize;
  } catch {
    return 0;
  }
}
