import type { Response } from "express";
import type { IntakeReceipt } from "../relay/intake.js";
import type { IntakeFormat } from "../relay/intake-formats.js";
import type { NoRelayableAlertsError } from "../relay/validation-error.js";

/** Rejected alerts listed in one answer; the count says how many there were in all. */
export const MAX_LISTED_REJECTS = 1000;

/** A 2xx answer of the intake: status and JSON body, in the shape the sender's own client expects. */
export interface IntakeAnswer {
  status: number;
  body: unknown;
}

/**
 * Each format's answer once its alarms are on disk. Dynatrace's ids and correlation ids are
 * Dynatrace's to give, after delivery, so they are empty here.
 */
export const INTAKE_ANSWERS: Readonly<Record<IntakeFormat, (r: IntakeReceipt) => IntakeAnswer>> = {
  // netdata counts only a 200 as success.
  v1: (r) => ({
    status: 200,
    body: { storedEventIds: [], storedIds: [], storedCorrelationIds: [], relay: counts(r) },
  }),
  v2: (r) => ({
    status: 201,
    body: {
      reportCount: r.valid,
      eventIngestResults: Array.from({ length: r.valid }, () => ({ correlationId: null, status: "OK" })),
    },
  }),
  // Alertmanager treats any 2xx as delivered, and never retries a 4xx: a 202 for every
  // notification of which at least one alert is stored, the rejects listed.
  alertmanager: (r) => ({ status: 202, body: batchAnswer(r) }),
  // Grafana's webhook also takes any 2xx as delivered: the same answer.
  grafana: (r) => ({ status: 202, body: batchAnswer(r) }),
  native: (r) => ({ status: 202, body: counts(r) }),
};

function counts(r: IntakeReceipt) {
  return { accepted: r.accepted, duplicates: r.duplicates };
}

/**
 * The 2xx body for a notification of which some alerts were stored: counts, and the rejects by
 * index and fingerprint with their reasons (the first {@link MAX_LISTED_REJECTS}). For people
 * reading Alertmanager's debug log, and for tests.
 */
function batchAnswer(r: IntakeReceipt) {
  return {
    ...counts(r),
    rejectedCount: r.rejected.length,
    rejected: r.rejected.slice(0, MAX_LISTED_REJECTS),
  };
}

/**
 * The extra fields of the 400 answer when no alert of a notification can be relayed: every 4xx is
 * final for Alertmanager, which is right here, as sending the same alerts again cannot succeed.
 */
export function noneRelayableDetails(err: NoRelayableAlertsError) {
  return { rejectedCount: err.rejected.length, rejected: err.rejected.slice(0, MAX_LISTED_REJECTS) };
}

/**
 * Writes a JSON answer straight to the socket. The intake is the relay's hot path: express's
 * `res.json` (content negotiation, freshness checks) costs more than the rest of the answer.
 */
export function sendIntakeAnswer(res: Response, answer: IntakeAnswer): void {
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
