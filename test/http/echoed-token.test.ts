import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import request from "supertest";
import { type FakeRig, startFakeRig } from "../helpers/fake-tenant.js";

const PUBLIC = "ABCDEFGHIJKLMNOPQRSTUVWX";
const SECRET = "q7w3e9r1t5y8u2i6o4p0a7s3d9f1g5h8j2k6l4z0x7c3v9b1n5m8q2w6e4r0t7y3";
const TOKEN = `dt0c01.${PUBLIC}.${SECRET}`;
const ADMIN = "admin-token-for-echoes";
const hex = (s: string) => Buffer.from(s).toString("hex");

/** Transformed echoes of the token a tenant, proxy or gateway might put in an error message. */
const ECHOES: Record<string, string> = {
  hex: hex(TOKEN),
  "hex, upper-case": hex(TOKEN).toUpperCase(),
  reversed: [...TOKEN].reverse().join(""),
  spaced: [...TOKEN].join(" "),
  "split by dashes every 4": TOKEN.replace(/(.{4})/g, "$1-"),
  "per-character %xx": hex(TOKEN).replace(/(..)/g, "%$1"),
  "a 40-character substring": SECRET.slice(11, 51),
  "a 16-character substring": SECRET.slice(30, 46),
  "across public and secret": TOKEN.slice(20, 60),
};

/** Letters and digits only, lower-cased: how a leak is recognised whatever separates it. */
const squeeze = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/** Whether `text` holds 16 or more characters of `echo` in a row (separators ignored). */
function leaks(text: string, echo: string): boolean {
  const hay = squeeze(text);
  const needle = squeeze(echo);
  for (let i = 0; i + 16 <= needle.length; i++) if (hay.includes(needle.slice(i, i + 16))) return true;
  return false;
}

describe("a tenant that echoes the token transformed", () => {
  let rig: FakeRig;
  let echo = "";
  before(async () => {
    rig = await startFakeRig({ DYNATRACE_API_TOKEN: TOKEN, ADMIN_TOKENS: ADMIN });
    rig.tenant.handler = () => ({
      status: 401,
      body: JSON.stringify({ error: { code: 401, message: `Token '${echo}' is invalid` } }),
    });
  });
  after(() => rig.close());

  for (const [how, form] of Object.entries(ECHOES)) {
    test(`when the 401 echoes it ${how}, then /, /readyz and the log show none of it`, async () => {
      echo = form;
      assert.equal(await rig.app.drainAll(), false);
      const page = (await request(rig.app.http).get("/").expect(200)).text;
      const ready = (await request(rig.app.http).get("/readyz").expect(503)).text;
      assert.match(page, /<code>unauthorized<\/code> · HTTP 401/);
      assert.match(ready, /"lastError":\{"reason":"unauthorized","status":401\}/);
      assert.ok(
        !page.includes("is invalid") && !ready.includes("is invalid"),
        "no upstream text unauthenticated",
      );
      const admin = await request(rig.app.http).get("/").set("Authorization", `Bearer ${ADMIN}`).expect(200);
      assert.match(
        admin.text,
        /Token &#39;[^&]*&#60;redacted&#62;[^&]*&#39; is invalid/,
        "admins see the text, redacted",
      );
      for (const [where, text] of Object.entries({ page, ready, admin: admin.text, log: rig.logs.text })) {
        assert.ok(!leaks(text, form), `${where} leaked the token ${how}`);
      }
    });
  }
});
