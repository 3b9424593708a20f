import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createSecureContext } from "node:tls";
import { parseDocument } from "yaml";
import { z } from "zod";
import { ConfigError } from "../config/errors.js";
import { closest } from "../config/unknown-vars.js";
import { describeYamlError } from "../config/yaml-error.js";

// The schema of Prometheus exporter-toolkit's web configuration file, unchanged: a file written for
// node_exporter works here. Keys that have no meaning for Node's server are accepted and reported.
const TLS_VERSIONS = { TLS10: "TLSv1", TLS11: "TLSv1.1", TLS12: "TLSv1.2", TLS13: "TLSv1.3" } as const;
const CLIENT_AUTH = [
  "NoClientCert",
  "RequestClientCert",
  "RequireAnyClientCert",
  "VerifyClientCertIfGiven",
  "RequireAndVerifyClientCert",
] as const;
/** Response headers exporter-toolkit lets a web config set. */
const ALLOWED_HEADERS = [
  "Strict-Transport-Security",
  "X-Content-Type-Options",
  "X-Frame-Options",
  "X-XSS-Protection",
  "Content-Security-Policy",
] as const;

const tlsVersion = z.enum(Object.keys(TLS_VERSIONS) as [keyof typeof TLS_VERSIONS]);

const schema = z.strictObject({
  tls_server_config: z
    .strictObject({
      cert: z.string().optional(),
      cert_file: z.string().optional(),
      key: z.string().optional(),
      key_file: z.string().optional(),
      client_auth_type: z.enum(CLIENT_AUTH).default("NoClientCert"),
      client_ca: z.string().optional(),
      client_ca_file: z.string().optional(),
      client_allowed_sans: z.array(z.string()).optional(),
      min_version: tlsVersion.default("TLS12"),
      max_version: tlsVersion.default("TLS13"),
      cipher_suites: z.array(z.string()).optional(),
      prefer_server_cipher_suites: z.boolean().optional(),
      curve_preferences: z.array(z.string()).optional(),
    })
    .optional(),
  http_server_config: z
    .strictObject({
      http2: z.boolean().optional(),
      headers: z.partialRecord(z.enum(ALLOWED_HEADERS), z.string()).optional(),
    })
    .optional(),
  basic_auth_users: z.record(z.string(), z.string()).optional(),
});

/** The keys each section may hold, for a "did you mean" on a misspelt one. */
const KEYS_AT: Record<string, string[]> = {
  "": Object.keys(schema.shape),
  tls_server_config: Object.keys(schema.shape.tls_server_config.unwrap().shape),
  http_server_config: Object.keys(schema.shape.http_server_config.unwrap().shape),
};

/** TLS settings with every file read: what `tls.createSecureContext` and the server need. */
export interface TlsSettings {
  cert: string;
  key: string;
  ca: string | undefined;
  clientAuth: (typeof CLIENT_AUTH)[number];
  clientAllowedSans: string[];
  minVersion: (typeof TLS_VERSIONS)[keyof typeof TLS_VERSIONS];
  maxVersion: (typeof TLS_VERSIONS)[keyof typeof TLS_VERSIONS];
}

/** A loaded web configuration. Password hashes are secrets: never log or print this object. */
export interface WebConfig {
  tls: TlsSettings | undefined;
  headers: Record<string, string>;
  /** User name to bcrypt hash; empty means no basic auth. */
  users: Map<string, string>;
  /** Keys accepted for compatibility that Node's server does not apply. */
  ignored: string[];
  /** Certificate, key and CA files it read: a change to any of them is a change of the config. */
  files: string[];
}

/**
 * Reads and validates a web configuration file. Throws a {@link ConfigError} naming the key at
 * fault (never a value: hashes and inline keys are secrets).
 */
