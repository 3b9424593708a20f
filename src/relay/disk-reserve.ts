import {
  closeSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  statfsSync,
  truncateSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

/** The reserve file in RELAY_DATA_DIR. */
export const RESERVE_FILE = "relay-outbox.reserve";

/**
 * Space the outbox gives itself back when the disk fills: 4 MiB hold the WAL frames of tens of
 * thousands of removals between two checkpoints.
 */
export const RESERVE_BYTES = 4 * 2 ** 20;

/** What a released reserve keeps for the next start. */
const REMNANT_BYTES = 512 * 1024;
/** Free space below which the start deletes the remnant. */
const ROOM_TO_OPEN_BYTES = 1024 * 1024;

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

  /**
   * Gives the reserve's space to the outbox, but for {@link REMNANT_BYTES} kept for the next
   * start ({@link makeRoomToOpen}); false when there was none to give.
   */
  release(): boolean {
    const had = this.held();
    if (had) truncateSync(this.file, REMNANT_BYTES);
    return had;
  }

  /**
   * Before the outbox is opened: on a disk with less than {@link ROOM_TO_OPEN_BYTES} free, deletes
   * what is left of the reserve, so that SQLite can create its `-shm` and `-wal` files and a
   * restart on a full disk opens the outbox.
   */
  makeRoomToOpen(): void {
    if (freeBytes(this.dir) < ROOM_TO_OPEN_BYTES) rmSync(this.file, { force: true });
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
