import assert from "node:assert/strict";
import { ConfigError } from "../../src/config/errors.js";

/** The {@link ConfigError} `load` throws; fails the test when it throws nothing or something else. */
export function configErrorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail("expected a ConfigError");
}
