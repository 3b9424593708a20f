import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import type {
  CheckpointWorkerCommand,
  CheckpointWorkerData,
  CheckpointWorkerMessage,
} from "./checkpoint-worker.js";

// The worker is a module of its own, type-checked and linted like the rest. From dist/ it is the
// sibling .js file. Under tsx (tests, the demo) it is .ts, and a worker thread does not inherit
// tsx's loader, so a one-line bootstrap registers tsx in the thread first.
const RUNNING_TS = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(RUNNING_TS ? "./checkpoint-worker.ts" : "./checkpoint-worker.js", import.meta.url);
const TSX_BOOTSTRAP = `import("tsx/esm/api").then((tsx) => tsx.tsImport(${JSON.stringify(WORKER_URL.href)}, ${JSON.stringify(import.meta.url)}))`;

/**
 * Moves SQLite's WAL checkpoints off the event loop. A checkpoint copies the WAL into the
 * database file and fsyncs it; run inline by the connection that commits (SQLite's default) it
 * stalls the HTTP intake for tens of milliseconds about once a second under load. Here a worker
 * thread with its own connection runs PASSIVE checkpoints, which never block the writer; the
 * writer's automatic checkpoints are switched off only while the worker runs.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private exited: Promise<void>;

  constructor(
    file: string,
    options: {
      intervalMs: number;
      /** Default {@link WAL_LIMIT_BYTES}. */
      walLimitBytes?: number;
      onError: (message: string) => void;
      onExit: () => void;
    },
  ) {
    this.worker = new Worker(RUNNING_TS ? TSX_BOOTSTRAP : WORKER_URL, {
      eval: RUNNING_TS,
      workerData: {
        file,
        intervalMs: options.intervalMs,
        walLimitBytes: options.walLimitBytes ?? WAL_LIMIT_BYTES,
      } satisfies CheckpointWorkerData,
    });
    this.worker.on("message", (m: CheckpointWorkerMessage) => {
      options.onError(m.error);
    });
    this.worker.on("error", (err) => options.onError(err.message));
    this.exited = new Promise((resolve) => {
      this.worker.once("exit", () => {
        options.onExit();
        resolve();
      });
    });
    this.worker.unref();
  }

  /**
   * Stops or restarts the timed checkpoints: while the disk is full they would grow the database
   * file into the space kept for removals (disk-reserve.ts).
   */
  pause(paused: boolean): void {
    this.worker.postMessage((paused ? "pause" : "resume") satisfies CheckpointWorkerCommand);
  }

  /** Runs a last checkpoint and ends the thread. */
  async stop(): Promise<void> {
    // Held open until the last checkpoint is written, even when nothing else keeps the process up.
    this.worker.ref();
    this.worker.postMessage("stop" satisfies CheckpointWorkerCommand);
    await this.exited;
  }
}

/**
 * The WAL size kept between bursts: larger, it is truncated once checkpointed (docs/relay.md's
 * disk figures). 16 MiB holds several seconds of the fastest intake measured.
 */
export const WAL_LIMIT_BYTES = 16 * 2 ** 20;

/**
 * Hands the WAL checkpoints of `db`, the writer's connection to `file`, to a {@link Checkpointer};
 * should its thread fail or exit, the writer takes them back (SQLite's automatic checkpoints), so
 * the WAL never grows without bound. Undefined when no worker could be started: the writer then
 * keeps checkpointing itself.
 */
export function offloadCheckpoints(
  db: Database.Database,
  file: string,
  isClosed: () => boolean,
  walLimitBytes = WAL_LIMIT_BYTES,
): Checkpointer | undefined {
  // The writer truncates a WAL over the limit whenever it starts it over (after a checkpoint).
  db.pragma(`journal_size_limit = ${walLimitBytes}`);
  const takeBack = () => {
    if (!isClosed()) db.pragma("wal_autocheckpoint = 1000");
  };
  try {
    const c = new Checkpointer(file, {
      intervalMs: 1000,
      walLimitBytes,
      onError: takeBack,
      onExit: takeBack,
    });
    db.pragma("wal_autocheckpoint = 0");
    return c;
  } catch {
    return undefined;
  }
}
