/**
 * The wasm collect's dense step (encodeEmit.ts, SIMD builds): a group of four ids that passed the
 * group check (encodeGroupEmit.ts: present in both states with the same field sets, versions
 * changed, the reference holding them) is classified and coded in one straight-line step when
 * all four have every field of the registry, each field changed in all four or in none and the
 * call predicts at 1:1 or not at all — the moving world's usual group. Per changed field the four
 * rows' slots are read as one v128 each (an entity's row at a constant offset from the group's
 * first), predicted, zigzagged and stored to `colm` (a 4×4 transpose, one store per column),
 * `colz` (unless `lazy`) and the histograms (encodeHist8Emit.ts) as the per-entity code does
 * (rotations, also those whose largest component changed, and the stream bits:
 * encodeDenseQuatEmit.ts); the four updates' bookkeeping is one store each (`changed`, `sel`,
 * `resp`, the update list). Any other group falls through to the per-entity path (nothing written before the
 * checks pass), so the outputs are those of the per-entity code by construction.
 */
import type { KernelField } from "../kernels/compileKernel";
import { fullEntityBits, type PartField } from "./transformParts";
import type { StateLayout } from "./codecMemory";
import type { Segment } from "./collectParams";
import { emitCount4, emitFlush8, emitLengths, FLUSH_GROUPS, type Hist8 } from "./encodeHist8Emit";
import type { ByteOut } from "./writeBytesEmit";
import { emitQuat4, emitStreamCode, storeColumns4 } from "./encodeDenseQuatEmit";
import type { Label, Local, WasmFunction } from "./wasmModule";

/** The collect loop's locals the dense step reads and sets. */
export interface DenseLocals {
  readonly cur: Local;
  readonly base: Local;
  readonly ref: Local;
  readonly id: Local;
  readonly i4: Local;
  /** 1 when the call predicts (a ratio; the step runs only at 1:1 with a reference then). */
  readonly ratio: Local;
  /** Baseline entities counted and updates listed (bumped by four). */
  readonly bc: Local;
  readonly uc: Local;
  /** Scratch: the group's row offset and the three states' row addresses. */
  readonly row: Local;
  readonly curRow: Local;
  readonly baseRow: Local;
  readonly refRow: Local;
  /** Scratch i32 (the histogram's bucket). */
  readonly d: Local;
  /** One colz cursor per field (advanced by the four entities' values). */
  readonly cursors: readonly Local[];
  /** One colm cursor per field (encodeEmit.ts; advanced by four entities). */
  readonly mcursors: readonly Local[];
  /** The byte-bucket histograms (encodeHist8Emit.ts). */
  readonly h8: Hist8;
  /** Dense groups since the byte buckets were last flushed. */
  readonly pending: Local;
  /**
   * This copy of the step is the lazy calls' (encodeEmit.ts emits one per value of `lazyPred`):
   * the caller expects the fused encode to write the snapshot, which reads neither the
   * predictions nor `colz` (its columns come from `colm`) — the group does not store them; a call
   * that then returns −2 is run again with 0 (wasmEncode.ts). False: the stores, without a test.
   */
  readonly lazyKnown: boolean;
  readonly seg: (name: Segment) => Local;
}

/** Emits `body` (stores only the JS path reads) unless this copy is the lazy calls' (see `lazyKnown`). */
export function unlessLazy(l: DenseLocals, body: () => void): void {
  if (!l.lazyKnown) body();
}

/**
 * True when the registry's fields allow the dense step: every field without a change threshold,
 * `slots` of at most four slots, a four-slot rotation or a `flip`/`full` field of at most four
 * (coded only where it did not change: its flag 0), some column field, and four entity codes
 * within one 56-bit put. A Transform's two parts (transformParts.ts) are 3 slots and a rotation.
 */
export function denseEligible(fields: readonly PartField[]): boolean {
  if (fields.length === 0 || fields.length > 30) return false;
  if (4 * fullEntityBits(fields) > 56 || !fields.some((x) => x.column >= 0)) return false;
  return fields.every((x) => x.threshold === 0 && x.width >= 1 && x.width <= 4 && (!x.quat || x.width === 4));
}

/**
 * Emits the dense step for the group at `id` (a multiple of four, all four ids below the high
 * water): branches to `fail` (writing nothing) unless the group qualifies, else codes it and
 * falls through (the caller moves `id` past the group).
 */
