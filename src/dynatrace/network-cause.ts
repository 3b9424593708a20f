import type { NetworkReason } from "./errors.js";

/** Why a request got no complete answer: the reason label and a short readable cause code. */
export interface NetworkCause {
  reason: NetworkReason;
  code: string;
}

/** What the client knows beside the error itself. */
export interface CauseContext {
  /** The caller's signal was aborted (shutdown, reload). */
  callerAborted: boolean;
  /** The request's overall deadline (ms) passed, if it did. */
  deadlineMs: number | undefined;
  /** The request went through a proxy: connecting means connecting to the proxy. */
  proxied: boolean;
}

const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);
const TLS_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "EPROTO",
]);
/** Failures to reach the host we connect to, which is the proxy when there is one. */
const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
]);

/**
 * Classifies an error thrown by undici into a {@link NetworkCause}. The code comes from error
 * codes and undici's fixed proxy messages only, never from free text, so it holds no secret.
 */
export function classifyNetworkError(err: unknown, ctx: CauseContext): NetworkCause {
  if (ctx.callerAborted) return { reason: "aborted", code: "aborted" };
  if (ctx.deadlineMs !== undefined) return { reason: "timeout", code: `deadline ${ctx.deadlineMs}ms` };
  const code = errorCode(err);
  const message = errorMessages(err);
  const proxyStatus = /Proxy response \((\d{3})\)|Proxy Authentication Required \((\d{3})\)/.exec(message);
  if (proxyStatus) return { reason: "proxy", code: `proxy ${proxyStatus[1] ?? proxyStatus[2]}` };
  if (code === "UND_ERR_PRX_TLS") return { reason: "proxy", code: "proxy tls" };
  if (TIMEOUT_CODES.has(code)) return { reason: "timeout", code };
  if (TLS_CODES.has(code) || /^(CERT_|ERR_TLS_|ERR_SSL_)/.test(code)) return { reason: "tls", code };
  if (ctx.proxied && CONNECT_CODES.has(code)) return { reason: "proxy", code: `proxy ${code}` };
  return { reason: "network", code: code || "unknown" };
}

/** The first error code along the cause chain, sanitised to a short token. */
function errorCode(err: unknown): string {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR_ABORTED" && code !== "UND_ERR_SOCKET") {
      return code.replace(/[^\w.-]/g, "").slice(0, 60);
    }
  }
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code.replace(/[^\w.-]/g, "").slice(0, 60) : "";
}

function errorMessages(err: unknown): string {
  const out: string[] = [];
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) out.push(e.message);
  return out.join(" | ");
}
