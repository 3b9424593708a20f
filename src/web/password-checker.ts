import { Worker } from "node:worker_threads";
import type { CompareAnswer, CompareRequest } from "./bcrypt-worker.js";

// As checkpointer.ts: from dist/ the worker is the sibling .js file; under tsx a one-line bootstrap
// registers tsx in the thread first, because a worker does not inherit the loader.
const RUNNING_TS = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(RUNNING_TS ? "./bcrypt-worker.ts" : "./bcrypt-worker.js", import.meta.url);
const TSX_BOOTSTRAP = `import("tsx/esm/api").then((tsx) => tsx.tsImport(${JSON.stringify(WORKER_URL.href)}, ${JSON.stringify(import.meta.url)}))`;

/** Comparisons waiting or running at most; past it a check is refused rather than queued. */
export const MAX_PENDING_CHECKS = 64;

/** Thrown when {@link MAX_PENDING_CHECKS} comparisons are already waiting. */
export class PasswordCheckerBusyError extends Error {
  override readonly name = "PasswordCheckerBusyError";
}

/**
 * bcrypt comparisons in one worker thread, in arrival order. bcrypt is slow by design, and on the
 * event loop every failed guess would delay /healthz and the relay by its full cost; here the main
 * thread only waits. One thread bounds the CPU guessing can take to one core, and the queue is
 * bounded, so a flood gets quick refusals instead of an ever longer wait.
 */
export class PasswordChecker {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, (ok: boolean) => void>();

  constructor(private readonly maxPending = MAX_PENDING_CHECKS) {}

  /** Whether `password` matches the bcrypt `hash`; rejects with {@link PasswordCheckerBusyError}. */
  compare(password: string, hash: string): Promise<boolean> {
    if (this.pending.size >= this.maxPending) {
      return Promise.reject(new PasswordCheckerBusyError("too many password checks waiting"));
    }
    const id = this.nextId++;
    const worker = this.thread();
    // Held open while a check waits, so its answer arrives even with nothing else running.
    worker.ref();
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      worker.postMessage({ id, password, hash } satisfies CompareRequest);
    });
  }

  /** Starts the thread ahead of the first check, so no request waits for its start. */
  warm(): void {
    this.thread();
  }

  /** Ends the thread; checks still waiting answer false. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failPending();
    await worker?.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(RUNNING_TS ? TSX_BOOTSTRAP : WORKER_URL, { eval: RUNNING_TS });
    worker.on("message", (m: CompareAnswer) => {
      this.pending.get(m.id)?.(m.ok);
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
    });
    // A thread that dies fails what it held; the next check starts a new one.
    const lost = () => {
      if (this.worker === worker) this.worker = undefined;
      this.failPending();
    };
    worker.on("error", lost);
    worker.on("exit", lost);
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private failPending(): void {
    for (const resolve of this.pending.values()) resolve(false);
    this.pending.clear();
  }
}
