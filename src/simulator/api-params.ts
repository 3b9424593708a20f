import { BadRequest } from "./v1-feed.js";

const RELATIVE_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a v2 timestamp parameter: ms, `now`, `now-2h`-style, or ISO 8601. */
export function parseTime(value: string | null, now: number, name: string): number | undefined {
  if (value === null) return undefined;
  if (/^-?\d+$/.test(value)) return Number(value);
  const rel = /^now(?:-(\d+)([smhd]))?$/.exec(value);
  if (rel) return now - (rel[1] ? Number(rel[1]) * (RELATIVE_UNITS[rel[2] as string] as number) : 0);
  const iso = Date.parse(value);
  if (!Number.isNaN(iso)) return iso;
  throw new BadRequest(`Parameter '${name}' is not a valid timestamp.`);
}

/** Splits `text` at commas outside quotes and parentheses (selector syntax, `~` escapes). */
export function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "~") i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === "(") depth++;
    else if (!quoted && c === ")") depth--;
    else if (!quoted && depth === 0 && c === ",") {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** A selector value without its quotes and `~` escapes. */
export function unquote(v: string): string {
  const t = v.trim();
  const inner = t.startsWith('"') && t.endsWith('"') && t.length >= 2 ? t.slice(1, -1) : t;
  return inner.replace(/~(.)/g, "$1");
}
