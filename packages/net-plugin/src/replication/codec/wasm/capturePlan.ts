/**
 * Which registries the WebAssembly capture kernel (wasmCapture.ts) can run, and its scratch
 * layout. The kernel quantizes the fields the JS capture kernel inlines (fieldAccess.ts
 * isInlined: SoA vectors and rotations, scalar floats — pure functions of the channel values);
 * the others (the server's owner/authority ints, bools, enums, ...) are quantized through their
 * binding by the JS gather, as the JS kernel does. A registry without an inlined field keeps the
 * JS kernel (undefined here).
 *
 * The component columns must be Float32Array/Float64Array (wasmCapture.ts copies their prefix
 * into the scratch; the kernel reads channel values by entity id, as it will read components that
 * live in wasm memory).
 *
 * Scratch: word 0 the version counter and word 1 the high water (in and out), word 2 the largest
 * listed entity id (gather), word 3 the rows written (kernel); then per entry of
 * one batch (at most `batch` listed entities) its network id, field mask and entity id (i32); the
 * quantized values (i32, one column of `batch` per row slot, so SIMD stores two entries at once);
 * then a copy of every component column with one element more: at index `length` the value a read
 * past the array gives the JS kernel (undefined: NaN for vectors and rotations, 0 for a scalar
 * float's `?? 0`), where entity ids at or past the length are pointed. The raw-value cache (f64,
 * `capacity × stride`, the channel values each row was last quantized from, as the JS kernel's
 * `shadow`) follows the scratch in the kernel's memory (wasmCapture.ts).
 */
import type { ReplicationRegistry } from "../../registry";
import { FloatValueTemplate } from "../../templates/floatTemplate";
import { QuatValueTemplate } from "../../templates/quatTemplate";
import { VectorValueTemplate } from "../../templates/vectorTemplate";
import { isInlined } from "../kernels/fieldAccess";
import { align, typedColumns } from "./planColumns";

/**
 * Listed entities per kernel call: bounds the scratch (≈ 16 + 4 × stride bytes per entry); a
 * longer list runs in several calls, with the whole state and columns copied once.
 */
export const CAPTURE_BATCH = 2048;

/** One linear quantizer (FloatQuantizer's numbers). */
export interface LinearSlot {
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly maxValue: number;
  /**
   * `1 / step` when the JS kernel multiplies by it (a power-of-two step: exact, see fieldAccess.ts
   * `scaled`), else undefined: the kernel divides by `step`, as the JS kernel does.
   */
  readonly inverse: number | undefined;
}

/** The JS kernel's choice of `(v - min) / step` form (fieldAccess.ts `scaled`). */
function inverseOf(step: number): number | undefined {
  const inverse = 1 / step;
  return Number.isFinite(inverse) && 2 ** Math.round(Math.log2(step)) === step ? inverse : undefined;
}

/** One component column and where its copy sits in the scratch. */
export interface CaptureColumn {
  readonly array: Float32Array | Float64Array;
  readonly f64: boolean;
  /** Byte address of element 0 of the copy (`length + 1` elements). */
  readonly address: number;
  readonly length: number;
  /** What a read at or past `length` gives the JS kernel (element `length` of the copy). */
  readonly past: number;
}

/**
 * One field as the kernel quantizes it; a `generic` field (no inline form: int, bool, enum,
 * transform, ... — quantized through its binding, as the JS kernel does) is quantized by the
 * gather into the quantized columns, and the kernel only compares and writes it.
 */
export type CaptureField = {
  /** Field index (its bit in a state's mask, as an i32: `1 << index`). */
  readonly index: number;
  readonly bit: number;
  /** First slot of the field in a row (and its first quantized column). */
  readonly offset: number;
  readonly width: number;
  /** Its columns, one per channel (none for a generic field). */
  readonly columns: readonly CaptureColumn[];
} & (
  | { readonly kind: "linear"; readonly slots: readonly LinearSlot[] }
  | { readonly kind: "quat"; readonly maxValue: number; readonly scale: number }
  | { readonly kind: "generic" }
);

