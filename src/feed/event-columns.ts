const CHUNK_BITS = 16;
/** Slots per chunk. */
export const CHUNK_SIZE = 1 << CHUNK_BITS;
const OFFSET_MASK = CHUNK_SIZE - 1;
/** Slots a new chunk starts with; it doubles up to {@link CHUNK_SIZE} as slots are added. */
const FIRST_CAPACITY = 64;

/** One block of slots: parallel columns for 65,536 events. */
export interface ColumnChunk {
  /** 1 while the slot holds an event. */
  used: Uint8Array;
  /** Label set id. */
  dims: Uint32Array;
  /** 1 while open. */
  open: Uint8Array;
  start: Float64Array;
  end: Float64Array;
  /** Drain generation that last saw the event. */
  generation: Uint32Array;
}

/** Position of a slot inside its chunk. */
export function offsetOf(slot: number): number {
  return slot & OFFSET_MASK;
}

/**
 * Per-event columns in chunks of up to 65,536 slots. A chunk starts small and doubles (copying at
 * most one chunk, well under a millisecond) until full; then a new chunk starts: a store that
 * reaches a million events never moves arrays of that size, and a store of twenty events holds
 * room for 64, not 65,536 (1.7 MB, which a thousand small environments would each pay).
 */
export class EventColumns {
  private readonly chunks: ColumnChunk[] = [];
  /** Slots handed out so far (the high-water mark). */
  length = 0;

  /** The chunk holding `slot`. */
  chunk(slot: number): ColumnChunk {
    return this.chunks[slot >>> CHUNK_BITS] as ColumnChunk;
  }

  /** Chunks allocated. */
  get chunkCount(): number {
    return this.chunks.length;
  }

  /** Copies slot `offset` of chunk `from` into `slot` (which must have been added), marking it used. */
  copySlot(slot: number, from: ColumnChunk, offset: number): void {
    const c = this.chunk(slot);
    const i = offsetOf(slot);
    c.used[i] = 1;
    c.dims[i] = from.dims[offset] as number;
    c.open[i] = from.open[offset] as number;
    c.start[i] = from.start[offset] as number;
    c.end[i] = from.end[offset] as number;
    c.generation[i] = from.generation[offset] as number;
  }

  /** Slots the chunks hold room for. */
  get capacity(): number {
    let n = 0;
    for (const c of this.chunks) n += c.used.length;
    return n;
  }

  /** A new slot at the end. */
  addSlot(): number {
    const offset = this.length & OFFSET_MASK;
    if (offset === 0) {
      this.chunks.push(columnChunk(FIRST_CAPACITY));
    } else {
      const c = this.chunks[this.chunks.length - 1] as ColumnChunk;
      if (offset >= c.used.length) grow(c, Math.min(CHUNK_SIZE, c.used.length * 2));
    }
    return this.length++;
  }
}

function columnChunk(capacity: number): ColumnChunk {
  return {
    used: new Uint8Array(capacity),
    dims: new Uint32Array(capacity),
    open: new Uint8Array(capacity),
    start: new Float64Array(capacity),
    end: new Float64Array(capacity),
    generation: new Uint32Array(capacity),
  };
}

/** Replaces the chunk's columns (in place: holders of the chunk see the new ones) with larger copies. */
function grow(c: ColumnChunk, capacity: number): void {
  const next = columnChunk(capacity);
  next.used.set(c.used);
  next.dims.set(c.dims);
  next.open.set(c.open);
  next.start.set(c.start);
  next.end.set(c.end);
  next.generation.set(c.generation);
  Object.assign(c, next);
}
