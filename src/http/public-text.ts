/** Longest upstream error text a page or probe shows. */
export const MAX_PUBLIC_TEXT = 200;

// Dynatrace tokens (dt0c01.<public>.<secret>, any case), and whatever follows an auth scheme or a
// token-ish parameter: the client redacts at the source, this is the second line of defence.
const TOKEN_LIKE = [
  /dt0[a-z]\d{2}\.[a-z0-9]+(?:\.[a-z0-9]+)?/gi,
  /\b(api-token|bearer|basic)(\s+|%20)[^\s,;"']+/gi,
  /\b(api[-_]?token|access[-_]?token|token|password)(=|%3d|:\s*)[^\s&,;"']+/gi,
  /([a-z][\w+.-]*:\/\/)[^/?#\s"]*@/gi,
];

/**
 * Upstream error text as unauthenticated pages may show it: control characters removed, anything
 * that looks like a token or URL credentials replaced, and cut to {@link MAX_PUBLIC_TEXT}
 * characters (an ellipsis marks the cut).
 */
export function publicText(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  let out = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ");
  out = out
    .replace(TOKEN_LIKE[0] as RegExp, "<redacted>")
    .replace(TOKEN_LIKE[1] as RegExp, "$1 <redacted>")
    .replace(TOKEN_LIKE[2] as RegExp, "$1=<redacted>")
    .replace(TOKEN_LIKE[3] as RegExp, "$1<redacted>@");
  return out.length > MAX_PUBLIC_TEXT ? `${out.slice(0, MAX_PUBLIC_TEXT - 3)}...` : out;
}
