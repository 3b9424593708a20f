import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { samples } from "../helpers/exposition.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { requireProgram, skipWithout } from "../helpers/programs.js";

/** Where the screenshot is kept: the repository's ignored tmp/ (see .gitignore). */
const ARTIFACTS = new URL("../../tmp/artifacts/", import.meta.url).pathname;

function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: requireProgram("chromium"),
    // A name that is not localhost (browsers treat localhost as secure and never upgrade it),
    // resolved to this machine's loopback address.
    args: [
      "--host-resolver-rules=MAP exporter-host 127.0.0.1",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

describe("landing page in a real browser", { skip: skipWithout("chromium") }, () => {
  let h: Harness;
  let browser: Browser;
  let port: string;
  before(async () => {
    h = await startHarness({ relay: true });
    port = new URL(await h.start()).port;
    assert.equal(await h.drain(), true);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test("when a browser opens the page by a non-loopback name over HTTP, then every link it clicks answers 200", async () => {
    const page = await browser.newPage();
    const home = `http://exporter-host:${port}/`;
    const first = await page.goto(home);
    assert.equal(first?.status(), 200);
    const links = await page.locator("a[href]").allTextContents();
    assert.ok(links.length >= 3, `found links: ${links.join(", ")}`);
    for (const text of links) {
      await page.goto(home);
      const [response] = await Promise.all([
        page.waitForNavigation(),
        page.getByRole("link", { name: text, exact: true }).click(),
      ]);
      assert.equal(response?.status(), 200, `${text} -> ${page.url()}`);
      assert.ok(
        page.url().startsWith(`http://exporter-host:${port}/`),
        `${text} stayed on plain HTTP: ${page.url()}`,
      );
    }
  });
});

/** The computed text colour of the environment's state badge. */
const stateColour = (page: Page) =>
  page
    .locator("#environments tbody tr")
    .first()
    .locator(".state")
    .evaluate(
      (e) =>
        (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(e)
          .color,
    );

describe("landing page as an operator's console", { skip: skipWithout("chromium") }, () => {
  let h: Harness;
  let browser: Browser;
  let home: string;
  before(async () => {
    h = await startHarness({ relay: true, env: { PROBLEMS: "on" } });
    const open = [
      ["PROCESS_UNAVAILABLE", "AVAILABILITY"],
      ["FAILURE_RATE_INCREASED", "ERROR"],
      ["FAILURE_RATE_INCREASED", "ERROR"],
      ["CPU_SATURATED", "RESOURCE_CONTENTION"],
    ];
    open.forEach(([eventType, severityLevel], i) =>
      h.sim.addEvent({
        eventId: 10n ** 15n + BigInt(i),
        startTime: h.clock.now() - 60_000,
        eventType,
        severityLevel,
      }),
    );
    home = `http://exporter-host:${new URL(await h.start()).port}/`;
    assert.equal(await h.drain(), true);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test("when an environment drains and then fails, then the page shows it in words and colour, refreshing in place", async (t) => {
    h.clock.advance(12_000);
    // A short window, so that the page scrolls and the refresh has a position to keep.
    const page = await browser.newPage({ viewport: { width: 1280, height: 300 } });
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(home);

    const table = page.getByRole("table", { name: /Environments/ });
    for (const header of [
      "Tenant",
      "API",
      "State",
      "Last successful drain",
      "Events open now",
      "Problems open now",
    ])
      assert.equal(await table.getByRole("columnheader", { name: header, exact: true }).count(), 1, header);
    const row = table.getByRole("row", { name: /^test / });
    const text = await row.innerText();
    assert.match(text, new RegExp(`127\\.0\\.0\\.1:${new URL(h.sim.url).port}`));
    assert.match(text, /\bv1\b/);
    assert.match(text, /✔\s*ok/);
    assert.match(text, /12 s ago/);
    assert.equal(await row.locator("time").first().getAttribute("title"), "2026-11-01T12:00:00.000Z");
    assert.equal(await stateColour(page), "rgb(26, 127, 55)");

    // The events cell adds up to the open events /metrics reports.
    const open = samples(await h.scrape(), "dynatrace_events", { status: "OPEN" }).reduce(
      (n, s) => n + s.value,
      0,
    );
    const shown = (await row.locator("td").nth(4).locator(".sev b").allInnerTexts()).map(Number);
    assert.ok(open > 0, `open events: ${open}`);
    assert.equal(
      shown.reduce((a, b) => a + b, 0),
      open,
    );

    // Browser-side code as text: this project's TypeScript has no DOM types.
    const scrollY = () => page.evaluate<number>("window.scrollY");
    await page.evaluate("window.scrollTo(0, 120)");
    const scrolled = await scrollY();
    assert.ok(scrolled > 0, `the page scrolls: ${scrolled}`);
    h.sim.injectFault(
      {
        kind: "status",
        status: 401,
        body: JSON.stringify({ error: { code: 401, message: "Token expired" } }),
      },
      Number.POSITIVE_INFINITY,
    );
    await h.drain();
    await page.locator("#environments tbody .state", { hasText: "failing" }).waitFor({ timeout: 20_000 });
    assert.equal(await scrollY(), scrolled, "the refresh kept the scroll position");
    assert.equal(await stateColour(page), "rgb(207, 34, 46)");
    const failing = await table.getByRole("row", { name: /^test / }).innerText();
    assert.match(failing, /✖\s*failing/);
    assert.match(failing, /unauthorized · HTTP 401/);
    assert.doesNotMatch(failing, /Token expired/, "no upstream text for a visitor without admin auth");
    assert.deepEqual(violations, []);

    const relay = await page.getByRole("table", { name: /Alarm relay/ }).innerText();
    assert.match(relay, /Dead letters held/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.setViewportSize({ width: 1280, height: 640 });
    await page.screenshot({ path: `${ARTIFACTS}landing-page.png`, fullPage: true });
    t.diagnostic(`screenshot: ${ARTIFACTS}landing-page.png`);
    h.sim.faults.clear();
  });

  test("when JavaScript is off, then the page is complete and refreshes itself by <noscript>", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(home);
      const row = await page
        .getByRole("table", { name: /Environments/ })
        .getByRole("row", { name: /^test / })
        .innerText();
      assert.match(row, /(ok|failing)/);
      assert.equal(await page.locator("noscript").count(), 1);
      assert.equal(await page.locator("#live").innerText(), "Reload to update");
    } finally {
      await context.close();
    }
  });

  test("when the window is 500 px wide, then the page does not scroll sideways and the last drain's time is shown in words", async () => {
    const page = await browser.newPage({ viewport: { width: 500, height: 800 } });
    await page.goto(home);
    const widths = await page.evaluate<number[]>("[document.documentElement.scrollWidth, window.innerWidth]");
    assert.ok((widths[0] ?? 0) <= (widths[1] ?? 0), `page ${widths[0]} px wide in a ${widths[1]} px window`);
    const row = page.getByRole("table", { name: /Environments/ }).getByRole("row", { name: /^test / });
    assert.match(await row.innerText(), /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    await page.close();
  });
});
