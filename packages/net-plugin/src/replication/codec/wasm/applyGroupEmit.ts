/**
 * Four ids a step in the SIMD apply kernel (applyEmit.ts `apply`; Session 7): when the next four
 * ids are present in both states with the same mask holding every field, are mapped to entities
 * inside the columns and no generic field changed, they skip the per-entity checks. Per field a
 * four-bit mask of the ids whose slots changed (one v128 compare of the two rows each); a linear
 * field of up to four slots is dequantized for the four ids at once — the four rows transposed so
 * each slot is one vector, in f64x2 halves the same IEEE operations as emitDequantize (so the same
 * floats), demoted to f32 lanes for a Float32 column — and stored per changed id; a rotation's
 * changed ids are queued for the rotation step (applyQuatEmit.ts) as the per-entity path queues them; an int, bool or
 * enum ("scalar") is stored per changed id from its row's first lane. Any other group
 * (an absent, new, unmapped or re-masked id, a changed generic field) takes the per-entity path.
 */
import type { ApplyField, ApplyPlan } from "./applyPlan";
import { emitScalarLanes } from "./applyScalarEmit";
import type { StateLayout } from "./codecMemory";
import type { Label, Local, WasmFunction } from "./wasmModule";
import type { WriteRange } from "./applyRangeEmit";

/** The apply function's locals the group reads and updates. */
export interface GroupLocals {
  readonly next: Local;
  readonly prev: Local;
  readonly hasPrev: Local;
  readonly hw: Local;
  readonly ready: Local;
  readonly id: Local;
  readonly updated: Local;
  /** Per field, the quat queue's length (quat fields only). */
  readonly queued: readonly Local[];
  /** The write counts and entity range (applyEmit.ts). */
  readonly range: WriteRange;
}

/** True when the four-id step can run for `plan` (SIMD: every dequantized field fits a v128 row load). */
export function groupable(plan: ApplyPlan): boolean {
  // A transform's seven slots do not fit one v128 row load: its registry keeps the per-entity path.
  return plan.fields.every(
    (field) => (field.kind !== "linear" || field.width <= 4) && field.kind !== "transform",
  );
}

/** out[s] = lane s of every input row: a 4×4 transpose by interleaves. */
export function transpose4(
  f: WasmFunction,
  rows: readonly Local[],
  tmp: readonly Local[],
  out: readonly Local[],
): void {
  const lo32 = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
  const hi32 = [8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31];
  const lo64 = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
  const hi64 = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];
  const [a, b, c, d] = rows as [Local, Local, Local, Local];
  const [t0, t1, t2, t3] = tmp as [Local, Local, Local, Local];
  f.localGet(a).localGet(b).shuffle(lo32).localSet(t0);
  f.localGet(a).localGet(b).shuffle(hi32).localSet(t1);
  f.localGet(c).localGet(d).shuffle(lo32).localSet(t2);
  f.localGet(c).localGet(d).shuffle(hi32).localSet(t3);
  [
    [t0, t2, lo64],
    [t0, t2, hi64],
    [t1, t3, lo64],
    [t1, t3, hi64],
  ].forEach(([x, y, lanes], s) => {
    f.localGet(x as Local)
      .localGet(y as Local)
      .shuffle(lanes as number[])
      .localSet(out[s] as Local);
  });
}

/**
 * Emits the step at the top of the apply loop's body (`top`: the loop; `exit`: the block the loop
 * ends in). Falls through to the per-entity code when the group does not qualify.
 */
