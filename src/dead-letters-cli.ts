import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { pino } from "pino";
import { LOG_LEVELS, type LogLevel } from "./config/types.js";
import { createLogger } from "./log/logger.js";
import { isNarrowing, parseDeadLetterFilter, type DeadLetterFilter } from "./relay/dead-letter-filter.js";
import { MAX_LIST, parseLimit } from "./relay/dead-letter-service.js";
import { type DeadLetterSummary, DeadLetterTable } from "./relay/dead-letters.js";

/** Usage line of the subcommand, for `--help`. */
export const DEAD_LETTERS_USAGE =
  "dead-letters list|show|replay|purge [--environment E] [--since 2h|ISO-time] [--id N] [--to E] [--data-dir D] [--json] [--limit N] [--all]";

/** `dead-letters --help`: what each action does and every flag. */
export const DEAD_LETTERS_HELP = `Usage: dynatrace-events-exporter ${DEAD_LETTERS_USAGE}

See, replay or delete the alarms the relay dead-lettered (a verdict of Dynatrace about one alarm).
Works on the outbox file directly, safe beside a running server (docs/dead-letters.md).

Actions:
  list      List dead letters, oldest first.
  show      Print one dead letter in full (needs --id).
  replay    Put matching dead letters back in the queue; the running relay sends them again.
  purge     Delete matching dead letters (needs a filter or --all).

Flags:
  --environment E   Only dead letters of this environment.
  --since 2h|TIME   Only dead letters that failed since a duration ago or an ISO time.
  --id N            Only the dead letter with this id.
  --data-dir D      The relay's data directory (default: RELAY_DATA_DIR, else ./data).
  --json            Print JSON instead of a table (list, show).
  --limit N         List at most N (default 100).
  --all             With purge: delete every dead letter.
  --help            Show this help and exit.

Exit codes: 0 done, 1 the outbox cannot be opened or read (or show found no such id), 2 a usage error.
`;

type Action = "list" | "show" | "replay" | "purge";
const ACTIONS: readonly Action[] = ["list", "show", "replay", "purge"];

class UsageError extends Error {}

interface Invocation {
  action: Action;
  filter: DeadLetterFilter;
  dataDir: string;
  json: boolean;
  all: boolean;
  limit: number;
  /** replay only: the environment to queue the alarms for instead of their own. */
  to: string | undefined;
}

/**
 * `dynatrace-events-exporter dead-letters ...`: works on the outbox file with a connection of its
 * own, safe beside a running server (WAL, 5 s busy timeout, transactions of at most 500 alarms).
 * Exit codes: 0 done, 1 the outbox cannot be opened or read (or `show` found no such id), 2 a
 * usage error (one line on stderr). Replays and purges are logged (JSON, stderr); the server's
 * metrics cannot see them.
 */
