import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Browser, chromium } from "playwright-core";
import { type Harness, startHarness } from "../helpers/harness.js";
import { skipWithout } from "../helpers/programs.js";

const CHROMIUM = "/usr/bin/chromium";

describe("landing page in a real browser", { skip: skipWithout("chromium") }, () => {
  let h: Harness;
  let browser: Browser;
  let port: string;
  before(async () => {
    h = await startHarness({ relay: true });
    port = new URL(await h.start()).port;
    assert.equal(await h.drain(), true);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
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
        page.getByRole("link", { name: text }).click(),
      ]);
      assert.equal(response?.status(), 200, `${text} -> ${page.url()}`);
      assert.ok(
        page.url().startsWith(`http://exporter-host:${port}/`),
        `${text} stayed on plain HTTP: ${page.url()}`,
      );
    }
  });
});