export function emitApplyGroup(
  f: WasmFunction,
  l: GroupLocals,
  plan: ApplyPlan,
  layout: StateLayout,
  stride: number,
  top: Label,
  exit: Label,
): void {
  const v = (): Local => f.local("v128");
  const rows = [v(), v(), v(), v()];
  const prevRows = [v(), v(), v(), v()];
  const tmp = [v(), v(), v(), v()];
  const cols = [v(), v(), v(), v()];
  const [lo, hi, out] = [v(), v(), v()];
  const eids = v();
  const eid = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  const [rowAt, changed, any, scalarTmp] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  const full = plan.fields.reduce((m, field) => m | field.bit, 0);
  const rowBytes = stride * 4;
  const group = f.block();
  // hasPrev && id + 4 <= hw
  f.localGet(l.hasPrev).op("i32.eqz");
  f.localGet(l.id).i32Const(4).op("i32.add").localGet(l.hw).op("i32.gt_s").op("i32.or").brIf(group);
  // present in both (four bytes of ones each)
  for (const state of [l.next, l.prev]) {
    f.localGet(state).localGet(l.id).op("i32.add").load("i32.load", layout.presentOffset, 0);
    f.i32Const(0x01010101).op("i32.ne").brIf(group);
  }
  // the same masks, every field
  f.localGet(l.id).i32Const(2).op("i32.shl").localSet(rowAt);
  f.localGet(l.next)
    .localGet(rowAt)
    .op("i32.add")
    .load("v128.load", layout.maskOffset, 2)
    .localTee(tmp[0] as Local);
  f.localGet(l.prev).localGet(rowAt).op("i32.add").load("v128.load", layout.maskOffset, 2).op("i32x4.eq");
  f.localGet(tmp[0] as Local)
    .i32Const(full)
    .op("i32x4.splat")
    .op("i32x4.eq")
    .op("v128.and");
  f.op("i32x4.all_true").op("i32.eqz").brIf(group);
  // mapped inside the columns (unmapped: -1, huge unsigned)
  f.localGet(rowAt).load("v128.load", plan.eids, 2).localTee(eids);
  f.i32Const(plan.columnLength)
    .op("i32x4.splat")
    .op("i32x4.lt_u")
    .op("i32x4.all_true")
    .op("i32.eqz")
    .brIf(group);
  f.localGet(l.id).i32Const(rowBytes).op("i32.mul").localSet(rowAt);
  /** The four rows' v128 at `field`'s first slot, of `state` into `into`. */
  const loadRows = (state: Local, field: ApplyField, into: readonly Local[]): void => {
    for (let k = 0; k < 4; k++) {
      f.localGet(state).localGet(rowAt).op("i32.add");
      f.load("v128.load", layout.valuesOffset + k * rowBytes + field.offset * 4, 2).localSet(
        into[k] as Local,
      );
    }
  };
  /**
   * changed = four-bit mask of the ids whose `field` slots differ (rows and prevRows loaded): the
   * four rows' lane compares narrowed to bytes (row k's lanes are the bytes of i32 lane k), lanes
   * past the field masked off, one compare with zero.
   */
  const changedMask = (field: ApplyField): void => {
    const ne = (k: number): void =>
      void f
        .localGet(rows[k] as Local)
        .localGet(prevRows[k] as Local)
        .op("i32x4.ne");
    ne(0);
    ne(1);
    f.op("i16x8.narrow_i32x4_s");
    ne(2);
    ne(3);
    f.op("i16x8.narrow_i32x4_s").op("i8x16.narrow_i16x8_s");
    if (field.width < 4) {
      const bytes = 2 ** (8 * field.width) - 1;
      f.v128ConstI32(bytes, bytes, bytes, bytes).op("v128.and");
    }
    f.v128ConstI32(0, 0, 0, 0).op("i32x4.ne").op("i32x4.bitmask").localSet(changed);
  };
  // A changed generic field: the per-entity path (it hands the id to `other`). Wider fields than
  // four slots compare slot by slot.
  const fieldChanged = (field: ApplyField): void => {
    if (field.width <= 4) {
      loadRows(l.next, field, rows);
      loadRows(l.prev, field, prevRows);
      changedMask(field);
      f.localGet(changed);
      return;
    }
    f.i32Const(0);
    for (let k = 0; k < 4; k++)
      for (let s = 0; s < field.width; s++) {
        const at = layout.valuesOffset + k * rowBytes + (field.offset + s) * 4;
        f.localGet(l.next).localGet(rowAt).op("i32.add").load("i32.load", at);
        f.localGet(l.prev).localGet(rowAt).op("i32.add").load("i32.load", at);
        f.op("i32.ne").op("i32.or");
      }
  };
  for (const field of plan.fields) {
    if (field.kind !== "generic" || field.width === 0) continue;
    fieldChanged(field);
    f.brIf(group);
  }
  f.i32Const(0).localSet(any);
  // The range of written entities holds these four (lane-wise; applyEmit.ts reduces it).
  const { loV, hiV } = l.range;
  if (loV !== undefined && hiV !== undefined) {
    f.localGet(loV).localGet(eids).op("i32x4.min_s").localSet(loV);
    f.localGet(hiV).localGet(eids).op("i32x4.max_s").localSet(hiV);
  }
  for (let k = 0; k < 4; k++)
    f.localGet(eids)
      .lane("i32x4.extract_lane", k)
      .localSet(eid[k] as Local);
  plan.fields.forEach((field, fi) => {
    if (field.kind === "generic") return;
    loadRows(l.next, field, rows);
    loadRows(l.prev, field, prevRows);
    changedMask(field);
    f.localGet(changed);
    const some = f.if();
    // The first write: without the column copies (probe pass) stop here, nothing written yet.
    f.localGet(l.ready).op("i32.eqz");
    const notReady = f.if();
    f.i32Const(-1).op("return");
    f.end(notReady);
    f.localGet(any).localGet(changed).op("i32.or").localSet(any);
    const n = l.range.counts[fi];
    if (n !== undefined) f.localGet(n).localGet(changed).op("i32.popcnt").op("i32.add").localSet(n);
    if (field.kind === "quat") emitQueue(f, l, field, fi, rowAt, eid, changed, rowBytes);
    else if (field.kind === "scalar") emitScalarLanes(f, field, rows, eid, changed, scalarTmp);
    else if (field.kind === "linear") emitLinear4(f, field, rows, tmp, cols, { lo, hi, out }, eid, changed);
    else throw new Error("wasm apply: a transform in the four-ids step (groupable excludes it)."); // never
    f.end(some);
  });
  // updated += ids that wrote something
  f.localGet(l.updated).localGet(any).op("i32.popcnt").op("i32.add").localSet(l.updated);
  f.localGet(l.id).i32Const(4).op("i32.add").localTee(l.id).localGet(l.hw).op("i32.lt_s").brIf(top);
  f.br(exit);
  f.end(group);
}

