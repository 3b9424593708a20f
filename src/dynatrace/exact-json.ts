// The v1 API writes 64-bit ids as bare JSON numbers, which JSON.parse rounds (two events can
// collapse into one). Quoting those values in the raw text before JSON.parse keeps them exact and
// keeps parsing at native speed; a full lossless JSON parser in JavaScript is several times slower.
// It is safe because a key in JSON is always preceded by `{` or `,` outside of strings, and inside
// a string every `"` is escaped, so the pattern cannot match string content.
const SCALAR_ID = /([{,]\s*"(?:eventId|nextEventId)"\s*:\s*)(-?\d+)/g;
const ID_ARRAY = /([{,]\s*"storedEventIds"\s*:\s*\[)([-\d\s,]*)\]/g;

function quoteArray(_match: string, head: string, body: string): string {
  const items = body
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => `"${s}"`);
  return `${head}${items.join(",")}]`;
}

/**
 * Parses a Dynatrace API response, returning `eventId`, `nextEventId` and the items of
 * `storedEventIds` as decimal strings exactly as the server wrote them. Throws SyntaxError on
 * invalid JSON, like JSON.parse.
 */
export function parseJsonExactIds(text: string): unknown {
  let quoted = text.replace(SCALAR_ID, '$1"$2"');
  // Only push answers carry the array; a feed page should not pay for a second scan.
  if (quoted.includes('"storedEventIds"')) quoted = quoted.replace(ID_ARRAY, quoteArray);
  return JSON.parse(quoted);
}
