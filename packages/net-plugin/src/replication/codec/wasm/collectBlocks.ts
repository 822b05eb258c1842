/**
 * The wasm collect's (wasmEncode.ts) layout on its pool blocks: the indices of the segments and
 * `args` words it reads and writes per call, and `CollectBlocks`, the kernel's base class holding
 * the blocks the segments are packed into (taken on first use, the constant arguments written
 * once), their byte addresses and the typed views on them — the kernel's own and the plan's per-id
 * arrays (`bind`). Run once per kernel and again after the memory grows, not per call.
 */
import type { EncodePlan } from "../encodePlan";
import { COLUMN_BUCKETS } from "../columns";
import type { BlockOwner, CodecMemoryPool } from "./codecMemory";
import { COLLECT_PARAMS, SEGMENTS, type Segment } from "./collectParams";
import { packSegments } from "./encodeScratch";
import { ARGS_WORDS, WRITE_SEGMENTS, type WriteSegment } from "./wasmWrite";

/** Index in SEGMENTS of the `hdr` segment (the counts, read per call). */
export const SEG_HDR = SEGMENTS.indexOf("hdr");
/** Index in SEGMENTS of the `rel` segment (`relevant`, copied per call). */
export const SEG_REL = SEGMENTS.indexOf("rel");
/** Index in SEGMENTS of the `exBy` segment (the exclusion's `bySlot`, copied per call). */
export const SEG_EX = SEGMENTS.indexOf("exBy");

/** Index of the `args` segment among the addresses (SEGMENTS, then WRITE_SEGMENTS). */
export const SEG_ARGS = SEGMENTS.length + WRITE_SEGMENTS.indexOf("args");
/** Word of the first FUSED_EXTRA argument in the `args` block (after COLLECT_PARAMS and SEGMENTS). */
export const EXTRA_AT = COLLECT_PARAMS.length + SEGMENTS.length;

/** The `budget` of an unarmed call: below every upper bound, so `encode` stops after the collect. */
export const NOT_ARMED = -0x80000000;
/** Budgets are i32 bits. */
export const MAX_BUDGET = 0x7fffffff;

/** Typed views of the pool's memory, re-made after growth. */
export interface Views {
  readonly generation: number;
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  /** The column histograms (copied into the plan's ColumnChoice). */
  readonly hist: Int32Array;
}

/** The wasm collect's pool blocks, segment addresses and views (see the file comment). */
export abstract class CollectBlocks implements BlockOwner {
  /** Byte address per segment (SEGMENTS order, then WRITE_SEGMENTS), set when the blocks are taken. */
  protected readonly addresses: Int32Array;
  private readonly blocks: number[] = [];
  /** False when the blocks could not be taken (the plan keeps its own arrays, the JS kernel runs). */
  protected usable = true;
  private views: Views | undefined;
  /** Pool generation the plan's arrays were made for (−1: never). */
  protected planGeneration = -1;

  constructor(
    readonly pool: CodecMemoryPool,
    private readonly sizes: readonly number[],
    protected readonly columns: number,
  ) {
    this.addresses = new Int32Array(sizes.length);
  }

  /** Byte address of a segment (valid once `collect` ran in wasm). */
  segment(name: Segment | WriteSegment): number {
    const i = SEGMENTS.indexOf(name as Segment);
    return this.addresses[
      i >= 0 ? i : SEGMENTS.length + WRITE_SEGMENTS.indexOf(name as WriteSegment)
    ] as number;
  }

  /** The pool calls this after growth; the views are re-made lazily (by generation). */
  rebind(): void {
    this.views = undefined;
  }

  /**
   * Points `p`'s per-id arrays at this kernel's segments (taking the blocks on first use), again
   * after every growth; `collect` does it first, also when it then leaves the call to the JS kernel.
   */
  bind(p: EncodePlan): void {
    if (!this.usable) return;
    if (this.blocks.length === 0 && !this.takeBlocks()) {
      this.usable = false;
      return;
    }
    this.pool.refreshIfDetached();
    if (this.planGeneration !== this.pool.generation) this.makeViews(p);
  }

  /**
   * `bind`'s views, in a method of their own: the closure here captures `this`, which makes V8
   * allocate a context on every entry of the function holding it (~40 B per call when it was in
   * `bind`, found with a sampling heap profile that keeps collected objects).
   */
  private makeViews(p: EncodePlan): void {
    const buffer = this.pool.memory.buffer;
    const at = (s: Segment): number => this.addresses[SEGMENTS.indexOf(s)] as number;
    const { capacity, stride } = this.pool.layout;
    p.selected = new Uint8Array(buffer, at("sel"), capacity);
    p.respawn = new Uint8Array(buffer, at("resp"), capacity);
    p.spawnIds = new Int32Array(buffer, at("spawn"), capacity);
    p.updateIds = new Int32Array(buffer, at("update"), capacity);
    p.despawnIds = new Int32Array(buffer, at("despawn"), capacity);
    p.changedMask = new Uint32Array(buffer, at("changed"), capacity);
    p.cost = new Float64Array(buffer, at("cost"), capacity);
    p.pred = new Int32Array(buffer, at("pred"), capacity * stride);
    p.zz = new Int32Array(buffer, at("zz"), capacity * stride);
    p.colz = new Int32Array(buffer, at("colz"), capacity * this.columns);
    this.planGeneration = this.pool.generation;
  }

  /** Takes the blocks the segments are packed into (encodeScratch.ts); false when that fails. */
  private takeBlocks(): boolean {
    const place = packSegments(this.sizes, this.pool.layout.blockBytes);
    if (place === undefined) return false;
    const blocks = place.reduce((n, [b]) => Math.max(n, b + 1), 0);
    for (let b = 0; b < blocks; b++) {
      const block = this.pool.tryAlloc(this);
      if (block < 0) {
        for (const taken of this.blocks) this.pool.release(taken);
        this.blocks.length = 0;
        return false;
      }
      this.blocks.push(block);
    }
    place.forEach(([b, offset], s) => {
      this.addresses[s] = this.pool.address(this.blocks[b] as number) + offset;
    });
    // The constant arguments of `run` (the segment addresses; see `collect`), once.
    const a = this.addresses;
    const args = new Int32Array(this.pool.memory.buffer, a[SEG_ARGS], ARGS_WORDS);
    for (let s = 0; s < SEGMENTS.length; s++) args[COLLECT_PARAMS.length + s] = a[s] as number;
    const x = EXTRA_AT;
    args[x + 6] = a[SEGMENTS.length + WRITE_SEGMENTS.indexOf("out")] as number;
    args[x + 8] = a[SEGMENTS.length + WRITE_SEGMENTS.indexOf("ex")] as number;
    args[x + 9] = a[SEGMENTS.length + WRITE_SEGMENTS.indexOf("wid")] as number;
    args[x + 13] = a[SEGMENTS.length + WRITE_SEGMENTS.indexOf("written")] as number;
    return true;
  }

  /** The kernel's views of the pool's memory at its current generation. */
  protected currentViews(): Views {
    let v = this.views;
    if (v === undefined || v.generation !== this.pool.generation) {
      const buffer = this.pool.memory.buffer;
      const hist = this.addresses[SEGMENTS.indexOf("hist")] as number;
      v = {
        generation: this.pool.generation,
        u8: new Uint8Array(buffer),
        i32: new Int32Array(buffer),
        hist: new Int32Array(buffer, hist, this.columns * COLUMN_BUCKETS),
      };
      this.views = v;
    }
    return v;
  }
}
