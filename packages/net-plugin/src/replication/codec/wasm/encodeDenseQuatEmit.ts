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
import { unlessLazy, type DenseLocals, type Parts } from "./encodeDenseEmit";
import { bumpColm, emitHist } from "./encodeFieldEmit";
import { emitCount4, emitLengths } from "./encodeHist8Emit";
import type { ByteOut } from "./writeBytesEmit";
import { emitEntityBits } from "./writeEntityEmit";
import { fieldCount, type PartField } from "./transformParts";
import type { Local, WasmFunction } from "./wasmModule";

/** Emits a changed rotation of the four entities (`kept`: 1 when all four keep their largest). */
export function emitQuat4(
  f: WasmFunction,
  x: KernelField,
  l: DenseLocals,
  cursor: Local,
  kept: Local,
  p: Parts,
  mcur: Local,
): void {
  const prediction = (e: number): void => {
    p.rowVec(l.baseRow, x, e);
    f.localSet(p.vb);
    if (l.lazyKnown) return;
    f.localGet(l.ratio);
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
  // (colz is for the JS path only: `lazy` groups leave it out when all four keep their largest)
  const residuals = (e: number, at: number, u: Local, lazy: boolean): void => {
    p.rowVec(l.curRow, x, e);
    f.localGet(p.vb).op("i32x4.sub");
    p.zigzag(u);
    const stores = (): void => {
      for (let s = 1; s < 4; s++) {
        f.localGet(cursor);
        f.localGet(u)
          .lane("i32x4.extract_lane", s)
          .store("i32.store", at + (s - 1) * 4, 0);
      }
    };
    if (lazy) unlessLazy(l, stores);
    else stores();
  };
  const lanes = [1, 2, 3];
  const columns = [0, 1, 2].map((s) => x.column + s);
  f.localGet(kept);
  const all = f.if();
  for (let e = 0; e < 4; e++) {
    prediction(e);
    flag(e, 1);
    residuals(e, e * 12, l.h8.vals[e] as Local, true);
    emitLengths(f, l.h8, e);
  }
  emitCount4(f, l.h8, lanes, columns);
  storeColumns4(f, l.h8.vals, lanes, mcur, p.cap);
  f.localGet(cursor).i32Const(48).op("i32.add").localSet(cursor);
  f.else();
  for (let e = 0; e < 4; e++) {
    prediction(e);
    p.rowVec(l.curRow, x, e);
    f.lane("i32x4.extract_lane", 0).localGet(p.vb).lane("i32x4.extract_lane", 0).op("i32.eq");
    const same = f.if();
    flag(e, 1);
    residuals(e, 0, p.vf, false);
    lanes.forEach((lane, i) => {
      f.localGet(p.vf).lane("i32x4.extract_lane", lane).localSet(l.d);
      f.localGet(mcur)
        .localGet(l.d)
        .store("i32.store", i * p.cap * 4);
      emitHist(f, l.seg("hist"), l.d, columns[i] as number);
    });
    bumpColm(f, mcur);
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
  fields: readonly PartField[],
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
  // (A Transform's rotation part has no flag: its same-largest bit follows the position's flag.)
  const several = fieldCount(fields) > 1;
  fields.forEach((x, k) => {
    if (several && x.follows !== true) bit(found.ch[k] as Local);
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
    .i32Const(several ? 1 : 0)
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

/** `i8x16.shuffle` bytes of four 32-bit lanes (0–3: the first vector, 4–7: the second). */
function lanes32(lanes: readonly number[]): number[] {
  return lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
}

/**
 * The four entities' values of `lanes` (row vectors `vals`, lanes = slots) as column vectors
 * (lanes = entities, a 4×4 transpose by shuffles) stored at `colm` cursor + i × capacity × 4 for
 * the i-th lane; the cursor moves past the four.
 */
export function storeColumns4(
  f: WasmFunction,
  vals: readonly Local[],
  lanes: readonly number[],
  mcur: Local,
  cap: number,
): void {
  const [v0, v1, v2, v3] = vals as [Local, Local, Local, Local];
  // pairs: (v0, v1) and (v2, v3) interleaved, low lanes (0, 1) or high lanes (2, 3)
  const halves = [lanes.some((l) => l < 2), lanes.some((l) => l >= 2)];
  const t = [f.local("v128"), f.local("v128"), f.local("v128"), f.local("v128")];
  halves.forEach((used, h) => {
    if (!used) return;
    const pick = lanes32(h === 0 ? [0, 4, 1, 5] : [2, 6, 3, 7]);
    f.localGet(v0)
      .localGet(v1)
      .shuffle(pick)
      .localSet(t[2 * h] as Local);
    f.localGet(v2)
      .localGet(v3)
      .shuffle(pick)
      .localSet(t[2 * h + 1] as Local);
  });
  lanes.forEach((lane, i) => {
    const h = lane < 2 ? 0 : 1;
    f.localGet(mcur);
    f.localGet(t[2 * h] as Local).localGet(t[2 * h + 1] as Local);
    f.shuffle(lanes32(lane % 2 === 0 ? [0, 1, 4, 5] : [2, 3, 6, 7]));
    f.store("v128.store", i * cap * 4, 0);
  });
  f.localGet(mcur).i32Const(16).op("i32.add").localSet(mcur);
}
