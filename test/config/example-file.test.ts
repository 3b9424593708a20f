import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import { loadConfig } from "../../src/config/load-file.js";

describe("the example config file in deploy/config", () => {
  test("when its variables are set, then it loads except for the token file it mounts", () => {
    const env = { DT_PROD_EU_TOKEN: "a", DT_PAYMENTS_INGEST_TOKEN: "b", DT_STAGING_TOKEN: "c" };
    // The Managed entry reads a Kubernetes-mounted file that does not exist here: the error must
    // name exactly that key, proving every key before it parsed.
    assert.throws(
      () => loadConfig(env, "deploy/config/environments.example.yml"),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.variable === "deploy/config/environments.example.yml: environments[1].tokenFile" &&
        /cannot read \/var\/run\/secrets\/dynatrace\/managed-payments \(ENOENT\)/.test(err.problem),
    );
  });
});
