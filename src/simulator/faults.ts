/** A misbehaviour the simulated API can be told to show. */
export type Fault =
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: string }
  | { kind: "reset" }
  | { kind: "hang" }
  | { kind: "delay"; ms: number }
  | { kind: "malformed" }
  | { kind: "truncated" }
  | { kind: "repeat-cursor" }
  /** A fresh cursor on every page, the last included: paging would never end. */
  | { kind: "endless-cursor" };

interface Armed {
  fault: Fault;
  remaining: number;
  pathPrefix: string | readonly string[] | undefined;
}

/**
 * A queue of armed faults. Each request takes the first armed fault whose path matches and uses
 * up one of its `times`; `times` may be Infinity until {@link clear} is called.
 */
export class FaultPlan {
  private armed: Armed[] = [];

  /** Arms a fault for the next `times` requests matching (one of) the prefix(es), all if Infinity. */
  add(fault: Fault, times = 1, pathPrefix?: string | readonly string[]): void {
    this.armed.push({ fault, remaining: times, pathPrefix });
  }

  clear(): void {
    this.armed = [];
  }

  /** The fault for this request, if any, consuming one use of it. */
  take(path: string): Fault | undefined {
    const hit = this.armed.find(
      (a) =>
        a.remaining > 0 &&
        (a.pathPrefix === undefined ||
          (typeof a.pathPrefix === "string" ? [a.pathPrefix] : a.pathPrefix).some((p) => path.startsWith(p))),
    );
    if (!hit) return undefined;
    hit.remaining--;
    this.armed = this.armed.filter((a) => a.remaining > 0);
    return hit.fault;
  }
}
