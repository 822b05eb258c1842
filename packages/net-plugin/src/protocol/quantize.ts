/**
 * Quantizers: bounded floats to unsigned integers, smallest-three quaternions, zigzag and
 * Exp-Golomb code lengths. Replication templates are built from these; everything that goes on
 * the wire as a quantized value goes through here, so both sides round the same way.
 *
 * Quantized values are unsigned integers in `0..maxValue` (at most {@link MAX_QUANTIZED_BITS}
 * bits) so that a delta of two of them always fits a 32-bit signed integer.
 */

/** Most bits one quantized slot may use: deltas of two 30-bit values fit a signed 32-bit int. */
export const MAX_QUANTIZED_BITS = 30;

/** Bits needed to store every integer in `0..maxValue` (0 when `maxValue` is 0). */
export function bitsRequired(maxValue: number): number {
  return maxValue <= 0 ? 0 : 32 - Math.clz32(maxValue);
}

/** A bounded float quantizer: `min..max` in `maxValue` equal steps of `step` (≤ the asked precision). */
export interface FloatQuantizer {
  readonly min: number;
  readonly max: number;
  /** Largest quantized integer. */
  readonly maxValue: number;
  /** Bits of one quantized value. */
  readonly bits: number;
  /** Size of one step in value units; the rounding error is at most `step / 2`. */
  readonly step: number;
}

/** Builds a quantizer for `min..max` whose step is at most `precision`; throws on bad bounds. */
export function createFloatQuantizer(
  min: number,
  max: number,
  precision: number,
  what = "value",
): FloatQuantizer {
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) {
    throw new RangeError(`${what}: needs finite bounds with max > min, got min=${min} max=${max}.`);
  }
  if (!(precision > 0)) {
    throw new RangeError(`${what}: precision must be > 0, got ${precision}.`);
  }
  const maxValue = Math.ceil((max - min) / precision - 1e-9);
  const bits = bitsRequired(maxValue);
  if (bits > MAX_QUANTIZED_BITS) {
    throw new RangeError(
      `${what}: (max - min) / precision needs ${bits} bits, over the ${MAX_QUANTIZED_BITS}-bit limit; ` +
        `narrow the bounds or coarsen the precision.`,
    );
  }
  return { min, max, maxValue, bits, step: (max - min) / maxValue };
}

/** Quantizes `v` (clamped to the bounds; NaN becomes `min`). */
export function quantizeFloat(q: FloatQuantizer, v: number): number {
  if (!(v > q.min)) return 0;
  if (v >= q.max) return q.maxValue;
  return Math.round((v - q.min) / q.step);
}

/** The value a quantized integer stands for. */
export function dequantizeFloat(q: FloatQuantizer, value: number): number {
  if (value >= q.maxValue) return q.max;
  return q.min + value * q.step;
}

/** Zigzag: 0, -1, 1, -2, 2 → 0, 1, 2, 3, 4 (for |v| < 2^31). */
export function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

