import type { z } from "zod";

/** One failing field of a rejected body, in the shape of Dynatrace's constraintViolations. */
export interface Violation {
  path: string;
  message: string;
}

/** An alert of a notification that could not be relayed, and why. */
export interface RejectedAlert {
  /** Position in the notification's `alerts`. */
  index: number;
  fingerprint: string | null;
  errors: Violation[];
}

/**
 * A body that is valid JSON but not a valid alarm: the sender's mistake, never retried with
 * success. The HTTP layer answers it 400 with the failing field paths.
 */
export class InvalidAlarmError extends Error {
  override readonly name: string = "InvalidAlarmError";
  constructor(
    message: string,
    readonly violations: Violation[],
  ) {
    super(message);
  }

  /** Builds the error from zod's issues, naming at most the first ten paths. */
  static fromZod(what: string, error: z.ZodError): InvalidAlarmError {
    const violations = error.issues.slice(0, 10).map((i) => ({
      path: i.path.map(String).join(".") || "(body)",
      message: i.message,
    }));
    const first = violations[0];
    return new InvalidAlarmError(
      `invalid ${what}: ${first ? `${first.path}: ${first.message}` : "rejected"}`,
      violations,
    );
  }
}

/**
 * A notification none of whose alerts can be relayed (each was rejected on its own). An
 * {@link InvalidAlarmError} whose violations are the first ten alerts' reasons, plus every reject.
 */
export class NoRelayableAlertsError extends InvalidAlarmError {
  override readonly name = "NoRelayableAlertsError";
  constructor(readonly rejected: RejectedAlert[]) {
    const first = rejected[0]?.errors[0];
    super(
      `none of the ${rejected.length} alerts can be relayed${first ? ` (first: ${first.path}: ${first.message})` : ""}`,
      rejected.slice(0, 10).flatMap((r) => r.errors),
    );
  }
}
