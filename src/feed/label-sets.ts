/** The three label values an event is counted under, besides its status. */
export interface Dimensions {
  readonly eventType: string;
  readonly severityLevel: string;
  readonly impactLevel: string;
}

/**
 * Interns label combinations: each distinct (event type, severity, impact) gets a small integer id,
 * so the event store keeps 4 bytes per event instead of three strings, and the metrics layer can
 * cache per-combination label objects.
 */
export class LabelSets {
  /** eventType -> severityLevel -> impactLevel -> id: lookups allocate nothing. */
  private readonly ids = new Map<string, Map<string, Map<string, number>>>();
  private readonly sets: Dimensions[] = [];

  /** Id of the combination, allocating one on first sight. */
  intern(d: Dimensions): number {
    let bySeverity = this.ids.get(d.eventType);
    if (bySeverity === undefined)
      this.ids.set(d.eventType, (bySeverity = new Map<string, Map<string, number>>()));
    let byImpact = bySeverity.get(d.severityLevel);
    if (byImpact === undefined) bySeverity.set(d.severityLevel, (byImpact = new Map<string, number>()));
    const known = byImpact.get(d.impactLevel);
    if (known !== undefined) return known;
    const id = this.sets.length;
    this.sets.push({ eventType: d.eventType, severityLevel: d.severityLevel, impactLevel: d.impactLevel });
    byImpact.set(d.impactLevel, id);
    return id;
  }

  /** The combination behind an id handed out by {@link intern}. */
  get(id: number): Dimensions {
    const d = this.sets[id];
    if (d === undefined) throw new RangeError(`unknown label set ${id}`);
    return d;
  }

  /** Number of combinations seen. */
  get count(): number {
    return this.sets.length;
  }
}
