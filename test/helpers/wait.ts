import { setTimeout as sleep } from "node:timers/promises";

/** Polls `cond` (sync or async) every 5 ms until it holds; throws after `ms`. No fixed sleeps in tests. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  ms = 5000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms`);
    await sleep(5);
  }
}
