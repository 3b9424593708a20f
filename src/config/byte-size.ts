const UNIT_BYTES: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/**
 * Parses a size such as `8MiB`, `5mb`, `512KiB` or a plain number of bytes (`1048576`) into bytes.
 * Units are case-insensitive; `k`/`m`/`g` alone mean KiB/MiB/GiB. Returns undefined for anything
 * else, including fractions of a byte and the empty string.
 */
export function parseByteSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?i?b?)$/i.exec(text.trim());
  if (!m) return undefined;
  let unit = (m[2] as string).toLowerCase();
  if (/^[kmg]$/.test(unit)) unit = `${unit}ib`;
  if (/^[kmg]i$/.test(unit)) unit = `${unit}b`;
  const size = UNIT_BYTES[unit];
  if (size === undefined) return undefined;
  const bytes = Number(m[1]) * size;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Bytes in the largest binary unit that divides them (`8MiB`, `512KiB`), else plain (`1000`). */
export function formatByteSize(bytes: number): string {
  for (const [unit, size] of [
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}
