/**
 * Order-k Exp-Golomb codes for non-negative integers below 2^31 (index gaps and zigzag deltas):
 * n zero bits, a one bit, the low n bits of q = (u >> k) + 1, then the low k bits of u. Small
 * values are short, large ones still bounded (at most 63 + k bits).
 */
import type { BitReader } from "../../protocol/bitReader";
import type { BitWriter } from "../../protocol/bitWriter";

/** Longest zero prefix a valid code has (q < 2^31 + 1). */
const MAX_PREFIX = 31;

/** Writes `u` (0 ≤ u < 2^31) with order `k` (0..15). */
export function writeExpGolomb(writer: BitWriter, u: number, k: number): void {
  const scale = 1 << k;
  const high = Math.floor(u / scale);
  const q = high + 1;
  const n = 31 - Math.clz32(q);
  if (n > 0) writer.writeBits(0, n);
  writer.writeBits(1, 1);
  if (n > 0) writer.writeBits(q - 2 ** n, n);
  if (k > 0) writer.writeBits(u - high * scale, k);
}

/** Reads a value written by {@link writeExpGolomb}; -1 on a malformed or truncated code. */
export function readExpGolomb(reader: BitReader, k: number): number {
  let n = 0;
  while (reader.readBits(1) === 0) {
    if (reader.overflowed || ++n > MAX_PREFIX) return -1;
  }
  if (reader.overflowed) return -1;
  const q = n > 0 ? 2 ** n + reader.readBits(n) : 1;
  const low = k > 0 ? reader.readBits(k) : 0;
  if (reader.overflowed) return -1;
  const u = (q - 1) * (1 << k) + low;
  return u < 2 ** 31 ? u : -1;
}