export function runDeadLettersCli(argv: string[], env: Record<string, string | undefined>): number {
  if (argv.includes("--help") || argv.includes("-h") || argv[0] === "help") {
    process.stdout.write(DEAD_LETTERS_HELP);
    return 0;
  }
  let inv: Invocation;
  try {
    inv = parseInvocation(argv, env);
  } catch (err) {
    process.stderr.write(`usage error: ${(err as Error).message} (usage: ${DEAD_LETTERS_USAGE})\n`);
    return 2;
  }
  const file = join(inv.dataDir, "relay-outbox.sqlite");
  let db: Database.Database;
  let table: DeadLetterTable;
  try {
    if (!existsSync(file)) throw new Error(`${file} does not exist (set --data-dir or RELAY_DATA_DIR)`);
    db = new Database(file, { fileMustExist: true, timeout: 5000 });
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all();
    if (!tables.includes("dead_letters") || !tables.includes("outbox")) {
      db.close();
      throw new Error(`${file} is not a relay outbox`);
    }
    table = new DeadLetterTable(db, Date.now);
  } catch (err) {
    process.stderr.write(`cannot open the outbox: ${(err as Error).message}\n`);
    return 1;
  }
  try {
    return act(inv, table, env);
  } catch (err) {
    process.stderr.write(`dead-letters ${inv.action} failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    db.close();
  }
}

function parseInvocation(argv: string[], env: Record<string, string | undefined>): Invocation {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      environment: { type: "string" },
      since: { type: "string" },
      id: { type: "string" },
      "data-dir": { type: "string" },
      to: { type: "string" },
      json: { type: "boolean", default: false },
      all: { type: "boolean", default: false },
      limit: { type: "string", default: "100" },
    },
  });
  const [action, ...extra] = positionals;
  if (!ACTIONS.includes(action as Action)) {
    throw new UsageError(action ? `unknown action "${action}"` : "an action is required");
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const filter = parseDeadLetterFilter(values, Date.now());
  if (action === "show" && filter.id === undefined) throw new UsageError("show needs --id N");
  if (action === "purge" && !values.all && !isNarrowing(filter)) {
    throw new UsageError("purge needs a filter (--environment, --since, --id) or --all");
  }
  const to = values.to;
  if (to !== undefined && action !== "replay") throw new UsageError("--to goes with replay only");
  if (to !== undefined && (to === "" || to.length > 128))
    throw new UsageError("--to needs an environment name");
  return {
    action: action as Action,
    filter,
    to,
    dataDir: values["data-dir"] || env.RELAY_DATA_DIR || "./data",
    json: values.json ?? false,
    all: values.all ?? false,
    limit: parseLimit(values.limit),
  };
}

function act(inv: Invocation, table: DeadLetterTable, env: Record<string, string | undefined>): number {
  const out = (text: string) => process.stdout.write(text);
  switch (inv.action) {
    case "list": {
      const { total, items } = table.list(inv.filter, inv.limit);
      out(
        inv.json ? `${JSON.stringify({ total, deadLetters: items }, null, 2)}\n` : renderTable(total, items),
      );
      return 0;
    }
    case "show": {
      const found = table.get(inv.filter.id ?? 0);
      if (!found) {
        process.stderr.write(`no dead letter with id ${inv.filter.id}\n`);
        return 1;
      }
      if (inv.json) out(`${JSON.stringify(found, null, 2)}\n`);
      else out(`${renderTable(1, [found])}\npayload:\n${pretty(found.payload)}\n`);
      return 0;
    }
    case "replay":
    case "purge": {
      const counts = inv.action === "replay" ? table.replay(inv.filter, inv.to) : table.purge(inv.filter);
      const count = Object.values(counts).reduce((a, b) => a + b, 0);
      const action = inv.action === "replay" ? "replayed" : "purged";
      cliLogger(env).info(
        { action, filter: inv.filter, to: inv.to, count, environments: counts, via: "cli" },
        `dead letters ${action}`,
      );
      out(
        inv.json ? `${JSON.stringify({ [action]: count, environments: counts })}\n` : `${action} ${count}\n`,
      );
      return 0;
    }
  }
}

function cliLogger(env: Record<string, string | undefined>) {
  const level = LOG_LEVELS.includes(env.LOG_LEVEL as LogLevel) ? (env.LOG_LEVEL as LogLevel) : "info";
  return createLogger(level, pino.destination({ dest: 2, sync: true }));
}

const COLUMNS = ["ID", "ENVIRONMENT", "SOURCE", "REASON", "ATTEMPTS", "FAILED AT", "ERROR"];

function renderTable(total: number, items: DeadLetterSummary[]): string {
  const rows = items.map((d) => [
    String(d.id),
    d.environment,
    d.source,
    d.reason,
    String(d.attempts),
    new Date(d.failedAt).toISOString(),
    short(d.error ?? ""),
  ]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const more =
    total > items.length
      ? `(${items.length} of ${total} shown; narrow the filter or raise --limit, at most ${MAX_LIST})\n`
      : "";
  return `${[line(COLUMNS), ...rows.map(line)].join("\n")}\n${more}`;
}

/** An error on one line, at most 100 characters. */
function short(text: string): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > 100 ? `${one.slice(0, 99)}…` : one;
}

function pretty(payload: string): string {
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return payload;
  }
}
