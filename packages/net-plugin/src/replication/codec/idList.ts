/**
 * Ascending network-id lists coded relatively: each id as the gap to the previous one (minus one)
 * in an order-k Exp-Golomb code, k (0..7) chosen per list. Dense runs cost 1 bit per id; a lone
 * id among thousands costs about 2·log2(gap) bits.
 */

/** Bits of the per-list k. */
export const ID_K_BITS = 3;
const ID_K_CHOICES = 1 << ID_K_BITS;

/** Scratch for choosing k: cost of the list for every k. */
const costs = new Float64Array(ID_K_CHOICES);

/**
 * The best k and its total bits for `ids[0..count)` filtered by `keep[id] === 1` (pass undefined
 * to keep all). Returns k in the low 3 bits and the bit count above them: `bits * 8 + k`.
 */
export function chooseIdK(ids: Int32Array, count: number, keep: Uint8Array | undefined): number {
  costs.fill(0);
  let prev = -1;
  for (let i = 0; i < count; i++) {
    const id = ids[i] as number;
    if (keep !== undefined && keep[id] !== 1) continue;
    const gap = id - prev - 1;
    prev = id;
    // expGolombBits(gap, k) with integer shifts (ids are < 2^31).
    for (let k = 0; k < ID_K_CHOICES; k++)
      costs[k] = (costs[k] as number) + 2 * (31 - Math.clz32((gap >>> k) + 1)) + 1 + k;
  }
  let best = 0;
  for (let k = 1; k < ID_K_CHOICES; k++) if ((costs[k] as number) < (costs[best] as number)) best = k;
  return (costs[best] as number) * ID_K_CHOICES + best;
}