export function emitDense(
  f: WasmFunction,
  fields: readonly PartField[],
  layout: StateLayout,
  stride: number,
  l: DenseLocals,
  stream: ByteOut,
  fail: Label,
): void {
  const S4 = stride * 4;
  const V = layout.valuesOffset;
  const full = fields.reduce((m, x) => m | x.bit, 0);
  const at = (s: Local, idx: Local): WasmFunction => f.localGet(s).localGet(idx).op("i32.add");
  // Every field in all four rows (the masks are the baseline's too: the group check).
  at(l.cur, l.i4).load("v128.load", layout.maskOffset, 0);
  f.v128ConstI32(full, full, full, full).op("i32x4.eq").op("i32x4.all_true").op("i32.eqz").brIf(fail);
  f.localGet(l.id).i32Const(S4).op("i32.mul").localTee(l.row);
  f.localGet(l.cur).op("i32.add").localSet(l.curRow);
  f.localGet(l.row).localGet(l.base).op("i32.add").localSet(l.baseRow);
  f.localGet(l.row).localGet(l.ref).op("i32.add").localSet(l.refRow);
  // slot0 of field x in entity e of the group, as a load/store offset from a row address
  const rowAt = (x: KernelField, e: number): number => e * S4 + x.offset * 4;
  const slotAt = (x: KernelField, e: number): number => V + rowAt(x, e);
  const rowVec = (rowAddr: Local, x: KernelField, e: number): void =>
    void f.localGet(rowAddr).load("v128.load", slotAt(x, e), 0);
  // Per field: changed in all four (`ch`), else in none (the checks), and the changed mask.
  const ch = fields.map(() => f.local("i32"));
  const kept = fields.map(() => f.local("i32"));
  const allKept = f.local("i32");
  f.i32Const(1).localSet(allKept);
  const any = f.local("i32");
  const cm = f.local("i32");
  const same = f.local("v128");
  f.i32Const(0).localSet(cm);
  // (entity e's slots of x differ from the base's: lanes ≠, those past its width cleared)
  const differs = (x: KernelField, e: number): void => {
    rowVec(l.curRow, x, e);
    rowVec(l.baseRow, x, e);
    f.op("i32x4.ne");
    if (x.width < 4) {
      const lanes = [0, 1, 2, 3].map((s) => (s < x.width ? -1 : 0));
      f.v128ConstI32(lanes[0] as number, lanes[1] as number, lanes[2] as number, lanes[3] as number);
      f.op("v128.and");
    }
  };
  fields.forEach((x, k) => {
    const chk = ch[k] as Local;
    // A Transform's rotation part: changed with its position part (one change test over both).
    if (x.follows === true) f.localGet(ch[k - 1] as Local).localSet(chk);
    const next = fields[k + 1]?.follows === true ? fields[k + 1] : undefined;
    for (let e = 0; e < 4 && x.follows !== true; e++) {
      differs(x, e);
      if (next !== undefined) differs(next, e);
      if (next !== undefined) f.op("v128.or");
      f.op("v128.any_true");
      if (e > 0) {
        f.localTee(l.d).localGet(chk).op("i32.and").localSet(chk);
        f.localGet(l.d).localGet(any).op("i32.or").localSet(any);
      } else {
        f.localTee(chk).localSet(any);
      }
    }
    // A `flip`/`full` field changed in any of the four: the per-entity path (its value bits).
    if (x.column < 0) return void f.localGet(any).brIf(fail);
    if (x.follows !== true) {
      // mixed: some changed, some not
      f.localGet(chk).localGet(any).op("i32.ne").brIf(fail);
      f.localGet(cm).i32Const(x.bit).i32Const(0).localGet(chk).op("select").op("i32.or").localSet(cm);
    }
    if (!x.quat) return;
    // kept: a changed rotation keeps its largest component in all four (lane 0 equal), else
    // the rotations are coded one entity at a time (encodeDenseQuatEmit.ts)
    const keptk = kept[k] as Local;
    f.i32Const(1).localSet(keptk);
    f.localGet(chk);
    const changed = f.if();
    for (let e = 0; e < 4; e++) {
      rowVec(l.curRow, x, e);
      rowVec(l.baseRow, x, e);
      f.op("i32x4.eq");
      if (e > 0) f.localGet(same).op("v128.and");
      f.localSet(same);
    }
    f.localGet(same).lane("i32x4.extract_lane", 0).i32Const(0).op("i32.ne").localSet(keptk);
    f.localGet(allKept).localGet(keptk).op("i32.and").localSet(allKept);
    f.end(changed);
  });
  // Nothing changed (versions moved, values did not): the per-entity path writes its 0 bits.
  f.localGet(cm).op("i32.eqz").brIf(fail);

  // The group qualifies: code each changed field for the four entities.
  const [vb, vf] = [f.local("v128"), f.local("v128")];
  const zigzag = (v: Local): void => {
    f.localTee(v).i32Const(1).op("i32x4.shl");
    f.localGet(v).i32Const(31).op("i32x4.shr_s").op("v128.xor").localSet(v);
  };
  fields.forEach((x, k) => {
    if (x.column < 0) return; // unchanged in all four (checked above)
    const cursor = l.cursors[k] as Local;
    f.localGet(ch[k] as Local);
    const changed = f.if();
    const parts = { rowAt, rowVec, zigzag, vb, vf, cap: layout.capacity };
    const mcur = l.mcursors[k] as Local;
    if (x.quat) emitQuat4(f, x, l, cursor, kept[k] as Local, parts, mcur);
    else emitSlots4(f, x, l, cursor, parts, mcur);
    f.end(changed);
  });
  // The four updates: changed masks, selected (not respawns), listed; the baseline entities counted.
  at(l.seg("changed"), l.i4);
  f.localGet(cm).op("i32x4.splat").store("v128.store", 0, 0);
  at(l.seg("sel"), l.id).i32Const(0x01010101).store("i32.store", 0, 0);
  at(l.seg("resp"), l.id).i32Const(0).store("i32.store", 0, 0);
  f.localGet(l.seg("update")).localGet(l.uc).i32Const(2).op("i32.shl").op("i32.add");
  f.localGet(l.id).op("i32x4.splat").v128ConstI32(0, 1, 2, 3).op("i32x4.add").store("v128.store", 0, 0);
  f.localGet(l.uc).i32Const(4).op("i32.add").localSet(l.uc);
  f.localGet(l.bc).i32Const(4).op("i32.add").localSet(l.bc);
  emitStreamCode(f, fields, layout, stride, l, stream, { ch, cm, allKept });
  f.localGet(l.pending).i32Const(1).op("i32.add").localTee(l.pending);
  f.i32Const(FLUSH_GROUPS).op("i32.eq");
  const flush = f.if();
  emitFlush8(f, l.h8.hist, l.h8.columns);
  f.i32Const(0).localSet(l.pending);
  f.end(flush);
}

