/**
 * The encoder's updates-section writer as WebAssembly (writeEmit.ts; the JS reference is
 * kernels/writeKernel.ts), run by SnapshotEncoder when the wasm collect (wasmEncode.ts) made this
 * call's plan: it reads the collect's segments and the states in place and writes the section into
 * an output region of the pool (a block of its own), after a copy of the header the JS encoder
 * wrote into its WordWriter (a few words), so the packet gets the whole snapshot in one byte-range
 * copy (`copyTo`). The region's size is checked against an upper bound of the section (from the
 * chosen widths) before the call: a section that might not fit is written by the JS kernel.
 */
import type { BitWriter } from "../../../protocol/bitWriter";
import { EXCEPTION_WIDTH_BITS, WIDTH_BITS } from "../columns";
import type { EncodePlan } from "../encodePlan";
import type { KernelField } from "../kernels/compileKernel";
import type { SnapshotState } from "../snapshotState";
import type { WordWriter } from "../wordBits";
import type { StateLayout } from "./codecMemory";
import type { WasmCollectKernel } from "./wasmEncode";
import type { WriteFn } from "./writeEmit";
import { entityBits } from "./encodeScratch";

/**
 * The writer's scratch segments (after the collect's, in the same blocks): exceptions, widths,
 * output, the fused encode's `written` list (encodeExpectedEmit.ts) and its arguments (`run`).
 */
export const WRITE_SEGMENTS = ["ex", "wid", "out", "written", "args"] as const;
/** Words of the `args` segment: the fused encode's parameters (encodeEmit.ts `fusedParams`) fit. */
export const ARGS_WORDS = 64;
/** A writer segment's name. */
export type WriteSegment = (typeof WRITE_SEGMENTS)[number];
/** The segments `write` reads, in its parameter order (writeEmit.ts WRITE_PARAMS from "rel"). */
const WRITE_ARGS = ["rel", "sel", "resp", "update", "changed", "zz", "colz", "hdr", "ex", "wid"] as const;

/** Longest id-gap code (Exp-Golomb of a gap < 2^31 at k ≤ 7) in bits. */
const ID_CODE_BOUND = 70;
/** An Exp-Golomb exception count, bits at most. */
const COUNT_CODE_BOUND = 63;
/** Bytes past the section the byte writer may store into (its last 8-byte store, rounded). */
const OUT_SLACK = 16;

/** Byte sizes of WRITE_SEGMENTS at `layout` (the output region takes a whole block). */
export function writeSegmentBytes(layout: StateLayout, columns: number): number[] {
  return [
    layout.capacity * 8,
    Math.ceil(Math.max(2 * columns, 1) / 16) * 16,
    layout.blockBytes,
    layout.capacity * 4,
    ARGS_WORDS * 4,
  ];
}

/** One encoder's wasm updates writer (see the file comment). */
export class WasmWriteKernel {
  /** Sections written in wasm (tests check which writer ran). */
  calls = 0;
  /** Bytes of the output region (a block); tests may lower it to force the JS writer. */
  outBytes: number;
  private readonly entityBits: number;
  private generation = -1;
  private u8 = new Uint8Array(0);
  private u32 = new Uint32Array(0);
  /** Segment addresses (the collect's and this writer's), set with the views. */
  private readonly at = new Int32Array(WRITE_ARGS.length);
  private out = 0;
  /** The fused encode's `written` list (a view, re-made after growth: read it afresh per encode). */
  written = new Int32Array(0);
  /** Copy power-of-two prefixes into the packet (tests switch it off to run the word copies). */
  prefixCopies = true;
  /** Power-of-two prefixes of the output region (`copyInto`), by power; cleared after growth. */
  private prefixes: (Uint8Array | undefined)[] = [];
  /** Bytes of the output segment (a block). */
  private regionBytes = 0;
  /** The last packet buffer copied into, and views of it (words: when it starts word-aligned). */
  private dst: Uint8Array | undefined;
  private dstView: DataView | undefined;
  private dstWords: Uint32Array | undefined;
  private wid = 0;
  private pred = 0;
  private colm = 0;

