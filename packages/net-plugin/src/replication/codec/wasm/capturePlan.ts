/**
 * Which registries the WebAssembly capture kernel (wasmCapture.ts) can run, and its scratch
 * layout. The kernel quantizes the SoA vectors, rotations, transforms and scalar floats the JS
 * capture kernel inlines (fieldAccess.ts isInlined: pure functions of the channel values); the others
 * (the server's owner/authority ints, bools, enums, ...) are quantized by the JS gather
 * with the JS kernel's code (inlined, or through their binding). A registry without an inlined field keeps the
 * JS kernel (undefined here).
 *
 * The component columns must be Float32Array/Float64Array (wasmCapture.ts copies their prefix
 * into the scratch; the kernel reads channel values by entity id), or views on the kernel's own
 * memory (componentMemory.ts: read in place at their addresses, `inPlace`).
 *
 * Scratch: a header of i32 words (HEADER and `fieldWord`: version counter and high water in and
 * out, the largest listed entity id, rows written and removed, and for the wasm gather the
 * addresses and lengths of the tables it reads, captureTables.ts); then per entry of one batch
 * (at most `batch` listed entities) its network id, field mask and entity id (i32); the
 * quantized values (i32 rows of `stride` slots, as the state's);
 * then a copy of every component column with one element more: at index `length` the value a read
 * past the array gives the JS kernel (undefined: NaN for vectors and rotations, 0 for a scalar
 * float's `?? 0`), where entity ids at or past the length are pointed.
 */
import type { ReplicationRegistry } from "../../registry";
import { FloatValueTemplate } from "../../templates/floatTemplate";
import { QuatValueTemplate } from "../../templates/quatTemplate";
import { TransformValueTemplate } from "../../templates/transformTemplate";
import { VectorValueTemplate } from "../../templates/vectorTemplate";
import { linearSlots, quatNumbers, transformParts } from "./captureParts";
import { tableScalar, type TableScalar } from "./captureScalars";
import { align, typedColumns, wasmQuantized } from "./planColumns";
import type { Local, WasmFunction } from "./wasmModule";

export { wasmQuantized } from "./planColumns";

/**
 * Listed entities per kernel call: bounds the scratch (≈ 16 + 4 × stride bytes per entry); a
 * longer list runs in several calls, with the whole state and columns copied once.
 */
export const CAPTURE_BATCH = 2048;

/** Scratch header words (i32 index): what JS and the kernel exchange per call. */
export const HEADER = {
  /** In and out: the state's version counter and high water. */
  versionCounter: 0,
  highWater: 1,
  /** The largest listed entity id (the gather's output). */
  maxEid: 2,
  /** Rows the kernel wrote, and removed (summed over a call). */
  rows: 3,
  removed: 4,
  /** The wasm gather's seen stamp of this call and the stamps' address (capacity u32). */
  stamp: 5,
  seen: 6,
  /** Entity → network id + 1 table: address and length (captureTables.ts). */
  netAt: 7,
  netLength: 8,
  /** The state's capacity (network ids at or past it are refused). */
  capacity: 9,
  /** The listed entity ids (the whole list; the wasm gather reads a batch of it per call). */
  listAt: 10,
  /**
   * The gather's reuse (captureReuse.ts): in, 1 when the caller allows it; out, 1 when it was
   * reused. The copies of the last gathered call's list and membership words, its list length,
   * largest network id and (written by the caller) seen stamp.
   */
  reuse: 11,
  prevListAt: 12,
  prevMaskAt: 13,
  prevN: 14,
  prevTop: 15,
  prevStamp: 16,
  /**
   * 1 when the last gathered call's entries were "lined" (captureReuse.ts emitLined: consecutive
   * network ids, every field): a reused gather's entries are.
   */
  lined: 17,
} as const;
/** Header words before the per-field ones. */
const HEADER_WORDS = 20;
/** Per field, its words: membership table address, length and bit; an int field's table address and length. */
export const FIELD_WORDS = { maskAt: 0, maskLength: 1, flag: 2, intAt: 3, intLength: 4 } as const;
/** The first header word of field `f`. */
export function fieldWord(f: number): number {
  return HEADER_WORDS + f * 5;
}

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

/** One component column and where its copy sits in the scratch. */
export interface CaptureColumn {
  readonly array: Float32Array | Float64Array;
  readonly f64: boolean;
  /** Byte address of element 0 of the copy (`length + 1` elements). */
  readonly address: number;
  readonly length: number;
  /** What a read at or past `length` gives the JS kernel (element `length` of the copy). */
  readonly past: number;
  /**
   * True when the column lives in the kernel's memory (componentMemory.ts): `address` is its own,
   * element `length` is its reserved past slot, and nothing is copied.
   */
  readonly inPlace: boolean;
}

/**
 * One field as the kernel quantizes it; a `generic` field (no inline form: int, bool, enum,
 * custom, ... — quantized through its binding, as the JS kernel does) is quantized by the
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
  | {
      /** A Transform: its position and rotation parts (captureParts.ts), quantized as a Vec3 and a Quat. */
      readonly kind: "transform";
      readonly parts: readonly [InlineField, InlineField];
    }
  | {
      readonly kind: "generic";
      /**
       * An IntTemplate on one array (intArray), or a bool or an enum of values 0…max on one typed
       * array (tableScalar): its array and bounds; the wasm gather quantizes it.
       */
      readonly int: TableScalar | undefined;
    }
);

/** A part the kernel quantizes itself: a vector or scalar float, a rotation, or half a Transform. */
export type InlineField = Extract<CaptureField, { kind: "linear" } | { kind: "quat" }>;

