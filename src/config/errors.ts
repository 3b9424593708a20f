/**
 * A configuration mistake. `variable` names the environment variable (or flag) at fault and
 * `message` says what is wrong with it; `toString()` is the single line printed at start-up.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }

  override toString(): string {
    return `configuration error: ${this.message}`;
  }
}
