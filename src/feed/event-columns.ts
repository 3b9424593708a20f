const CHUNK_BITS = 16;
/** Slots per chunk. */
export const CHUNK_SIZE = 1 << CHUNK_BITS;
const OFFSET_MASK = CHUNK_SIZE - 1;

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
 * Per-event columns in fixed-size chunks. Growing adds a chunk and never copies: a store that
 * reaches a million events never stops the event loop to move arrays of that size.
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

  /** A new slot at the end. */
  addSlot(): number {
    if (this.length % CHUNK_SIZE === 0) {
      this.chunks.push({
        used: new Uint8Array(CHUNK_SIZE),
        dims: new Uint32Array(CHUNK_SIZE),
        open: new Uint8Array(CHUNK_SIZE),
        start: new Float64Array(CHUNK_SIZE),
        end: new Float64Array(CHUNK_SIZE),
        generation: new Uint32Array(CHUNK_SIZE),
      });
    }
    return this.length++;
  }
}
