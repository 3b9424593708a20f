import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError } from "./config/errors.js";
import type { AppConfig } from "./config/types.js";
import { loadWebConfig } from "./web/web-config.js";

/**
 * What a start refuses beyond the variables themselves: the web config file (parsed, its files
 * read, its hashes and certificates checked) and a RELAY_DATA_DIR that cannot be created or written.
 * `--check-config` and the start both call this, so every configuration the start refuses is
 * refused by the check with the same message. It writes nothing and takes no lock: a data dir
 * held by a running exporter is the check's note, not an error here.
 */
export function preflight(config: AppConfig): void {
  if (config.web.configFile) loadWebConfig(config.web.configFile);
  if (config.relay.tokens.length > 0 || config.relay.allowAnonymous) usableDataDir(config.relay.dataDir);
}

/** The data dir, or the nearest directory it would be created in, exists and is writable. */
function usableDataDir(dataDir: string): void {
  const fail = (problem: string): never => {
    throw new ConfigError("RELAY_DATA_DIR", `cannot use ${dataDir}: ${problem}`);
  };
  let path = resolve(dataDir);
  for (;;) {
    let isDirectory: boolean | undefined;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") fail(`${path} cannot be read (${code})`);
    }
    if (isDirectory === false) fail(`${path} is not a directory`);
    if (isDirectory) break;
    if (dirname(path) === path) fail("no part of it exists");
    path = dirname(path);
  }
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
  } catch (err) {
    const why = path === resolve(dataDir) ? "is not writable" : "is not writable, so it cannot be created";
    fail(`${path} ${why} (${(err as NodeJS.ErrnoException).code})`);
  }
}
