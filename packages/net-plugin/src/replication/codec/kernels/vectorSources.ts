/**
 * Source of the linear (quantizeFloat/dequantizeFloat per slot) and smallest-three rotation forms
 * the generated kernels inline (fieldAccess.ts): vectors, scalar floats, rotations and the two
 * halves of a transform, expression for expression as protocol/quantize.ts and the templates.
 * The quantize sources call `round` (fieldAccess.ts ROUND_SOURCE) and write locals `q(s)`; the
 * dequantize sources read `nv[o + s]` and write columns `A<f>_<s>[eid]`.
 */
import {
  QUAT_MIN_LENGTH32,
  quatDequantizeScale,
  quatQuantizeScale,
  type FloatQuantizer,
} from "../../../protocol/quantize";
import { lit } from "./compileKernel";

/**
 * `(v - min) / step` as source: a multiplication by `1 / step` when the step is a power of two
 * (the reciprocal is then exact, and so is the product: the same double as the division).
 */
function scaled(v: string, min: number, step: number): string {
  const inverse = 1 / step;
  const exact = Number.isFinite(inverse) && 2 ** Math.round(Math.log2(step)) === step;
  return exact ? `(${v} - ${lit(min)}) * ${lit(inverse)}` : `(${v} - ${lit(min)}) / ${lit(step)}`;
}

/** quantizeFloat per slot: slot `first + s` from channel `first + s` (`?? 0` for a scalar float). */
export function linearQuantize(
  qs: readonly FloatQuantizer[],
  first: number,
  orZero: boolean,
  q: Slot,
  ch: Slot,
): string {
  return qs
    .map((z, i) => {
      const s = first + i;
      const read = orZero ? `(${ch(s)} ?? 0)` : ch(s);
      return `{ const v = ${read}; ${q(s)} = !(v > ${lit(z.min)}) ? 0 : v >= ${lit(z.max)} ? ${z.maxValue} : round(${scaled("v", z.min, z.step)}); }`;
    })
    .join("\n");
}

/** quantizeQuat of channels `first …+3` into slots `first …+3` (float32 arithmetic). */
export function quatQuantize(bits: number, first: number, q: Slot, ch: Slot): string {
  const maxValue = (1 << bits) - 1;
  const half = 1 << (bits - 1);
  // quantizeQuat's numbers: the float32 scale and minimum length.
  const scale = lit(quatQuantizeScale(bits));
  // floor(p) | 0 is exact (|p| ≤ scale for a valid rotation) and keeps the slot an int32.
  const slot = (c: string, s: number): string =>
    `{ const v = (Math.floor(${fr(`${c} * sg`)}) | 0) + ${half}; ${q(first + s)} = v < 0 ? 0 : v > ${maxValue} ? ${maxValue} : v; }`;
  return `{ const x = ${fr(ch(first))}, y = ${fr(ch(first + 1))}, z = ${fr(ch(first + 2))}, w = ${fr(ch(first + 3))};
  let largest = 0, best = Math.abs(x);
  if (Math.abs(y) > best) { largest = 1; best = Math.abs(y); }
  if (Math.abs(z) > best) { largest = 2; best = Math.abs(z); }
  if (Math.abs(w) > best) largest = 3;
  const len = ${fr(`Math.sqrt(${fr("x * x + y * y + z * z + w * w")})`)};
  if (!(len > ${lit(QUAT_MIN_LENGTH32)}) || len === Infinity) { ${q(first)} = 3; ${q(first + 1)} = ${half}; ${q(first + 2)} = ${half}; ${q(first + 3)} = ${half}; }
  else {
  const big = largest === 0 ? x : largest === 1 ? y : largest === 2 ? z : w;
  const k = ${fr(`${scale} / len`)}, sg = big < 0 ? -k : k;
  ${q(first)} = largest;
  ${slot("(largest === 0 ? y : x)", 1)}
  ${slot("(largest <= 1 ? z : y)", 2)}
  ${slot("(largest <= 2 ? w : z)", 3)} } }`;
}

/** The source naming slot or channel `s`. */
export type Slot = (s: number) => string;

/** dequantizeFloat per slot into its channel. */
export function linearDequantize(f: number, qs: readonly FloatQuantizer[], first: number): string {
  return qs
    .map((z, i) => {
      const s = first + i;
      return `{ const v = nv[o + ${s}]; A${f}_${s}[eid] = v >= ${z.maxValue} ? ${lit(z.max)} : ${lit(z.min)} + v * ${lit(z.step)}; }`;
    })
    .join("\n");
}

/** `Math.fround(e)` as source (the rotations' float32 arithmetic, protocol/quantize.ts). */
function fr(e: string): string {
  return `Math.fround(${e})`;
}

/** dequantizeQuat of slots `first …+3` into channels `first …+3` (float32 arithmetic). */
export function quatDequantize(f: number, bits: number, first: number): string {
  // QuatValueTemplate.dequantizeScale and .middle, dequantizeQuat's: the same numbers.
  const scale = lit(quatDequantizeScale(bits));
  const mid = lit(((1 << bits) - 1) / 2);
  const at = (s: number): string => `nv[o + ${first + s}]`;
  const component = (s: number): string => fr(`(${at(s)} - ${mid}) * ${scale}`);
  const col = (s: number): string => `A${f}_${first + s}[eid]`;
  return `{ const largest = ${at(0)} & 3;
  const s0 = ${component(1)}, s1 = ${component(2)}, s2 = ${component(3)};
  const n = ${fr(`${fr(`${fr("s0 * s0")} + ${fr("s1 * s1")}`)} + ${fr("s2 * s2")}`)};
  const d = ${fr(`Math.sqrt(Math.max(0, ${fr("1 - n")}))`)};
  let x = largest === 0 ? d : s0;
  let y = largest === 1 ? d : largest === 0 ? s0 : s1;
  let z = largest === 2 ? d : largest === 3 ? s2 : s1;
  let w = largest === 3 ? d : s2;
  if (n > 1) { const inv = ${fr(`1 / ${fr("Math.sqrt(n)")}`)}; x = ${fr("x * inv")}; y = ${fr("y * inv")}; z = ${fr("z * inv")}; w = ${fr("w * inv")}; }
  ${col(0)} = x; ${col(1)} = y; ${col(2)} = z; ${col(3)} = w; }`;
}
