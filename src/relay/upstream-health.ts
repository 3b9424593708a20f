import { type BackoffPolicy, backoffDelay } from "../dynatrace/backoff.js";
import type { Logger } from "../log/logger.js";

/** What the landing page shows of an environment's upstream. */
export interface UpstreamStatus {
  /** True while Dynatrace accepts or judges alarms (the `dynatrace_relay_upstream_up` gauge). */
  up: boolean;
  /** The stable failure reason while down (e.g. `unauthorized`, `network`). */
  reason: string | undefined;
  /** When the current state began (ms); undefined before the first attempt. */
  since: number | undefined;
}

/**
 * Whether one environment's Dynatrace takes alarms now. Environment-level refusals (see
 * `AttemptOutcome`) turn it down and pause delivery with exponential backoff (or the server's
 * wait, whichever is longer); the first attempt Dynatrace accepts or judges turns it up again.
 * State changes are logged once each, never per attempt.
 */
export class UpstreamHealth {
  private up = true;
  private reason: string | undefined;
  private since: number | undefined;
  private failures = 0;
  private pausedUntil = 0;

  constructor(
    private readonly environment: string,
    private readonly backoff: BackoffPolicy,
    private readonly logger: Logger,
    private readonly onChange: (up: boolean) => void,
  ) {}

  /** True while the environment is up. */
  get isUp(): boolean {
    return this.up;
  }

  /** No attempt may start before this time (ms). */
  get resumeAt(): number {
    return this.pausedUntil;
  }

  /** The current state, for the landing page. */
  status(): UpstreamStatus {
    return { up: this.up, reason: this.reason, since: this.since };
  }

  /**
   * Dynatrace accepted or judged an alarm. Returns true when this ends an outage of two or more
   * refused attempts, after which alarms held back by their own retry delay may go at once.
   */
  reached(now: number): boolean {
    const outage = this.failures >= 2;
    this.failures = 0;
    this.pausedUntil = 0;
    if (!this.up || this.since === undefined) {
      if (!this.up) {
        this.logger.info({ environment: this.environment }, "relay upstream accepting alarms again");
      }
      this.up = true;
      this.reason = undefined;
      this.since = now;
      this.onChange(true);
    }
    return outage;
  }

  /** The environment refused an attempt: pause, and turn down if it was up. */
  refused(now: number, reason: string, message: string, serverWaitMs: number | undefined): void {
    // Attempts that were in flight together are refused together: while the pause one of them
    // started is running, the others only extend it to the server's wait, they do not step the
    // backoff (16 concurrent 401s are one refusal, not 16, else one burst meant a 5-minute pause).
    if (now >= this.pausedUntil) this.failures++;
    const wait = Math.max(backoffDelay(this.backoff, Math.max(1, this.failures)), serverWaitMs ?? 0);
    this.pausedUntil = Math.max(this.pausedUntil, now + wait);
    if (!this.up && this.since !== undefined) return;
    this.up = false;
    this.reason = reason;
    this.since = now;
    this.onChange(false);
    this.logger.warn(
      { environment: this.environment, reason },
      `relay upstream refusing alarms, delivery paused and retried with backoff (nothing is dead-lettered for it): ${message}`,
    );
  }
}
