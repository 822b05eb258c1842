/**
 * Order-k Exp-Golomb codes for non-negative integers below 2^31 (index gaps, counts and zigzag
 * deltas): n zero bits, a one bit, the low n bits of q = (u >> k) + 1, then the low k bits of u.
 * Small values are short, large ones still bounded. Reading counts the zero prefix with one
 * 32-bit peek instead of bit by bit.
 */
import type { WordReader, WordWriter } from "./wordBits";

/** Writes `u` (0 ≤ u < 2^31 - 1) with order `k` (0..15). */
export function writeExpGolomb(w: WordWriter, u: number, k: number): void {
  w.writeExpGolomb(u, k);
}

/** Reads a value written by {@link writeExpGolomb}; -1 on a malformed or truncated code. */
export function readExpGolomb(r: WordReader, k: number): number {
  return r.readExpGolomb(k);
}