/** Queues the changed ids' (eid, row address) for the quat pairs, in id order. */
function emitQueue(
  f: WasmFunction,
  l: GroupLocals,
  field: ApplyField & { kind: "quat" },
  fi: number,
  rowAt: Local,
  eid: readonly Local[],
  changed: Local,
  rowBytes: number,
): void {
  const n = l.queued[fi] as Local;
  for (let k = 0; k < 4; k++) {
    // The entry is stored either way (the list has room past its end), the count moves by the bit.
    f.localGet(n)
      .i32Const(3)
      .op("i32.shl")
      .localGet(eid[k] as Local)
      .store("i32.store", field.list);
    f.localGet(n).i32Const(3).op("i32.shl");
    // The row's address, as the per-entity path queues it (the pairs add the slot offsets).
    f.localGet(l.next)
      .localGet(rowAt)
      .op("i32.add")
      .i32Const(k * rowBytes)
      .op("i32.add");
    f.store("i32.store", field.list + 4);
    f.localGet(n).localGet(changed).i32Const(k).op("i32.shr_u").i32Const(1).op("i32.and").op("i32.add");
    f.localSet(n);
  }
}

/**
 * Dequantizes a linear field's slots for the four ids (rows loaded) and stores the changed ones:
 * when all four changed (the usual case) without a branch per store (a branch per lane, though
 * always taken, made the step slower than the per-entity path), else each store under its bit.
 */
function emitLinear4(
  f: WasmFunction,
  field: ApplyField & { kind: "linear" },
  rows: readonly Local[],
  tmp: readonly Local[],
  cols: readonly Local[],
  t: { lo: Local; hi: Local; out: Local },
  eid: readonly Local[],
  changed: Local,
): void {
  transpose4(f, rows, tmp, cols);
  f.localGet(changed).i32Const(15).op("i32.eq");
  const all = f.if();
  emitLinearColumns(f, field, cols, t, eid, undefined);
  f.else();
  emitLinearColumns(f, field, cols, t, eid, changed);
  f.end(all);
}

/** Each slot's four values (`cols`, transposed) dequantized and stored (only the `changed` lanes when given). */
function emitLinearColumns(
  f: WasmFunction,
  field: ApplyField & { kind: "linear" },
  cols: readonly Local[],
  t: { lo: Local; hi: Local; out: Local },
  eid: readonly Local[],
  changed: Local | undefined,
): void {
  for (let s = 0; s < field.width; s++) {
    const col = field.columns[s];
    if (col === undefined) throw new Error(`wasm apply: field at slot ${field.offset} has no column ${s}.`);
    const q = cols[s] as Local;
    // q >= maxValue ? max : min + q * step, per lane in f64 (lanes 0–1 in lo, 2–3 in hi)
    [t.lo, t.hi].forEach((half, h) => {
      f.f64Const(field.max[s] as number).op("f64x2.splat");
      f.f64Const(field.min[s] as number).op("f64x2.splat");
      f.localGet(q);
      if (h === 1) f.localGet(q).shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]);
      f.op("f64x2.convert_low_i32x4_s");
      f.f64Const(field.step[s] as number)
        .op("f64x2.splat")
        .op("f64x2.mul")
        .op("f64x2.add");
      f.localGet(q)
        .i32Const(field.maxValue[s] as number)
        .op("i32x4.splat")
        .op("i32x4.ge_s");
      f.op(h === 0 ? "i64x2.extend_low_i32x4_s" : "i64x2.extend_high_i32x4_s");
      f.op("v128.bitselect").localSet(half);
    });
    if (!col.f64) {
      f.localGet(t.lo).op("f32x4.demote_f64x2_zero");
      f.localGet(t.hi).op("f32x4.demote_f64x2_zero");
      f.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]).localSet(t.out);
    }
    for (let k = 0; k < 4; k++) {
      if (changed !== undefined)
        f.localGet(changed)
          .i32Const(1 << k)
          .op("i32.and");
      const write = changed === undefined ? undefined : f.if();
      f.localGet(eid[k] as Local)
        .i32Const(col.f64 ? 3 : 2)
        .op("i32.shl");
      if (col.f64)
        f.localGet(k < 2 ? t.lo : t.hi)
          .lane("f64x2.extract_lane", k & 1)
          .store("f64.store", col.address);
      else f.localGet(t.out).lane("f32x4.extract_lane", k).store("f32.store", col.address);
      if (write !== undefined) f.end(write);
    }
  }
}
