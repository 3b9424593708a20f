import { readFileSync } from "node:fs";
import { ConfigError } from "./errors.js";

/** A token file's trimmed content; a {@link ConfigError} naming `where` when unreadable or empty. */
export function readTokenFile(where: string, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ConfigError(where, `cannot read ${file} (${code})`);
  }
  const token = text.trim();
  if (token === "") throw new ConfigError(where, `${file} is empty`);
  return token;
}
