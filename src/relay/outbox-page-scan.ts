import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** One row found on a table leaf page: its rowid and its values in column order. */
export interface LeafRecord {
  rowid: number;
  values: unknown[];
}

const TABLE_LEAF = 0x0d;

/**
 * Reads every table b-tree leaf page of a SQLite file directly, without SQLite, yielding the rows
 * their cell pointers still reference: the last resort when an interior page is damaged and no
 * query can reach the leaves behind it. It cannot tell a live leaf from a freed one, so callers
 * must accept only rowids they know are live. Rows whose payload spills into overflow pages
 * (over about 4 KB) are not returned. Never throws for damaged content: a bad cell is skipped.
 */
export function* scanTableLeaves(file: string, pageSize = 4096): Generator<LeafRecord> {
  const fd = openSync(file, "r");
  try {
    const pages = Math.floor(fstatSync(fd).size / pageSize);
    const page = Buffer.alloc(pageSize);
    for (let n = 1; n <= pages; n++) {
      if (readSync(fd, page, 0, pageSize, (n - 1) * pageSize) !== pageSize) break;
      yield* cellsOf(page, n === 1 ? 100 : 0, pageSize);
    }
  } finally {
    closeSync(fd);
  }
}

function* cellsOf(page: Buffer, header: number, pageSize: number): Generator<LeafRecord> {
  if (page[header] !== TABLE_LEAF) return;
  const cells = page.readUInt16BE(header + 3);
  const maxLocal = pageSize - 35;
  for (let i = 0; i < cells; i++) {
    const pointerAt = header + 8 + 2 * i;
    if (pointerAt + 2 > pageSize) return;
    try {
      const record = cellAt(page, page.readUInt16BE(pointerAt), maxLocal);
      if (record) yield record;
    } catch {
      // A garbled cell: skip it, keep the page's others.
    }
  }
}

function cellAt(page: Buffer, offset: number, maxLocal: number): LeafRecord | undefined {
  const length = varint(page, offset);
  const rowid = varint(page, length.next);
  if (length.value > maxLocal) return undefined;
  const start = rowid.next;
  const end = start + length.value;
  if (end > page.length) return undefined;
  const headerSize = varint(page, start);
  const types: number[] = [];
  for (let at = headerSize.next; at < start + headerSize.value;) {
    const t = varint(page, at);
    types.push(t.value);
    at = t.next;
  }
  const values: unknown[] = [];
  let at = start + headerSize.value;
  for (const type of types) {
    const v = valueOf(page, at, type);
    values.push(v.value);
    at += v.size;
    if (at > end) throw new Error("record runs past its cell");
  }
  return { rowid: rowid.value, values };
}

const INT_SIZES = [0, 1, 2, 3, 4, 6, 8];

function valueOf(page: Buffer, at: number, type: number): { value: unknown; size: number } {
  if (type === 0) return { value: null, size: 0 };
  if (type >= 1 && type <= 6) {
    const size = INT_SIZES[type] as number;
    const value = type === 6 ? Number(page.readBigInt64BE(at)) : page.readIntBE(at, size);
    return { value, size };
  }
  if (type === 7) return { value: page.readDoubleBE(at), size: 8 };
  if (type === 8 || type === 9) return { value: type - 8, size: 0 };
  if (type >= 12) {
    const size = Math.floor((type - 12) / 2);
    if (at + size > page.length) throw new Error("value runs past the page");
    const bytes = page.subarray(at, at + size);
    return { value: type % 2 === 1 ? bytes.toString("utf8") : Buffer.from(bytes), size };
  }
  throw new Error(`serial type ${type} is reserved`);
}

/** SQLite's big-endian varint: 7 bits a byte, the ninth byte whole. */
function varint(buf: Buffer, offset: number): { value: number; next: number } {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    const byte = buf[offset + i];
    if (byte === undefined) throw new Error("varint runs past the page");
    if (i === 8) return { value: value * 256 + byte, next: offset + 9 };
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) return { value, next: offset + i + 1 };
  }
  throw new Error("unreachable");
}
