/**
 * Which registries the WebAssembly apply kernel (wasmApply.ts) can run, and where its inputs and
 * outputs sit in memory. It takes the field list the JS kernels use (kernelFields) and dequantizes
 * SoA vectors, rotations and transforms and scalar floats over Float32Array/Float64Array columns,
 * and ints, bools and enums of values 0…n-1 on one numeric typed array (Uint8Clamped too;
 * "scalar", applyScalarEmit.ts), as the JS apply kernel does inline (fieldAccess.ts). Every other
 * field (other enums, plain-array storage) is "generic": the kernel only compares its slots, and an
 * id whose generic field changed goes whole to the generic per-entity path (which writes every
 * changed field of it, as the JS kernel would have). A registry without any field the kernel
 * dequantizes keeps the JS kernel (undefined here).
 */
import { quatDequantizeScale } from "../../../protocol/quantize";
import type { ReplicationRegistry } from "../../registry";
import { FloatValueTemplate } from "../../templates/floatTemplate";
import { QuatValueTemplate } from "../../templates/quatTemplate";
import { TransformValueTemplate } from "../../templates/transformTemplate";
import { VectorValueTemplate } from "../../templates/vectorTemplate";
import { kernelFields } from "../kernels/compileKernel";
import { scalarOf, type ScalarAccess } from "../kernels/fieldAccess";
import { align, typedColumns, wasmQuantized } from "./planColumns";

/**
 * Extra entries of a quat work list: the SIMD kernel pads the queued count to a multiple of four
 * (four f32x4 lanes per step, applyQuatEmit.ts) by repeating the last entry.
 */
export const QUAT_LIST_PAD = 3;

/** A component column the kernel can copy and write. */
export type ApplyArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray;

/** The element of a column as the kernel stores it. */
export type ApplyElement = "f64" | "f32" | "i32" | "i16" | "i8" | "u8c";

/** A column's element type, or undefined when the kernel cannot write it. */
function elementOf(c: unknown): ApplyElement | undefined {
  if (c instanceof Float64Array) return "f64";
  if (c instanceof Float32Array) return "f32";
  if (c instanceof Int32Array || c instanceof Uint32Array) return "i32";
  if (c instanceof Int16Array || c instanceof Uint16Array) return "i16";
  if (c instanceof Int8Array || c instanceof Uint8Array) return "i8";
  if (c instanceof Uint8ClampedArray) return "u8c";
  return undefined;
}

/** Bytes per element. */
const ELEMENT_BYTES = { f64: 8, f32: 4, i32: 4, i16: 2, i8: 1, u8c: 1 } as const;

/** One component column the kernel writes: its storage and where its copy sits in wasm memory. */
export interface ApplyColumn {
  readonly array: ApplyArray;
  readonly element: ApplyElement;
  readonly f64: boolean;
  /** Byte address of element 0 of the column's copy (in place: of the column itself). */
  readonly address: number;
  /** True when the column lives in the kernel's memory (componentMemory.ts): written in place, no copy. */
  readonly inPlace: boolean;
}

/** One field as the kernel dequantizes it. */
export type ApplyField = {
  /** Bit of the field in a state's mask (as an i32). */
  readonly bit: number;
  /** First slot of the field in a row. */
  readonly offset: number;
  readonly width: number;
  readonly columns: readonly ApplyColumn[];
} & (
  | {
      readonly kind: "linear";
      readonly min: number[];
      readonly max: number[];
      readonly step: number[];
      readonly maxValue: number[];
    }
  | {
      readonly kind: "quat";
      /** dequantizeQuat's slot → component scale (a float32) and middle slot (maxValue / 2). */
      readonly scale: number;
      readonly middle: number;
      /** Byte address of the SIMD kernel's work list: capacity + QUAT_LIST_PAD (eid, row address) i32 pairs. */
      readonly list: number;
    }
  | {
      /**
       * A transform: its three position slots as a linear field, its rotation (slots 3–6) as a
       * quat (applyDequantizeEmit.ts transformPosition, transformRotation).
       */
      readonly kind: "transform";
      readonly min: number[];
      readonly max: number[];
      readonly step: number[];
      readonly maxValue: number[];
      /** The rotation's, as a quat field's (its work list too: the SIMD kernel queues the rotation). */
      readonly scale: number;
      readonly middle: number;
      readonly list: number;
    }
  | {
      /** An int, bool or enum on one typed array (applyScalarEmit.ts). */
      readonly kind: "scalar";
      readonly scalar: ScalarAccess;
    }
  | {
      /** Compared only: a change sends the id to the generic path (no columns). */
      readonly kind: "generic";
    }
);

/** The kernel's plan: fields, and the scratch layout (word 0: others count; eids; others; counts; ranges; written; columns; quat work lists). */
export interface ApplyPlan {
  readonly fields: readonly ApplyField[];
  /** Byte address of the i32 entity id per network id. */
  readonly eids: number;
  /** Byte address of the i32 network ids handed to the generic path. */
  readonly others: number;
  /**
   * applyCompact: byte address of the per-field lists of entity ids written (field `i`'s list,
   * `capacity` i32, at `written + i × capacity × 4`), in write order.
   */
  readonly written: number;
  /** applyCompact: byte address of one i32 per field, how many entities its list holds. */
  readonly counts: number;
  /**
   * apply: byte address of three i32 per field — how many entities it wrote, and the smallest and
   * largest entity id of a range holding all of them (wasmApply.ts copies only that range out when
   * the count fills it).
   */
  readonly ranges: number;
  /** Smallest column length: entities at or beyond it go to the generic path. */
  readonly columnLength: number;
  /** Bytes of scratch the plan needs. */
  readonly scratchBytes: number;
}

