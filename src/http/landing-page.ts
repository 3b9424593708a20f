import type { DrainStatus } from "../feed/drainer.js";
import type { RelayQueueState } from "../relay/relay-service.js";
import { publicText } from "./public-text.js";

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function iso(ms: number | undefined): string {
  return ms === undefined ? "never" : new Date(ms).toISOString();
}

/** Only the stable reason code is shown: upstream error text stays in the (redacted) log. */
function upstreamState(r: RelayQueueState): string {
  const u = r.upstream;
  if (!u) return "";
  if (u.up) return "accepting";
  return `refusing since ${iso(u.since)} (${u.reason ?? "unknown"}); delivery paused and retried`;
}

/** The problem lifecycle's column: alerts kept open and resolves still closing their problem. */
function problemsState(r: RelayQueueState): string {
  const l = r.lifecycle;
  if (!l) return "off";
  if (l.keptOpen === undefined || l.closing === undefined) return "outbox unreadable";
  return `${l.keptOpen} kept open, ${l.closing} closing`;
}

function relaySection(relay: RelayQueueState[] | undefined): string {
  if (!relay) {
    return "<h2>Alarm relay</h2>\n<p>Off: set RELAY_TOKENS (or RELAY_ALLOW_ANONYMOUS=true) to accept alarms.</p>";
  }
  const rows = relay
    .map((r) =>
      [
        r.environment,
        String(r.queued),
        r.oldestCreatedAt === undefined ? "none waiting" : iso(r.oldestCreatedAt),
        Number.isNaN(r.deadLetters) ? "outbox unreadable" : String(r.deadLetters),
        upstreamState(r),
        problemsState(r),
      ]
        .map((c) => `<td>${escapeHtml(c)}</td>`)
        .join(""),
    )
    .map((cells) => `<tr>${cells}</tr>`)
    .join("\n");
  return `<h2>Alarm relay</h2>
<table><tr><th>Environment</th><th>Queued</th><th>Oldest queued since</th><th>Dead letters</th><th>Upstream</th><th>Problems (alerts)</th></tr>
${rows}
</table>`;
}

/** The HTML landing page: version, each environment's drain state, the relay's queues, and links. */
export function renderLandingPage(
  version: string,
  statuses: DrainStatus[],
  relay: RelayQueueState[] | undefined,
): string {
  const rows = statuses
    .map((s) => {
      const state = s.lastError ? `failing: ${s.lastError.reason}` : s.succeededOnce ? "ok" : "starting";
      const cells = [
        s.environment,
        state,
        iso(s.lastSuccessAt),
        String(s.eventsTracked),
        s.lastError ? publicText(s.lastError.message) : "",
      ];
      return `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dynatrace events exporter</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:.2em .8em;text-align:left}</style></head>
<body><h1>Dynatrace events exporter</h1>
<p>Version ${escapeHtml(version)}</p>
<ul><li><a href="metrics">Metrics</a></li><li><a href="healthz">Health</a></li><li><a href="readyz">Readiness</a> (<a href="readyz?role=relay">relay</a>, <a href="readyz?role=feed">feed</a>)</li></ul>
<h2>Environments</h2>
<table><tr><th>Environment</th><th>State</th><th>Last successful drain</th><th>Events tracked</th><th>Last error</th></tr>
${rows}
</table>
${relaySection(relay)}
</body></html>
`;
}
