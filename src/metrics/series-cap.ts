import type { Logger } from "../log/logger.js";
import { escapeLabelValue, familyHeader, type TextFamily } from "./text-family.js";

/** Default most label sets per metric family and environment (config file `maxSeries`). */
export const DEFAULT_MAX_SERIES = 10_000;

/** Folded label sets remembered per family and environment, as a multiple of the cap. */
const REMEMBER_FACTOR = 10;

const FOLDED = "dynatrace_series_folded_total";
const HELP =
  "Distinct label sets folded into the family's `other` series because the family held maxSeries label sets for the environment (each counted once; past 10 x maxSeries remembered ones the memory restarts). Appears when a family first reaches its cap.";

interface FoldState {
  count: number;
  cap: number;
  remembered: Set<string>;
}

/**
 * The series cap's bookkeeping and `dynatrace_series_folded_total{environment, metric}`. A family
 * reports {@link reachedCap} when its last free label set is taken (the counter appears at 0, so
 * `increase()` sees the first fold) and {@link fold} for every label set it could not admit. A
 * warning is logged once per environment and family.
 */
export class SeriesFolds implements TextFamily {
  private readonly states = new Map<string, Map<string, FoldState>>();
  private version = 0;
  private last: { openMetrics: boolean; version: number; body: Buffer } | undefined;

  constructor(private readonly logger: Logger) {}

  /** The family `metric` of `environment` holds `cap` label sets: later new ones fold. */
  reachedCap(environment: string, metric: string, cap: number): void {
    this.state(environment, metric, cap);
  }

  /** Counts `key` (a label set's identity) as folded, once while remembered. */
  fold(environment: string, metric: string, cap: number, key: string): void {
    const s = this.state(environment, metric, cap);
    if (s.remembered.has(key)) return;
    if (s.remembered.size >= cap * REMEMBER_FACTOR) s.remembered.clear();
    s.remembered.add(key);
    s.count++;
    this.version++;
  }

  /** Forgets an environment no longer drained. */
  removeEnvironment(environment: string): void {
    if (this.states.delete(environment)) this.version++;
  }

  render(openMetrics: boolean): Buffer {
    if (this.states.size === 0) return Buffer.alloc(0);
    const last = this.last;
    if (last?.openMetrics === openMetrics && last.version === this.version) return last.body;
    let text = familyHeader(FOLDED, "counter", HELP, openMetrics);
    for (const [env, byMetric] of this.states) {
      for (const [metric, s] of byMetric) {
        text += `${FOLDED}{environment="${escapeLabelValue(env)}",metric="${metric}"} ${s.count}\n`;
      }
    }
    const body = Buffer.from(text);
    this.last = { openMetrics, version: this.version, body };
    return body;
  }

  private state(environment: string, metric: string, cap: number): FoldState {
    let byMetric = this.states.get(environment);
    if (byMetric === undefined) this.states.set(environment, (byMetric = new Map<string, FoldState>()));
    let s = byMetric.get(metric);
    if (s === undefined) {
      s = { count: 0, cap, remembered: new Set() };
      byMetric.set(metric, s);
      this.version++;
      this.logger.warn(
        { environment, metric, maxSeries: cap },
        `series cap reached: ${metric} holds ${cap} label sets for this environment; new ones fold into one series labelled "other" (dynatrace_series_folded_total counts them; raise maxSeries or opt out of labels)`,
      );
    }
    return s;
  }
}
