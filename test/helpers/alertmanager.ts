import { request as undiciRequest } from "undici";

/** A valid firing alert with a unique fingerprint and `pad` bytes of annotation. */
export function alert(i: number, pad = 0) {
  return {
    status: "firing",
    labels: { alertname: `Alert${i}`, instance: `host${i % 50}:9100`, severity: "warning" },
    annotations: { summary: `alert ${i}`, ...(pad ? { description: "x".repeat(pad) } : {}) },
    startsAt: "2026-11-01T10:00:00Z",
    endsAt: "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus/graph",
    fingerprint: `fp${i.toString(16).padStart(12, "0")}`,
  };
}

/** Three kinds of invalid alert, so the rejects cover the schema and the mapping. */
export function invalid(i: number) {
  const a = alert(i);
  switch (i % 3) {
    case 0:
      return { ...a, labels: { alertname: `NoHost${i}` } };
    case 1:
      return { ...a, startsAt: "yesterday" };
    default:
      return { ...a, labels: { ...a.labels, severity: 3 } };
  }
}

/** An Alertmanager webhook body (payload version 4) around `alerts`. */
export function notification(alerts: unknown[]) {
  return {
    version: "4",
    groupKey: '{}:{alertname="X"}',
    truncatedAlerts: 0,
    status: "firing",
    receiver: "dynatrace",
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: "http://alertmanager:9093",
    alerts,
  };
}

/** One reject as the relay lists it. */
export interface Rejected {
  index: number;
  fingerprint: string | null;
  errors: { path: string; message: string }[];
}

/** The relay's answer to a notification: 202 counts and rejects, or an error. */
export interface BatchAnswer {
  accepted: number;
  rejectedCount: number;
  rejected: Rejected[];
  error: { code: number };
}

/** Posts a raw body to the relay's Alertmanager endpoint; returns status, headers and parsed body. */
export async function postRaw(base: string, body: string, token: string) {
  const res = await undiciRequest(`${base}/api/v1/alertmanager`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body,
  });
  return {
    status: res.statusCode,
    headers: res.headers,
    body: (await res.body.json()) as BatchAnswer,
  };
}
