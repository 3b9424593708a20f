import type { YAMLError } from "yaml";

/**
 * A YAML syntax error as `file:line:column: not valid YAML: what`. The parser's own message ends
 * with "at line L, column C:" and a snippet of the file; the snippet may hold a token, so only the
 * first sentence is kept and the position is given once, in the prefix.
 */
export function describeYamlError(file: string, error: YAMLError): { where: string; problem: string } {
  const pos = error.linePos?.[0];
  const first = error.message.split("\n")[0] ?? "";
  const what = first.replace(/\s*at line \d+, column \d+:?\s*$/, "").replace(/:\s*$/, "");
  return { where: pos ? `${file}:${pos.line}:${pos.col}` : file, problem: `not valid YAML: ${what}` };
}
