import { ConfigError } from "./errors.js";

/** Labels the exporter's own families use; no opt-in or static label may take one of these names. */
export const BUILT_IN_LABELS: ReadonlySet<string> = new Set([
  "environment",
  "event_type",
  "severity_level",
  "impact_level",
  "status",
  "le",
  "metric",
  "endpoint",
  "code",
  "reason",
  "version",
  "nodejs_version",
  "quantile",
]);

/** Opt-in dimensions an environment may list (config file `dimensions`). */
export const DIMENSION_FORMS = ["management_zone", "entity_type", "tag:<key>"] as const;

/** Largest number of opt-in dimensions or static labels per environment. */
export const MAX_EXTRA_LABELS = 16;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The label name of a dimension entry: `management_zone`, `entity_type`, or `tag_<key>` (key sanitised). */
export function dimensionLabel(entry: string): string | undefined {
  if (entry === "management_zone" || entry === "entity_type") return entry;
  if (!entry.startsWith("tag:") || entry.length === 4) return undefined;
  return `tag_${entry.slice(4).replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

/**
 * Checks an environment's opt-in dimensions and static labels: known forms only, valid names, no
 * name used twice or taken by a built-in label (two tag keys that sanitise to one name collide too).
 * Throws a {@link ConfigError} naming the key at fault.
 */
export function checkExtraLabels(
  where: string,
  dimensions: readonly string[],
  staticLabels: Readonly<Record<string, string>>,
): void {
  const taken = new Map<string, string>();
  const claim = (name: string, by: string) => {
    if (BUILT_IN_LABELS.has(name))
      throw new ConfigError(by, `label ${name} is one of the exporter's own labels`);
    const other = taken.get(name);
    if (other !== undefined) throw new ConfigError(by, `label ${name} is also set by ${other}`);
    taken.set(name, by);
  };
  if (dimensions.length > MAX_EXTRA_LABELS)
    throw new ConfigError(`${where}.dimensions`, `at most ${MAX_EXTRA_LABELS}`);
  dimensions.forEach((entry, i) => {
    const name = dimensionLabel(entry);
    const by = `${where}.dimensions[${i}]`;
    if (name === undefined)
      throw new ConfigError(by, `unknown dimension "${entry}" (use ${DIMENSION_FORMS.join(", ")})`);
    claim(name, by);
  });
  const names = Object.keys(staticLabels);
  if (names.length > MAX_EXTRA_LABELS)
    throw new ConfigError(`${where}.staticLabels`, `at most ${MAX_EXTRA_LABELS}`);
  for (const name of names) {
    const by = `${where}.staticLabels.${name}`;
    if (!LABEL_NAME.test(name) || name.startsWith("__")) {
      throw new ConfigError(by, "is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, no leading __)");
    }
    if (dimensionLike(name)) throw new ConfigError(by, `label ${name} is reserved for the opt-in dimensions`);
    claim(name, by);
    const value = staticLabels[name] as string;
    if (value === "" || value.length > 128) throw new ConfigError(by, "must be 1-128 characters");
  }
}

function dimensionLike(name: string): boolean {
  return name === "management_zone" || name === "entity_type" || name.startsWith("tag_");
}
