/**
 * The SIMD apply kernel's rotations (applyEmit.ts): the rows queued for a quat field are
 * dequantized four at a time — two f64x2 pairs, each statement emitted for both pairs in turn so
 * their dependency chains (square root, square root, division) overlap; one pair per step left
 * them waiting on each other (~16 ns per pair at 100 entities). Per lane the same IEEE operations
 * as applyEmit.ts emitDequantize (so the same floats), the smallest-three selects as lane masks.
 * The queued count is padded to a multiple of four by repeating the last entry (writing the same
 * values again); the list has room for it (applyPlan.ts QUAT_LIST_PAD).
 */
import type { ApplyField } from "./applyPlan";
import type { Local, WasmFunction } from "./wasmModule";
import { transpose4 } from "./applyGroupEmit";

/** Pairs (f64x2) per loop step. */
const PAIRS = 2;
/** Bytes of one list entry (eid, row address). */
const ENTRY = 8;

/** Dequantizes the `n` queued rows of quat `field` (see the file comment). */
export function emitQuatPairs(f: WasmFunction, field: ApplyField & { kind: "quat" }, n: Local): void {
  const v = (): Local => f.local("v128");
  const lanes = Array.from({ length: PAIRS }, () => ({
    lg: v(),
    m: [v(), v(), v(), v()] as const,
    s: [v(), v(), v()] as const,
    d: v(),
    x: v(),
    y: v(),
    z: v(),
    w: v(),
    inv: v(),
  }));
  type Pair = (typeof lanes)[number];
  const each = (emit: (l: Pair, p: number) => void): void => lanes.forEach(emit);
  const at = f.local("i32");
  const eid = [f.local("i32"), f.local("i32")];
  const out = v();
  const done = f.block();
  f.localGet(n).op("i32.eqz").brIf(done);
  // Pad to a multiple of 2 × PAIRS entries: entry n = entry n - 1.
  const padded = f.block();
  const pad = f.loop();
  f.localGet(n)
    .i32Const(2 * PAIRS - 1)
    .op("i32.and")
    .op("i32.eqz")
    .brIf(padded);
  f.localGet(n).i32Const(3).op("i32.shl").localTee(at);
  f.localGet(at).i32Const(ENTRY).op("i32.sub").load("i64.load", field.list).store("i64.store", field.list);
  f.localGet(n).i32Const(1).op("i32.add").localSet(n);
  f.br(pad).end(pad).end(padded);
  f.i32Const(0).localSet(at);
  const top = f.loop();
  // Pair p: lane a = entry 2p, lane b = entry 2p + 1 of this step; slot s of a lane's row.
  const entry = (p: number, lane: number): number => field.list + (2 * p + lane) * ENTRY;
  // The step's four rows (slots offset..offset+3 as one v128 each) transposed: slot s of the four
  // entries is one vector, lanes 0–1 pair 0 and lanes 2–3 pair 1.
  const rows = [v(), v(), v(), v()];
  const tmp = [v(), v(), v(), v()];
  const slots = [v(), v(), v(), v()];
  for (let e = 0; e < 4; e++) {
    f.localGet(at)
      .load("i32.load", field.list + e * ENTRY + 4)
      .load("v128.load", field.offset * 4, 2)
      .localSet(rows[e] as Local);
  }
  transpose4(f, rows, tmp, slots);
  const pair = (p: number, s: number): void => {
    f.localGet(slots[s] as Local);
    if (p === 1)
      f.localGet(slots[s] as Local).shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]);
  };
  const splat = (c: number): void => void f.f64Const(c).op("f64x2.splat");
  each((l, p) => {
    pair(p, 0);
    f.i32Const(3).op("i32x4.splat").op("v128.and").localSet(l.lg);
  });
  for (let k = 0; k < 4; k++) {
    each((l) => {
      f.localGet(l.lg).i32Const(k).op("i32x4.splat").op("i32x4.eq").op("i64x2.extend_low_i32x4_s");
      f.localSet(l.m[k] as Local);
    });
  }
  for (let k = 0; k < 3; k++) {
    each((l, p) => {
      pair(p, k + 1);
      f.op("f64x2.convert_low_i32x4_s");
      splat(field.scale);
      f.op("f64x2.mul");
      splat(Math.SQRT1_2);
      f.op("f64x2.sub").localSet(l.s[k] as Local);
    });
  }
  const square = (x: Local): WasmFunction => f.localGet(x).localGet(x).op("f64x2.mul");
  each((l) => {
    splat(0);
    splat(1);
    square(l.s[0]).op("f64x2.sub");
    square(l.s[1]).op("f64x2.sub");
    square(l.s[2]).op("f64x2.sub").op("f64x2.max").op("f64x2.sqrt").localSet(l.d);
  });
  // bitselect(a, b, m) = m ? a : b per lane.
  each((l) => {
    const [m0, m1, m2, m3] = l.m;
    const [s0, s1, s2] = l.s;
    f.localGet(l.d).localGet(s0).localGet(m0).op("v128.bitselect").localSet(l.x);
    f.localGet(l.d)
      .localGet(s0)
      .localGet(s1)
      .localGet(m0)
      .op("v128.bitselect")
      .localGet(m1)
      .op("v128.bitselect");
    f.localSet(l.y);
    f.localGet(l.d)
      .localGet(s2)
      .localGet(s1)
      .localGet(m3)
      .op("v128.bitselect")
      .localGet(m2)
      .op("v128.bitselect");
    f.localSet(l.z);
    f.localGet(l.d).localGet(s2).localGet(m3).op("v128.bitselect").localSet(l.w);
  });
  each((l) => {
    splat(1);
    square(l.x);
    square(l.y).op("f64x2.add");
    square(l.z).op("f64x2.add");
    square(l.w).op("f64x2.add").op("f64x2.sqrt").op("f64x2.div").localSet(l.inv);
  });
  // Each component times inv once per pair (demoted to f32 lanes for a Float32 column), then one
  // store per lane at its entity; the entity ids read once per pair.
  each((l, p) => {
    [0, 1].forEach((lane) => {
      f.localGet(at)
        .load("i32.load", entry(p, lane))
        .localSet(eid[lane] as Local);
    });
    [l.x, l.y, l.z, l.w].forEach((value, c) => {
      const col = field.columns[c];
      if (col === undefined)
        throw new Error(`wasm apply: quat field at slot ${field.offset} has no column ${c}.`);
      f.localGet(value).localGet(l.inv).op("f64x2.mul");
      if (!col.f64) f.op("f32x4.demote_f64x2_zero");
      f.localSet(out);
      for (const lane of [0, 1]) {
        f.localGet(eid[lane] as Local)
          .i32Const(col.f64 ? 3 : 2)
          .op("i32.shl")
          .localGet(out);
        if (col.f64) f.lane("f64x2.extract_lane", lane).store("f64.store", col.address);
        else f.lane("f32x4.extract_lane", lane).store("f32.store", col.address);
      }
    });
  });
  f.localGet(at)
    .i32Const(2 * PAIRS * ENTRY)
    .op("i32.add")
    .localTee(at)
    .localGet(n)
    .i32Const(3)
    .op("i32.shl")
    .op("i32.lt_u");
  f.brIf(top).end(top);
  f.end(done);
}