  constructor(
    private readonly collect: WasmCollectKernel,
    private readonly fn: WriteFn,
    fields: readonly KernelField[],
    private readonly columns: number,
  ) {
    this.entityBits = entityBits(fields);
    this.outBytes = collect.pool.layout.blockBytes;
  }

  /**
   * Writes the updates section of the plan the collect just made (after the id list's k): the
   * header `w` holds is copied into the output region, the section appended; returns the
   * snapshot's bits there, or −1 (the collect ran in JS, or the section might not fit): the JS
   * kernel writes then, `w` untouched.
   */
  write(
    w: WordWriter,
    p: EncodePlan,
    current: SnapshotState,
    baseline: SnapshotState,
    relevant: boolean,
    bitmap: boolean,
    k: number,
    all: boolean,
  ): number {
    const c = this.collect;
    if (!c.ran) return -1;
    const pool = c.pool;
    if (this.generation !== pool.generation) this.views();
    const idx = w.wordIndex;
    const count = p.updateCount;
    let bound = (idx + 1) * 32 + (bitmap ? baseline.highWater : count * ID_CODE_BOUND);
    bound += count * this.entityBits;
    const ch = p.columns;
    const columns = this.columns;
    for (let col = 0; col < columns; col++) {
      const n = ch.count[col] as number;
      if (n === 0) continue;
      bound += WIDTH_BITS + n * (ch.width[col] as number) + COUNT_CODE_BOUND + EXCEPTION_WIDTH_BITS;
      bound += (ch.exceptions[col] as number) * (ch.exPrice[col] as number);
    }
    if ((bound >>> 3) + OUT_SLACK > this.outBytes) return -1;
    const u8 = this.u8;
    const u32 = this.u32;
    const out = this.out;
    const words = w.reserve(0);
    for (let j = 0, o = out >>> 2; j < idx; j++) u32[o + j] = words[j] as number;
    const wid = this.wid;
    const at = this.at;
    for (let col = 0; col < columns; col++) {
      u8[wid + col] = ch.width[col] as number;
      u8[wid + columns + col] = ch.exWidth[col] as number;
    }
    const base = pool.address(baseline.block);
    const delta = p.deltaBase === p.pred ? this.pred : base + pool.layout.valuesOffset;
    const bits = this.fn(
      pool.address(current.block),
      base,
      delta,
      baseline.highWater,
      relevant ? 1 : 0,
      bitmap ? 1 : 0,
      k,
      all ? 1 : 0,
      out + idx * 4,
      w.pending,
      w.pendingBits,
      count,
      at[0] as number,
      at[1] as number,
      at[2] as number,
      at[3] as number,
      at[4] as number,
      at[5] as number,
      at[6] as number,
      at[7] as number,
      at[8] as number,
      at[9] as number,
      0, // no bitmap stream: the collect's is for the fused encode (all selected)
      this.colm,
    );
    this.calls++;
    return (idx << 5) + bits;
  }

  /** Appends the `total` bits `write` left in the output region to `writer` (WordWriter.copyTo's rule). */
  copyTo(writer: BitWriter, total: number): void {
    if (this.generation !== this.collect.pool.generation) this.views();
    const u8 = this.u8;
    const out = this.out;
    if ((writer.bitsWritten & 7) === 0) {
      const dst = writer.bytes;
      const at = writer.bitsWritten >>> 3;
      const held = (total + 7) >>> 3; // bytes holding the bits, the last maybe partly
      if (held > 0 && at + held <= dst.length && !writer.overflowed) {
        // Straight into the packet's buffer, the last byte's unused bits cleared, then the writer
        // moves past the bits (`advance`: no copy of the bytes onto themselves, no bit writes).
        this.copyInto(dst, at, held);
        const rest = total & 7;
        if (rest > 0) dst[at + held - 1] = (dst[at + held - 1] as number) & ((1 << rest) - 1);
        writer.advance(total);
        return;
      }
      const byteCount = total >>> 3;
      if (byteCount > 0) writer.writeByteRange(u8, out, byteCount); // overflows as before
      const rest = total & 7;
      if (rest > 0) writer.writeBits((u8[out + byteCount] as number) & ((1 << rest) - 1), rest);
      return;
    }
    const u32 = this.u32;
    const whole = total >>> 5;
    const o = out >>> 2;
    for (let i = 0; i < whole; i++) writer.writeBits(u32[o + i] as number, 32);
    const tail = total & 31;
    if (tail > 0) writer.writeBits((u32[o + whole] as number) & ((1 << tail) - 1), tail);
  }

