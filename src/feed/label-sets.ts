/** The three label values an event is counted under, besides its status. */
export interface Dimensions {
  readonly eventType: string;
  readonly severityLevel: string;
  readonly impactLevel: string;
  /** Encoded opt-in labels (`,management_zone="a"`), when the environment has any. */
  readonly extra?: string | undefined;
}

/**
 * The series cap of a {@link LabelSets}: at most `max` label sets, the folded one included. A new
 * combination beyond it is counted under `other` instead.
 */
export interface LabelSetCap {
  max: number;
  /** The combination every folded one is counted under (its varying values read `other`). */
  other: Dimensions;
  /** The last free label set was just taken. */
  onFull(): void;
  /** `d` was not admitted and is counted under {@link other}. */
  onFold(d: Dimensions): void;
}

/**
 * Interns label combinations: each distinct (event type, severity, impact) gets a small integer id,
 * so the event store keeps 4 bytes per event instead of three strings, and the metrics layer can
 * cache per-combination label objects. A combination no longer in use is {@link release}d and its
 * id handed out again, so the table holds what is live, not every combination ever seen. A reused
 * id gets a new {@link Dimensions} object: callers caching per id compare identity.
 */
export class LabelSets {
  /** eventType -> severityLevel -> impactLevel -> id: lookups allocate nothing. */
  private readonly ids = new Map<string, Map<string, Map<string, number>>>();
  private readonly sets: (Dimensions | undefined)[] = [];
  private readonly free: number[] = [];
  /** Combinations with opt-in labels, by their whole key (not on the default path). */
  private readonly extraIds = new Map<string, number>();
  private otherId = -1;
  /** The object held for the `other` combination (an id can be released and reused). */
  private otherSet: Dimensions | undefined;

  constructor(private readonly cap?: LabelSetCap) {}

  /**
   * Id of the combination, allocating one on first sight; beyond the cap, the id of the cap's
   * `other` combination.
   */
  intern(d: Dimensions): number {
    return this.internAs(d, this.cap !== undefined);
  }

  private internAs(d: Dimensions, capped: boolean): number {
    if (d.extra !== undefined) return this.internExtra(d, capped);
    let bySeverity = this.ids.get(d.eventType);
    let byImpact = bySeverity?.get(d.severityLevel);
    const known = byImpact?.get(d.impactLevel);
    if (known !== undefined) return known;
    // Checked before any map is made: a folded combination leaves nothing behind.
    if (capped && this.full()) return this.folded(d);
    if (bySeverity === undefined)
      this.ids.set(d.eventType, (bySeverity = new Map<string, Map<string, number>>()));
    if (byImpact === undefined) bySeverity.set(d.severityLevel, (byImpact = new Map<string, number>()));
    const id = this.allocate(d, capped);
    byImpact.set(d.impactLevel, id);
    return id;
  }

  private internExtra(d: Dimensions, capped: boolean): number {
    const key = keyOf(d);
    const known = this.extraIds.get(key);
    if (known !== undefined) return known;
    if (capped && this.full()) return this.folded(d);
    const id = this.allocate(d, capped);
    this.extraIds.set(key, id);
    return id;
  }

  private allocate(d: Dimensions, capped: boolean): number {
    const id = this.free.pop() ?? this.sets.length;
    this.sets[id] = { eventType: d.eventType, severityLevel: d.severityLevel, impactLevel: d.impactLevel };
    if (d.extra !== undefined) (this.sets[id] as { extra?: string }).extra = d.extra;
    if (capped && this.full()) (this.cap as LabelSetCap).onFull();
    return id;
  }

  /** True when every label set but the `other` one is taken. */
  private full(): boolean {
    const cap = this.cap as LabelSetCap;
    const admitted = this.live - (this.hasOther() ? 1 : 0);
    return admitted >= cap.max - 1;
  }

  private folded(d: Dimensions): number {
    const cap = this.cap as LabelSetCap;
    cap.onFold(d);
    if (this.hasOther()) return this.otherId;
    // The `other` set itself is exempt from the cap.
    this.otherId = this.internAs(cap.other, false);
    this.otherSet = this.sets[this.otherId];
    return this.otherId;
  }

  private hasOther(): boolean {
    return this.otherId >= 0 && this.otherSet !== undefined && this.sets[this.otherId] === this.otherSet;
  }

  /** The combination behind an id handed out by {@link intern} and not released. */
  get(id: number): Dimensions {
    const d = this.sets[id];
    if (d === undefined) throw new RangeError(`unknown label set ${id}`);
    return d;
  }

  /** The combination behind `id`, or undefined when the id is free. */
  find(id: number): Dimensions | undefined {
    return this.sets[id];
  }

  /** Forgets a combination; its id may be handed out again for another. */
  release(id: number): void {
    const d = this.sets[id];
    if (d === undefined) return;
    this.sets[id] = undefined;
    this.free.push(id);
    if (d.extra !== undefined) {
      this.extraIds.delete(keyOf(d));
      return;
    }
    const bySeverity = this.ids.get(d.eventType);
    const byImpact = bySeverity?.get(d.severityLevel);
    byImpact?.delete(d.impactLevel);
    if (byImpact?.size === 0) bySeverity?.delete(d.severityLevel);
    if (bySeverity?.size === 0) this.ids.delete(d.eventType);
  }

  /** One past the highest id handed out (ids below it may be free: see {@link find}). */
  get count(): number {
    return this.sets.length;
  }

  /** Number of combinations held now. */
  get live(): number {
    return this.sets.length - this.free.length;
  }
}

/** A combination's identity as one string (opt-in labels, folded-set memory). */
export function keyOf(d: Dimensions): string {
  return `${d.eventType}\u0000${d.severityLevel}\u0000${d.impactLevel}\u0000${d.extra ?? ""}`;
}
