const CHUNK_BITS = 16;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const OFFSET_MASK = CHUNK_SIZE - 1;
const SHARD_BITS = 4;
const SHARDS = 1 << SHARD_BITS;
const EMPTY = 0;
const TOMBSTONE = -1;
const TWO_32 = 4294967296;
/** Places each shard's table starts with (it doubles as keys arrive). */
const FIRST_TABLE = 16;
/** Slots a key chunk starts with; it doubles up to CHUNK_SIZE. */
const FIRST_CHUNK = 64;

/** Most keys {@link EventIndex.reserve} prepares for, whatever it is asked (about 32 MB of tables). */
export const RESERVE_CEILING = 2_000_000;

/** Key parts of one slot, in chunks of 65,536 (growing never copies). */
interface KeyChunk {
  /** 0 free, 1 numeric key, 2 string key (kept in `strings`). */
  kind: Uint8Array;
  /** Sign and leading digits of the event id: `-(n + 1)` for negative ids, so -0 stays distinct. */
  hi: Float64Array;
  /** The id's last nine digits. */
  lo: Uint32Array;
  /** The start time after `_`. */
  t: Float64Array;
}

/** An open-addressing table of slot + 1 (0 empty, -1 deleted), one per shard. */
interface Shard {
  table: Int32Array;
  count: number;
  tombstones: number;
}

/**
 * Event key -> slot. Dynatrace keys have the form `<64-bit id>_<start ms>`; those are parsed into
 * three numbers kept in typed arrays and found through open-addressing hash tables, so a million
 * tracked events hold no key strings and no Map entries (less memory, and nothing for the garbage
 * collector to walk). Any other key form falls back to a Map. The tables are sharded so that a
 * rehash moves a sixteenth of the keys at a time.
 */
export class EventIndex {
  private readonly chunks: KeyChunk[] = [];
  private readonly shards: Shard[] = Array.from({ length: SHARDS }, () => ({
    table: new Int32Array(FIRST_TABLE),
    count: 0,
    tombstones: 0,
  }));
  private readonly strings = new Map<string, number>();
  private readonly stringOfSlot = new Map<number, string>();
  // The parsed parts of the key last passed to find(), reused by add().
  private hi = 0;
  private lo = 0;
  private t = 0;
  private hash = 0;
  private numeric = false;
  private lastKey = "";

  /** Number of keys held. */
  get size(): number {
    let n = this.strings.size;
    for (const s of this.shards) n += s.count;
    return n;
  }

  /** The slot of `key`, or -1. */
  find(key: string): number {
    this.lastKey = key;
    this.numeric = this.parse(key);
    if (!this.numeric) return this.strings.get(key) ?? -1;
    const shard = this.shards[this.hash >>> (32 - SHARD_BITS)] as Shard;
    const mask = shard.table.length - 1;
    for (let i = this.hash & mask; ; i = (i + 1) & mask) {
      const v = shard.table[i] as number;
      if (v === EMPTY) return -1;
      if (v !== TOMBSTONE && this.equals(v - 1)) return v - 1;
    }
  }

  /** Maps the key last passed to {@link find} (which returned -1) to `slot`. */
  add(slot: number): void {
    const c = this.chunkFor(slot);
    const o = slot & OFFSET_MASK;
    if (!this.numeric) {
      c.kind[o] = 2;
      this.strings.set(this.lastKey, slot);
      this.stringOfSlot.set(slot, this.lastKey);
      return;
    }
    c.kind[o] = 1;
    c.hi[o] = this.hi;
    c.lo[o] = this.lo;
    c.t[o] = this.t;
    const shard = this.shards[this.hash >>> (32 - SHARD_BITS)] as Shard;
    if ((shard.count + shard.tombstones + 1) * 2 > shard.table.length) this.rehash(shard);
    if (insert(shard.table, this.hash, slot + 1) === TOMBSTONE) shard.tombstones--;
    shard.count++;
  }

  /**
   * Sizes the tables for `n` numeric keys at once, so that filling them (a first drain of a large
   * window) rehashes nothing. Capped at {@link RESERVE_CEILING}: a server's count is a hint, not
   * a promise.
   */
  reserve(n: number): void {
    const perShard = Math.min(n, RESERVE_CEILING) / SHARDS;
    for (const shard of this.shards) {
      let size = shard.table.length;
      while (size < perShard * 2.5) size *= 2;
      if (size > shard.table.length) this.rehash(shard, size);
    }
  }

  /** Table places across the shards (what the tables cost: 4 bytes each). */
  get tableSlots(): number {
    let n = 0;
    for (const s of this.shards) n += s.table.length;
    return n;
  }

  /** Adds the key that `fromSlot` has in `other` under `slot` here (a compaction's move). */
  copyFrom(other: EventIndex, fromSlot: number, slot: number): void {
    const c = other.chunks[fromSlot >>> CHUNK_BITS] as KeyChunk;
    const o = fromSlot & OFFSET_MASK;
    this.numeric = c.kind[o] === 1;
    if (this.numeric) {
      this.hi = c.hi[o] as number;
      this.lo = c.lo[o] as number;
      this.t = c.t[o] as number;
      this.hash = hashOf(this.hi, this.lo, this.t);
    } else {
      this.lastKey = other.stringOfSlot.get(fromSlot) as string;
    }
    this.add(slot);
  }

