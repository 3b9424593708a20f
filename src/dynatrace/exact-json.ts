// The v1 API writes 64-bit ids as bare JSON numbers, which JSON.parse rounds (two events can
// collapse into one). Quoting those values in the raw text before JSON.parse keeps them exact and
// keeps parsing at native speed; a full lossless JSON parser in JavaScript is several times slower.
//
// Why the pass can never change what JSON.parse accepts: a key in JSON is always preceded by `{`
// or `,` outside of strings, and inside a string every `"` is escaped, so the key pattern never
// matches string content. Only a whole JSON integer token (`0` or `-?[1-9][0-9]*`, followed by
// JSON whitespace and `,` `}` or `]`) is quoted: any other number (`1.5`, `1e+23`) is left for
// JSON.parse, and an invalid token (`01`, `-`) is left invalid. Replacing one complete value token
// by a string token keeps the text valid exactly when it was valid.
const WS = "[ \\t\\n\\r]*";
const INTEGER = "-?(?:0|[1-9][0-9]*)";
const SCALAR_ID = new RegExp(
  `([{,]${WS}"(?:eventId|nextEventId)"${WS}:${WS})(${INTEGER})(?=${WS}[,}\\]])`,
  "g",
);
const ID_ARRAY = new RegExp(`([{,]${WS}"storedEventIds"${WS}:${WS}\\[)([-0-9 \\t\\n\\r,]*)\\]`, "g");
const WHOLE_INTEGER = new RegExp(`^${INTEGER}$`);
const ONLY_WS = new RegExp(`^${WS}$`);

function quoteArray(match: string, head: string, body: string): string {
  if (ONLY_WS.test(body)) return match;
  const items = body.split(",").map((s) => s.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, ""));
  // `[1,,2]` or `[01]` is invalid JSON and must stay so: quote only a list of whole integers.
  if (!items.every((s) => WHOLE_INTEGER.test(s))) return match;
  return `${head}${items.map((s) => `"${s}"`).join(",")}]`;
}

/**
 * Parses a Dynatrace API response, returning `eventId`, `nextEventId` and the items of
 * `storedEventIds` as decimal strings exactly as the server wrote them when they are JSON
 * integers; other numbers come back as JSON.parse returns them. Throws SyntaxError exactly when
 * JSON.parse would (a property test holds it to that).
 */
export function parseJsonExactIds(text: string): unknown {
  let quoted = text.replace(SCALAR_ID, '$1"$2"');
  // Only push answers carry the array; a feed page should not pay for a second scan.
  if (quoted.includes('"storedEventIds"')) quoted = quoted.replace(ID_ARRAY, quoteArray);
  return JSON.parse(quoted);
}
