import { ConfigError } from "./errors.js";
import { readCaFile } from "./network.js";
import type { Values } from "./setting.js";
import type { CONNECTION } from "./settings-environment.js";
import { readTokenFile } from "./token-files.js";
import type { Connection } from "./types.js";

/** The connection settings as the variables or one config-file environment give them. */
export type ConnectionValues = Values<typeof CONNECTION>;

type Tokens = Pick<Connection, "token" | "tokenSource" | "tokenFile">;
type IngestTokens = Pick<Connection, "ingestToken" | "ingestTokenFile">;

/** The scope a feed token needs for each API version. */
const FEED_SCOPE: Readonly<Record<string, string>> = { v1: "DataExport", v2: "events.read" };

function tokenFromVariables(v: ConnectionValues, apiVersion: string): Tokens {
  if (v.token !== undefined && v.tokenFile !== undefined) {
    throw new ConfigError(
      "DYNATRACE_API_TOKEN_FILE",
      "set only one of DYNATRACE_API_TOKEN and DYNATRACE_API_TOKEN_FILE",
    );
  }
  if (v.tokenFile !== undefined) {
    const token = readTokenFile("DYNATRACE_API_TOKEN_FILE", v.tokenFile);
    return { token, tokenSource: `DYNATRACE_API_TOKEN_FILE (${v.tokenFile})`, tokenFile: v.tokenFile };
  }
  if (v.token) return { token: v.token, tokenSource: "DYNATRACE_API_TOKEN" };
  throw new ConfigError(
    "DYNATRACE_API_TOKEN",
    `is required (or set DYNATRACE_API_TOKEN_FILE); with DYNATRACE_API_VERSION=${apiVersion} the token needs the ${FEED_SCOPE[apiVersion] ?? "DataExport"} scope`,
  );
}

/**
 * The ingest token: DYNATRACE_INGEST_TOKEN, DYNATRACE_INGEST_TOKEN_FILE, else the feed token and
 * its file (so a rotated feed token file also rotates the pushes' token).
 */
function ingestFromVariables(v: ConnectionValues, feed: Tokens): IngestTokens {
  if (v.ingestToken !== undefined && v.ingestTokenFile !== undefined) {
    throw new ConfigError(
      "DYNATRACE_INGEST_TOKEN_FILE",
      "set only one of DYNATRACE_INGEST_TOKEN and DYNATRACE_INGEST_TOKEN_FILE",
    );
  }
  const file = v.ingestTokenFile;
  if (file !== undefined)
    return { ingestToken: readTokenFile("DYNATRACE_INGEST_TOKEN_FILE", file), ingestTokenFile: file };
  if (v.ingestToken) return { ingestToken: v.ingestToken };
  return { ingestToken: feed.token, ...(feed.tokenFile ? { ingestTokenFile: feed.tokenFile } : {}) };
}

/** The single environment of a variables-only setup; its CA is added by `withNetwork`. */
export function connectionFromVariables(v: ConnectionValues, apiVersion = "v1"): Connection {
  if (v.url === undefined) throw new ConfigError("DYNATRACE_URL", "is required");
  const tokens = tokenFromVariables(v, apiVersion);
  return {
    name: v.name ?? v.url.environmentId,
    address: v.url,
    ...tokens,
    ...ingestFromVariables(v, tokens),
  };
}

/**
 * Environment `i` of config file `file`: exactly one of token and tokenFile, at most one of
 * ingestToken and ingestTokenFile (else the feed token's), its own CA when it names one. Errors
 * name the environment's key path.
 */
export function connectionFromFile(e: ConnectionValues, i: number, file: string): Connection {
  const where = `${file}: environments[${i}]`;
  if (e.name === undefined || e.url === undefined) throw new ConfigError(where, "needs name and url");
  if ((e.token === undefined) === (e.tokenFile === undefined)) {
    throw new ConfigError(where, "set exactly one of token and tokenFile");
  }
  const token = e.token ?? readTokenFile(`${where}.tokenFile`, e.tokenFile as string);
  if (e.ingestToken !== undefined && e.ingestTokenFile !== undefined) {
    throw new ConfigError(where, "set at most one of ingestToken and ingestTokenFile");
  }
  const ingest: IngestTokens =
    e.ingestTokenFile !== undefined
      ? {
          ingestToken: readTokenFile(`${where}.ingestTokenFile`, e.ingestTokenFile),
          ingestTokenFile: e.ingestTokenFile,
        }
      : e.ingestToken !== undefined
        ? { ingestToken: e.ingestToken }
        : { ingestToken: token, ingestTokenFile: e.tokenFile };
  return {
    name: e.name,
    address: e.url,
    token,
    tokenSource:
      e.token !== undefined
        ? `${file} environments[${i}].token`
        : `${file} environments[${i}].tokenFile (${e.tokenFile})`,
    ...ingest,
    tokenFile: e.tokenFile,
    ...(e.caFile !== undefined ? { caFile: e.caFile, ca: readCaFile(`${where}.caFile`, e.caFile) } : {}),
  };
}
