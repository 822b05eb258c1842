/**
 * How generated capture/apply code reads and writes one replicated component: the built-in
 * templates on their common storage (SoA vectors, rotations and transforms; scalar float, int,
 * bool and numeric enum arrays, typed or plain) are inlined with their quantizer constants; any
 * other field calls its binding. Each inlined form repeats the
 * template's own quantizeSoa/dequantizeSoa (or quantize/dequantize) expression for expression, so
 * both give the same integers and floats.
 */
import type { ReplicatedField } from "../../registry";
import type { FloatQuantizer } from "../../../protocol/quantize";
import { BoolValueTemplate } from "../../templates/boolTemplate";
import { EnumValueTemplate } from "../../templates/enumTemplate";
import { FloatValueTemplate } from "../../templates/floatTemplate";
import { IntValueTemplate } from "../../templates/intTemplate";
import { QuatValueTemplate } from "../../templates/quatTemplate";
import { TransformValueTemplate } from "../../templates/transformTemplate";
import { VectorValueTemplate } from "../../templates/vectorTemplate";
import { lit } from "./compileKernel";
import { linearDequantize, linearQuantize, quatDequantize, quatQuantize } from "./vectorSources";

/** Names the generated code binds for one field, and the values they stand for. */
export interface FieldBindings {
  readonly names: string[];
  readonly values: unknown[];
}

/** Integer typed arrays: their elements are integers, so IntTemplate's Math.round is the identity. */
const INTEGER_ARRAYS: readonly (abstract new (n: number) => ArrayLike<number>)[] = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
];

/** True for a typed array (not a DataView): it holds numbers only. */
function isTypedArray(column: unknown): boolean {
  return ArrayBuffer.isView(column) && !(column instanceof DataView);
}

/** Most enum values compared inline (a chain of `===`); a longer list goes through the binding. */
const ENUM_INLINE_VALUES = 16;

/** The inlined storage of field `f`, or undefined when it goes through its binding. */
type Access =
  | { kind: "linear"; qs: readonly FloatQuantizer[]; orZero: boolean }
  | { kind: "quat"; bits: number }
  | { kind: "transform"; qs: readonly FloatQuantizer[]; bits: number }
  | { kind: "int"; min: number; max: number; integral: boolean }
  | { kind: "bool"; typed: boolean }
  | { kind: "enum"; values: readonly number[]; identity: boolean; typed: boolean };

function accessOf(field: ReplicatedField): Access | undefined {
  const t = field.template;
  const { shape, columns } = field.binding;
  const column = columns?.[0];
  if (columns === undefined || column === undefined) return undefined;
  if (shape === "soa") {
    if (
      t instanceof VectorValueTemplate &&
      t.quantizeSoa === VectorValueTemplate.prototype.quantizeSoa &&
      t.dequantizeSoa === VectorValueTemplate.prototype.dequantizeSoa
    )
      return { kind: "linear", qs: t.quantizers, orZero: false };
    if (
      t instanceof QuatValueTemplate &&
      t.quantizeSoa === QuatValueTemplate.prototype.quantizeSoa &&
      t.dequantizeSoa === QuatValueTemplate.prototype.dequantizeSoa
    )
      return { kind: "quat", bits: t.bits };
    if (
      t instanceof TransformValueTemplate &&
      t.quantizeSoa === TransformValueTemplate.prototype.quantizeSoa &&
      t.dequantizeSoa === TransformValueTemplate.prototype.dequantizeSoa
    )
      return { kind: "transform", qs: t.quantizers, bits: t.rotationBits };
    return undefined;
  }
  if (shape !== "array") return undefined;
  // The array binding: quantize(array[eid] ?? createValue()), array[eid] = dequantize(...).
  if (
    t instanceof FloatValueTemplate &&
    t.quantize === FloatValueTemplate.prototype.quantize &&
    t.dequantize === FloatValueTemplate.prototype.dequantize
  )
    return { kind: "linear", qs: [t.quantizer], orZero: true };
  if (
    t instanceof IntValueTemplate &&
    t.quantize === IntValueTemplate.prototype.quantize &&
    t.dequantize === IntValueTemplate.prototype.dequantize
  ) {
    const integral = INTEGER_ARRAYS.some((k) => column instanceof k);
    return { kind: "int", min: t.min, max: t.max, integral };
  }
  if (
    t instanceof BoolValueTemplate &&
    t.quantize === BoolValueTemplate.prototype.quantize &&
    t.dequantize === BoolValueTemplate.prototype.dequantize
  )
    return { kind: "bool", typed: isTypedArray(column) };
  if (
    t instanceof EnumValueTemplate &&
    t.quantize === EnumValueTemplate.prototype.quantize &&
    t.dequantize === EnumValueTemplate.prototype.dequantize
  ) {
    const values: readonly unknown[] = t.values;
    // Numbers only (a Map's NaN key would need its own test); identity: index i holds i.
    if (!values.every((v): v is number => typeof v === "number" && Number.isFinite(v))) return undefined;
    const identity = values.every((v, i) => Object.is(v, i));
    if (!identity && values.length > ENUM_INLINE_VALUES) return undefined;
    return { kind: "enum", values, identity, typed: isTypedArray(column) };
  }
  return undefined;
}

/** True when field `f`'s quantization is inlined (a pure function of its channel values). */
export function isInlined(field: ReplicatedField): boolean {
  return accessOf(field) !== undefined;
}

