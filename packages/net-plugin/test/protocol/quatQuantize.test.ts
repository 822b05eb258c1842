/**
 * Smallest-three rotations in float32 arithmetic (protocol/quantize.ts quantizeQuat and
 * dequantizeQuat): pinned vectors whose float32 results differ from the former f64 arithmetic, and
 * properties — outputs are float32 values of unit length close to the exact (f64) formula, slots
 * off the exact ones only at a rounding edge, a round trip within the quantization error.
 */
import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { dequantizeQuat, quantizeQuat, type QuatLike } from "../../src/protocol/quantize";

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

  it("at 2 bits quantizeQuat's own slots can lie off the unit sphere (n = 1.5 here): rebuilt normalized", () => {
    const slots = new Int32Array(4);
    quantizeQuat(0.5, 0.5, 0.5, 0.5, 2, slots, 0);
    expect([...slots]).toEqual([0, 3, 3, 3]);
    const r = values(dequantizeQuat(slots, 0, 2, { x: 0, y: 0, z: 0, w: 0 }));
    expect(r).toEqual([0, 0.5773502588272095, 0.5773502588272095, 0.5773502588272095]);
  });

  it("every slot tuple gives float32 values of unit length, within a few float32 ulps of the exact formula", () => {
    // Slots quantizeQuat writes have n about 3/4 at most (the largest component ≥ 1/2; more at 2 and
    // 3 bits): a few ulps. Tuples with n near 1 (forged or corrupted states) lose up to √(2^-24) in
    // the largest.
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

/** The slot values quantizeQuat rounds, in f64 (c / length scaled, plus maxValue / 2), for error bounds. */
function slotsF64(q: readonly number[], bits: number): { largest: number; t: number[] } {
  const maxValue = (1 << bits) - 1;
  const abs = q.map(Math.abs);
  const largest = abs.indexOf(Math.max(...abs));
  const len = Math.hypot(...q);
  const sign = (q[largest] as number) < 0 ? -1 : 1;
  const t = q
    .filter((_, i) => i !== largest)
    .map((c) => ((sign * c) / len) * (maxValue / Math.SQRT2) + maxValue / 2);
  return { largest, t };
}

describe("quantizeQuat (float32 arithmetic)", () => {
  it("pinned vectors: the float32 integers (the former f64 arithmetic gave the ones in the comments)", () => {
    const out = new Int32Array(4);
    const q = (x: number, y: number, z: number, w: number, bits: number): number[] => {
      quantizeQuat(x, y, z, w, bits, out, 0);
      return [...out];
    };
    // float32 inputs, 9 bits: f64 gave 2,352,308,433
    const a = [-0.2684514820575714, -0.14650820195674896, -0.815332293510437, -0.491632342338562] as const;
    expect(q(...a, 9)).toEqual([2, 353, 308, 433]);
    // double inputs (rounded to float32 first), 12 bits: f64 gave 3,3979,1817,2658
    const b = [-0.6671496052771122, 0.07977614675093002, -0.21099933114757446, -0.7099482043384879] as const;
    expect(q(...b, 12)).toEqual([3, 3979, 1816, 2658]);
    // A squared length past float32's range is not finite: identity (f64 gave 0,256,256,511).
    expect(q(1e20, 0, 0, 1e20, 9)).toEqual([3, 256, 256, 256]);
    // Zero, NaN, ±∞, tiny: identity, every slot 2^(bits-1).
    const bad: [number, number, number, number][] = [
      [0, 0, 0, 0],
      [NaN, 0, 0, 1],
      [0, -Infinity, 0, 1],
      [1e-13, 0, 0, 0],
    ];
    for (const [x, y, z, w] of bad) expect(q(x, y, z, w, 9)).toEqual([3, 256, 256, 256]);
    // First of equals; the largest's sign flips the others.
    expect(q(0.5, 0.5, 0.5, 0.5, 9)).toEqual([0, 436, 436, 436]);
    expect(q(-0.5, 0.5, -0.5, 0.5, 9)).toEqual([0, 75, 436, 75]);
  });

  it("a slot differs from the exact (f64) value's only within float32 error of a rounding edge", () => {
    const rng = createRng(3);
    const out = new Int32Array(4);
    let differ = 0;
    for (const bits of [2, 9, 12, 16]) {
      const maxValue = (1 << bits) - 1;
      for (let i = 0; i < 20000; i++) {
        const q = [0, 1, 2, 3].map(() => Math.fround(rng.range(-1, 1) * (i % 3 === 0 ? 40 : 1)));
        if (!(Math.hypot(...q) > 1e-6)) continue;
        quantizeQuat(q[0] as number, q[1] as number, q[2] as number, q[3] as number, bits, out, 0);
        const { largest, t } = slotsF64(q, bits);
        const where = `bits ${bits} q ${q.join()}`;
        if (out[0] !== largest) {
          // Only a tie of magnitudes can choose another index; never here (random floats).
          throw new Error(`${where}: largest ${out[0]} vs ${largest}`);
        }
        t.forEach((v, k) => {
          const exact = Math.min(maxValue, Math.max(0, Math.round(v)));
          if (out[k + 1] === exact) return;
          differ++;
          // |p| ≤ maxValue / √2, a few float32 roundings of it: well under 2^-20 · maxValue.
          const edge = Math.abs(v - Math.floor(v) - 0.5);
          expect(edge, where).toBeLessThan(maxValue * 2 ** -20);
          expect(Math.abs((out[k + 1] as number) - exact), where).toBe(1);
        });
      }
    }
    expect(differ).toBeLessThan(40);
  });

  it("dequantizeQuat(quantizeQuat(q)) is within the quantization error of q", () => {
    const rng = createRng(4);
    const slots = new Int32Array(4);
    const out = { x: 0, y: 0, z: 0, w: 0 };
    for (const bits of [4, 9, 12, 16]) {
      // Each of the three smallest within half a step (√2 / maxValue / 2), the largest inheriting
      // at most √3 times their error: a Euclidean error under 2.2 steps, float32 error included.
      const step = Math.SQRT2 / ((1 << bits) - 1);
      let worst = 0;
      for (let i = 0; i < 5000; i++) {
        const q = [0, 1, 2, 3].map(() => rng.range(-1, 1));
        const len = Math.hypot(...q);
        if (!(len > 1e-3)) continue;
        quantizeQuat(q[0] as number, q[1] as number, q[2] as number, q[3] as number, bits, slots, 0);
        const r = values(dequantizeQuat(slots, 0, bits, out));
        const dot = r.reduce((sum, c, k) => sum + c * (q[k] as number), 0);
        const sign = dot < 0 ? -1 : 1;
        const err = Math.hypot(...r.map((c, k) => sign * c - (q[k] as number) / len));
        worst = Math.max(worst, err / step);
      }
      expect(worst, `bits ${bits}`).toBeLessThan(2.2);
      expect(worst, `bits ${bits}`).toBeGreaterThan(0.3);
    }
  });
});
