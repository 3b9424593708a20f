import { parseArgs } from "node:util";
import { settingsHelp } from "./config/reference.js";
import { SETTINGS, type Settings } from "./config/settings.js";
import { DEAD_LETTERS_USAGE } from "./dead-letters-cli.js";
import { NAME, VERSION } from "./version.js";

/** What the command line asked for. */
export interface CliOptions {
  help: boolean;
  version: boolean;
  checkConfig: boolean;
  once: boolean;
  demo: boolean;
  /** `--config <file>`: the YAML file listing environments (else CONFIG_FILE). */
  config: string | undefined;
  /** `--web.config.file <file>`: exporter-toolkit's web configuration (else WEB_CONFIG_FILE). */
  webConfigFile: string | undefined;
}

/** Parses argv (without node and script). Throws an Error with a one-line message on unknown flags. */
export function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", default: false },
      "check-config": { type: "boolean", default: false },
      once: { type: "boolean", default: false },
      demo: { type: "boolean", default: false },
      config: { type: "string" },
      "web.config.file": { type: "string" },
    },
  });
  return {
    help: values.help ?? false,
    version: values.version ?? false,
    checkConfig: values["check-config"] ?? false,
    once: values.once ?? false,
    demo: values.demo ?? false,
    config: values.config,
    webConfigFile: values["web.config.file"],
  };
}

/** The `--help` text: flags, then every declared setting with its type, file key and default. */
export function helpText(settings: Settings = SETTINGS): string {
  const vars = settingsHelp(settings);
  return `${NAME} ${VERSION}
Two halves in one process:
  feed    Drains the Dynatrace events feed (and problems) and exports counts of open events by
          type, severity, impact and status as Prometheus metrics on /metrics.
  relay   With RELAY_TOKENS set: receives alarms from agents (netdata, Alertmanager, Dynatrace's
          v1/v2 event APIs, plain JSON) and delivers them to Dynatrace through a durable outbox,
          opening and closing problems as alerts fire and resolve.

Usage: ${NAME} [flags]
       ${NAME} dead-letters --help

Flags:
  --help            Show this help and exit.
  --version         Print the version and exit.
  --check-config    Validate the configuration as a start would (variables, config and web config
                    files with the files they name, RELAY_DATA_DIR), print it with secrets masked,
                    exit 0 (valid) or 2 (invalid, or a variable with the exporter's prefixes that
                    it does not know).
  --once            Drain once, print the metrics to stdout, exit 0 (drain succeeded) or 1.
  --demo            Run against a built-in simulated Dynatrace environment.
  --config FILE     Read the environments from this YAML file (same as CONFIG_FILE).
  --web.config.file FILE
                    TLS, basic auth and headers in exporter-toolkit's format (same as WEB_CONFIG_FILE).

Commands:
  ${NAME} ${DEAD_LETTERS_USAGE}
                    See, replay or delete dead-lettered alarms in the outbox (safe beside a running
                    server; docs/dead-letters.md). \`${NAME} dead-letters --help\` for its flags.

Environment variables:
${vars}
`;
}