  /** Forgets the key of `slot`. */
  remove(slot: number): void {
    const c = this.chunks[slot >>> CHUNK_BITS];
    const o = slot & OFFSET_MASK;
    if (c === undefined || c.kind[o] === 0) return;
    if (c.kind[o] === 2) {
      const key = this.stringOfSlot.get(slot) as string;
      this.strings.delete(key);
      this.stringOfSlot.delete(slot);
    } else {
      const h = hashOf(c.hi[o] as number, c.lo[o] as number, c.t[o] as number);
      const shard = this.shards[h >>> (32 - SHARD_BITS)] as Shard;
      const mask = shard.table.length - 1;
      for (let i = h & mask; ; i = (i + 1) & mask) {
        const v = shard.table[i] as number;
        if (v === EMPTY) break;
        if (v === slot + 1) {
          shard.table[i] = TOMBSTONE;
          shard.count--;
          shard.tombstones++;
          break;
        }
      }
    }
    c.kind[o] = 0;
  }

  /** Parses `<id>_<start>` in canonical decimal (no leading zeros) into hi, lo, t and hash. */
  private parse(key: string): boolean {
    const n = key.length;
    let i = 0;
    const negative = key.charCodeAt(0) === 45;
    if (negative) i = 1;
    const idStart = i;
    let sep = -1;
    for (let j = i; j < n; j++) {
      const ch = key.charCodeAt(j);
      if (ch === 95) {
        sep = j;
        break;
      }
      if (ch < 48 || ch > 57) return false;
    }
    const idLen = sep - idStart;
    const tLen = n - sep - 1;
    if (sep < 0 || idLen < 1 || idLen > 19 || tLen < 1 || tLen > 15) return false;
    if (idLen > 1 && key.charCodeAt(idStart) === 48) return false;
    if (tLen > 1 && key.charCodeAt(sep + 1) === 48) return false;
    let t = 0;
    for (let j = sep + 1; j < n; j++) {
      const ch = key.charCodeAt(j);
      if (ch < 48 || ch > 57) return false;
      t = t * 10 + (ch - 48);
    }
    const split = Math.max(idStart, sep - 9);
    let hi = 0;
    for (let j = idStart; j < split; j++) hi = hi * 10 + (key.charCodeAt(j) - 48);
    let lo = 0;
    for (let j = split; j < sep; j++) lo = lo * 10 + (key.charCodeAt(j) - 48);
    this.hi = negative ? -(hi + 1) : hi;
    this.lo = lo;
    this.t = t;
    this.hash = hashOf(this.hi, lo, t);
    return true;
  }

  private equals(slot: number): boolean {
    const c = this.chunks[slot >>> CHUNK_BITS] as KeyChunk;
    const o = slot & OFFSET_MASK;
    return c.lo[o] === this.lo && c.t[o] === this.t && c.hi[o] === this.hi;
  }

  /**
   * The key chunk of `slot`, grown to hold it: chunks start small and double (as the event
   * columns do), so a small environment's keys cost what it holds.
   */
  private chunkFor(slot: number): KeyChunk {
    const index = slot >>> CHUNK_BITS;
    while (this.chunks.length <= index) this.chunks.push(keyChunk(FIRST_CHUNK));
    const c = this.chunks[index] as KeyChunk;
    const o = slot & OFFSET_MASK;
    if (o >= c.kind.length) {
      let capacity = c.kind.length;
      while (capacity <= o) capacity *= 2;
      const next = keyChunk(Math.min(CHUNK_SIZE, capacity));
      next.kind.set(c.kind);
      next.hi.set(c.hi);
      next.lo.set(c.lo);
      next.t.set(c.t);
      Object.assign(c, next);
    }
    return c;
  }

  /** Rebuilds a shard's table without tombstones, at twice the size when it is filling up. */
  private rehash(shard: Shard, minSize = 0): void {
    const old = shard.table;
    const grown = shard.count * 4 >= old.length ? old.length * 2 : old.length;
    const size = Math.max(grown, minSize);
    const table = new Int32Array(size);
    for (const v of old) {
      if (v <= 0) continue;
      const c = this.chunks[(v - 1) >>> CHUNK_BITS] as KeyChunk;
      const o = (v - 1) & OFFSET_MASK;
      insert(table, hashOf(c.hi[o] as number, c.lo[o] as number, c.t[o] as number), v);
    }
    shard.table = table;
    shard.tombstones = 0;
  }
}

function keyChunk(capacity: number): KeyChunk {
  return {
    kind: new Uint8Array(capacity),
    hi: new Float64Array(capacity),
    lo: new Uint32Array(capacity),
    t: new Float64Array(capacity),
  };
}

/** Puts `value` in the first free place of its probe sequence; returns what was there. */
function insert(table: Int32Array, hash: number, value: number): number {
  const mask = table.length - 1;
  let i = hash & mask;
  while ((table[i] as number) > 0) i = (i + 1) & mask;
  const previous = table[i] as number;
  table[i] = value;
  return previous;
}

/** A 32-bit mix of the three key parts (murmur3's finaliser over their 32-bit halves). */
function hashOf(hi: number, lo: number, t: number): number {
  let h = Math.imul(lo, 0x9e3779b1);
  h ^= Math.imul((hi % TWO_32) | 0, 0x85ebca77);
  h ^= Math.imul(Math.floor(hi / TWO_32) | 0, 0xc2b2ae3d);
  h ^= Math.imul((t % TWO_32) | 0, 0x27d4eb2f);
  h ^= Math.imul(Math.floor(t / TWO_32) | 0, 0x165667b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
