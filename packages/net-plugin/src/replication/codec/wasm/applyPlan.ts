/**
 * Which registries the WebAssembly apply kernel (wasmApply.ts) can run, and where its inputs and
 * outputs sit in memory. It takes the field list the JS kernels use (kernelFields) and dequantizes
 * SoA vectors, rotations and scalar floats over Float32Array/Float64Array columns, as the JS apply
 * kernel does inline (fieldAccess.ts). Every other field (ints such as the owner fields the server
 * adds, bools, enums, transforms, plain-array storage) is "generic": the kernel only compares its
 * slots, and an id whose generic field changed goes whole to the generic per-entity path (which
 * writes every changed field of it, as the JS kernel would have). A registry without any field the
 * kernel dequantizes keeps the JS kernel (undefined here).
 */
import type { ReplicationRegistry } from "../../registry";
import { FloatValueTemplate } from "../../templates/floatTemplate";
import { QuatValueTemplate } from "../../templates/quatTemplate";
import { VectorValueTemplate } from "../../templates/vectorTemplate";
import { kernelFields } from "../kernels/compileKernel";
import { isInlined } from "../kernels/fieldAccess";
import { align, typedColumns } from "./planColumns";

/**
 * Extra entries of a quat work list: the SIMD kernel pads the queued count to a multiple of four
 * (two f64x2 pairs per step, applyQuatEmit.ts) by repeating the last entry.
 */
export const QUAT_LIST_PAD = 3;

/** One component column the kernel writes: its storage and where its copy sits in wasm memory. */
export interface ApplyColumn {
  readonly array: Float32Array | Float64Array;
  readonly f64: boolean;
  /** Byte address of element 0 of the column's copy. */
  readonly address: number;
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
      readonly scale: number;
      /** Byte address of the SIMD kernel's work list: capacity + QUAT_LIST_PAD (eid, row address) i32 pairs. */
      readonly list: number;
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

/** The apply plan of `registry` for states of `capacity` ids, or undefined when a field is not supported. */
export function applyPlan(registry: ReplicationRegistry, capacity: number): ApplyPlan | undefined {
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
  // Float64 columns first keeps every column 8-byte aligned.
  const pending: ({ arrays: (Float32Array | Float64Array)[]; addresses: number[] } | undefined)[] = [];
  for (const kf of list) {
    const field = registry.fields[kf.index];
    if (field === undefined) return undefined;
    const t = field.template;
    const kind =
      t instanceof QuatValueTemplate || t instanceof VectorValueTemplate || t instanceof FloatValueTemplate;
    const arrays = kind && isInlined(field) ? typedColumns(field.binding.columns) : undefined;
    pending.push(arrays === undefined ? undefined : { arrays, addresses: arrays.map(() => 0) });
    for (const a of arrays ?? []) columnLength = Math.min(columnLength, a.length);
  }
  if (pending.every((p) => p === undefined)) return undefined; // nothing to dequantize here
  for (const f64 of [true, false]) {
    for (const p of pending) {
      p?.arrays.forEach((a, c) => {
        if (a instanceof Float64Array !== f64) return;
        p.addresses[c] = address;
        address += a.length * (f64 ? 8 : 4);
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
      f64: array instanceof Float64Array,
      address: p.addresses[c] as number,
    }));
    const base = { bit: kf.bit, offset: kf.offset, width: kf.width, columns };
    const t = field.template;
    if (t instanceof QuatValueTemplate) {
      fields.push({ ...base, kind: "quat", scale: t.dequantizeScale, list: address });
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
