/**
 * SnapshotDecoder's steady path: the usual packet — a baseline, no despawns, no spawns, at least
 * one update, every Exp-Golomb code of the header short (under 32 bits) — on states in the wasm
 * reader's pool, its words `load`ed into the input block. The header is read in one pass over the
 * words (no WordReader calls), the general path's checks run in its order, then one wasm `read`.
 * Any other packet or state answers -1 before anything changed, and the general path reads it from
 * the start — so a packet this path takes gets the same values and status as the general path
 * would give it.
 */
import { seqDiff, type Seq16 } from "../../protocol/seq16";
import type { BaselineRing } from "./baselineRing";
import { DecodeStatus } from "./decodeStatus";
import { K_BITS } from "./fieldDelta";
import { ID_K_BITS } from "./idList";
import { TICK_K } from "./encodePlan";
import { predictionRatio, REFERENCE_AGE_BITS, REFERENCE_WINDOW } from "./predict";
import type { SnapshotState } from "./snapshotState";
import type { WasmDecode } from "./wasm/wasmDecode";
import type { WordReader } from "./wordBits";

// Module-local copies (in tsx/esbuild's CommonJS output every read of an import is a getter call).
const TICK_K_LOCAL = TICK_K;
const AGE_BITS = REFERENCE_AGE_BITS;
const K_BITS_LOCAL = K_BITS;
const ID_K_BITS_LOCAL = ID_K_BITS;
const Status = DecodeStatus;
const WINDOW = REFERENCE_WINDOW;
const seqDiffLocal = seqDiff;
const predictionRatioLocal = predictionRatio;

/** Indexes of what {@link readSteadyHeader} writes to its `out`. */
export const HEAD_SEQUENCE = 0;
export const HEAD_TICK = 1;
export const HEAD_BASELINE = 2;
/** The reference age, or -1 when the packet names no reference. */
export const HEAD_AGE = 3;
export const HEAD_UPDATES = 4;
/** 1: the ids are a bitmap; 0: a gap list with `HEAD_K`. */
export const HEAD_BITMAP = 5;
export const HEAD_K = 6;
/** The bit position after the header (where the updates' ids start). */
export const HEAD_POSITION = 7;
/** Length of `out`. */
export const HEAD_LENGTH = 8;

/**
 * The longest header this reader takes, in bits, with `groups` coded groups: the input must be at
 * least this long, so that no peek reaches past the input's two zero words.
 */
export function steadyHeaderBits(groups: number): number {
  // sequence, tick (< 32), flag, baseline, flag, age, two one-bit counts, updates (< 32), bitmap, ks, k.
  return 16 + 31 + 1 + 16 + 1 + AGE_BITS + 2 + 31 + 1 + groups * K_BITS_LOCAL + ID_K_BITS_LOCAL;
}

/** The 32 bits from bit `pos` as an int32 (LSB first, as WordReader). */
function peek(w: Uint32Array, pos: number): number {
  const i = pos >>> 5;
  const o = pos & 31;
  const v = (w[i] as number) >>> o;
  return o > 0 ? v | ((w[i + 1] as number) << (32 - o)) : v | 0;
}

/**
 * Reads the header of `words` (`bitLength` bits, at least {@link steadyHeaderBits} — the longest
 * header taken, so every bit read is inside the input; two zero words after them) into `out` and the coded groups' k into `ks[groups[i]]`; false when the packet is
 * not the usual shape (see the file comment) — then nothing but `out` and `ks` was written.
 */
export function readSteadyHeader(
  words: Uint32Array,
  groups: Int32Array,
  ks: Uint8Array,
  out: Int32Array,
): boolean {
  let p = peek(words, 0);
  const sequence = p & 0xffff;
  // The tick: Exp-Golomb of order TICK_K, short codes only (n leading zeros, 2n + 1 + k bits).
  p = peek(words, 16);
  if (p === 0) return false;
  let n = 31 - Math.clz32(p & -p);
  const k = TICK_K_LOCAL;
  if (2 * n + 1 + k >= 32) return false;
  let rest = p >>> (n + 1);
  const tick = ((((rest & ((1 << n) - 1)) + (1 << n) - 1) << k) | ((rest >>> n) & ((1 << k) - 1))) >>> 0;
  let pos = 16 + 2 * n + 1 + k;
  // A baseline (steady: always), then the reference flag and age.
  p = peek(words, pos);
  if ((p & 1) === 0) return false;
  const baseline = (p >>> 1) & 0xffff;
  let age = -1;
  if (((p >>> 17) & 1) !== 0) {
    age = (p >>> 18) & ((1 << AGE_BITS) - 1);
    pos += 18 + AGE_BITS;
  } else pos += 18;
  // No despawns and no spawns: two Exp-Golomb zeros ("1", "1"); then the updates, order 0.
  p = peek(words, pos);
  if ((p & 3) !== 3) return false;
  p >>>= 2;
  if (p === 0) return false;
  n = 31 - Math.clz32(p & -p);
  if (n === 0 || 2 * n + 1 >= 30) return false; // 0 updates (n = 0) takes the general path
  rest = p >>> (n + 1);
  const updates = (rest & ((1 << n) - 1)) + (1 << n) - 1;
  pos += 2 + 2 * n + 1;
  const bitmap = peek(words, pos) & 1;
  pos++;
  for (let g = 0; g < groups.length; g++) {
    ks[groups[g] as number] = peek(words, pos) & ((1 << K_BITS_LOCAL) - 1);
    pos += K_BITS_LOCAL;
  }
  let idK = 0;
  if (bitmap === 0) {
    idK = peek(words, pos) & ((1 << ID_K_BITS_LOCAL) - 1);
    pos += ID_K_BITS_LOCAL;
  }
  out[HEAD_SEQUENCE] = sequence;
  out[HEAD_TICK] = tick;
  out[HEAD_BASELINE] = baseline;
  out[HEAD_AGE] = age;
  out[HEAD_UPDATES] = updates;
  out[HEAD_BITMAP] = bitmap;
  out[HEAD_K] = idK;
  out[HEAD_POSITION] = pos;
  return true;
}

