import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ReadGate, REGROW_AFTER_PAGES } from "../../src/dynatrace/read-gate.js";

/** Acquires `n` slots; returns their attempt numbers. */
async function take(gate: ReadGate, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await gate.acquire());
  return out;
}

describe("the feed read gate", () => {
  test("when more requests than the limit ask, then the extra ones wait until a slot is given back", async () => {
    const gate = new ReadGate(2);
    await take(gate, 2);
    let third = false;
    const waiting = gate.acquire().then(() => (third = true));
    await Promise.resolve();
    assert.equal(third, false);
    assert.equal(gate.inFlight, 2);
    gate.release();
    await waiting;
    assert.equal(third, true);
    assert.equal(gate.inFlight, 2);
  });

  test("when several requests of one round get 429, then the limit halves once, and regrows by one per 16 successes in a row", async () => {
    const gate = new ReadGate(4);
    const tickets = await take(gate, 4);
    for (const t of tickets) {
      gate.throttled(t);
      gate.release();
    }
    assert.equal(gate.limit, 2, "halved once for the whole round");
    const [late] = await take(gate, 1);
    gate.throttled(late as number);
    gate.release();
    assert.equal(gate.limit, 1, "a 429 of a request started after the halving halves again");
    for (let i = 1; i < REGROW_AFTER_PAGES; i++) gate.succeeded();
    assert.equal(gate.limit, 1, "not before 16 successes");
    gate.succeeded();
    assert.equal(gate.limit, 2);
    for (let i = 0; i < 10 * REGROW_AFTER_PAGES; i++) gate.succeeded();
    assert.equal(gate.limit, 4, "never above the configured bound");
  });

  test("when the limit is lowered while requests are in flight, then no new one starts until they are under it", async () => {
    const gate = new ReadGate(4);
    const tickets = await take(gate, 4);
    gate.throttled(tickets[0] as number);
    let started = false;
    const next = gate.acquire().then(() => (started = true));
    gate.release();
    gate.release();
    await Promise.resolve();
    assert.equal(started, false, "2 in flight at a limit of 2");
    gate.release();
    await next;
    assert.equal(gate.inFlight, 2);
  });

  test("when the drain is aborted while a request waits for a slot, then it rejects and holds nothing", async () => {
    const gate = new ReadGate(1);
    await take(gate, 1);
    const abort = new AbortController();
    const waiting = gate.acquire(abort.signal);
    abort.abort(new Error("shutting down"));
    await assert.rejects(waiting, /shutting down/);
    gate.release();
    assert.equal(gate.inFlight, 0);
    await take(gate, 1);
    assert.equal(gate.inFlight, 1);
  });
});
