/**
 * Order-k Exp-Golomb codes for non-negative integers below 2^31 (index gaps, counts and zigzag
 * deltas): n zero bits, a one bit, the low n bits of q = (u >> k) + 1, then the low k bits of u.
 * Small values are short, large ones still bounded. Reading counts the zero prefix with one
 * 32-bit peek instead of bit by bit.
 */
import type { WordReader, WordWriter } from "./wordBits";

/** Writes `u` (0 ≤ u < 2^31 - 1) with order `k` (0..15). */
export function writeExpGolomb(w: WordWriter, u: number, k: number): void {
  const q = (u >>> k) + 1;
  const n = 31 - Math.clz32(q);
  if (n <= 15) w.writeBits(((q - (1 << n)) << (n + 1)) | (1 << n), 2 * n + 1);
  else {
    w.writeBits(0, n);
    w.writeBits(1, 1);
    w.writeBits(q - 2 ** n, n);
  }
  if (k > 0) w.writeBits(u & ((1 << k) - 1), k);
}

/** Reads a value written by {@link writeExpGolomb}; -1 on a malformed or truncated code. */
export function readExpGolomb(r: WordReader, k: number): number {
  const peek = r.peek32();
  if (peek === 0) return -1;
  const n = 31 - Math.clz32(peek & -peek);
  if (n > 30) return -1;
  r.skip(n + 1);
  const q = (n > 0 ? r.readBits(n) : 0) + (1 << n);
  const low = k > 0 ? r.readBits(k) : 0;
  if (r.overflowed) return -1;
  const u = (q - 1) * (1 << k) + low;
  return u < 2 ** 31 ? u : -1;
}
