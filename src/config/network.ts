import { readFileSync } from "node:fs";
import { ConfigError } from "./errors.js";
import type { Connection } from "./types.js";

type Env = Record<string, string | undefined>;

/** Proxy variables as curl reads them: lower case first, then upper case. */
export interface ProxySettings {
  /** For `http://` tenants (`http_proxy`, `HTTP_PROXY`). */
  httpProxy: string | undefined;
  /** For `https://` tenants (`https_proxy`, `HTTPS_PROXY`). */
  httpsProxy: string | undefined;
  /** Hosts reached directly (`no_proxy`, `NO_PROXY`): comma list, `.suffix`, `host:port`, `*`. */
  noProxy: string;
}

function pick(env: Env, lower: string, upper: string): { name: string; value: string } | undefined {
  for (const name of [lower, upper]) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

function proxyUrl(found: { name: string; value: string } | undefined): string | undefined {
  if (!found) return undefined;
  // A scheme-less `host:port` means http://, as curl reads it.
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(found.value) ? found.value : `http://${found.value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The value may hold a password: it is never echoed.
    throw new ConfigError(found.name, "is not a valid proxy URL (use http://[user:password@]host:port)");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(
      found.name,
      `proxy scheme ${url.protocol} is not supported (use http:// or https://)`,
    );
  }
  return url.href;
}

/** Reads the proxy variables; throws a {@link ConfigError} (never echoing the value) when one is not a URL. */
export function readProxySettings(env: Env): ProxySettings {
  return {
    httpProxy: proxyUrl(pick(env, "http_proxy", "HTTP_PROXY")),
    httpsProxy: proxyUrl(pick(env, "https_proxy", "HTTPS_PROXY")),
    noProxy: pick(env, "no_proxy", "NO_PROXY")?.value ?? "",
  };
}

/**
 * The proxy an origin is reached through, or undefined: HTTPS_PROXY for https, HTTP_PROXY for
 * http, none when NO_PROXY lists the host (exactly, as a domain suffix with or without a
 * leading `.` or `*.`, optionally with `:port`) or is `*`.
 */
export function proxyFor(origin: string, settings: ProxySettings): string | undefined {
  const url = new URL(origin);
  const proxy = url.protocol === "https:" ? settings.httpsProxy : settings.httpProxy;
  if (!proxy) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
  for (const raw of settings.noProxy.split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") return undefined;
    const m = /^(.+?)(?::(\d+))?$/.exec(entry.replace(/^\[|\](?=:|$)/g, ""));
    const name = (m?.[1] ?? entry).replace(/^\*?\./, "");
    if (m?.[2] && Number(m[2]) !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return undefined;
  }
  return proxy;
}

/** A proxy URL fit for logs and pages: user and password replaced, nothing else changed. */
export function maskProxyUrl(raw: string | undefined): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.username || url.password ? "<redacted>@" : ""}${url.host}`;
  } catch {
    return "<invalid proxy URL>";
  }
}

/**
 * Reads a PEM file of CA certificates for the tenant's TLS; throws a {@link ConfigError} naming
 * `where` when it cannot be read or holds no certificate.
 */
export function readCaFile(where: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(
      where,
      `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? "unreadable"})`,
    );
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new ConfigError(where, `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  return text;
}

/**
 * Adds what every environment's connections share: its proxy (HTTPS_PROXY/HTTP_PROXY unless
 * NO_PROXY lists it) and, unless the config file gave it its own, the CA of `caFile`
 * (DYNATRACE_CA_FILE).
 */
export function withNetwork<E extends Connection>(
  environments: E[],
  env: Env,
  caFile: string | undefined,
): E[] {
  const proxies = readProxySettings(env);
  const ca = caFile ? readCaFile("DYNATRACE_CA_FILE", caFile) : undefined;
  return environments.map((e) => ({
    ...e,
    proxy: proxyFor(e.address.origin, proxies),
    ...(e.caFile === undefined && caFile ? { caFile, ca } : {}),
  }));
}