/** Helpers shared by the two field kinds. */
export interface Parts {
  /** Byte offset of field x's first slot in entity e's row of a row-major segment (pred, zz). */
  readonly rowAt: (x: KernelField, e: number) => number;
  readonly rowVec: (rowAddr: Local, x: KernelField, e: number) => void;
  /** zigzag of the i32x4 on the stack into `v`. */
  readonly zigzag: (v: Local) => void;
  readonly vb: Local;
  readonly vf: Local;
  /** The states' capacity (a `colm` column's length). */
  readonly cap: number;
}

/** A changed `slots` field of the four entities (encodeSimdEmit.ts emitSlotsSimd's vector path). */
function emitSlots4(
  f: WasmFunction,
  x: KernelField,
  l: DenseLocals,
  cursor: Local,
  p: Parts,
  mcur: Local,
): void {
  const maxes = [0, 1, 2, 3].map((s) => (s < x.width ? (x.slotMax[s] as number) : 0));
  const W = x.width;
  const lanes = Array.from({ length: W }, (_, s) => s);
  for (let e = 0; e < 4; e++) {
    p.rowVec(l.baseRow, x, e);
    f.localTee(p.vb).localSet(p.vf);
    f.localGet(l.ratio);
    const predicted = f.if();
    // from = clamp(2·base − reference, 0, max), stored as the prediction (its slots) unless lazy
    f.localGet(p.vb).i32Const(1).op("i32x4.shl");
    p.rowVec(l.refRow, x, e);
    f.op("i32x4.sub").v128ConstI32(0, 0, 0, 0).op("i32x4.max_s");
    f.v128ConstI32(maxes[0] as number, maxes[1] as number, maxes[2] as number, maxes[3] as number);
    f.op("i32x4.min_s").localSet(p.vf);
    unlessLazy(l, () => storeLanes(f, l.seg("pred"), l.row, p.rowAt(x, e), p.vf, W));
    f.end(predicted);
    p.rowVec(l.curRow, x, e);
    f.localGet(p.vf).op("i32x4.sub");
    const u = l.h8.vals[e] as Local;
    p.zigzag(u);
    // colz (for the JS path only: not when lazy): the entity's W values; a whole vector below
    // the last (its spare lanes are rewritten next)
    unlessLazy(l, () => {
      if (e < 3 || W === 4) {
        f.localGet(cursor)
          .localGet(u)
          .store("v128.store", e * W * 4, 0);
      } else {
        storeLanes(f, cursor, undefined, e * W * 4, u, W);
      }
    });
    emitLengths(f, l.h8, e);
  }
  emitCount4(
    f,
    l.h8,
    lanes,
    lanes.map((s) => x.column + s),
  );
  storeColumns4(f, l.h8.vals, lanes, mcur, p.cap);
  f.localGet(cursor)
    .i32Const(4 * W * 4)
    .op("i32.add")
    .localSet(cursor);
}

/** Stores the first `width` lanes of `v` at `base` (+ `row`) + `offset` (no lane past them). */
export function storeLanes(
  f: WasmFunction,
  base: Local,
  row: Local | undefined,
  offset: number,
  v: Local,
  width: number,
): void {
  const addr = (): void => {
    f.localGet(base);
    if (row !== undefined) f.localGet(row).op("i32.add");
  };
  if (width === 4) {
    addr();
    f.localGet(v).store("v128.store", offset, 0);
    return;
  }
  if (width >= 2) {
    addr();
    f.localGet(v).lane("i64x2.extract_lane", 0).store("i64.store", offset, 0);
  }
  if (width !== 2) {
    addr();
    f.localGet(v)
      .lane("i32x4.extract_lane", width - 1)
      .store("i32.store", offset + (width - 1) * 4, 0);
  }
}