  /**
   * Copies `count` bytes of the region to `dst` at `at`: one native copy of the power-of-two
   * prefix of the region holding them — the bytes past `count` land past the writer's position,
   * which BitWriter overwrites (a byte's first write assigns it); the views are made once per
   * power (and after growth). Small, so that it is inlined into the packet copy (`copyWords`,
   * the rare rest, is not: inlined whole, this was not, and ran unoptimized for thousands of calls).
   */
  private copyInto(dst: Uint8Array, at: number, count: number): void {
    const power = count <= 1 ? 0 : 32 - Math.clz32(count - 1);
    const view = this.prefixes[power];
    if (view !== undefined && at + (1 << power) <= dst.length && this.prefixCopies) dst.set(view, at);
    else this.copyWords(dst, at, count, power);
  }

  /** `copyInto` without a prefix view yet, or when the prefix does not fit: words, then the tail. */
  private copyWords(dst: Uint8Array, at: number, count: number, power: number): void {
    if (this.prefixCopies && at + (1 << power) <= dst.length && 1 << power <= this.regionBytes) {
      const view = this.u8.subarray(this.out, this.out + (1 << power));
      this.prefixes[power] = view;
      dst.set(view, at);
      return;
    }
    if (dst !== this.dst) {
      this.dst = dst;
      this.dstView = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
      this.dstWords =
        (dst.byteOffset & 3) === 0
          ? new Uint32Array(dst.buffer, dst.byteOffset, dst.byteLength >>> 2)
          : undefined;
    }
    const u32 = this.u32;
    const o = this.out >>> 2;
    const words = count >>> 2;
    const dstWords = this.dstWords;
    if (dstWords !== undefined && (at & 3) === 0) {
      // Word-aligned in the packet (a message starting a packet): plain word copies.
      const d = at >>> 2;
      for (let i = 0; i < words; i++) dstWords[d + i] = u32[o + i] as number;
    } else {
      const view = this.dstView as DataView;
      for (let i = 0; i < words; i++) view.setUint32(at + 4 * i, u32[o + i] as number, true);
    }
    const u8 = this.u8;
    for (let i = words * 4; i < count; i++) dst[at + i] = u8[this.out + i] as number;
  }

  /** Re-makes the views (and `written`) when the pool's memory grew since. */
  refresh(): void {
    if (this.generation !== this.collect.pool.generation) this.views();
  }

  /** Views of the pool's memory and the region's address, re-made after growth. */
  private views(): void {
    const c = this.collect;
    const buffer = c.pool.memory.buffer;
    this.u8 = new Uint8Array(buffer);
    this.u32 = new Uint32Array(buffer);
    WRITE_ARGS.forEach((name, i) => (this.at[i] = c.segment(name)));
    this.out = c.segment("out");
    this.regionBytes = c.pool.layout.blockBytes;
    this.prefixes = [];
    this.written = new Int32Array(buffer, c.segment("written"), c.pool.layout.capacity);
    this.wid = c.segment("wid");
    this.pred = c.segment("pred");
    this.colm = c.segment("colm");
    this.generation = c.pool.generation;
  }
}
