/**
 * The wasm column writer's eight-value step in SIMD builds (writeColumnEmit.ts, `all` sections,
 * widths ≤ 7): the column is contiguous in `colm` (the collect writes it), so eight values are
 * two v128 loads; their low bits are masked and narrowed to i16 lanes, paired by a dot product
 * with [1, 2^w] and, narrowed again, by one with [1, 2^2w] — two four-value codes (< 2^28), one
 * 8w-bit put. The exceptions (values of more than w bits) come from a lane bitmask, lowest
 * position first; a group without any costs one test. Same bits as the scalar group code.
 */
import type { ColumnLocals } from "./writeColumnEmit";
import type { Local } from "./wasmModule";

/** The widest width the step takes (8 · 7 = 56 bits, the byte writer's longest code). */
export const SIMD_GROUP_WIDTH = 7;

/** Emits the step's loop (the caller runs it when cw ≤ SIMD_GROUP_WIDTH); `q` moves on by the values it wrote. */
export function emitGroup8(l: ColumnLocals): void {
  const { f, out, p, cw, low, cn, ce, q, end } = l;
  const [pairs, quads, lows, v0, v1, c] = [
    f.local("v128"),
    f.local("v128"),
    f.local("v128"),
    f.local("v128"),
    f.local("v128"),
    f.local("v128"),
  ];
  const [m, i, shift] = [f.local("i32"), f.local("i32"), f.local("i64")];
  // per column: the i16 multipliers [1, 2^w] and [1, 2^2w] (lane pairs), the low-bits mask, the
  // second code's shift
  const multipliers = (times: number, into: Local): void => {
    f.i32Const(1).localGet(cw).i32Const(times).op("i32.mul").op("i32.shl").i32Const(16).op("i32.shl");
    f.i32Const(1).op("i32.or").op("i32x4.splat").localSet(into);
  };
  multipliers(1, pairs);
  multipliers(2, quads);
  f.localGet(low).op("i32x4.splat").localSet(lows);
  f.localGet(cw).i32Const(2).op("i32.shl").op("i64.extend_i32_u").localSet(shift);
  f.localGet(cw).i32Const(3).op("i32.shl").localSet(l.gl);
  const exit = f.block();
  const loop = f.loop();
  f.localGet(q).i32Const(28).op("i32.add").localGet(end).op("i32.ge_u").brIf(exit);
  f.localGet(q).load("v128.load", 0, 0).localSet(v0);
  f.localGet(q).load("v128.load", 16, 0).localSet(v1);
  // the eight low parts (< 2^7) as i16 lanes; pairs u + u'·2^w (< 2^14), again as i16; then
  // quads p + p'·2^2w (< 2^28): the two four-value codes in lanes 0 and 1
  f.localGet(v0).localGet(lows).op("v128.and").localGet(v1).localGet(lows).op("v128.and");
  f.op("i16x8.narrow_i32x4_u").localGet(pairs).op("i32x4.dot_i16x8_s");
  f.localTee(c).localGet(c).op("i16x8.narrow_i32x4_s").localGet(quads).op("i32x4.dot_i16x8_s").localSet(c);
  out.put64(() => {
    f.localGet(c).lane("i32x4.extract_lane", 0).op("i64.extend_i32_u");
    f.localGet(c).lane("i32x4.extract_lane", 1).op("i64.extend_i32_u");
    f.localGet(shift).op("i64.shl").op("i64.or");
  }, l.gl);
  // exceptions: lanes above `low` (a bit above the width), in order
  f.localGet(v0).localGet(v1).op("v128.or").localGet(lows).op("v128.andnot").op("v128.any_true");
  const some = f.if();
  f.localGet(v0).localGet(lows).op("i32x4.gt_u").op("i32x4.bitmask");
  f.localGet(v1).localGet(lows).op("i32x4.gt_u").op("i32x4.bitmask").i32Const(4).op("i32.shl");
  f.op("i32.or").localSet(m);
  const each = f.loop();
  f.localGet(m).op("i32.ctz").localSet(i);
  f.localGet(ce).i32Const(3).op("i32.shl").localGet(p("ex")).op("i32.add").localTee(l.o);
  f.localGet(cn).localGet(i).op("i32.add").store("i32.store");
  f.localGet(l.o);
  f.localGet(i).i32Const(2).op("i32.shl").localGet(q).op("i32.add").load("i32.load");
  f.localGet(cw).op("i32.shr_u").store("i32.store", 4);
  f.localGet(ce).i32Const(1).op("i32.add").localSet(ce);
  f.localGet(m).localGet(m).i32Const(1).op("i32.sub").op("i32.and").localTee(m).brIf(each);
  f.end(each);
  f.end(some);
  f.localGet(cn).i32Const(8).op("i32.add").localSet(cn);
  f.localGet(q).i32Const(32).op("i32.add").localSet(q);
  f.br(loop);
  f.end(loop).end(exit);
}
