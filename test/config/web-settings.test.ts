import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseByteSize } from "../../src/config/byte-size.js";
import { loadConfigFromEnv } from "../../src/config/load-env.js";

const BASE = { DYNATRACE_URL: "https://abc12345.live.dynatrace.com", DYNATRACE_API_TOKEN: "dt0c01.A.B" };

describe("web and Alertmanager settings", () => {
  test("when nothing is set, then the defaults are 8 MiB, no trusted proxy and 1024 connections", () => {
    const c = loadConfigFromEnv(BASE);
    assert.equal(c.relay.alertmanagerMaxBodyBytes, 8 * 1024 * 1024);
    assert.deepEqual(c.web, {
      maxRequests: 40,
      configFile: undefined,
      maxConnections: 1024,
      maxConnectionsPerClient: 64,
      adminUsers: [],
      trustedProxies: [],
    });
  });

  test("when sizes are written with units, then they parse to bytes; nonsense does not", () => {
    assert.equal(parseByteSize("8MiB"), 8_388_608);
    assert.equal(parseByteSize("16mb"), 16_000_000);
    assert.equal(parseByteSize("512k"), 524_288);
    assert.equal(parseByteSize(" 1048576 "), 1_048_576);
    for (const bad of ["", "MiB", "-1", "1.5", "8 TiB", "1e9", "8MiBs"]) {
      assert.equal(parseByteSize(bad), undefined, bad);
    }
    assert.throws(() => loadConfigFromEnv({ ...BASE, RELAY_ALERTMANAGER_MAX_BODY: "12" }), /at least 1KiB/);
  });

  test("when TRUSTED_PROXIES lists addresses, CIDRs and range names, then they are kept; other entries are refused", () => {
    const c = loadConfigFromEnv({ ...BASE, TRUSTED_PROXIES: "10.0.0.0/8, ::1 ,loopback,fd00::/8,192.0.2.7" });
    assert.deepEqual(c.web.trustedProxies, ["10.0.0.0/8", "::1", "loopback", "fd00::/8", "192.0.2.7"]);
    for (const bad of ["10.0.0.0/33", "ingress", "10.0.0.1/8/1", "fd00::/129", "*"]) {
      assert.throws(
        () => loadConfigFromEnv({ ...BASE, TRUSTED_PROXIES: bad }),
        /TRUSTED_PROXIES: .* is not an address, CIDR/,
        bad,
      );
    }
  });

  test("when WEB_MAX_CONNECTIONS is set, then it is used; zero is refused", () => {
    assert.equal(loadConfigFromEnv({ ...BASE, WEB_MAX_CONNECTIONS: "50" }).web.maxConnections, 50);
    assert.throws(
      () => loadConfigFromEnv({ ...BASE, WEB_MAX_CONNECTIONS: "0" }),
      /WEB_MAX_CONNECTIONS: must be at least 1/,
    );
  });
});
