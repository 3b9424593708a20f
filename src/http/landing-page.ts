import type { RelayQueueState } from "../relay/relay-service.js";
import { ago, type EnvironmentRow, type FeedState, type SeverityCounts } from "./console-model.js";
import { LANDING_SCRIPT, LANDING_STYLE, REFRESH_SECONDS } from "./landing-assets.js";

/** What the landing page shows; built per request (see console-model.ts). */
export interface LandingPage {
  version: string;
  now: number;
  environments: EnvironmentRow[];
  relay: RelayQueueState[] | undefined;
  /** Link each environment's dead letters to `/-/dead-letters` (the admin endpoints are on). */
  deadLetterLinks: boolean;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A time as "12 s ago", with the exact time for a tooltip and for machines. */
function when(at: number | undefined, now: number, never = "never"): string {
  if (at === undefined) return `<span class="muted">${never}</span>`;
  const iso = new Date(at).toISOString();
  return `<time datetime="${iso}" title="${iso}">${ago(at, now)}</time>`;
}

/** The exact time, visible beside "12 s ago" (a tooltip alone is out of reach on touch and in print). */
function stamp(at: number | undefined): string {
  if (at === undefined) return "";
  return `<span class="detail">${new Date(at)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC")}</span>`;
}

/** A state as colour, symbol and word: the colour is never the only signal. */
function badge(tone: "ok" | "bad" | "warn" | "idle", symbol: string, word: string, title = word): string {
  return `<span class="state ${tone}" title="${escapeHtml(title)}"><span aria-hidden="true">${symbol}</span> ${escapeHtml(word)}</span>`;
}

const FEED_BADGES: Record<FeedState, [tone: "ok" | "bad" | "warn" | "idle", symbol: string]> = {
  ok: ["ok", "✔"],
  failing: ["bad", "✖"],
  overdue: ["warn", "▲"],
  starting: ["idle", "…"],
};

/** A tint for the severities that open problems: the name stays the signal, the tint helps scan. */
const SEVERITY_TONE: Record<string, string> = {
  AVAILABILITY: "sev-high",
  ERROR: "sev-high",
  PERFORMANCE: "sev-mid",
  RESOURCE_CONTENTION: "sev-mid",
  CUSTOM_ALERT: "sev-mid",
};

function severities(counts: SeverityCounts | undefined, off: string): string {
  if (!counts) return `<span class="muted">${off}</span>`;
  if (counts.length === 0) return `<span class="muted">none</span>`;
  return counts
    .map(
      ([s, n]) =>
        `<span class="sev ${Object.hasOwn(SEVERITY_TONE, s) ? SEVERITY_TONE[s] : ""}">${escapeHtml(s)} <b>${n}</b></span>`,
    )
    .join("");
}

function lastError(row: EnvironmentRow, now: number): string {
  const e = row.error;
  if (!e) return `<span class="muted">none</span>`;
  const status = e.status ? ` · HTTP ${e.status}` : "";
  const text = row.errorText ? `<span class="detail">${escapeHtml(row.errorText)}</span>` : "";
  return `<code>${escapeHtml(e.reason)}</code>${status} · ${when(e.at, now)}${text}`;
}

function environmentsTable(rows: EnvironmentRow[], now: number): string {
  const body = rows
    .map((r) => {
      const [tone, symbol] = FEED_BADGES[r.state];
      return `<tr><th scope="row">${escapeHtml(r.environment)}</th><td><code>${escapeHtml(r.host)}</code></td><td>${r.apiVersion}</td><td>${badge(tone, symbol, r.state)}</td><td>${when(r.lastSuccessAt, now)}${stamp(r.lastSuccessAt)}</td><td>${severities(r.events, "")}</td><td>${severities(r.problems, "not collected")}</td><td>${lastError(r, now)}</td></tr>`;
    })
    .join("\n");
  return `<div class="scroll"><table id="environments"><caption>Environments <small>the events feed, drained into /metrics</small></caption>
<thead><tr><th scope="col">Environment</th><th scope="col">Tenant</th><th scope="col">API</th><th scope="col">State</th><th scope="col">Last successful drain</th><th scope="col">Events open now</th><th scope="col">Problems open now</th><th scope="col">Last error</th></tr></thead>
<tbody>
${body || `<tr><td colspan="8" class="muted">No environment is drained by this replica.</td></tr>`}
</tbody></table></div>`;
}

function upstream(r: RelayQueueState, now: number): string {
  const u = r.upstream;
  if (!u) return `<span class="muted">no sender</span>`;
  if (u.up) return badge("ok", "✔", "accepting");
  const since = u.since === undefined ? "" : ` since ${ago(u.since, now)}`;
  const iso = u.since === undefined ? "" : new Date(u.since).toISOString();
  const title = `refusing since ${iso} (${u.reason ?? "unknown"}); delivery paused and retried`;
  return badge("bad", "✖", `refusing${since} (${u.reason ?? "unknown"})`, title);
}

/** The problem lifecycle's column: alerts kept open and resolves still closing their problem. */
function keptOpen(r: RelayQueueState): string {
  const l = r.lifecycle;
  if (!l) return `<span class="muted">lifecycle off</span>`;
  if (l.keptOpen === undefined || l.closing === undefined) return badge("bad", "✖", "outbox unreadable");
  return `${l.keptOpen} kept open, ${l.closing} closing`;
}

function deadLetters(r: RelayQueueState, link: boolean): string {
  if (Number.isNaN(r.deadLetters)) return badge("bad", "✖", "outbox unreadable");
  const n = String(r.deadLetters);
  const shown = r.deadLetters > 0 ? badge("warn", "▲", `${n} held`) : n;
  if (!link || r.deadLetters === 0) return shown;
  const href = `-/dead-letters?environment=${encodeURIComponent(r.environment)}`;
  return `<a href="${escapeHtml(href)}" title="list them (needs an admin token)">${shown}</a>`;
}

function relayTable(relay: RelayQueueState[] | undefined, now: number, links: boolean): string {
  if (!relay) {
    return `<p class="note"><strong>Alarm relay:</strong> Off: set RELAY_TOKENS (or RELAY_ALLOW_ANONYMOUS=true) to accept alarms.</p>`;
  }
  const body = relay
    .map(
      (r) =>
        `<tr><th scope="row">${escapeHtml(r.environment)}</th><td class="num">${r.queued}</td><td>${when(r.oldestCreatedAt, now, "none waiting")}</td><td class="num">${r.deliveredLastMinute ?? ""}</td><td class="num">${deadLetters(r, links)}</td><td>${upstream(r, now)}</td><td>${keptOpen(r)}</td></tr>`,
    )
    .join("\n");
  return `<div class="scroll"><table id="relay"><caption>Alarm relay <small>agents' alarms, carried into Dynatrace</small></caption>
<thead><tr><th scope="col">Environment</th><th scope="col" class="num">Queued</th><th scope="col">Oldest queued</th><th scope="col" class="num">Delivered, last minute</th><th scope="col" class="num">Dead letters held</th><th scope="col">Upstream</th><th scope="col">Alerts kept open</th></tr></thead>
<tbody>
${body}
</tbody></table></div>`;
}

/**
 * The operator's console at `/`: each environment's tenant, state, last drain, open events and
 * problems by severity and last error (a reason code and status; the upstream text only for
 * admins), and the relay's queues. Server-rendered and complete without JavaScript; a small
 * inline script refreshes it in place, a `<noscript>` refresh does so without.
 */
export function renderLandingPage(p: LandingPage): string {
  const updated = new Date(p.now).toISOString();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Dynatrace events exporter</title>
<noscript><meta http-equiv="refresh" content="${REFRESH_SECONDS * 2}"></noscript>
<style>${LANDING_STYLE}</style></head>
<body><header><h1>Dynatrace events exporter</h1>
<nav aria-label="Endpoints"><a href="metrics">Metrics</a><a href="healthz">Health</a><a href="readyz">Readiness</a><span class="sub">(<a href="readyz?role=relay">relay</a> <a href="readyz?role=feed">feed</a>)</span></nav>
<span class="meta">Version ${escapeHtml(p.version)} · <span id="live" aria-live="off">Reload to update</span></span></header>
<main id="console"><p class="note">As of <time datetime="${updated}">${updated.replace("T", " ").replace(/\.\d+Z$/, " UTC")}</time></p>
${environmentsTable(p.environments, p.now)}
${relayTable(p.relay, p.now, p.deadLetterLinks)}
</main>
<script>${LANDING_SCRIPT}</script>
</body></html>
`;
}
