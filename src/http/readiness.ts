import type { RequestHandler } from "express";
import type { DrainStatus } from "../feed/drainer.js";
import type { Relay } from "../relay/relay-service.js";
import { HttpError } from "./errors.js";
import { publicText } from "./public-text.js";

/** What one role's readiness says. */
export interface RoleVerdict {
  ready: boolean;
  reason: string;
}

/** One environment as the feed probe shows it. */
interface FeedEnvironment {
  environment: string;
  ready: boolean;
  overdue?: true;
  /** The reason code and HTTP status only: upstream text may echo what the tenant was sent. */
  lastError: { reason: string; status?: number } | null;
}

/** Environment names a reason lists before it says how many more: a thousand would be 20 KB. */
const NAMES_IN_REASON = 10;

function names(list: string[]): string {
  const shown = list.slice(0, NAMES_IN_REASON).join(", ");
  return list.length > NAMES_IN_REASON ? `${shown} and ${list.length - NAMES_IN_REASON} more` : shown;
}

/**
 * The feed role: ready once every environment's first drain succeeded and none is overdue (when
 * the drain status reports `overdue`); `readyCount` of `total` says how far start-up has come.
 * Upstream errors show as a reason code and status: their text is for the log and the admins
 * (GET / with an admin token), not for an open probe.
 */
export function feedReadiness(
  statuses: DrainStatus[],
): RoleVerdict & { environments: FeedEnvironment[]; readyCount: number; total: number } {
  const environments = statuses.map((s): FeedEnvironment => {
    const overdue = (s as DrainStatus & { overdue?: boolean }).overdue === true;
    return {
      environment: s.environment,
      ready: s.succeededOnce && !overdue,
      ...(overdue ? { overdue: true as const } : {}),
      lastError: s.lastError
        ? { reason: s.lastError.reason, ...(s.lastError.status ? { status: s.lastError.status } : {}) }
        : null,
    };
  });
  const never = statuses.filter((s) => !s.succeededOnce).map((s) => s.environment);
  const overdue = environments.filter((e) => e.overdue).map((e) => e.environment);
  const reasons = [
    ...(never.length ? [`first drain has not yet succeeded for: ${names(never)}`] : []),
    ...(overdue.length ? [`drains overdue for: ${names(overdue)}`] : []),
  ];
  const readyCount = environments.filter((e) => e.ready).length;
  return {
    ready: reasons.length === 0,
    reason: reasons.length
      ? `${readyCount} of ${environments.length} environments ready; ${reasons.join("; ")}`
      : "every environment has drained",
    environments,
    readyCount,
    total: environments.length,
  };
}

/**
 * The relay role: ready when the relay is off (nothing to accept, said in the reason) or when its
 * outbox takes writes (checked at most once a second). Never depends on Dynatrace.
 */
export function relayReadiness(relay: Relay): RoleVerdict & { relay: "on" | "off" } {
  const r = relay.readiness();
  if (r.state === "off") {
    return { ready: true, relay: "off", reason: "the relay is off (no RELAY_TOKENS): nothing to accept" };
  }
  if (r.ok) return { ready: true, relay: "on", reason: "the outbox takes alarms" };
  return { ready: false, relay: "on", reason: publicText(r.reason ?? "the outbox cannot be written") };
}

/**
 * GET /readyz: `?role=relay` for the relay Service (alarms can be stored), `?role=feed` for the
 * feed (drains have succeeded), no role for the whole process (both). 200 when ready, 503 with a
 * JSON reason when not, 400 for an unknown role.
 */
export function readinessHandler(statuses: () => DrainStatus[], relay: Relay): RequestHandler {
  return (req, res) => {
    const role = req.query.role;
    if (role !== undefined && role !== "relay" && role !== "feed") {
      throw new HttpError(400, "role must be relay or feed (or absent for the whole process)");
    }
    const feed = role === "relay" ? undefined : feedReadiness(statuses());
    const relayRole = role === "feed" ? undefined : relayReadiness(relay);
    const verdicts: RoleVerdict[] = [];
    if (feed) verdicts.push(feed);
    if (relayRole) verdicts.push(relayRole);
    const ready = verdicts.every((v) => v.ready);
    const reason = verdicts
      .filter((v) => v.ready === ready)
      .map((v) => v.reason)
      .join("; ");
    res.status(ready ? 200 : 503).json({
      status: ready ? "ready" : "not ready",
      ...(role ? { role } : {}),
      reason,
      ...(relayRole
        ? { relay: { state: relayRole.relay, ready: relayRole.ready, reason: relayRole.reason } }
        : {}),
      ...(feed ? { environmentsReady: { ready: feed.readyCount, of: feed.total } } : {}),
      ...(feed ? { environments: feed.environments } : {}),
    });
  };
}
