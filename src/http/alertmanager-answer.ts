import type { RejectedAlert } from "../relay/parse-alertmanager.js";

/** Rejected alerts listed in one answer; the count says how many there were in all. */
export const MAX_LISTED_REJECTS = 1000;

/**
 * The 2xx body for a notification of which some alerts were stored: counts, and the rejects by
 * index and fingerprint with their reasons (the first {@link MAX_LISTED_REJECTS}). Alertmanager
 * treats any 2xx as delivered, so this is for people reading its debug log, and for tests.
 */
export function batchAnswer(r: { accepted: number; duplicates: number }, rejected: RejectedAlert[]) {
  return {
    accepted: r.accepted,
    duplicates: r.duplicates,
    rejectedCount: rejected.length,
    rejected: rejected.slice(0, MAX_LISTED_REJECTS),
  };
}

/**
 * The 400 body when no alert of a notification can be relayed. Every 4xx is final for
 * Alertmanager, which is right here: sending the same alerts again cannot succeed.
 */
export function noneRelayable(rejected: RejectedAlert[]) {
  const first = rejected[0]?.errors[0];
  return {
    error: {
      code: 400,
      message: `none of the ${rejected.length} alerts can be relayed${first ? ` (first: ${first.path}: ${first.message})` : ""}`,
      constraintViolations: rejected
        .slice(0, 10)
        .flatMap((r) => r.errors.map((e) => ({ ...e, parameterLocation: "PAYLOAD_BODY" }))),
      rejectedCount: rejected.length,
      rejected: rejected.slice(0, MAX_LISTED_REJECTS),
    },
  };
}

/** One log line's fields for a notification's rejects: counts and the first few reasons. */
export function logRejects(environment: string, valid: number, rejected: RejectedAlert[]) {
  return {
    environment,
    valid,
    rejected: rejected.length,
    examples: rejected.slice(0, 3).map((r) => ({
      index: r.index,
      fingerprint: r.fingerprint,
      error: r.errors[0] ? `${r.errors[0].path}: ${r.errors[0].message}` : "invalid",
    })),
  };
}
