/**
 * The rotations and the stream bits of the wasm collect's dense step (encodeDenseEmit.ts). A
 * changed rotation whose largest component stays in all four entities is coded four at a time
 * (each one's three small components' zigzag residuals to `colz` and the histograms, its `zz`
 * flag 1); when some of the four changed their largest the rotation is coded an entity at a time
 * (encodeSimdEmit.ts emitQuatSimd: flag 0 and no residuals for those). The four updates' stream
 * bits are then the same code four times (one put) when every rotation kept its largest, else
 * each entity's bits as the per-entity code writes them (writeEntityEmit.ts, the full values).
 */
import type { KernelField } from "../kernels/compileKernel";
import type { StateLayout } from "./codecMemory";
import type { DenseLocals, Parts } from "./encodeDenseEmit";
import { emitHist } from "./encodeFieldEmit";
import { emitCount4, emitLengths } from "./encodeHist8Emit";
import type { ByteOut } from "./writeBytesEmit";
import { emitEntityBits } from "./writeEntityEmit";
import type { Local, WasmFunction } from "./wasmModule";

/** Emits a changed rotation of the four entities (`kept`: 1 when all four keep their largest). */
export function emitQuat4(
  f: WasmFunction,
  x: KernelField,
  l: DenseLocals,
  cursor: Local,
  kept: Local,
  p: Parts,
): void {
  const prediction = (e: number): void => {
    p.rowVec(l.baseRow, x, e);
    f.localSet(p.vb);
    f.localGet(l.ratio).localGet(l.lazy).op("i32.eqz").op("i32.and");
    const predicted = f.if();
    f.localGet(l.seg("pred")).localGet(l.row).op("i32.add").localGet(p.vb);
    f.store("v128.store", p.rowAt(x, e), 0);
    f.end(predicted);
  };
  const flag = (e: number, value: number): void => {
    f.localGet(l.seg("zz")).localGet(l.row).op("i32.add").i32Const(value);
    f.store("i32.store", p.rowAt(x, e), 0);
  };
  // zigzag(cur − base) of the small components (lanes 1..3) at the cursor + `at`, into `u`
  const residuals = (e: number, at: number, u: Local): void => {
    p.rowVec(l.curRow, x, e);
    f.localGet(p.vb).op("i32x4.sub");
    p.zigzag(u);
    for (let s = 1; s < 4; s++) {
      f.localGet(cursor);
      f.localGet(u)
        .lane("i32x4.extract_lane", s)
        .store("i32.store", at + (s - 1) * 4, 0);
    }
  };
  const lanes = [1, 2, 3];
  const columns = [0, 1, 2].map((s) => x.column + s);
  f.localGet(kept);
  const all = f.if();
  for (let e = 0; e < 4; e++) {
    prediction(e);
    flag(e, 1);
    residuals(e, e * 12, l.h8.vals[e] as Local);
    emitLengths(f, l.h8, e, lanes);
  }
  emitCount4(f, l.h8, lanes, columns);
  f.localGet(cursor).i32Const(48).op("i32.add").localSet(cursor);
  f.else();
  for (let e = 0; e < 4; e++) {
    prediction(e);
    p.rowVec(l.curRow, x, e);
    f.lane("i32x4.extract_lane", 0).localGet(p.vb).lane("i32x4.extract_lane", 0).op("i32.eq");
    const same = f.if();
    flag(e, 1);
    residuals(e, 0, p.vf);
    lanes.forEach((lane, i) => {
      f.localGet(p.vf).lane("i32x4.extract_lane", lane).localSet(l.d);
      emitHist(f, l.seg("hist"), l.d, columns[i] as number);
    });
    f.localGet(cursor).i32Const(12).op("i32.add").localSet(cursor);
    f.else();
    flag(e, 0);
    f.end(same);
  }
  f.end(all);
}

/** What the checks found: per field changed in all four, the changed mask, every rotation's largest kept. */
export interface DenseFound {
  readonly ch: readonly Local[];
  readonly cm: Local;
  readonly allKept: Local;
}

/**
 * The four updates' stream bits (writeEntityEmit.ts for each, in id order): the bitmap's 1, a
 * flag per field when there are several, per changed rotation a 1 (largest kept) or a 0 and its
 * full value.
 */
export function emitStreamCode(
  f: WasmFunction,
  fields: readonly KernelField[],
  layout: StateLayout,
  stride: number,
  l: DenseLocals,
  stream: ByteOut,
  found: DenseFound,
): void {
  const el = l.d;
  f.localGet(found.allKept);
  const same = f.if();
  // Every rotation kept its largest: the same code for all four, put out as one.
  const code = f.local("i32");
  f.i32Const(1).localSet(code).i32Const(1).localSet(el);
  const bit = (value: Local): void => {
    f.localGet(code).localGet(value).localGet(el).op("i32.shl").op("i32.or").localSet(code);
    f.localGet(el).i32Const(1).op("i32.add").localSet(el);
  };
  fields.forEach((x, k) => {
    if (fields.length > 1) bit(found.ch[k] as Local);
    if (!x.quat) return;
    f.localGet(found.ch[k] as Local);
    const changed = f.if();
    bit(found.ch[k] as Local);
    f.end(changed);
  });
  // code × 4 at el bits each (4·el ≤ 56: denseEligible)
  const c64 = f.local("i64");
  const e64 = f.local("i64");
  f.localGet(el).op("i64.extend_i32_u").localSet(e64);
  f.localGet(code).op("i64.extend_i32_u").localTee(c64);
  f.localGet(c64).localGet(e64).op("i64.shl").op("i64.or").localTee(c64);
  f.localGet(c64).localGet(e64).i64Const(1).op("i64.shl").op("i64.shl").op("i64.or").localSet(c64);
  const len = f.local("i32");
  f.localGet(el).i32Const(2).op("i32.shl").localSet(len);
  stream.put64(() => void f.localGet(c64), len);
  f.else();
  // Some rotation changed its largest: each entity's own bits, as the per-entity code writes them.
  const [mask, multi, row, left] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  const full = fields.reduce((m, x) => m | x.bit, 0);
  f.i32Const(full)
    .localSet(mask)
    .i32Const(fields.length > 1 ? 1 : 0)
    .localSet(multi);
  f.localGet(l.row).localSet(row).i32Const(4).localSet(left);
  const entity = f.loop();
  f.i64Const(1).localSet(c64).i32Const(1).localSet(el);
  const locals = { mask, changed: found.cm, multi, row, cur: l.cur, zz: l.seg("zz"), ec: c64, el };
  emitEntityBits(f, stream, fields, layout.valuesOffset, locals);
  f.localGet(row)
    .i32Const(stride * 4)
    .op("i32.add")
    .localSet(row);
  f.localGet(left).i32Const(1).op("i32.sub").localTee(left).brIf(entity);
  f.end(entity);
  f.end(same);
}
