/**
 * A `slots` field of up to four slots without a change threshold in the wasm collect, with SIMD
 * (encodeFieldEmit.ts calls it when the module is built with SIMD): the row's slots as one i32x4
 * per state, compared at once; predicted at a 1:1 ratio (clamp(2·base − reference), predict.ts)
 * or coded against the baseline without a reference, the zigzag residuals made in the vector and
 * stored lane by lane (never past the field: the next field's values and the next entity's stay
 * untouched), each lane's histogram bucket counted as before. Any other ratio takes the scalar
 * path (`generalSlots`, the slots extracted from the vectors). Same values as the scalar code.
 * Rotations (`emitQuatSimd`) likewise.
 */
import type { KernelField } from "../kernels/compileKernel";
import { bumpColm, type FieldContext, type LoopLocals } from "./encodeFieldEmit";
import type { Local, WasmFunction } from "./wasmModule";

/** The scalar pieces of the field's code the SIMD body falls back on or shares. */
export interface ScalarParts {
  /** The per-slot path for any ratio (reads the slots in `cs`/`bs`, writes pred, colz, hist). */
  readonly generalSlots: () => void;
  /** Counts the zigzag value in `d` in `column`'s histogram. */
  readonly histOf: (column: number) => void;
}

/** Stores the first `width` i32 lanes of `v` at the address `at` pushes + `offset` (no lane past them). */
function storeLanes(f: WasmFunction, at: () => void, offset: number, v: Local, width: number): void {
  if (width === 4) {
    at();
    f.localGet(v).store("v128.store", offset, 0);
    return;
  }
  if (width >= 2) {
    at();
    f.localGet(v).lane("i64x2.extract_lane", 0).store("i64.store", offset, 0);
  }
  if (width !== 2) {
    at();
    f.localGet(v)
      .lane("i32x4.extract_lane", width - 1)
      .store("i32.store", offset + (width - 1) * 4, 0);
  }
}

/** Emits the field's code inside its `has` block (the caller closes it). */
export function emitSlotsSimd(
  c: FieldContext,
  x: KernelField,
  cursor: Local,
  l: LoopLocals,
  parts: ScalarParts,
): void {
  const { f, cs, bs, d } = c;
  const [vc, vb, vf] = [f.local("v128"), f.local("v128"), f.local("v128")];
  const slot0 = c.V + x.offset * 4;
  const lanes = [0, 1, 2, 3].map((s) => (s < x.width ? -1 : 0));
  const maxes = [0, 1, 2, 3].map((s) => (s < x.width ? (x.slotMax[s] as number) : 0));
  f.localGet(c.curRow).load("v128.load", slot0, 0).localSet(vc);
  f.localGet(c.baseRow).load("v128.load", slot0, 0).localSet(vb);
  f.localGet(vc).localGet(vb).op("i32x4.ne");
  f.v128ConstI32(lanes[0] as number, lanes[1] as number, lanes[2] as number, lanes[3] as number);
  f.op("v128.and").op("v128.any_true");
  const moved = f.if();
  f.localGet(l.changed).i32Const(x.bit).op("i32.or").localSet(l.changed);
  // SIMD when predicted at 1:1 or without a ratio; the scalar path for the rest.
  f.localGet(l.ratio).localGet(l.predicted).op("i32.and").localGet(l.unit).op("i32.and");
  f.localGet(l.ratio).op("i32.eqz").op("i32.or");
  const vector = f.if();
  f.localGet(vb).localSet(vf);
  f.localGet(l.ratio);
  const predicted = f.if();
  f.localGet(vb).i32Const(1).op("i32x4.shl");
  f.localGet(c.refRow).load("v128.load", slot0, 0).op("i32x4.sub");
  f.v128ConstI32(0, 0, 0, 0).op("i32x4.max_s");
  f.v128ConstI32(maxes[0] as number, maxes[1] as number, maxes[2] as number, maxes[3] as number);
  f.op("i32x4.min_s").localSet(vf);
  const pred = (): void => void f.localGet(l.seg("pred")).localGet(c.row).op("i32.add");
  storeLanes(f, pred, x.offset * 4, vf, x.width);
  f.end(predicted);
  // zigzag(cur − from), into colz at the cursor and the histograms
  f.localGet(vc).localGet(vf).op("i32x4.sub").localTee(vf).i32Const(1).op("i32x4.shl");
  f.localGet(vf).i32Const(31).op("i32x4.shr_s").op("v128.xor").localSet(vf);
  storeLanes(f, () => void f.localGet(cursor), 0, vf, x.width);
  for (let s = 0; s < x.width; s++) {
    f.localGet(vf).lane("i32x4.extract_lane", s).localSet(d);
    f.localGet(l.mcur)
      .localGet(d)
      .store("i32.store", s * c.cap * 4);
    parts.histOf(x.column + s);
  }
  f.else();
  for (let s = 0; s < x.width; s++) {
    f.localGet(vc)
      .lane("i32x4.extract_lane", s)
      .localSet(cs[s] as Local);
    f.localGet(vb)
      .lane("i32x4.extract_lane", s)
      .localSet(bs[s] as Local);
  }
  parts.generalSlots();
  f.end(vector);
  f.localGet(cursor)
    .i32Const(x.width * 4)
    .op("i32.add")
    .localSet(cursor);
  bumpColm(f, l.mcur);
  f.end(moved);
}

