import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const WARNING = "may need";

describe("queue limit against the data directory's volume", () => {
  test("when RELAY_QUEUE_LIMIT × environments cannot fit the volume's free space, then a warning at start says so with both figures", async () => {
    h = await startHarness({ relay: true, env: { RELAY_QUEUE_LIMIT: "1000000000" } });
    const [warning] = h.logs.find(WARNING);
    assert.ok(warning, h.logs.text);
    assert.equal(warning.level, 40);
    assert.match(
      String(warning.msg),
      /^RELAY_QUEUE_LIMIT 1000000000 × 1 environments may need \d+ MiB in RELAY_DATA_DIR .+, which has \d+ MiB/,
    );
    assert.ok(Number(warning.neededMiB) > Number(warning.availableMiB));
  });

  test("when full queues fit, then no warning", async () => {
    h = await startHarness({ relay: true, env: { RELAY_QUEUE_LIMIT: "100" } });
    assert.deepEqual(h.logs.find(WARNING), []);
  });
});
