import type { EnvironmentConfig } from "../config/types.js";
import { type ExtraLabels, OTHER } from "../metrics/extra-labels.js";
import { DEFAULT_MAX_SERIES, type SeriesFolds } from "../metrics/series-cap.js";
import { type Dimensions, keyOf, type LabelSetCap } from "./label-sets.js";

/** The series cap of one family of `env` (maxSeries): folds are counted in `dynatrace_series_folded_total`. */
function capOf(folds: SeriesFolds, env: EnvironmentConfig, metric: string, other: Dimensions): LabelSetCap {
  const max = env.maxSeries ?? DEFAULT_MAX_SERIES;
  return {
    max,
    other,
    onFull: () => folds.reachedCap(env.name, metric, max),
    onFold: (d) => folds.fold(env.name, metric, max, keyOf(d)),
  };
}

/** The cap of `dynatrace_events` (and its `_observed_total`): folded sets read `other` throughout. */
export function eventsCap(folds: SeriesFolds, env: EnvironmentConfig, extra: ExtraLabels): LabelSetCap {
  const other = { eventType: OTHER, severityLevel: OTHER, impactLevel: OTHER };
  // v1 events carry no dimensions: their folded set has none either.
  const dimensions = extra.active && env.apiVersion === "v2";
  return capOf(folds, env, "dynatrace_events", dimensions ? { ...other, extra: extra.other } : other);
}

/** The cap of `dynatrace_problems` (and its `_opened_total`). */
export function problemsCap(folds: SeriesFolds, env: EnvironmentConfig, extra: ExtraLabels): LabelSetCap {
  return capOf(folds, env, "dynatrace_problems", {
    eventType: "",
    severityLevel: OTHER,
    impactLevel: OTHER,
    extra: extra.active ? extra.other : "",
  });
}
