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
  /** A fault for a share of all requests (see {@link setRate}), after the armed ones. */
  private rate: { fault: Fault; share: number; random: () => number } | undefined;

  /**
   * Answers `share` (0 to 1) of the requests that no armed fault takes with `fault`, chosen by
   * `random` (seeded by the caller for a repeatable run). A share of 0 turns it off.
   */
  setRate(fault: Fault, share: number, random: () => number): void {
    this.rate = share > 0 ? { fault, share, random } : undefined;
  }

  /** Arms a fault for the next `times` requests matching (one of) the prefix(es), all if Infinity. */
  add(fault: Fault, times = 1, pathPrefix?: string | readonly string[]): void {
    this.armed.push({ fault, remaining: times, pathPrefix });
  }

  clear(): void {
    this.armed = [];
    this.rate = undefined;
  }

  /** The fault for this request, if any, consuming one use of it. */
  take(path: string): Fault | undefined {
    const hit = this.armed.find(
      (a) =>
        a.remaining > 0 &&
        (a.pathPrefix === undefined ||
          (typeof a.pathPrefix === "string" ? [a.pathPrefix] : a.pathPrefix).some((p) => path.startsWith(p))),
    );
    if (!hit) return this.rate && this.rate.random() < this.rate.share ? this.rate.fault : undefined;
    hit.remaining--;
    this.armed = this.armed.filter((a) => a.remaining > 0);
    return hit.fault;
  }
}
