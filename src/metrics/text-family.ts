/**
 * A metric family rendered straight to the exposition text, bypassing prom-client's per-sample
 * label formatting. Used for the families with one series per label set, which at thousands of
 * label sets would otherwise make every scrape cost tens of milliseconds.
 */
export interface TextFamily {
  /** The family's HELP, TYPE and sample lines, each ending in a newline, UTF-8 encoded. */
  render(openMetrics: boolean): Buffer;
}

/** Escapes a label value for both text formats (backslash, double quote, newline). */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** Escapes HELP text for both text formats (backslash, newline). */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}

/** HELP and TYPE lines; an OpenMetrics counter family drops `_total` from its name there. */
export function familyHeader(
  name: string,
  type: "gauge" | "counter",
  help: string,
  openMetrics: boolean,
): string {
  const family = openMetrics && type === "counter" ? name.replace(/_total$/, "") : name;
  return `# HELP ${family} ${escapeHelp(help)}\n# TYPE ${family} ${type}\n`;
}