/**
 * True when field `f`'s quantization reads its channel values as numbers (ToNumber), so a channel
 * value equal to the number capture's raw-value cache kept for it quantizes the same; false for a
 * bool or enum on a plain array (`"0"` is truthy, and an enum's `"2"` or `null` is not its 2 or
 * 0): the capture kernel then caches only numbers.
 */
export function readsNumbers(field: ReplicatedField): boolean {
  const a = accessOf(field);
  return a === undefined || !((a.kind === "bool" && !a.typed) || (a.kind === "enum" && !a.typed));
}

/**
 * Binds field `f`'s columns (`A<f>_<channel>`), binding (`B<f>`), component (`C<f>`) and, for an
 * inlined enum, its values (`E<f>`).
 */
export function bindField(field: ReplicatedField, into: FieldBindings): void {
  const f = field.index;
  into.names.push(`B${f}`, `C${f}`, `E${f}`);
  const a = accessOf(field);
  into.values.push(field.binding, field.component, a?.kind === "enum" ? a.values : undefined);
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
 * Statements that quantize entity `eid`'s field into locals `q<f>_<slot>` (declared by the caller
 * as `let`); `tmp` is an Int32Array scratch of at least the field's width. With `raw`, an inlined
 * field reads its channel values from the locals `r<channel>` the caller already loaded.
 */
export function quantizeSource(field: ReplicatedField, raw = false): string {
  const f = field.index;
  const a = accessOf(field);
  const q = (s: number): string => `q${f}_${s}`;
  const ch = (s: number): string => (raw ? `r${s}` : `A${f}_${s}[eid]`);
  if (a === undefined) {
    const lines = [`B${f}.quantize(eid, tmp, 0);`];
    for (let s = 0; s < field.template.width; s++) lines.push(`${q(s)} = tmp[${s}];`);
    return lines.join(" ");
  }
  switch (a.kind) {
    case "linear":
      return linearQuantize(a.qs, 0, a.orZero, q, ch);
    case "quat":
      return quatQuantize(a.bits, 0, q, ch);
    case "transform":
      return `${linearQuantize(a.qs, 0, false, q, ch)}\n${quatQuantize(a.bits, 3, q, ch)}`;
    case "int": {
      // IntValueTemplate.quantize(array[eid] ?? 0): Math.round only for a value that is not an int32.
      const v = a.integral ? "r" : `(r === (r | 0) ? r : Math.round(r))`;
      return `{ const r = ${ch(0)} ?? 0, v = ${v}; ${q(0)} = v >= ${lit(a.max)} ? ${lit(a.max - a.min)} : v > ${lit(a.min)} ? v - ${lit(a.min)} : 0; }`;
    }
    case "bool":
      return `${q(0)} = ${ch(0)} ? 1 : 0;`;
    case "enum": {
      // EnumValueTemplate.quantize: the value's index (SameValueZero, as its Map), else 0.
      const max = a.values.length - 1;
      const test = a.identity
        ? `(v | 0) === v && v >= 0 && v <= ${max} ? v | 0 : 0`
        : `${a.values.map((x, i) => `v === ${lit(x)} ? ${i} : `).join("")}0`;
      return `{ const v = ${ch(0)}; ${q(0)} = ${test}; }`;
    }
  }
}

/** Statements that write the value of slots `nv[o …]` into entity `eid`'s field. */
export function dequantizeSource(field: ReplicatedField): string {
  const f = field.index;
  const a = accessOf(field);
  if (a === undefined) return `B${f}.apply(eid, nv, o);`;
  switch (a.kind) {
    case "linear":
      return linearDequantize(f, a.qs, 0);
    case "quat":
      return quatDequantize(f, a.bits, 0);
    case "transform":
      return `${linearDequantize(f, a.qs, 0)}\n${quatDequantize(f, a.bits, 3)}`;
    case "int":
      return `A${f}_0[eid] = nv[o] + ${lit(a.min)};`;
    case "bool":
      // BoolValueTemplate.dequantize's true/false, as a typed array stores it (1/0).
      return `A${f}_0[eid] = ${a.typed ? "nv[o] === 1 ? 1 : 0" : "nv[o] === 1"};`;
    case "enum": {
      // EnumValueTemplate.dequantize: values[q] ?? values[0].
      const max = a.values.length - 1;
      return a.identity
        ? `{ const v = nv[o]; A${f}_0[eid] = v >>> 0 <= ${max} ? v : 0; }`
        : `A${f}_0[eid] = E${f}[nv[o]] ?? E${f}[0];`;
    }
  }
}

/** An inlined int, bool or enum field as the wasm apply kernel dequantizes it. */
export type ScalarAccess =
  | { readonly kind: "int"; readonly min: number; readonly max: number }
  | { readonly kind: "bool" }
  | {
      readonly kind: "enum";
      readonly identity: boolean;
      readonly max: number;
      /** The enum's values (index → value). */
      readonly values: readonly number[];
    };

/** Field `f`'s inlined int, bool or enum form (array shape), else undefined. */
export function scalarOf(field: ReplicatedField): ScalarAccess | undefined {
  const a = accessOf(field);
  if (a === undefined) return undefined;
  if (a.kind === "int") return { kind: "int", min: a.min, max: a.max };
  if (a.kind === "bool") return { kind: "bool" };
  if (a.kind === "enum")
    return { kind: "enum", identity: a.identity, max: a.values.length - 1, values: a.values };
  return undefined;
}