/** The kernel's plan: fields and the scratch layout (byte addresses). */
export interface CapturePlan {
  readonly fields: readonly CaptureField[];
  readonly stride: number;
  readonly batch: number;
  /** Byte address of the header (16-byte aligned; every address here is absolute). */
  readonly header: number;
  /** i32 network id per batch entry. */
  readonly ids: number;
  /** i32 field mask per batch entry. */
  readonly masks: number;
  /**
   * i32 entity id per batch entry — clamped by the gather to `columnLength` (the `past` element)
   * when every column has that length, else clamped per column by the kernel.
   */
  readonly eids: number;
  readonly columnLength: number | undefined;
  /**
   * i32 quantized rows: entry `i`'s slot `s` at `quantized + (i * stride + s) * 4` (row-major, as
   * the state: the row pass moves them with v128 loads; 16 bytes of padding after the last).
   */
  readonly quantized: number;
  /** Bytes from `header` to the end of the last column copy. */
  readonly scratchBytes: number;
  /** True when every generic field is an int on one array: the gather can then run in wasm. */
  readonly wasmGather: boolean;
}

/**
 * The capture plan of `registry`, or undefined when no field is inlined by the JS kernel, or an
 * inlined field's columns are not Float32Array/Float64Array.
 */
export function capturePlan(
  registry: ReplicationRegistry,
  batch = CAPTURE_BATCH,
  /** Byte address of the scratch (its header) in the kernel's memory. */
  base = 0,
  /** The kernel's memory: columns that are views on it are read in place (no copy in the scratch). */
  memory?: WebAssembly.Memory,
): CapturePlan | undefined {
  const buffer = memory?.buffer;
  // An in-place column's past slot holds one value: a column read by two fields wanting
  // different ones (a Float's 0 and a vector's NaN) is copied for the second.
  const pastOf = new Map<Float32Array | Float64Array, number>();
  if (!Number.isInteger(batch) || batch < 4 || batch % 4 !== 0) {
    // The SIMD kernel writes 4 entries per iteration (captureSimd.ts SIMD_ENTRIES).
    throw new RangeError(`capturePlan: batch ${batch} must be a multiple of 4.`);
  }
  if (registry.fields.length === 0) return undefined;
  const stride = registry.stride;
  const header = base;
  const ids = align(base + fieldWord(registry.fields.length) * 4, 16);
  const masks = align(ids + batch * 4, 16);
  const eids = align(masks + batch * 4, 16);
  const quantized = align(eids + batch * 4, 16);
  let address = align(quantized + stride * batch * 4 + 16, 16);
  const fields: CaptureField[] = [];
  for (const field of registry.fields) {
    const bit = field.index === 31 ? -0x80000000 : 1 << field.index;
    const t = field.template;
    if (!wasmQuantized(field)) {
      const { index, offset } = field;
      const int = tableScalar(field);
      fields.push({ index, bit, offset, width: field.template.width, columns: [], kind: "generic", int });
      continue;
    }
    const arrays = typedColumns(field.binding.columns);
    if (arrays?.length !== field.template.width) return undefined;
    const columns = arrays.map((array) => {
      const f64 = array instanceof Float64Array;
      const past = t instanceof FloatValueTemplate ? 0 : Number.NaN;
      const inPlace = array.buffer === buffer && Object.is(pastOf.get(array) ?? past, past);
      if (inPlace) pastOf.set(array, past);
      const column = {
        array,
        f64,
        address: inPlace ? array.byteOffset : address,
        length: array.length,
        past,
        inPlace,
      };
      if (!inPlace) address = align(address + (array.length + 1) * (f64 ? 8 : 4), 16);
      return column;
    });
    const common = {
      index: field.index,
      bit,
      offset: field.offset,
      width: t.width,
      columns,
    };
    if (t instanceof QuatValueTemplate) {
      // fieldAccess.ts quantizeSource: the same doubles as its literals.
      fields.push({ ...common, kind: "quat", ...quatNumbers(t.bits) });
    } else if (t instanceof TransformValueTemplate) {
      const parts = transformParts(common, columns, t.quantizers, t.rotationBits);
      fields.push({ ...common, kind: "transform", parts });
    } else if (t instanceof VectorValueTemplate || t instanceof FloatValueTemplate) {
      const qs = t instanceof FloatValueTemplate ? [t.quantizer] : t.quantizers;
      fields.push({ ...common, kind: "linear", slots: linearSlots(qs) });
    } else return undefined;
  }
  if (fields.every((f) => f.kind === "generic")) return undefined;
  const lengths = new Set(fields.flatMap((f) => f.columns.map((c) => c.length)));
  const columnLength = lengths.size === 1 ? (lengths.values().next().value as number) : undefined;
  const wasmGather = fields.every((f) => f.kind !== "generic" || f.int !== undefined);
  const scratchBytes = address - base;
  return {
    fields,
    stride,
    batch,
    header,
    ids,
    masks,
    eids,
    columnLength,
    quantized,
    scratchBytes,
    wasmGather,
  };
}

/** Emits `into = header[word]` (an i32 word of the capture scratch's header). */
export function loadHeader(f: WasmFunction, plan: CapturePlan, word: number, into: Local): void {
  f.i32Const(plan.header)
    .load("i32.load", word * 4)
    .localSet(into);
}

/** Emits `header[word] = value`. */
export function storeHeader(f: WasmFunction, plan: CapturePlan, word: number, value: Local): void {
  f.i32Const(plan.header)
    .localGet(value)
    .store("i32.store", word * 4);
}
