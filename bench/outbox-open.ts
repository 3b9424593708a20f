// Opening the outbox: what PRAGMA quick_check costs at start, and what a salvage costs, on a file
// of 100,000 queued alarms. Run: node --import tsx bench/outbox-open.ts [alarms]
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OutboundAlarm } from "../src/relay/alarm.js";
import { Outbox } from "../src/relay/outbox.js";
import { checkOutboxFile } from "../src/relay/outbox-integrity.js";

const count = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), "dtee-bench-open-"));
const file = join(dir, "relay-outbox.sqlite");
const options = { clock: Date.now, dedupeWindowMs: 60_000, queueLimit: count + 1 };
const alarm = (i: number): OutboundAlarm => ({
  source: "netdata",
  dedupeKey: `k${i}`,
  api: "v1",
  body: {
    title: `Netdata Alarm from web${i % 500}`,
    description: `web${i} system.cpu is CRITICAL`.repeat(8),
  },
});

const timed = <T>(fn: () => T): [T, number] => {
  const t = performance.now();
  const r = fn();
  return [r, Math.round(performance.now() - t)];
};

const o = new Outbox(dir, options);
for (let i = 0; i < count; i += 1000) {
  await o.enqueue(
    "bench",
    Array.from({ length: Math.min(1000, count - i) }, (_, k) => alarm(i + k)),
  );
}
o.close();
await new Promise((r) => setTimeout(r, 500));
const mb = (statSync(file).size / 1e6).toFixed(1);
const [, checkMs] = timed(() => checkOutboxFile(file));
const [sound, openMs] = timed(() => new Outbox(dir, options));
sound.close();
await new Promise((r) => setTimeout(r, 500));
const fd = openSync(file, "r+");
writeSync(fd, randomBytes(4096), 0, 4096, 4096); // the queue's root page
closeSync(fd);
const [salvaged, salvageMs] = timed(() => new Outbox(dir, options));
const recovered = salvaged.opened.salvage?.queued ?? 0;
salvaged.close();
process.stdout.write(
  `${JSON.stringify({ alarms: count, fileMB: Number(mb), quickCheckMs: checkMs, openSoundMs: openMs, openDamagedRootMs: salvageMs, recovered })}\n`,
);
await new Promise((r) => setTimeout(r, 500)); // the checkpoint threads close a moment after close()
rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
