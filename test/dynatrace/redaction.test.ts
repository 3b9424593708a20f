import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { DynatraceClient } from "../../src/dynatrace/client.js";
import { DynatraceHttpError } from "../../src/dynatrace/errors.js";
import { cleanUpstreamText } from "../../src/dynatrace/redact.js";
import { FAKE_TOKEN, type FakeTenant, startFakeTenant } from "../helpers/scripted-tenant.js";

const SECRET = FAKE_TOKEN.slice(FAKE_TOKEN.lastIndexOf(".") + 1);
const b64 = (s: string) => Buffer.from(s).toString("base64");
const b64url = (s: string) => Buffer.from(s).toString("base64url");

/** Ways a server (or a proxy in front of it) may echo the token it was sent. */
const ECHOES: Record<string, string> = {
  verbatim: FAKE_TOKEN,
  "lower-cased": FAKE_TOKEN.toLowerCase(),
  "upper-cased": FAKE_TOKEN.toUpperCase(),
  "secret part alone": SECRET,
  "URL-encoded": encodeURIComponent(FAKE_TOKEN),
  "URL-encoded to the dots": encodeURIComponent(FAKE_TOKEN).replace(/\./g, "%2e"),
  base64: b64(FAKE_TOKEN),
  "base64 of the whole header": b64(`Api-Token ${FAKE_TOKEN}`),
  "base64url after one byte": b64url(`x${FAKE_TOKEN}`),
  "base64 after two bytes, lower-cased": b64(`xy${FAKE_TOKEN}`).toLowerCase(),
  "a token of another environment": `dt0c01.${"C".repeat(24)}.${"d".repeat(64)}`,
};

const tenants: FakeTenant[] = [];
after(() => Promise.all(tenants.map((t) => t.close())));

/** The lower-case forms a leak would be recognised by. */
const LEAKS = [SECRET, b64(SECRET).slice(4, 60), "d".repeat(64)].map((s) => s.toLowerCase());

function assertNoLeak(text: string, what: string): void {
  for (const leak of LEAKS) assert.ok(!text.toLowerCase().includes(leak), `${what} leaked: ${text}`);
}

describe("upstream error text", () => {
  for (const [how, echo] of Object.entries(ECHOES)) {
    test(`when a 401 echoes the token ${how}, then the error message does not contain it`, async () => {
      const t = await startFakeTenant((_req, res) => {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: 401, message: `Token ${echo} is not valid` } }));
      });
      tenants.push(t);
      const env = t.environment();
      const client = new DynatraceClient({
        address: env.address,
        token: FAKE_TOKEN,
        timeoutMs: 5000,
        userAgent: "t",
      });
      try {
        const err = await client
          .getJson("v1_events", "/api/v1/events", new URLSearchParams())
          .catch((e: unknown) => e);
        assert.ok(err instanceof DynatraceHttpError);
        assert.equal(err.reason, "unauthorized");
        assert.match(err.apiMessage ?? "", /^Token \S*<redacted>\S* is not valid$/);
        assertNoLeak(err.message, how);
        assertNoLeak(JSON.stringify(err), how);
      } finally {
        await client.close();
      }
    });
  }

  test("when the message holds control characters and 10,000 characters, then it is one line of at most 200", async () => {
    const t = await startFakeTenant((_req, res) => {
      res.writeHead(400, { "content-type": "application/json" });
      const message = `bad\u0000request\r\nX-Injected: 1\u001b[31m\u0085${"y".repeat(10_000)}`;
      res.end(JSON.stringify({ error: { code: 400, message } }));
    });
    tenants.push(t);
    const client = new DynatraceClient({
      address: t.environment().address,
      token: FAKE_TOKEN,
      timeoutMs: 5000,
      userAgent: "t",
    });
    try {
      const err = await client
        .getJson("v1_events", "/api/v1/events", new URLSearchParams())
        .catch((e: unknown) => e);
      assert.ok(err instanceof DynatraceHttpError);
      const said = err.apiMessage ?? "";
      assert.ok(said.length <= 200, `${said.length} characters`);
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(said, /[\u0000-\u001f\u007f-\u009f]/);
      assert.match(said, /^bad request X-Injected: 1 \[31m y+…$/);
    } finally {
      await client.close();
    }
  });

  test("when the token sits at the 200-character cut, then no part of it survives", () => {
    const text = `${"z".repeat(180)}${FAKE_TOKEN}`;
    const out = cleanUpstreamText(text, [FAKE_TOKEN]);
    assert.ok(!out.includes(SECRET.slice(0, 8)) && !out.includes("dt0c01"), out);
  });
});

describe("runs of the secret", () => {
  test("when a message shares no 16-character run with the token, then redaction leaves it as it was", () => {
    const text = "Token expired at 2026-11-01T12:00:00Z for environment abc12345 (scope DataExport missing)";
    assert.equal(cleanUpstreamText(text, [FAKE_TOKEN]), text);
  });

  test("when the secret is echoed as HTML entities, \\u escapes, ROT13 or the hex of its reverse, then it is redacted", () => {
    const code = (c: string) => c.codePointAt(0) as number;
    const rot13 = (c: string) =>
      /[a-z]/i.test(c)
        ? String.fromCharCode(((code(c) - (c <= "Z" ? 65 : 97) + 13) % 26) + (c <= "Z" ? 65 : 97))
        : c;
    const reversed = [...SECRET].reverse().join("");
    const echoes = {
      "HTML hex entities": [...SECRET].map((c) => `&#x${code(c).toString(16)};`).join(""),
      "HTML decimal entities": [...SECRET].map((c) => `&#${code(c)};`).join(""),
      "\\u escapes": [...SECRET].map((c) => `\\u${code(c).toString(16).padStart(4, "0")}`).join(""),
      ROT13: [...SECRET].map(rot13).join(""),
      "hex of the reverse": Buffer.from(reversed).toString("hex"),
    };
    for (const [how, echo] of Object.entries(echoes)) {
      const out = cleanUpstreamText(`denied: ${echo.slice(0, 190)} end`, [FAKE_TOKEN], 10_000);
      assert.equal(out, "denied: <redacted> end", how);
    }
  });

  test("when 16 characters of the secret stand reversed and spaced out, then they are redacted, 15 are not", () => {
    const reversed = [...SECRET.slice(5, 21)].reverse().join(" ");
    assert.equal(cleanUpstreamText(`echo ${reversed} end`, [FAKE_TOKEN]), "echo <redacted> end");
    const short = SECRET.slice(5, 20);
    assert.equal(cleanUpstreamText(`echo ${short} end`, [FAKE_TOKEN]), `echo ${short} end`);
  });
});
