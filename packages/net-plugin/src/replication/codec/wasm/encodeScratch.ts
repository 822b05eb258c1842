/**
 * The wasm collect's scratch (wasmEncode.ts): the byte size of each output segment (encodeEmit.ts
 * SEGMENTS), their first-fit packing into pool blocks (blocks are not contiguous, so no segment
 * may span two), and the kernel call without a spread.
 */
import { COLUMN_BUCKETS } from "../columns";
import type { KernelField } from "../kernels/compileKernel";
import type { StateLayout } from "./codecMemory";
import { HEADER_COUNTS, SEGMENTS, type Segment } from "./encodeEmit";

/** The generated `collect` (its i32 parameters: encodeEmit.ts COLLECT_PARAMS, then SEGMENTS). */
export type CollectFn = (...args: number[]) => void;

/** Byte size of each scratch segment for `fields` at `layout`. */
export function segmentBytes(fields: readonly KernelField[], layout: StateLayout, columns: number): number[] {
  const cap = layout.capacity;
  const rows = cap * layout.stride * 4;
  const sizes: Record<Segment, number> = {
    hdr: (HEADER_COUNTS + fields.length) * 4,
    hist: columns * COLUMN_BUCKETS * 4,
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
    colz: cap * columns * 4,
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

/** `fn(...args)` for the kernel's 27 parameters, without a spread (no arguments array per call). */
export function callWith(fn: CollectFn, x: number[]): void {
  const g = (i: number): number => x[i] as number;
  fn(
    g(0),
    g(1),
    g(2),
    g(3),
    g(4),
    g(5),
    g(6),
    g(7),
    g(8),
    g(9),
    g(10),
    g(11),
    g(12),
    g(13),
    g(14),
    g(15),
    g(16),
    g(17),
    g(18),
    g(19),
    g(20),
    g(21),
    g(22),
    g(23),
    g(24),
    g(25),
    g(26),
  );
}
