import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import bcrypt from "bcryptjs";
import request from "supertest";
import { type Harness, startHarness } from "../helpers/harness.js";
import { makePki, type TestPki } from "../helpers/tls-tenant.js";
import { basicAuth, httpsCall } from "../helpers/web-https.js";

const ADMIN_TOKEN = "admin-token-0123456789abcdef";
const SCRAPER = { user: "prometheus", password: "scrape-password-0123" };
const OPERATOR = { user: "ops", password: "operator-password-4567" };

describe("admin endpoints with basic auth in the web config, over real TLS", () => {
  let pki: TestPki;
  let h: Harness;
  let base: string;
  let ca: string;
  const dir = mkdtempSync(join(tmpdir(), "dtee-admin-"));
  before(async () => {
    pki = makePki();
    ca = readFileSync(pki.caFile, "utf8");
    const file = join(dir, "web.yml");
    writeFileSync(
      file,
      [
        "tls_server_config:",
        `  cert_file: ${pki.certFile}`,
        `  key_file: ${pki.keyFile}`,
        "basic_auth_users:",
        `  ${SCRAPER.user}: ${bcrypt.hashSync(SCRAPER.password, 4)}`,
        `  ${OPERATOR.user}: ${bcrypt.hashSync(OPERATOR.password, 4)}`,
      ].join("\n"),
    );
    h = await startHarness({
      relay: true,
      env: { WEB_CONFIG_FILE: file, ADMIN_TOKENS: ADMIN_TOKEN, WEB_ADMIN_USERS: OPERATOR.user },
    });
    base = (await h.start()).replace("http://", "https://");
  });
  after(async () => {
    await h?.close();
    pki?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const reload = (headers: Record<string, string>) => httpsCall(`${base}/-/reload`, ca, headers, "POST");
  const deadLetters = (headers: Record<string, string>) => httpsCall(`${base}/-/dead-letters`, ca, headers);

  test("when a web-config user sends an admin token in X-Admin-Token, then reload and dead letters answer", async () => {
    const headers = { ...basicAuth(SCRAPER.user, SCRAPER.password), "x-admin-token": ADMIN_TOKEN };
    const reloaded = await reload(headers);
    assert.equal(reloaded.status, 200, reloaded.body);
    assert.match(reloaded.body, /"status":"reloaded"/);
    const listed = await deadLetters(headers);
    assert.equal(listed.status, 200, listed.body);
  });

  test("when a user named in WEB_ADMIN_USERS logs in, then basic auth alone admits it", async () => {
    const headers = basicAuth(OPERATOR.user, OPERATOR.password);
    assert.equal((await reload(headers)).status, 200);
    assert.equal((await deadLetters(headers)).status, 200);
  });

  test("when a user not named as admin has no or a wrong admin token, then 401 says what is needed", async () => {
    const scraper = basicAuth(SCRAPER.user, SCRAPER.password);
    const none = await reload(scraper);
    assert.equal(none.status, 401);
    assert.match(none.body, /X-Admin-Token/);
    assert.equal((await deadLetters({ ...scraper, "x-admin-token": "wrong-token" })).status, 401);
    // The web config's basic auth still comes first: a token alone does not pass it.
    assert.equal((await reload({ "x-admin-token": ADMIN_TOKEN })).status, 401);
    assert.equal(
      (await reload({ ...basicAuth(OPERATOR.user, "wrong"), "x-admin-token": ADMIN_TOKEN })).status,
      401,
    );
  });
});

describe("admin endpoints without a web config", () => {
  test("when X-Admin-Token carries an admin token, then the endpoints answer as with a bearer token", async () => {
    const h = await startHarness({ relay: true, env: { ADMIN_TOKENS: ADMIN_TOKEN } });
    try {
      await request(h.app.http).post("/-/reload").set("X-Admin-Token", ADMIN_TOKEN).expect(200);
      await request(h.app.http).get("/-/dead-letters").set("X-Admin-Token", ADMIN_TOKEN).expect(200);
      await request(h.app.http).post("/-/reload").set("Authorization", `Bearer ${ADMIN_TOKEN}`).expect(200);
      await request(h.app.http).post("/-/reload").set("X-Admin-Token", "wrong").expect(401);
    } finally {
      await h.close();
    }
  });

  test("when WEB_ADMIN_USERS names a user the web config does not have, then the start warns naming it", async () => {
    const h = await startHarness({ env: { WEB_ADMIN_USERS: "ghost" } });
    try {
      const [line] = h.logs.find("WEB_ADMIN_USERS names users");
      assert.deepEqual(line?.users, ["ghost"]);
    } finally {
      await h.close();
    }
  });
});
