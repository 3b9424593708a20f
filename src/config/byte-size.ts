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
