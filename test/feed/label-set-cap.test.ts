import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Dimensions, LabelSets } from "../../src/feed/label-sets.js";

const d = (eventType: string, extra?: string): Dimensions => ({
  eventType,
  severityLevel: "ERROR",
  impactLevel: "SERVICE",
  ...(extra === undefined ? {} : { extra }),
});
const OTHER = { eventType: "other", severityLevel: "other", impactLevel: "other" };

function capped(max: number) {
  const log = { full: 0, folded: [] as string[] };
  const sets = new LabelSets({
    max,
    other: OTHER,
    onFull: () => log.full++,
    onFold: (x) => log.folded.push(x.eventType),
  });
  return { sets, log };
}

describe("label sets with a series cap", () => {
  test("when more combinations arrive than the cap holds, then the extra ones share the other set and the total stays at the cap", () => {
    const { sets, log } = capped(3);
    const a = sets.intern(d("A"));
    const b = sets.intern(d("B"));
    assert.equal(log.full, 1, "the last free set was taken by B");
    const c = sets.intern(d("C"));
    const e = sets.intern(d("E"));
    assert.equal(c, e);
    assert.deepEqual(sets.get(c), OTHER);
    assert.deepEqual(log.folded, ["C", "E"]);
    assert.equal(sets.live, 3);
    assert.equal(sets.intern(d("A")), a, "admitted sets keep their id");
    assert.equal(sets.intern(d("B")), b);
  });

  test("when an admitted set is released, then a new combination is admitted in its place and the other set stays", () => {
    const { sets, log } = capped(3);
    const a = sets.intern(d("A"));
    sets.intern(d("B"));
    const other = sets.intern(d("C"));
    sets.release(a);
    const f = sets.intern(d("F"));
    assert.notEqual(f, other);
    assert.deepEqual(sets.get(f), d("F"));
    assert.equal(sets.intern(d("G")), other);
    assert.deepEqual(log.folded, ["C", "G"]);
  });

  test("when the other set was released and its id reused by an admitted set, then the next fold makes a new other set", () => {
    const { sets } = capped(4);
    const a = sets.intern(d("A"));
    sets.intern(d("B"));
    sets.intern(d("C"));
    const other = sets.intern(d("D"));
    sets.release(a);
    sets.release(other);
    const e = sets.intern(d("E"));
    assert.equal(e, other, "E took the freed id of the other set");
    assert.deepEqual(sets.get(e), d("E"));
    const next = sets.intern(d("F"));
    assert.deepEqual(sets.get(next), OTHER);
    assert.notEqual(next, e);
    assert.equal(sets.live, 4);
  });

  test("when combinations carry opt-in labels, then they are told apart by them and folded the same way", () => {
    const { sets } = capped(3);
    const x = sets.intern(d("A", ',management_zone="x"'));
    const y = sets.intern(d("A", ',management_zone="y"'));
    assert.notEqual(x, y);
    assert.equal(sets.intern(d("A", ',management_zone="x"')), x);
    assert.deepEqual(sets.get(sets.intern(d("A", ',management_zone="z"'))), OTHER);
    sets.release(x);
    assert.equal(sets.find(x), undefined);
    assert.deepEqual(sets.get(sets.intern(d("A", ',management_zone="w"'))), d("A", ',management_zone="w"'));
  });

  test("when no cap is given, then every combination gets its own set", () => {
    const sets = new LabelSets();
    for (let i = 0; i < 1000; i++) sets.intern(d(`T${i}`));
    assert.equal(sets.live, 1000);
  });
});
