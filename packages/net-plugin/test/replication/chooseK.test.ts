/**
 * chooseK picks each coded group's Exp-Golomb order from a bit-length histogram with suffix sums
 * (O(1) per k): it must pick exactly what summing every length's cost for every k picks.
 */
import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { chooseK, K_BUCKETS, K_CHOICES } from "../../src/replication/codec/fieldDelta";

/** The definition: bits(k) = Σ count(L) · (k + 1 + 2·max(0, L − k − 1)), lowest k of equal cost. */
function chooseKByDefinition(hist: Int32Array, g: number): number {
  let best = 0;
  let bestBits = Infinity;
  for (let k = 0; k < K_CHOICES; k++) {
    let bits = 0;
    for (let length = 0; length < K_BUCKETS; length++)
      bits += (hist[g * K_BUCKETS + length] as number) * (k + 1 + 2 * Math.max(0, length - k - 1));
    if (bits < bestBits) {
      bestBits = bits;
      best = k;
    }
  }
  return best;
}

describe("chooseK", () => {
  it("picks the k of the fewest bits, as summing every length's cost does (seed 11)", () => {
    const rng = createRng(11);
    const hist = new Int32Array(K_BUCKETS * 3);
    for (let trial = 0; trial < 20000; trial++) {
      hist.fill(0);
      const g = rng.int(0, 2);
      const longest = rng.int(0, K_BUCKETS - 1);
      const density = rng.next();
      for (let length = 0; length <= longest; length++)
        if (rng.next() < density) hist[g * K_BUCKETS + length] = Math.floor(rng.next() ** 3 * 2000);
      expect(chooseK(hist, g), `trial ${trial}`).toBe(chooseKByDefinition(hist, g));
    }
  });

  it("takes k = 0 for an empty or all-zero-delta group, and a large k for long values", () => {
    const hist = new Int32Array(K_BUCKETS);
    expect(chooseK(hist, 0)).toBe(0);
    hist[0] = 50;
    expect(chooseK(hist, 0)).toBe(0);
    hist.fill(0);
    hist[20] = 10;
    expect(chooseK(hist, 0)).toBe(15);
  });
});