/** The steady path of one decoder (see the file comment). */
export class SteadyDecode {
  /** Snapshots this path read (stats: tests check which path ran). */
  decodes = 0;
  /** The state the last Ok or Stale answer committed to the ring. */
  stored: SnapshotState | undefined;
  /** The shortest input this path reads (its longest header). */
  readonly minBits: number;
  private readonly head = new Int32Array(HEAD_LENGTH);
  private readonly ratio = { num: 0, den: 0 };

  constructor(
    private readonly capacity: number,
    /** The coded groups whose k the header holds, and the decoder's k per coded group. */
    private readonly groups: Int32Array,
    private readonly ks: Uint8Array,
    /** The decoder's marks (all clear between decodes: no id is marked on this path). */
    private readonly mark: Uint8Array,
    private readonly marked: Int32Array,
  ) {
    this.minBits = steadyHeaderBits(groups.length);
  }

  /**
   * Decodes the snapshot `r` reads (at least `minBits`, `wasm.loaded(r)`) into `ring` given the
   * decoder's newest sequence: its status, or -1 when the general path must read it.
   */
  run(r: WordReader, ring: BaselineRing, wasm: WasmDecode, newest: number): number {
    const h = this.head;
    if (!readSteadyHeader(r.data, this.groups, this.ks, h)) return -1;
    const sequence = h[HEAD_SEQUENCE] as number;
    const baseSequence = h[HEAD_BASELINE] as number;
    const referenceAge = h[HEAD_AGE] as number;
    const updates = h[HEAD_UPDATES] as number;
    if (updates > this.capacity) return -1;
    let stale = false;
    if (newest >= 0) {
      const d = seqDiffLocal(sequence as Seq16, newest as Seq16);
      if (d === 0 || -d >= ring.size || ring.get(sequence) !== undefined) return Status.TooOld;
      stale = d < 0;
    }
    const age = seqDiffLocal(sequence as Seq16, baseSequence as Seq16);
    if (age <= 0 || age >= ring.size) return Status.Invalid;
    const base = ring.get(baseSequence);
    if (base === undefined) return Status.MissingBaseline;
    const tick = h[HEAD_TICK] as number;
    let reference: SnapshotState | undefined;
    const ratio = this.ratio;
    if (referenceAge >= 0) {
      // Older than the window breaks the free rule (baselineRing.ts): the peer broke the protocol.
      if (referenceAge === 0 || referenceAge > WINDOW) return Status.Invalid;
      reference = ring.get((baseSequence - referenceAge) & 0xffff);
      if (reference === undefined) return Status.MissingBaseline;
      if (predictionRatioLocal(base, reference, tick, ratio) === undefined) return Status.Invalid;
    }
    const work = ring.scratch;
    const pool = wasm.pool;
    if (base.pool !== pool || work.pool !== pool || (reference !== undefined && reference.pool !== pool))
      return -1;
    this.decodes++;
    r.position = h[HEAD_POSITION] as number;
    // The kernel copies the base into `work` first (memory.copy), then reads the updates.
    const ok = wasm.read(
      r,
      base,
      work,
      this.mark,
      this.marked,
      0,
      reference,
      ratio.num,
      ratio.den,
      updates,
      h[HEAD_BITMAP] === 1,
      h[HEAD_K] as number,
      Math.max(work.highWater, base.highWater),
    );
    // The fields SnapshotState.copyFrom sets.
    work.versioned = base.versioned;
    work.revision++;
    work.highWater = base.highWater;
    if (!ok) return r.overflowed ? Status.Truncated : Status.Invalid;
    work.sequence = sequence;
    work.tick = tick;
    this.stored = ring.commit(baseSequence); // the baseline named moves the ring's floor
    return stale ? Status.Stale : Status.Ok;
  }
}
