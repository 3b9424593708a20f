/**
 * Appends pre-encoded pieces and numbers into one growing Buffer. Rendering a large exposition
 * this way copies bytes once, where string concatenation would build, flatten and then encode.
 */
export class BufferWriter {
  private buf: Buffer;
  private length = 0;

  constructor(sizeHint: number) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, sizeHint));
  }

  /** Appends encoded bytes. */
  bytes(piece: Buffer): void {
    this.reserve(piece.length);
    this.length += piece.copy(this.buf, this.length);
  }

  /** Appends a number as the text formats write it, followed by a newline. */
  numberLine(n: number): void {
    const text = Number.isInteger(n) ? String(n) : n.toString();
    this.reserve(text.length + 1);
    this.length += this.buf.write(text, this.length, "latin1");
    this.buf[this.length++] = 0x0a;
  }

  /** The bytes written so far (a view, not a copy). */
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }
}