/** Inverse of {@link zigzag}. */
export function unzigzag(u: number): number {
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

/** Bits of the order-`k` Exp-Golomb code of `u` (u ≥ 0): 2·⌊log2((u >> k) + 1)⌋ + 1 + k. */
export function expGolombBits(u: number, k: number): number {
  const q = Math.floor(u / (1 << k)) + 1;
  return 2 * (31 - Math.clz32(q)) + 1 + k;
}

const fround = Math.fround;

/** A rotation whose float32 length is not above this (or not finite) quantizes as identity. */
export const QUAT_MIN_LENGTH32 = Math.fround(1e-12);

/** Component → slot scale of {@link quantizeQuat} for `bits` per slot: `maxValue / √2` as a float32. */
export function quatQuantizeScale(bits: number): number {
  return fround(((1 << bits) - 1) / (2 * Math.SQRT1_2));
}

/** Slot → component scale of {@link dequantizeQuat} for `bits` per slot: `√2 / maxValue` as a float32. */
export function quatDequantizeScale(bits: number): number {
  return fround((2 * Math.SQRT1_2) / ((1 << bits) - 1));
}

/**
 * Smallest-three quaternion quantization (Glenn Fiedler, *Snapshot Compression*): writes the index
 * of the largest-magnitude component (0..3 for x,y,z,w; the first of equals) to `out[offset]` and
 * the other three, sign flipped so the dropped one is positive, quantized to `bits` bits each, to
 * `out[offset+1..3]`; a zero or non-finite rotation (or one whose float32 squares overflow,
 * |component| ≳ 1.8e19) quantizes as identity.
 *
 * One semantic for every path (templates, JS and wasm kernels; the SIMD kernels run it four
 * rotations an f32x4 operation): the inputs rounded to float32, then IEEE float32 arithmetic
 * (`Math.fround` after each step: a double +, −, ×, ÷ or √ of float32 operands rounded to float32
 * is the correctly rounded float32 result) — length² as ((x² + y²) + z²) + w² in double (the
 * squares exact) rounded to float32, its square root, k = ±scale / length (the sign of the largest
 * component), p = c · k per component — and the slot
 * `Math.round(p + maxValue / 2)` of the exact sum, which is `floor(p) + 2^(bits−1)` (maxValue is
 * odd), clamped to `0..maxValue`. Mathematically the slot of (c / length + 1/√2) · maxValue / √2;
 * the float32 error (a few 2^-24 relative, under 0.01 of a step at 16 bits) moves a slot only when
 * the exact value lies that close to a rounding edge.
 */
export function quantizeQuat(
  x: number,
  y: number,
  z: number,
  w: number,
  bits: number,
  out: Int32Array,
  offset: number,
): void {
  x = fround(x);
  y = fround(y);
  z = fround(z);
  w = fround(w);
  let largest = 0;
  let best = Math.abs(x);
  if (Math.abs(y) > best) {
    largest = 1;
    best = Math.abs(y);
  }
  if (Math.abs(z) > best) {
    largest = 2;
    best = Math.abs(z);
  }
  if (Math.abs(w) > best) largest = 3;
  // The squares of float32 values are exact doubles; their sum in double, rounded once.
  const len = fround(Math.sqrt(fround(x * x + y * y + z * z + w * w)));
  const maxValue = (1 << bits) - 1;
  const half = 1 << (bits - 1);
  if (!(len > QUAT_MIN_LENGTH32) || len === Infinity) {
    // Identity: largest w, the others 0 (p = 0).
    out[offset] = 3;
    out[offset + 1] = half;
    out[offset + 2] = half;
    out[offset + 3] = half;
    return;
  }
  const big = largest === 0 ? x : largest === 1 ? y : largest === 2 ? z : w;
  const k = fround(quatQuantizeScale(bits) / len);
  const signed = big < 0 ? -k : k;
  out[offset] = largest;
  // The three smallest in x, y, z, w order (the largest left out).
  out[offset + 1] = smallestThreeSlot(fround((largest === 0 ? y : x) * signed), half, maxValue);
  out[offset + 2] = smallestThreeSlot(fround((largest <= 1 ? z : y) * signed), half, maxValue);
  out[offset + 3] = smallestThreeSlot(fround((largest <= 2 ? w : z) * signed), half, maxValue);
}

function smallestThreeSlot(p: number, half: number, maxValue: number): number {
  const v = Math.floor(p) + half;
  return v < 0 ? 0 : v > maxValue ? maxValue : v;
}

/** A mutable quaternion target for {@link dequantizeQuat}. */
export interface QuatLike {
  x: number;
  y: number;
  z: number;
  w: number;
}

/**
 * Rebuilds a unit quaternion from {@link quantizeQuat}'s four slots into `out`, in float32
 * arithmetic as quantizeQuat (the components are float32 values; slots below 2^24): each slot's
 * component s = (slot − maxValue / 2) · scale (the difference exact), n = (s0² + s1²) + s2², the
 * largest √max(0, 1 − n); when n > 1 (slots off the unit sphere) the largest is 0 and all four are
 * divided by √n, else the four are unit length within a few 2^-24. For the slots quantizeQuat
 * writes (n about 3/4 at most: the largest component is at least 1/2, the others rounded — up to
 * 0.85 at 3 bits; at 2 bits a step is so coarse that n reaches 1.5, the n > 1 case) the float32
 * error is a few 2^-24, far below the quantization error (half a step, ≥ 2^-16 · √2 / 2 at 16
 * bits); slots no quantizeQuat writes (a forged or corrupted state), with n within 2^-24 of 1, can
 * lose up to ≈ 2^-12 in the largest.
 */
export function dequantizeQuat(q: Int32Array, offset: number, bits: number, out: QuatLike): QuatLike {
  const largest = (q[offset] as number) & 3;
  const scale = quatDequantizeScale(bits);
  const mid = ((1 << bits) - 1) / 2;
  const a = fround(((q[offset + 1] as number) - mid) * scale);
  const b = fround(((q[offset + 2] as number) - mid) * scale);
  const c = fround(((q[offset + 3] as number) - mid) * scale);
  const n = fround(fround(fround(a * a) + fround(b * b)) + fround(c * c));
  const d = fround(Math.sqrt(Math.max(0, fround(1 - n))));
  let x = largest === 0 ? d : a;
  let y = largest === 1 ? d : largest === 0 ? a : b;
  let z = largest === 2 ? d : largest === 3 ? c : b;
  let w = largest === 3 ? d : c;
  if (n > 1) {
    // 1 / √max(1, n): exactly 1 (no change) for n ≤ 1, as the SIMD kernels compute it.
    const inv = fround(1 / fround(Math.sqrt(n)));
    x = fround(x * inv);
    y = fround(y * inv);
    z = fround(z * inv);
    w = fround(w * inv);
  }
  out.x = x;
  out.y = y;
  out.z = z;
  out.w = w;
  return out;
}