/** A field the kernel quantizes itself. */
export type InlineField = Exclude<CaptureField, { kind: "generic" }>;

/** The kernel's plan: fields and the scratch layout (byte addresses). */
export interface CapturePlan {
  readonly fields: readonly CaptureField[];
  readonly stride: number;
  readonly batch: number;
  /** i32 network id per batch entry. */
  readonly ids: number;
  /** i32 field mask per batch entry. */
  readonly masks: number;
  /** i32 per batch entry: the fields the kernel quantized (their values differed from the cache). */
  readonly qmasks: number;
  /**
   * i32 entity id per batch entry — clamped by the gather to `columnLength` (the `past` element)
   * when every column has that length, else clamped per column by the kernel.
   */
  readonly eids: number;
  readonly columnLength: number | undefined;
  /** i32 quantized columns: slot `s`, entry `i` at `quantized + (s * batch + i) * 4`. */
  readonly quantized: number;
  readonly scratchBytes: number;
}

/**
 * The capture plan of `registry`, or undefined when no field is inlined by the JS kernel, or an
 * inlined field's columns are not Float32Array/Float64Array.
 */
export function capturePlan(registry: ReplicationRegistry, batch = CAPTURE_BATCH): CapturePlan | undefined {
  if (!Number.isInteger(batch) || batch < 4 || batch % 4 !== 0) {
    // The SIMD kernel writes 4 entries per iteration (captureSimd.ts SIMD_ENTRIES).
    throw new RangeError(`capturePlan: batch ${batch} must be a multiple of 4.`);
  }
  if (registry.fields.length === 0) return undefined;
  const stride = registry.stride;
  const ids = 16;
  const masks = align(ids + batch * 4, 16);
  const qmasks = align(masks + batch * 4, 16);
  const eids = align(qmasks + batch * 4, 16);
  const quantized = align(eids + batch * 4, 16);
  let address = align(quantized + stride * batch * 4, 16);
  const fields: CaptureField[] = [];
  for (const field of registry.fields) {
    const bit = field.index === 31 ? -0x80000000 : 1 << field.index;
    if (!isInlined(field)) {
      const { index, offset } = field;
      fields.push({ index, bit, offset, width: field.template.width, columns: [], kind: "generic" });
      continue;
    }
    const arrays = typedColumns(field.binding.columns);
    if (arrays?.length !== field.template.width) return undefined;
    const t = field.template;
    const columns = arrays.map((array) => {
      const f64 = array instanceof Float64Array;
      const column = {
        array,
        f64,
        address,
        length: array.length,
        past: t instanceof FloatValueTemplate ? 0 : Number.NaN,
      };
      address = align(address + (array.length + 1) * (f64 ? 8 : 4), 16);
      return column;
    });
    const base = {
      index: field.index,
      bit,
      offset: field.offset,
      width: t.width,
      columns,
    };
    if (t instanceof QuatValueTemplate) {
      const maxValue = (1 << t.bits) - 1;
      // fieldAccess.ts quantizeSource: the same double as its literal.
      fields.push({ ...base, kind: "quat", maxValue, scale: maxValue / (2 * Math.SQRT1_2) });
    } else if (t instanceof VectorValueTemplate || t instanceof FloatValueTemplate) {
      const qs = t instanceof FloatValueTemplate ? [t.quantizer] : t.quantizers;
      const slots = qs.map((q) => ({
        min: q.min,
        max: q.max,
        step: q.step,
        maxValue: q.maxValue,
        inverse: inverseOf(q.step),
      }));
      fields.push({ ...base, kind: "linear", slots });
    } else return undefined;
  }
  if (fields.every((f) => f.kind === "generic")) return undefined;
  const lengths = new Set(fields.flatMap((f) => f.columns.map((c) => c.length)));
  const columnLength = lengths.size === 1 ? (lengths.values().next().value as number) : undefined;
  return { fields, stride, batch, ids, masks, qmasks, eids, columnLength, quantized, scratchBytes: address };
}