/**
 * True when the kernel dequantizes `s`: an int whose bounds are within ±2^52 (`q + min` is then
 * exact in JS, and its i32 wrap-around is the typed array's), a bool, an enum whose values are its
 * indices (others keep the generic path).
 */
function wasmScalar(s: ScalarAccess): boolean {
  if (s.kind === "int") return Math.abs(s.min) <= 2 ** 52 && Math.abs(s.max) <= 2 ** 52;
  return s.kind === "bool" || s.identity;
}

/**
 * The apply plan of `registry` for states of `capacity` ids, or undefined when a field is not
 * supported. Columns that are views on `memory` (the kernel's, componentMemory.ts) are written at
 * their own addresses; the others get a copy in the scratch.
 */
export function applyPlan(
  registry: ReplicationRegistry,
  capacity: number,
  memory?: WebAssembly.Memory,
): ApplyPlan | undefined {
  const buffer = memory?.buffer;
  const list = kernelFields(registry);
  if (list === undefined || list.length === 0) return undefined;
  const eids = 16;
  const others = align(eids + capacity * 4, 16);
  const counts = align(others + capacity * 4, 16);
  const ranges = align(counts + list.length * 4, 16);
  const written = align(ranges + list.length * 12, 16);
  let address = align(written + list.length * capacity * 4, 16);
  let columnLength = Infinity;
  const fields: ApplyField[] = [];
  // Wider elements first keeps every column aligned to its element size.
  const pending: ({ arrays: ApplyArray[]; addresses: number[]; scalar?: ScalarAccess } | undefined)[] = [];
  for (const kf of list) {
    const field = registry.fields[kf.index];
    if (field === undefined) return undefined;
    const scalar = scalarOf(field);
    const column = field.binding.columns?.[0];
    const arrays: ApplyArray[] | undefined = wasmQuantized(field)
      ? typedColumns(field.binding.columns)
      : scalar !== undefined && wasmScalar(scalar) && elementOf(column) !== undefined
        ? [column as ApplyArray]
        : undefined;
    pending.push(arrays === undefined ? undefined : { arrays, addresses: arrays.map(() => 0), scalar });
    for (const a of arrays ?? []) columnLength = Math.min(columnLength, a.length);
  }
  if (pending.every((p) => p === undefined)) return undefined; // nothing to dequantize here
  for (const bytes of [8, 4, 2, 1]) {
    for (const p of pending) {
      p?.arrays.forEach((a, c) => {
        const size = ELEMENT_BYTES[elementOf(a) as ApplyElement];
        if (size !== bytes) return;
        if (a.buffer === buffer) {
          p.addresses[c] = a.byteOffset; // in place
          return;
        }
        p.addresses[c] = address;
        address += a.length * size;
      });
    }
    address = align(address, 16);
  }
  list.forEach((kf, i) => {
    const field = registry.fields[kf.index];
    if (field === undefined) return;
    const p = pending[i];
    if (p === undefined) {
      fields.push({ bit: kf.bit, offset: kf.offset, width: kf.width, columns: [], kind: "generic" });
      return;
    }
    const columns = p.arrays.map((array, c) => ({
      array,
      element: elementOf(array) as ApplyElement,
      f64: array instanceof Float64Array,
      address: p.addresses[c] as number,
      inPlace: array.buffer === buffer,
    }));
    const base = { bit: kf.bit, offset: kf.offset, width: kf.width, columns };
    const t = field.template;
    if (p.scalar !== undefined) {
      fields.push({ ...base, kind: "scalar", scalar: p.scalar });
    } else if (t instanceof TransformValueTemplate) {
      const qs = t.quantizers;
      fields.push({
        ...base,
        kind: "transform",
        min: qs.map((q) => q.min),
        max: qs.map((q) => q.max),
        step: qs.map((q) => q.step),
        maxValue: qs.map((q) => q.maxValue),
        // dequantizeQuat's scale (QuatValueTemplate.dequantizeScale's): the same float32.
        scale: quatDequantizeScale(t.rotationBits),
        middle: ((1 << t.rotationBits) - 1) / 2,
        list: address,
      });
      address = align(address + (capacity + QUAT_LIST_PAD) * 8, 16);
    } else if (t instanceof QuatValueTemplate) {
      fields.push({ ...base, kind: "quat", scale: t.dequantizeScale, middle: t.middle, list: address });
      address = align(address + (capacity + QUAT_LIST_PAD) * 8, 16);
    } else {
      const qs =
        t instanceof VectorValueTemplate
          ? t.quantizers
          : t instanceof FloatValueTemplate
            ? [t.quantizer]
            : [];
      fields.push({
        ...base,
        kind: "linear",
        min: qs.map((q) => q.min),
        max: qs.map((q) => q.max),
        step: qs.map((q) => q.step),
        maxValue: qs.map((q) => q.maxValue),
      });
    }
  });
  return { fields, eids, others, written, counts, ranges, columnLength, scratchBytes: address };
}
