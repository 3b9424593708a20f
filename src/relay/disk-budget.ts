import { statSync, statfsSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log/logger.js";
import { WAL_LIMIT_BYTES } from "./checkpointer.js";
import { OUTBOX_FILE } from "./outbox-open.js";

/**
 * Disk a queued alarm may take, WAL included, for planning: a netdata alarm measured 728 bytes in
 * the file, an Alertmanager alert with its labels and annotations several KiB, and a burst's WAL
 * holds a second copy until it is checkpointed (docs/relay.md, "Disk").
 */
export const BYTES_PER_QUEUED_ALARM = 8 * 1024;

/** What full queues need and what the volume offers, in bytes. */
export interface DiskBudget {
  needed: number;
  available: number;
}

/**
 * The disk RELAY_QUEUE_LIMIT × environments can take against what RELAY_DATA_DIR's volume has:
 * its free space plus what the outbox holds already. Undefined when the volume cannot be read.
 */
export function diskBudget(
  dataDir: string,
  queueLimit: number,
  environments: number,
  reserveBytes: number,
): DiskBudget | undefined {
  try {
    const fs = statfsSync(dataDir);
    const held = sizeOf(join(dataDir, OUTBOX_FILE)) + sizeOf(join(dataDir, `${OUTBOX_FILE}-wal`));
    return {
      needed: queueLimit * environments * BYTES_PER_QUEUED_ALARM + WAL_LIMIT_BYTES + reserveBytes,
      available: fs.bavail * fs.bsize + held + reserveBytes,
    };
  } catch {
    return undefined;
  }
}

/** Logs a warning at start when full queues would not fit the data directory's volume. */
export function warnIfQueuesMayNotFit(
  dataDir: string,
  queueLimit: number,
  environments: number,
  reserveBytes: number,
  logger: Logger,
): void {
  const budget = diskBudget(dataDir, queueLimit, environments, reserveBytes);
  if (!budget || budget.needed <= budget.available) return;
  const mib = (n: number) => Math.ceil(n / 2 ** 20);
  logger.warn(
    { dataDir, queueLimit, environments, neededMiB: mib(budget.needed), availableMiB: mib(budget.available) },
    `RELAY_QUEUE_LIMIT ${queueLimit} × ${environments} environments may need ${mib(budget.needed)} MiB in RELAY_DATA_DIR ${dataDir}, which has ${mib(budget.available)} MiB: full queues would fill the disk before the limit answers 503 (lower RELAY_QUEUE_LIMIT or grow the volume; docs/relay.md, "Disk")`,
  );
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
