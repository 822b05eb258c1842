/**
 * How generated capture/apply code reads and writes one replicated component: the built-in
 * templates on their common storage (SoA vectors and rotations, scalar float arrays) are inlined
 * with their quantizer constants; any other field calls its binding. Each inlined form repeats the
 * template's own quantizeSoa/dequantizeSoa (or quantize/dequantize) expression for expression, so
 * both give the same integers and floats.
 */
import type { ReplicatedField } from "../../registry";
import { FloatValueTemplate } from "../../templates/floatTemplate";
import { QuatValueTemplate } from "../../templates/quatTemplate";
import { VectorValueTemplate } from "../../templates/vectorTemplate";
import { lit } from "./compileKernel";

/** Names the generated code binds for one field, and the values they stand for. */
export interface FieldBindings {
  readonly names: string[];
  readonly values: unknown[];
}

/** The inlined storage of field `f`, or undefined when it goes through its binding. */
type Access =
  | { kind: "vector"; t: VectorValueTemplate<Record<string, number>> }
  | { kind: "quat"; t: QuatValueTemplate }
  | { kind: "float"; t: FloatValueTemplate };

function accessOf(field: ReplicatedField): Access | undefined {
  const t = field.template;
  const columns = field.binding.columns;
  if (columns === undefined) return undefined;
  if (
    t instanceof VectorValueTemplate &&
    field.binding.shape === "soa" &&
    t.quantizeSoa === VectorValueTemplate.prototype.quantizeSoa &&
    t.dequantizeSoa === VectorValueTemplate.prototype.dequantizeSoa
  )
    return { kind: "vector", t: t as VectorValueTemplate<Record<string, number>> };
  if (
    t instanceof QuatValueTemplate &&
    field.binding.shape === "soa" &&
    t.quantizeSoa === QuatValueTemplate.prototype.quantizeSoa &&
    t.dequantizeSoa === QuatValueTemplate.prototype.dequantizeSoa
  )
    return { kind: "quat", t };
  if (
    t instanceof FloatValueTemplate &&
    field.binding.shape === "array" &&
    t.quantize === FloatValueTemplate.prototype.quantize &&
    t.dequantize === FloatValueTemplate.prototype.dequantize
  )
    return { kind: "float", t };
  return undefined;
}

/** True when field `f`'s quantization is inlined (a pure function of its channel values). */
export function isInlined(field: ReplicatedField): boolean {
  return accessOf(field) !== undefined;
}

/** Binds field `f`'s columns (`A<f>_<channel>`), binding (`B<f>`) and component (`C<f>`). */
export function bindField(field: ReplicatedField, into: FieldBindings): void {
  const f = field.index;
  into.names.push(`B${f}`, `C${f}`);
  into.values.push(field.binding, field.component);
  const columns = field.binding.columns ?? [];
  for (let c = 0; c < columns.length; c++) {
    into.names.push(`A${f}_${c}`);
    into.values.push(columns[c]);
  }
}

/**
 * Source of `round(x)`, Math.round for every x the quantizers produce (0 ≤ x < 2^31, or slightly
 * negative before a clamp): floor(x + 0.5) differs from Math.round only at 0.49999999999999994
 * (where x + 0.5 rounds up to 1) and at |x| ≥ 2^52. V8 (Node 20) compiles Math.round to a slow
 * sequence; this was half the cost of capturing 100 rotations.
 */
export const ROUND_SOURCE =
  "function round(x) { const v = Math.floor(x + 0.5) | 0; return x === 0.49999999999999994 ? 0 : v; }";

/**
 * `(v - min) / step` as source: a multiplication by `1 / step` when the step is a power of two
 * (the reciprocal is then exact, and so is the product: the same double as the division).
 */
function scaled(v: string, min: number, step: number): string {
  const inverse = 1 / step;
  const exact = Number.isFinite(inverse) && 2 ** Math.round(Math.log2(step)) === step;
  return exact ? `(${v} - ${lit(min)}) * ${lit(inverse)}` : `(${v} - ${lit(min)}) / ${lit(step)}`;
}

/**
 * Statements that quantize entity `eid`'s field into locals `q<f>_<slot>` (declared by the caller
 * as `let`); `tmp` is an Int32Array scratch of at least the field's width. With `raw`, an inlined
 * field reads its channel values from the locals `r<channel>` the caller already loaded.
 */
