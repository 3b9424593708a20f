import { createHash } from "node:crypto";

/**
 * The shard an environment belongs to among `count`, computed like Prometheus' `hashmod`
 * relabelling: the last 8 bytes of the MD5 of the name as a big-endian unsigned 64-bit integer,
 * modulo `count`. It depends on the name alone, so adding or removing an environment never moves
 * another one.
 */
export function shardOf(name: string, count: number): number {
  const digest = createHash("md5").update(name).digest();
  return Number(digest.readBigUInt64BE(8) % BigInt(count));
}
