import { z } from "zod";

/**
 * Dynatrace's limits on an event's properties (v2 ingest: at most 100 keys, keys of at most 100
 * and values of at most 4096 characters; /work/shared/dynatrace-api.md). v1's `customProperties`
 * document none, but they become v2 properties on the way out, so both inputs share them.
 */
export const PROPERTY_LIMITS = { count: 100, keyLength: 100, valueLength: 4096 } as const;

/**
 * A string map within {@link PROPERTY_LIMITS}. The count is checked before any entry is read, so
 * a body of 60,000 properties costs one `Object.keys` and answers with one clear violation.
 */
export const boundedProperties = z
  .custom<Record<string, unknown>>(
    (v) => typeof v !== "object" || v === null || Object.keys(v).length <= PROPERTY_LIMITS.count,
    `at most ${PROPERTY_LIMITS.count} properties`,
  )
  .pipe(
    z.record(z.string().min(1).max(PROPERTY_LIMITS.keyLength), z.string().max(PROPERTY_LIMITS.valueLength)),
  );
