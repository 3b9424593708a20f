import type { Table } from "./setting.js";
import { type Declared, everySetting, fileKey, SETTINGS, type Settings } from "./settings.js";

/** Where a setting applies, with its config-file key: `both: window`. */
function scopeOf(d: Declared, code: (s: string) => string): string {
  const key = fileKey(d);
  if (key === undefined) return d.setting.scope;
  return `${d.setting.scope}: ${code(key)}${d.setting.required ? " (required)" : ""}`;
}

/** The kind's type and bounds, the setting it must stay below, and whether it is a secret. */
function typeOf(d: Declared, settings: Settings): string {
  const s = d.setting;
  const bound = s.below === undefined ? undefined : (settings[d.section] as Table)[s.below];
  const below = bound ? `, below ${bound.env ?? s.below}` : "";
  return `${s.kind.type}${below}${s.secret ? ", secret" : ""}`;
}

/** The `--help` lines of every setting: variable, meaning, type, file key, default. */
export function settingsHelp(settings: Settings = SETTINGS): string {
  return everySetting(settings)
    .map((d) => {
      const s = d.setting;
      // A name as long as the column still gets a space before its text.
      const name = `${s.env ?? "(file only)"} `.padEnd(28);
      const fallback = s.default ? ` Default: ${s.default}.` : "";
      return `  ${name}${s.doc} [${typeOf(d, settings)}; ${scopeOf(d, (k) => k)}]${fallback}`;
    })
    .join("\n");
}

const cell = (text: string) => text.replaceAll("|", "\\|");

/** The Markdown table of every setting, in declaration order (docs/configuration.md). */
export function settingsTable(settings: Settings = SETTINGS): string {
  const rows = everySetting(settings).map((d) => {
    const s = d.setting;
    const cells = [
      s.env ? `\`${s.env}\`` : "",
      scopeOf(d, (k) => `\`${k}\``),
      typeOf(d, settings),
      s.default ? `\`${s.default}\`` : "",
      s.doc,
    ];
    return `| ${cells.map(cell).join(" | ")} |`;
  });
  return [
    "| Variable | Scope: file key | Type | Default | Meaning |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