/**
 * A smallest-three field without a threshold (encodeFieldEmit.ts's rotation code) with SIMD: the
 * four slots compared at once; with a ratio the baseline row is the prediction (one store); when
 * the largest index is unchanged its three components' zigzag residuals go to colz and the
 * histograms, and `zz` says which. Emitted inside the field's `has` block.
 */
export function emitQuatSimd(
  c: FieldContext,
  x: KernelField,
  cursor: Local,
  l: LoopLocals,
  histOf: (column: number) => void,
): void {
  const { f, d } = c;
  const [vc, vb] = [f.local("v128"), f.local("v128")];
  const slot0 = c.V + x.offset * 4;
  f.localGet(c.curRow).load("v128.load", slot0, 0).localSet(vc);
  f.localGet(c.baseRow).load("v128.load", slot0, 0).localSet(vb);
  f.localGet(vc).localGet(vb).op("i32x4.ne").op("v128.any_true");
  const moved = f.if();
  f.localGet(l.changed).i32Const(x.bit).op("i32.or").localSet(l.changed);
  f.localGet(l.ratio);
  const r = f.if();
  f.localGet(l.seg("pred"))
    .localGet(c.row)
    .op("i32.add")
    .localGet(vb)
    .store("v128.store", x.offset * 4, 0);
  f.end(r);
  const zz = (): void => void f.localGet(l.seg("zz")).localGet(c.row).op("i32.add");
  f.localGet(vc).lane("i32x4.extract_lane", 0).localGet(vb).lane("i32x4.extract_lane", 0).op("i32.eq");
  const same = f.if();
  zz();
  f.i32Const(1).store("i32.store", x.offset * 4);
  // zigzag(cur − base) of the three small components (lanes 1..3)
  f.localGet(vc).localGet(vb).op("i32x4.sub").localTee(vb).i32Const(1).op("i32x4.shl");
  f.localGet(vb).i32Const(31).op("i32x4.shr_s").op("v128.xor").localSet(vb);
  for (let s = 1; s < 4; s++) {
    f.localGet(cursor);
    f.localGet(vb)
      .lane("i32x4.extract_lane", s)
      .localTee(d)
      .store("i32.store", (s - 1) * 4);
    f.localGet(l.mcur)
      .localGet(d)
      .store("i32.store", (s - 1) * c.cap * 4);
    histOf(x.column + s - 1);
  }
  f.localGet(cursor).i32Const(12).op("i32.add").localSet(cursor);
  bumpColm(f, l.mcur);
  f.else();
  zz();
  f.i32Const(0).store("i32.store", x.offset * 4);
  f.end(same);
  f.end(moved);
}
