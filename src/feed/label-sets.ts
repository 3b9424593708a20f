/** The three label values an event is counted under, besides its status. */
export interface Dimensions {
  readonly eventType: string;
  readonly severityLevel: string;
  readonly impactLevel: string;
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

  /** Id of the combination, allocating one on first sight. */
  intern(d: Dimensions): number {
    let bySeverity = this.ids.get(d.eventType);
    if (bySeverity === undefined)
      this.ids.set(d.eventType, (bySeverity = new Map<string, Map<string, number>>()));
    let byImpact = bySeverity.get(d.severityLevel);
    if (byImpact === undefined) bySeverity.set(d.severityLevel, (byImpact = new Map<string, number>()));
    const known = byImpact.get(d.impactLevel);
    if (known !== undefined) return known;
    const id = this.free.pop() ?? this.sets.length;
    this.sets[id] = { eventType: d.eventType, severityLevel: d.severityLevel, impactLevel: d.impactLevel };
    byImpact.set(d.impactLevel, id);
    return id;
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
    const bySeverity = this.ids.get(d.eventType);
    const byImpact = bySeverity?.get(d.severityLevel);
    byImpact?.delete(d.impactLevel);
    if (byImpact?.size === 0) bySeverity?.delete(d.severityLevel);
    if (bySeverity?.size === 0) this.ids.delete(d.eventType);
    this.sets[id] = undefined;
    this.free.push(id);
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
