import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

/** A helper process of a benchmark, spoken to by request and answer over IPC. */
export interface Helper<Ready> {
  /** What the process said when it was ready. */
  ready: Ready;
  /** Sends a request and waits for its answer. */
  call<T>(request: Record<string, unknown>): Promise<T>;
  /** Asks the process to exit and waits until it has. */
  stop(): Promise<void>;
}

/**
 * Forks `script` (a file next to this one or an absolute URL) with the parent's node flags (so
 * TypeScript runs through tsx) and `options` as JSON in BENCH_OPTIONS; resolves once the child
 * sends its first message. Helpers run in their own process so that they use the other core and
 * do not appear in the measured process's heap or event loop.
 */
export async function startHelper<Ready>(script: URL, options: unknown): Promise<Helper<Ready>> {
  const child: ChildProcess = fork(fileURLToPath(script), [], {
    env: { ...process.env, BENCH_OPTIONS: JSON.stringify(options) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = once(child, "exit");
  const first = (await Promise.race([
    once(child, "message"),
    exited.then(([code]) => {
      throw new Error(`${script.pathname} exited with ${String(code)} before it was ready`);
    }),
  ])) as [Ready];
  let next = 0;
  const pending = new Map<number, (value: unknown) => void>();
  child.on("message", (m: { id?: number; result?: unknown }) => {
    if (m.id !== undefined) pending.get(m.id)?.(m.result);
    if (m.id !== undefined) pending.delete(m.id);
  });
  return {
    ready: first[0],
    call<T>(request: Record<string, unknown>) {
      const id = next++;
      return new Promise<T>((resolve) => {
        pending.set(id, resolve as (v: unknown) => void);
        child.send({ ...request, id });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** In a helper: its options, and a way to answer requests. */
export function helperOptions<T>(): T {
  return JSON.parse(process.env.BENCH_OPTIONS ?? "{}") as T;
}

/** In a helper: answers each request with what `handle` returns. */
export function serveRequests(handle: (request: Record<string, unknown>) => unknown): void {
  process.on("message", (m: Record<string, unknown>) => {
    void Promise.resolve(handle(m)).then((result) => process.send?.({ id: m.id, result }));
  });
  process.on("SIGTERM", () => process.exit(0));
}
