/**
 * The SIMD apply kernel's rotations (applyEmit.ts): the rows queued for a quat field are
 * dequantized four at a time in f32x4 lanes — dequantizeQuat's float32 arithmetic
 * (protocol/quantize.ts), so per lane the same operations as applyEmit.ts emitDequantize and the
 * JS kernels (the same floats), the smallest-three selects as lane masks. The four rows are loaded
 * whole and transposed (slot s of the four entries is one vector); the four components times
 * `inv` are stored whole when the four entities are consecutive, else lane by lane at each entry's
 * entity (promoted to f64 for a Float64 column).
 * The queued count is padded to a multiple of four by repeating the last entry (writing the same
 * values again); the list has room for it (applyPlan.ts QUAT_LIST_PAD).
 */
import type { ApplyField } from "./applyPlan";
import type { Local, WasmFunction } from "./wasmModule";
import { transpose4 } from "./applyGroupEmit";

/** Entries (f32x4 lanes) per loop step. */
const LANES = 4;
/** Bytes of one list entry (eid, row address). */
const ENTRY = 8;
/** Lanes 2-3 of a vector moved to lanes 0-1 (for the second promote_low). */
const HIGH_TO_LOW = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];

/** Dequantizes the `n` queued rows of quat `field` (see the file comment). */
export function emitQuatPairs(f: WasmFunction, field: ApplyField & { kind: "quat" }, n: Local): void {
  const v = (): Local => f.local("v128");
  const m = [v(), v(), v(), v()] as const;
  const s = [v(), v(), v()] as const;
  const [d, x, y, z, w, inv, out, hi] = [v(), v(), v(), v(), v(), v(), v(), v()];
  const at = f.local("i32");
  const at4 = f.local("i32");
  const eid = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  const done = f.block();
  f.localGet(n).op("i32.eqz").brIf(done);
  // Pad to a multiple of LANES entries: entry n = entry n - 1.
  const padded = f.block();
  const pad = f.loop();
  f.localGet(n)
    .i32Const(LANES - 1)
    .op("i32.and")
    .op("i32.eqz")
    .brIf(padded);
  f.localGet(n).i32Const(3).op("i32.shl").localTee(at);
  f.localGet(at).i32Const(ENTRY).op("i32.sub").load("i64.load", field.list).store("i64.store", field.list);
  f.localGet(n).i32Const(1).op("i32.add").localSet(n);
  f.br(pad).end(pad).end(padded);
  // Constants in locals, set before the loop (V8 builds a v128.const from immediates each time).
  const constant = (c: number): Local => {
    const l = v();
    f.f32Const(c).op("f32x4.splat").localSet(l);
    return l;
  };
  const [zero, one, scale, middle] = [0, 1, field.scale, field.middle].map(constant) as [
    Local,
    Local,
    Local,
    Local,
  ];
  // i32x4 lanes of 0 (zero's bits), 1, 2, 3: the largest component's index.
  const index = [zero, v(), v(), v()] as const;
  index.forEach((l, k) => {
    if (k > 0) f.i32Const(k).op("i32x4.splat").localSet(l);
  });
  const three = index[3];
  f.i32Const(0).localSet(at);
  const top = f.loop();
  // The step's four rows (slots offset..offset+3 as one v128 each) transposed: slot k of the four
  // entries is one vector, lane e = entry e.
  const rows = [v(), v(), v(), v()];
  const tmp = [v(), v(), v(), v()];
  const slots = [v(), v(), v(), v()];
  for (let e = 0; e < LANES; e++) {
    f.localGet(at)
      .load("i32.load", field.list + e * ENTRY + 4)
      .load("v128.load", field.offset * 4, 2)
      .localSet(rows[e] as Local);
  }
  transpose4(f, rows, tmp, slots);
  // m[k]: lanes whose largest component is k.
  f.localGet(slots[0] as Local)
    .localGet(three)
    .op("v128.and")
    .localSet(slots[0] as Local);
  m.forEach((mask, k) => {
    f.localGet(slots[0] as Local)
      .localGet(index[k] as Local)
      .op("i32x4.eq")
      .localSet(mask);
  });
  // s_k = (slot - middle) · scale (the difference exact: slots < 2^24, middle a half-integer)
  s.forEach((target, k) => {
    f.localGet(slots[k + 1] as Local).op("f32x4.convert_i32x4_s");
    f.localGet(middle).op("f32x4.sub").localGet(scale).op("f32x4.mul").localSet(target);
  });
  const square = (c: Local): WasmFunction => f.localGet(c).localGet(c).op("f32x4.mul");
  const [s0, s1, s2] = s;
  // n = (s0² + s1²) + s2² (in inv), d = sqrt(max(0, 1 - n))
  square(s0);
  square(s1).op("f32x4.add");
  square(s2).op("f32x4.add").localSet(inv);
  // pmax(0, v) is 0 < v ? v : 0: max(0, v) for every v here (1 - n is never NaN or -0), one
  // instruction where f32x4.max (NaN and -0 rules) is several.
  f.localGet(zero).localGet(one).localGet(inv).op("f32x4.sub").op("f32x4.pmax").op("f32x4.sqrt").localSet(d);
  // bitselect(a, b, m) = m ? a : b per lane.
  const [m0, m1, m2, m3] = m;
  f.localGet(d).localGet(s0).localGet(m0).op("v128.bitselect").localSet(x);
  f.localGet(d).localGet(s0).localGet(s1).localGet(m0).op("v128.bitselect");
  f.localGet(m1).op("v128.bitselect").localSet(y);
  f.localGet(d).localGet(s2).localGet(s1).localGet(m3).op("v128.bitselect");
  f.localGet(m2).op("v128.bitselect").localSet(z);
  f.localGet(d).localGet(s2).localGet(m3).op("v128.bitselect").localSet(w);
  // Only when a lane has n > 1 (slots off the unit sphere: forged, or quantizeQuat's at 2 bits) the
  // four times 1 / sqrt(max(1, n)), which is exactly 1 in the other lanes.
  f.localGet(inv).localGet(one).op("f32x4.gt").op("v128.any_true");
  const off = f.if();
  f.localGet(one).localGet(one).localGet(inv).op("f32x4.max").op("f32x4.sqrt").op("f32x4.div").localSet(inv);
  [x, y, z, w].forEach((c) => f.localGet(c).localGet(inv).op("f32x4.mul").localSet(c));
  f.end(off);
  eid.forEach((e, lane) => {
    f.localGet(at)
      .load("i32.load", field.list + lane * ENTRY)
      .localSet(e);
  });
  const columns = [x, y, z, w].map((value, c) => {
    const col = field.columns[c];
    if (col === undefined)
      throw new Error(`wasm apply: quat field at slot ${field.offset} has no column ${c}.`);
    return { value, col };
  });
  // Four consecutive entities (entry e's = entry 0's + e: a moving world's): one v128 store per
  // Float32 column (two per Float64 column) at the first; else one store per lane at its entity.
  const [e0, e1, e2, e3] = eid as [Local, Local, Local, Local];
  const step = (e: Local, k: number): void =>
    void f.localGet(e).localGet(e0).op("i32.sub").i32Const(k).op("i32.eq");
  step(e1, 1);
  step(e2, 2);
  f.op("i32.and");
  step(e3, 3);
  f.op("i32.and");
  const whole = f.if();
  for (const { value, col } of columns) {
    if (col.f64) {
      f.localGet(e0).i32Const(3).op("i32.shl").localTee(at4);
      f.localGet(value).op("f64x2.promote_low_f32x4").store("v128.store", col.address, 0);
      f.localGet(at4).localGet(value).localGet(value).shuffle(HIGH_TO_LOW);
      f.op("f64x2.promote_low_f32x4").store("v128.store", col.address + 16, 0);
    } else {
      f.localGet(e0).i32Const(2).op("i32.shl").localGet(value).store("v128.store", col.address, 0);
    }
  }
  f.else();
  for (const { value, col } of columns) {
    if (col.f64) {
      f.localGet(value).localGet(value).shuffle(HIGH_TO_LOW).op("f64x2.promote_low_f32x4").localSet(hi);
      f.localGet(value).op("f64x2.promote_low_f32x4").localSet(out);
    }
    eid.forEach((e, lane) => {
      f.localGet(e)
        .i32Const(col.f64 ? 3 : 2)
        .op("i32.shl");
      if (col.f64)
        f.localGet(lane < 2 ? out : hi)
          .lane("f64x2.extract_lane", lane & 1)
          .store("f64.store", col.address);
      else f.localGet(value).lane("f32x4.extract_lane", lane).store("f32.store", col.address);
    });
  }
  f.end(whole);
  f.localGet(at)
    .i32Const(LANES * ENTRY)
    .op("i32.add")
    .localTee(at)
    .localGet(n)
    .i32Const(3)
    .op("i32.shl")
    .op("i32.lt_u");
  f.brIf(top).end(top);
  f.end(done);
}
