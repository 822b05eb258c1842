/**
 * The wasm collect's scratch (wasmEncode.ts): the byte size of each output segment (collectParams.ts
 * SEGMENTS), their first-fit packing into pool blocks (blocks are not contiguous, so no segment
 * may span two).
 */
import { COLUMN_BUCKETS } from "../columns";
import type { KernelField } from "../kernels/compileKernel";
import type { StateLayout } from "./codecMemory";
import { HEADER_COUNTS, HEADER_SUMS, SEGMENTS, type Segment } from "./collectParams";
import { hist8Bytes } from "./encodeHist8Emit";

/** The generated `collect` (its i32 parameters: collectParams.ts COLLECT_PARAMS, then SEGMENTS). */
export type CollectFn = (...args: number[]) => number;

/** Bits an update's own part can take (field flags, rotation flags and full values, `full` fields' values). */
export function entityBits(fields: readonly KernelField[]): number {
  let bits = fields.length;
  for (const x of fields) if (x.quat) bits += 1 + x.slotBits.reduce((a, b) => a + b, 0);
  for (const x of fields) if (x.full) bits += x.slotBits.reduce((a, b) => a + b, 0);
  return bits;
}

/** Byte size of each scratch segment for `fields` at `layout`. */
export function segmentBytes(fields: readonly KernelField[], layout: StateLayout, columns: number): number[] {
  const cap = layout.capacity;
  const rows = cap * layout.stride * 4;
  const sizes: Record<Segment, number> = {
    hdr: (HEADER_COUNTS + fields.length + HEADER_SUMS) * 4,
    hist: columns * COLUMN_BUCKETS * 4 + hist8Bytes(columns), // and the dense step's byte buckets
    rel: cap,
    sel: cap,
    resp: cap,
    exBy: cap * 4,
    spawn: cap * 4,
    update: cap * 4,
    despawn: cap * 4,
    changed: cap * 4,
    cost: cap * 8,
    pred: rows,
    zz: rows,
    // the dense step stores a one-slot field's first three entities as whole vectors: the last
    // group's may reach 8 bytes past the column's end (encodeDenseEmit.ts emitSlots4)
    colz: cap * columns * 4 + 16,
    colm: cap * columns * 4, // the residuals column-major, for the wasm writer (writeColumnEmit.ts)
    // one bitmap bit and an update's own bits per id (writeEntityEmit.ts), and the writer's slack
    stream: Math.ceil((cap * (1 + entityBits(fields))) / 8) + 16,
  };
  return SEGMENTS.map((s) => Math.ceil(Math.max(sizes[s], 1) / 16) * 16);
}

/**
 * Block and byte offset per segment when packed first-fit into blocks of `blockBytes`, or
 * undefined when a segment is larger than a block (small capacities with many columns).
 */
export function packSegments(sizes: readonly number[], blockBytes: number): [number, number][] | undefined {
  if (sizes.some((s) => s > blockBytes)) return undefined;
  const used: number[] = [];
  const place: [number, number][] = [];
  for (const size of sizes) {
    let b = used.findIndex((u) => u + size <= blockBytes);
    if (b < 0) {
      b = used.length;
      used.push(0);
    }
    place.push([b, used[b] as number]);
    used[b] = (used[b] as number) + size;
  }
  return place;
}

/**
 * Prefix views for the per-call input copies (`relevant`, the exclusion's `bySlot`): the prefix
 * is the next power of two at or above the length asked for (capped by the array), one view per
 * array and power made once. One array shared by clients whose high waters differ (a server's
 * scratch) then alternates between two cached views instead of cutting a new one per call
 * (PrefixViews keeps one length per array); the copy is at most twice the rows read.
 */
export class PowerPrefixes {
  private readonly cache = new WeakMap<Uint8Array | Int32Array, (Uint8Array | Int32Array | undefined)[]>();

  /** `array.subarray(0, min(array.length, limit, 2^ceil(log2 n)))`, once per array and power (`limit` fixed per instance). */
  of<T extends Uint8Array | Int32Array>(array: T, n: number, limit: number): T {
    const power = n <= 1 ? 0 : 32 - Math.clz32(n - 1);
    let views = this.cache.get(array);
    if (views === undefined) {
      views = [];
      this.cache.set(array, views);
    }
    let view = views[power] as T | undefined;
    if (view === undefined) {
      view = array.subarray(0, Math.min(array.length, limit, 2 ** power)) as T;
      views[power] = view;
    }
    return view;
  }
}
