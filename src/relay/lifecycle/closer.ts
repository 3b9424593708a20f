import { DynatraceError, DynatraceHttpError } from "../../dynatrace/errors.js";
import { closeProblem, type ProblemSummary } from "../../dynatrace/problems.js";
import type { CloseOutcome } from "../../metrics/lifecycle-metrics.js";
import type { WorkerContext } from "./context.js";
import { heldByOthers, problemsOf } from "./matching.js";
import type { PendingClose } from "./store.js";

/**
 * How long a resolve keeps looking for its problem, from its first look-up that found none: the
 * firing event may still be in another replica's outbox, or Davis may not have raised the problem
 * yet. Counted from that look-up, not from the resolve, so a resolve that waited behind its own
 * firing event through an outage still gets the whole grace once that event is delivered.
 */
export const NOT_FOUND_GRACE_MS = 5 * 60_000;
/** Wait between look-ups while the problem is not found. */
const NOT_FOUND_RETRY_MS = 30_000;
/** Longest pause between attempts after failures. */
const MAX_RETRY_MS = 5 * 60_000;

/**
 * Closes the problems of resolved alerts, given one look-up of the open problems: each alert's
 * problems whose evidence holds no other open event are closed with the alert's comment. A
 * problem not found yet is looked for again for {@link NOT_FOUND_GRACE_MS}; a failed close is
 * retried with backoff (1 s doubling to 5 min) until RELAY_MAX_AGE after the resolve.
 */
export async function closeResolved(
  ctx: WorkerContext,
  closes: PendingClose[],
  open: ProblemSummary[],
): Promise<void> {
  for (const c of closes) {
    if (ctx.signal.aborted) return;
    const ref = { ...c, correlationIds: ctx.store.correlationIds(ctx.environment, c.key) };
    const mine = problemsOf(open, ref);
    if (c.verifying && mine.length === 0) {
      ctx.store.closeDone(c);
      continue;
    }
    if (mine.length === 0) {
      const now = ctx.clock();
      if (now - (c.firstMissedAt ?? now) < NOT_FOUND_GRACE_MS) {
        ctx.store.missed(c, now, now + NOT_FOUND_RETRY_MS, "no open problem holds the alert yet");
        ctx.logger.debug(
          { environment: ctx.environment, alert: c.title },
          "relay found no open problem of a resolved alert yet; looking again in 30 s",
        );
      } else finish(ctx, c, "not_found");
      continue;
    }
    let outcome: CloseOutcome = "held";
    try {
      for (const p of mine) {
        if (heldByOthers(p, ref)) continue;
        const r = await closeProblem(ctx.client, p.problemId, c.message, ctx.signal).catch(gone);
        if (outcome !== "closed") outcome = r;
        ctx.logger.info(
          { environment: ctx.environment, problem: p.displayId ?? p.problemId, alert: c.title, result: r },
          "relay closed the problem of a resolved alert",
        );
      }
    } catch (err) {
      failed(ctx, [c], err);
      continue;
    }
    ctx.apiAnswered();
    finish(ctx, c, outcome);
  }
}

/** Wait before the last look-up after a close (a refresh racing the close has landed by then). */
export const VERIFY_AFTER_MS = 60_000;

/** A 404 on close: the problem is gone, which is what closing wanted. */
function gone(err: unknown): "already_closed" {
  if (err instanceof DynatraceHttpError && err.status === 404) return "already_closed";
  throw err;
}

function finish(ctx: WorkerContext, c: PendingClose, outcome: CloseOutcome): void {
  // A closed problem is looked for once more a minute later: another replica's refresh that passed
  // its look-up just before the close may have reopened the alert as a new problem.
  if ((outcome === "closed" || outcome === "already_closed") && !c.verifying) {
    ctx.store.verifyLater(c, ctx.clock() + VERIFY_AFTER_MS);
  } else ctx.store.closeDone(c);
  ctx.metrics.closes.inc({ environment: ctx.environment, outcome });
  if (outcome === "held" || outcome === "not_found") {
    ctx.logger.info(
      { environment: ctx.environment, alert: c.title, outcome },
      "relay closed no problem for a resolved alert",
    );
  }
}

/**
 * A look-up or close failed: counted, reported once per outage, and retried with backoff; a
 * resolve older than RELAY_MAX_AGE is given up (its event is no longer refreshed and times out).
 */
export function failed(ctx: WorkerContext, closes: PendingClose[], err: unknown): void {
  const reason = err instanceof DynatraceError ? err.reason : "network";
  const message = err instanceof Error ? err.message : String(err);
  ctx.apiRefused(reason, message);
  for (const c of closes) {
    ctx.metrics.closeFailures.inc({ environment: ctx.environment, reason });
    if (ctx.clock() - c.createdAt >= ctx.maxAgeMs) {
      ctx.logger.error(
        { environment: ctx.environment, alert: c.title, reason },
        "relay gave up closing the problem of a resolved alert; its event times out",
      );
      ctx.store.closeDone(c);
      ctx.metrics.closes.inc({ environment: ctx.environment, outcome: "expired" });
      continue;
    }
    const step = Math.min(MAX_RETRY_MS, 1000 * 2 ** Math.min(c.attempts, 20));
    ctx.store.retryClose(c, c.attempts + 1, ctx.clock() + step / 2 + Math.random() * (step / 2), message);
  }
}
