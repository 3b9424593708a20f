const UNIT_MS = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
} as const;

// Prometheus' duration grammar: units from largest to smallest, each at most once.
const PROM_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const PLAIN_SECONDS = /^\d+(?:\.\d+)?$/;

/**
 * Parses a Prometheus-style duration (`30s`, `5m`, `1h30m`, `2d`) or a plain number of seconds
 * (`90`, `0.5`) into milliseconds. Returns undefined for anything else, including the empty string.
 *
 * Written here rather than taken from a package because the accepted grammar must be exactly
 * Prometheus' (and plain numbers mean seconds, where general-purpose parsers assume milliseconds).
 */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === "") return undefined;
  if (PLAIN_SECONDS.test(s)) return Math.round(Number(s) * 1000);
  const m = PROM_DURATION.exec(s);
  if (!m) return undefined;
  const units = [UNIT_MS.y, UNIT_MS.w, UNIT_MS.d, UNIT_MS.h, UNIT_MS.m, UNIT_MS.s, UNIT_MS.ms];
  let total = 0;
  let any = false;
  units.forEach((unit, i) => {
    const part = m[i + 1];
    if (part !== undefined) {
      any = true;
      total += Number(part) * unit;
    }
  });
  return any ? total : undefined;
}

/** Formats milliseconds back into the shortest Prometheus-style duration (`1h30m`, `250ms`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