export function loadWebConfig(file: string): WebConfig {
  const fail = (message: string): never => {
    throw new ConfigError("WEB_CONFIG_FILE", `${file}: ${message}`);
  };
  const c = parseWebConfig(file, fail);
  const base = dirname(resolve(file));
  const files: string[] = [];
  const read = (path: string, key: string) => {
    try {
      files.push(resolve(base, path));
      return readFileSync(resolve(base, path), "utf8");
    } catch (err) {
      return fail(`tls_server_config.${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`);
    }
  };
  let tls: TlsSettings | undefined;
  const t = c.tls_server_config;
  if (t) {
    const cert = t.cert ?? (t.cert_file ? read(t.cert_file, "cert_file") : undefined);
    const key = t.key ?? (t.key_file ? read(t.key_file, "key_file") : undefined);
    if (!cert || !key) fail("tls_server_config needs cert or cert_file, and key or key_file");
    const ca = t.client_ca ?? (t.client_ca_file ? read(t.client_ca_file, "client_ca_file") : undefined);
    if (t.client_auth_type.includes("Verify") && !ca)
      fail(`client_auth_type ${t.client_auth_type} needs client_ca_file`);
    tls = {
      cert: cert as string,
      key: key as string,
      ca,
      clientAuth: t.client_auth_type,
      clientAllowedSans: t.client_allowed_sans ?? [],
      minVersion: TLS_VERSIONS[t.min_version],
      maxVersion: TLS_VERSIONS[t.max_version],
    };
  }
  const ignored = [
    t?.cipher_suites && "tls_server_config.cipher_suites",
    t?.prefer_server_cipher_suites !== undefined && "tls_server_config.prefer_server_cipher_suites",
    t?.curve_preferences && "tls_server_config.curve_preferences",
    c.http_server_config?.http2 !== undefined && "http_server_config.http2",
  ].filter((k): k is string => typeof k === "string");
  if (tls) usableTls(tls, fail);
  for (const [user, hash] of Object.entries(c.basic_auth_users ?? {})) {
    if (!/^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash))
      fail(`basic_auth_users.${user}: not a bcrypt hash`);
  }
  return {
    tls,
    headers: { ...c.http_server_config?.headers },
    users: new Map(Object.entries(c.basic_auth_users ?? {})),
    ignored,
    files,
  };
}

/** The file read and checked against the schema; YAML errors give line and column, never a snippet. */
function parseWebConfig(file: string, fail: (message: string) => never): z.infer<typeof schema> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    return fail(`cannot read (${(err as NodeJS.ErrnoException).code ?? "unreadable"})`);
  }
  const doc = parseDocument(text);
  const yamlError = doc.errors[0];
  if (yamlError) {
    const { where, problem } = describeYamlError(file, yamlError);
    throw new ConfigError("WEB_CONFIG_FILE", `${where}: ${problem}`);
  }
  const parsed = schema.safeParse(doc.toJS() ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.join(".") ?? "";
  if (issue?.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "?";
    const suggestion = closest(key, KEYS_AT[path] ?? []);
    return fail(
      `${path ? `${path}: ` : ""}unknown key ${key}${suggestion ? `, did you mean ${suggestion}?` : ""}`,
    );
  }
  return fail(`${path ? `${path}: ` : ""}invalid value`);
}

/**
 * Builds a TLS context from the certificate and key, as the server will: a file that is not PEM,
 * or a key that does not match the certificate, is a configuration error now rather than a crash
 * at listen. OpenSSL's reason names no content of the files.
 */
function usableTls(tls: TlsSettings, fail: (message: string) => never): void {
  try {
    createSecureContext({ cert: tls.cert, key: tls.key, ca: tls.ca });
  } catch (err) {
    const reason = (err as Error).message.replace(/^error:[0-9A-F]+:/, "");
    fail(`tls_server_config: the certificate, key or client CA cannot be used (${reason})`);
  }
}

function fileStamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return "missing";
  }
}

/**
 * The web configuration as it is on disk now. Like exporter-toolkit it is re-read for every request
 * (a stat; the file is parsed again only when it changed), so users, headers and certificates
 * change without a restart. A file that turns invalid keeps the last good configuration in effect
 * and is reported once through `onError`.
 */
export class WebConfigSource {
  private config: WebConfig;
  private stamp: string;
  private failedStamp: string | undefined;

  constructor(
    readonly file: string,
    private readonly onError: (err: ConfigError) => void,
  ) {
    this.config = loadWebConfig(file);
    this.stamp = this.currentStamp();
  }

  /** The configuration in effect, re-read first when the file changed. */
  current(): WebConfig {
    const stamp = this.currentStamp();
    if (stamp === this.stamp || stamp === this.failedStamp) return this.config;
    try {
      this.config = loadWebConfig(this.file);
      this.stamp = stamp;
      this.failedStamp = undefined;
    } catch (err) {
      this.failedStamp = stamp;
      if (err instanceof ConfigError) this.onError(err);
      else throw err;
    }
    return this.config;
  }

  private currentStamp(): string {
    return [this.file, ...(this.config?.files ?? [])].map(fileStamp).join("|");
  }
}
