import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

// Runs in a worker thread (plain CommonJS, so it works from `tsx` and from `dist/` alike): its own
// connection to the outbox database checkpoints the WAL on a timer.
const WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 5000 });
const checkpoint = () => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

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
    options: { intervalMs: number; onError: (message: string) => void; onExit: () => void },
  ) {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, driver, intervalMs: options.intervalMs },
    });
    this.worker.on("message", (m: { error?: string }) => {
      if (m.error) options.onError(m.error);
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

  /** Runs a last checkpoint and ends the thread. */
  async stop(): Promise<void> {
    this.worker.postMessage("stop");
    await this.exited;
  }
}
