/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the samples of a text exposition (comments skipped). */
export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(LABEL)) labels[l[1] as string] = l[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** Samples of `name` whose labels include all of `match`. */
export function samples(text: string, name: string, match: Record<string, string> = {}): Sample[] {
  return parseSamples(text).filter(
    (s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v),
  );
}

/** Sum of the matching samples' values (0 when none match). */
export function total(text: string, name: string, match: Record<string, string> = {}): number {
  return samples(text, name, match).reduce((sum, s) => sum + s.value, 0);
}

/** The single matching sample's value; throws unless exactly one matches. */
export function value(text: string, name: string, match: Record<string, string> = {}): number {
  const found = samples(text, name, match);
  if (found.length !== 1)
    throw new Error(`expected one ${name}${JSON.stringify(match)}, found ${found.length}`);
  return (found[0] as Sample).value;
}
