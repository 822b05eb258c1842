/**
 * Smallest-three rotations in float32 arithmetic (protocol/quantize.ts quantizeQuat and
 * dequantizeQuat): pinned vectors whose float32 results differ from the former f64 arithmetic, and
 * properties — outputs are float32 values, unit length, close to the exact (f64) formula, and a
 * round trip within the quantization error.
 */
import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { dequantizeQuat, type QuatLike } from "../../src/protocol/quantize";

/** Slots → rotation in exact-ish f64 (the formula without float32 rounding), for error bounds. */
function dequantizeF64(q: Int32Array, bits: number): { v: number[]; n: number } {
  const maxValue = (1 << bits) - 1;
  const s = [1, 2, 3].map((k) => (((q[k] as number) - maxValue / 2) * Math.SQRT2) / maxValue);
  const n = s.reduce((sum, v) => sum + v * v, 0);
  const d = Math.sqrt(Math.max(0, 1 - n));
  const largest = (q[0] as number) & 3;
  const v = [...s];
  v.splice(largest, 0, d);
  const len = Math.max(1, Math.sqrt(n));
  return { v: v.map((c) => c / len), n };
}

const values = (r: QuatLike): number[] => [r.x, r.y, r.z, r.w];

describe("dequantizeQuat (float32 arithmetic)", () => {
  it("pinned vectors: the float32 results (the former f64 arithmetic gave other doubles)", () => {
    const out = { x: 0, y: 0, z: 0, w: 0 };
    // f64 gave -0.4303526593914214, 0.12315558419883124, 0.7838532255404116, 0.43035265939142153
    expect(values(dequantizeQuat(Int32Array.of(2, 100, 300, 411), 0, 9, out))).toEqual([
      -0.43035265803337097, 0.12315558642148972, 0.7838532328605652, 0.43035265803337097,
    ]);
    // Slots off the unit sphere (n > 1): the largest 0, the others divided by √n.
    expect(values(dequantizeQuat(Int32Array.of(0, 500, 500, 20), 0, 9, out))).toEqual([
      0, 0.5844321250915527, 0.5844321250915527, -0.5629192590713501,
    ]);
  });

  it("every slot tuple gives float32 values of unit length, within a few float32 ulps of the exact formula", () => {
    // Slots quantizeQuat writes have n ≤ 3/4 (the largest component ≥ 1/2): a few ulps. Other
    // tuples (only forged or corrupted states) with n near 1 lose up to √(2^-24) in the largest.
    const rng = createRng(11);
    const out = { x: 0, y: 0, z: 0, w: 0 };
    for (const bits of [2, 5, 9, 12, 16]) {
      const max = (1 << bits) - 1;
      for (let i = 0; i < 4000; i++) {
        const q = Int32Array.of(rng.int(0, 3), rng.int(0, max), rng.int(0, max), rng.int(0, max));
        const got = values(dequantizeQuat(q, 0, bits, out));
        const { v: want, n } = dequantizeF64(q, bits);
        const bound = n <= 0.76 ? 2 ** -22 : 2 ** -11;
        const where = `bits ${bits} slots ${q.join()}`;
        got.forEach((v, c) => {
          expect(v === Math.fround(v), where).toBe(true);
          expect(Math.abs(v - (want[c] as number)), where).toBeLessThan(bound);
        });
        expect(Math.abs(Math.hypot(...got) - 1), where).toBeLessThan(2 ** -21);
      }
    }
  });
});
