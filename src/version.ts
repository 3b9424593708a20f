import { createRequire } from "node:module";

// src/ and dist/ both sit one level below package.json, so this works from source and build.
const pkg = createRequire(import.meta.url)("../package.json") as { version: string; name: string };

/** The exporter's version, from package.json. */
export const VERSION: string = pkg.version;
/** The exporter's package name. */
export const NAME: string = pkg.name;
/** User-Agent sent to Dynatrace. */
export const USER_AGENT = `${pkg.name}/${pkg.version}`;
