import { readFileSync, statSync } from "node:fs";

/** The part of a logger a {@link TokenSource} uses (pino's signature). */
export interface TokenLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** How a {@link TokenSource} is built. */
export interface TokenSourceOptions {
  /** The token read at start (or given directly). */
  token: string;
  /** File the token came from; watched for changes when set. */
  file?: string | undefined;
  logger?: TokenLogger;
  /** Added to log lines (environment, use). */
  context?: object;
  /** Shortest time between two stat checks of the file (default 1 s). */
  minCheckIntervalMs?: number;
  now?: () => number;
}

/** Kept for redaction: a server may echo a token we sent before a rotation. */
const REMEMBERED_TOKENS = 4;

/**
 * The current API token of one client. A token given directly never changes. A token from a
 * file is re-read when the file changes: at most once per `minCheckIntervalMs` a `stat` of the
 * resolved path (so a Kubernetes `..data` symlink swap is seen) compares device, inode, size and
 * times; {@link refresh} checks at once (on reload) and {@link invalidate} makes the next
 * request check (after a 401/403, so the retry uses a rotated token). A changed, non-empty
 * file replaces the token from the next request on, logged once at info naming the file (never
 * the token); a file that becomes unreadable or empty keeps the last good token, warned once.
 */
export class TokenSource {
  private token: string;
  private readonly previous: string[] = [];
  private fingerprint: string | undefined;
  private lastCheck = Number.NEGATIVE_INFINITY;
  /** The warning last logged, so each kind of trouble is warned about once. */
  private warned: string | undefined;
  private readonly minInterval: number;
  private readonly now: () => number;

  constructor(private readonly options: TokenSourceOptions) {
    this.token = options.token;
    this.minInterval = options.minCheckIntervalMs ?? 1000;
    this.now = options.now ?? Date.now;
    if (options.file) this.fingerprint = this.stat()?.fingerprint;
  }

  /** The token to send now; checks the file first when the last check is old enough. */
  current(): string {
    if (this.options.file && this.now() - this.lastCheck >= this.minInterval) this.check();
    return this.token;
  }

  /** Checks the file now, whatever the interval (after an auth failure, on reload). */
  refresh(): void {
    if (this.options.file) this.check();
  }

  /** Makes the next {@link current} check the file, whatever the interval (after a 401/403). */
  invalidate(): void {
    this.lastCheck = Number.NEGATIVE_INFINITY;
  }

  /** The current token and the last few before it, for redacting what servers echo. */
  known(): string[] {
    return [this.token, ...this.previous];
  }

  private check(): void {
    this.lastCheck = this.now();
    const file = this.options.file as string;
    const seen = this.stat();
    if (seen === undefined)
      return this.warnOnce(`token file ${file} cannot be read; keeping the last good token`);
    if (seen.fingerprint === this.fingerprint) return;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return this.warnOnce(`token file ${file} cannot be read; keeping the last good token`);
    }
    const next = text.trim();
    if (next === "") return this.warnOnce(`token file ${file} is empty; keeping the last good token`);
    this.fingerprint = seen.fingerprint;
    this.warned = undefined;
    if (next === this.token) return;
    this.previous.unshift(this.token);
    this.previous.length = Math.min(this.previous.length, REMEMBERED_TOKENS);
    this.token = next;
    this.options.logger?.info({ ...this.options.context, file }, "token file changed, using the new token");
  }

  private stat(): { fingerprint: string } | undefined {
    try {
      const s = statSync(this.options.file as string, { bigint: true });
      return { fingerprint: `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}` };
    } catch {
      return undefined;
    }
  }

  private warnOnce(message: string): void {
    if (this.warned === message) return;
    this.warned = message;
    this.options.logger?.warn({ ...this.options.context, file: this.options.file }, message);
  }
}
