import { isIP } from "node:net";
import { quote } from "./quote.js";

/** A Dynatrace environment address split into what the HTTP client and the labels need. */
export interface DynatraceAddress {
  /** Scheme, host and port, e.g. `https://abc12345.live.dynatrace.com`. */
  origin: string;
  /** Path prefix before `/api`, empty for SaaS, `/e/<environment-id>` for Managed. */
  basePath: string;
  /** Environment id derived from the address, used as the default `environment` label. */
  environmentId: string;
}

const API_SUFFIX = /\/api(?:\/v[12](?:\/events(?:\/ingest)?)?)?$/;

/**
 * Normalises a Dynatrace environment URL as users paste it: tolerates trailing slashes and a pasted
 * API suffix (`/api/v1/events`), rejects anything without an http(s) scheme, with credentials or
 * with a query string (which is where `api-token=` would leak from). Throws an Error whose message
 * completes the sentence "DYNATRACE_URL ..." and never quotes the URL: it may hold a password.
 */
export function parseDynatraceUrl(raw: string): DynatraceAddress {
  const text = raw.trim();
  if (!/^https?:\/\//i.test(text)) {
    throw new Error(`must start with https:// or http:// (got ${quote(text)})`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error("is not a valid URL");
  }
  if (url.username || url.password) throw new Error("must not contain credentials (user:password@)");
  if (url.search || url.hash) {
    throw new Error("must not contain a query string or fragment; put the token in DYNATRACE_API_TOKEN");
  }
  const platform = /^([^.]+)\.apps\.((?:[^.]+\.)*dynatrace\.com)$/i.exec(url.hostname);
  if (platform) {
    throw new Error(
      `is the address of the Dynatrace web UI (*.apps.dynatrace.com); the events API lives on https://${platform[1]}.live.${platform[2]}`,
    );
  }
  const path = url.pathname.replace(/\/+$/, "").replace(API_SUFFIX, "").replace(/\/+$/, "");
  const managed = /^\/e\/([^/]+)$/.exec(path);
  return {
    origin: url.origin,
    basePath: path,
    environmentId: managed?.[1] ?? hostLabel(url),
  };
}

/**
 * The default `environment` label from the host: the first DNS label (`abc12345` of
 * `abc12345.live.dynatrace.com`); an IP address or a one-label name (`localhost`) whole, with its
 * port (`10.0.0.7:9999`, `localhost:9722`): the first octet alone would name nothing, and two
 * local tenants differ only by their ports.
 */
function hostLabel(url: URL): string {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) === 0 && host.includes(".")) return host.split(".")[0] ?? host;
  return url.port ? `${host}:${url.port}` : host;
}
