import type { z } from "zod";

/** One failing field of a rejected body, in the shape of Dynatrace's constraintViolations. */
export interface Violation {
  path: string;
  message: string;
}

/** A body that is valid JSON but not a valid alarm: answered 400 with the failing field paths. */
export class InvalidAlarmError extends Error {
  readonly status = 400;
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
