/**
 * Runs of a secret inside echoed text. A server, proxy or gateway may echo a token partly or
 * transformed (cut, hex-encoded, reversed, percent-encoded per character, spaced out); matching
 * whole forms misses those. Any run of {@link MIN_RUN} or more characters of a secret's forms is
 * found on the text as it is, and again on its letters and digits alone, which finds the spaced
 * and split echoes too.
 */

/** Shortest run of a secret (or of one of its forms) that is redacted wherever it appears. */
export const MIN_RUN = 16;

/**
 * The transformed forms a run is looked for in, besides the forms the caller gives: reversed, hex
 * (of the secret and of its reverse), per-byte `%xx`, ROT13, and the per-character escapes of
 * HTML (`&#x61;`, `&#97;`) and of JSON or JavaScript (`\u0061`) that an error page may wrap an
 * echo in.
 */
export function transformedForms(secret: string): string[] {
  const chars = [...secret];
  const reversed = chars.reverse().join("");
  const hex = Buffer.from(secret, "utf8").toString("hex");
  const code = (c: string) => c.codePointAt(0) as number;
  return [
    reversed,
    hex,
    hex.replace(/(..)/g, "%$1"),
    Buffer.from(reversed, "utf8").toString("hex"),
    secret.replace(/[a-z]/gi, rot13),
    [...secret].map((c) => `&#x${code(c).toString(16)};`).join(""),
    [...secret].map((c) => `&#${code(c)};`).join(""),
    [...secret].map((c) => `\\u${code(c).toString(16).padStart(4, "0")}`).join(""),
  ];
}

function rot13(c: string): string {
  const base = c <= "Z" ? 65 : 97;
  return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
}

/** A view of a text: its characters, and for each the index in the original. */
interface View {
  chars: string;
  at: number[] | undefined;
}

/** Only letters and digits, lower-cased, with their original indices. */
function alphanumerics(text: string): View {
  let chars = "";
  const at: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (/[a-z0-9]/i.test(c)) {
      chars += c.toLowerCase();
      at.push(i);
    }
  }
  return { chars, at };
}

/** Lower-cased character by character, so that indices stay those of the original. */
function lowerInPlace(text: string): string {
  let out = "";
  for (const c of text.split("")) {
    const l = c.toLowerCase();
    out += l.length === 1 ? l : c;
  }
  return out;
}

/** Every {@link MIN_RUN}-character piece of the needles, as the view sees them. */
function pieces(needles: readonly string[], squeeze: boolean): Set<string> {
  const out = new Set<string>();
  for (const needle of needles) {
    const s = squeeze ? alphanumerics(needle).chars : lowerInPlace(needle);
    for (let i = 0; i + MIN_RUN <= s.length; i++) out.add(s.slice(i, i + MIN_RUN));
  }
  return out;
}

/** Marks, in the original's coordinates, every run of the view that is a piece of a needle. */
function mark(view: View, known: Set<string>, marked: Uint8Array): void {
  for (let i = 0; i + MIN_RUN <= view.chars.length; i++) {
    if (!known.has(view.chars.slice(i, i + MIN_RUN))) continue;
    const from = view.at ? (view.at[i] as number) : i;
    const to = view.at ? (view.at[i + MIN_RUN - 1] as number) : i + MIN_RUN - 1;
    marked.fill(1, from, to + 1);
  }
}

/**
 * The text with every run of {@link MIN_RUN}+ characters of any needle (case-insensitively, on
 * the text as it is and on its letters and digits alone) replaced by `replacement`, one per run.
 */
export function redactRuns(text: string, needles: readonly string[], replacement: string): string {
  if (needles.length === 0 || text.length < MIN_RUN) return text;
  const marked = new Uint8Array(text.length);
  mark({ chars: lowerInPlace(text), at: undefined }, pieces(needles, false), marked);
  mark(alphanumerics(text), pieces(needles, true), marked);
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (!marked[i]) out += text[i] as string;
    else if (i === 0 || !marked[i - 1]) out += replacement;
  }
  return out;
}
