import { readFileSync } from "node:fs";
import { ConfigError } from "./errors.js";

type Env = Record<string, string | undefined>;

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

/**
 * The ingest token: DYNATRACE_INGEST_TOKEN, DYNATRACE_INGEST_TOKEN_FILE, else the feed token and
 * its file (so a rotated feed token file also rotates the pushes' token).
 */
export function readIngestToken(
  env: Env,
  feed: { token: string; tokenFile?: string },
): { ingestToken: string; ingestTokenFile?: string } {
  const direct = env.DYNATRACE_INGEST_TOKEN?.trim();
  const file = env.DYNATRACE_INGEST_TOKEN_FILE?.trim();
  if (direct && file) {
    throw new ConfigError(
      "DYNATRACE_INGEST_TOKEN_FILE",
      "set only one of DYNATRACE_INGEST_TOKEN and DYNATRACE_INGEST_TOKEN_FILE",
    );
  }
  if (file) return { ingestToken: readTokenFile("DYNATRACE_INGEST_TOKEN_FILE", file), ingestTokenFile: file };
  if (direct) return { ingestToken: direct };
  return { ingestToken: feed.token, ...(feed.tokenFile ? { ingestTokenFile: feed.tokenFile } : {}) };
}