export function quantizeSource(field: ReplicatedField, raw = false): string {
  const f = field.index;
  const a = accessOf(field);
  const q = (s: number): string => `q${f}_${s}`;
  const channel = (s: number): string => (raw ? `r${s}` : `A${f}_${s}[eid]`);
  if (a === undefined) {
    const lines = [`B${f}.quantize(eid, tmp, 0);`];
    for (let s = 0; s < field.template.width; s++) lines.push(`${q(s)} = tmp[${s}];`);
    return lines.join(" ");
  }
  if (a.kind === "vector" || a.kind === "float") {
    const qs = a.kind === "vector" ? a.t.quantizers : [a.t.quantizer];
    return qs
      .map((z, s) => {
        const read = a.kind === "float" ? `(${channel(0)} ?? 0)` : channel(s);
        return `{ const v = ${read}; ${q(s)} = !(v > ${lit(z.min)}) ? 0 : v >= ${lit(z.max)} ? ${z.maxValue} : round(${scaled("v", z.min, z.step)}); }`;
      })
      .join("\n");
  }
  const maxValue = (1 << a.t.bits) - 1;
  const scale = lit(maxValue / (2 * Math.SQRT1_2));
  const slot = (c: string, s: number): string =>
    `{ const v = round((${c} + Math.SQRT1_2) * ${scale}); ${q(s)} = v < 0 ? 0 : v > ${maxValue} ? ${maxValue} : v; }`;
  return `{ let x = ${channel(0)}, y = ${channel(1)}, z = ${channel(2)}, w = ${channel(3)};
  let largest = 0, best = Math.abs(x);
  if (Math.abs(y) > best) { largest = 1; best = Math.abs(y); }
  if (Math.abs(z) > best) { largest = 2; best = Math.abs(z); }
  if (Math.abs(w) > best) largest = 3;
  const len = Math.sqrt(x * x + y * y + z * z + w * w);
  if (!(len > 1e-12) || !Number.isFinite(len)) { x = 0; y = 0; z = 0; w = 1; largest = 3; }
  const big = largest === 0 ? x : largest === 1 ? y : largest === 2 ? z : w;
  const sign = big < 0 ? -1 / (len || 1) : 1 / (len || 1);
  ${q(0)} = largest;
  ${slot("(largest === 0 ? y : x) * sign", 1)}
  ${slot("(largest <= 1 ? z : y) * sign", 2)}
  ${slot("(largest <= 2 ? w : z) * sign", 3)} }`;
}

/** Statements that write the value of slots `nv[o …]` into entity `eid`'s field. */
export function dequantizeSource(field: ReplicatedField): string {
  const f = field.index;
  const a = accessOf(field);
  if (a === undefined) return `B${f}.apply(eid, nv, o);`;
  if (a.kind === "vector" || a.kind === "float") {
    const qs = a.kind === "vector" ? a.t.quantizers : [a.t.quantizer];
    return qs
      .map(
        (z, s) =>
          `{ const v = nv[o + ${s}]; A${f}_${s}[eid] = v >= ${z.maxValue} ? ${lit(z.max)} : ${lit(z.min)} + v * ${lit(z.step)}; }`,
      )
      .join("\n");
  }
  const scale = lit(a.t.dequantizeScale);
  return `{ const largest = nv[o] & 3;
  const s0 = nv[o + 1] * ${scale} - Math.SQRT1_2, s1 = nv[o + 2] * ${scale} - Math.SQRT1_2, s2 = nv[o + 3] * ${scale} - Math.SQRT1_2;
  const d = Math.sqrt(Math.max(0, 1 - s0 * s0 - s1 * s1 - s2 * s2));
  const x = largest === 0 ? d : s0;
  const y = largest === 1 ? d : largest === 0 ? s0 : s1;
  const z = largest === 2 ? d : largest === 3 ? s2 : s1;
  const w = largest === 3 ? d : s2;
  const inv = 1 / Math.sqrt(x * x + y * y + z * z + w * w);
  A${f}_0[eid] = x * inv; A${f}_1[eid] = y * inv; A${f}_2[eid] = z * inv; A${f}_3[eid] = w * inv; }`;
}
