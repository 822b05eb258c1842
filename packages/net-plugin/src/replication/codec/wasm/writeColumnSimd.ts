/**
 * The wasm column writer's eight-value step in SIMD builds (writeColumnEmit.ts, `all` sections,
 * widths ≤ 7): the column is contiguous in `colm` (the collect writes it), so eight values are
 * two v128 loads; their low bits are masked, multiplied by [1, 2^w, 2^2w, 2^3w] (lanes that do not
 * overlap below 2^28) and summed across lanes — two four-value codes, one 8w-bit put. The
 * exceptions (values of more than w bits) come from a lane bitmask, lowest position first; a
 * group without any costs one test. Same bits as the scalar group code.
 */
import type { ColumnLocals } from "./writeColumnEmit";
import type { Local } from "./wasmModule";

/** The widest width the step takes (8 · 7 = 56 bits, the byte writer's longest code). */
export const SIMD_GROUP_WIDTH = 7;

/** `i8x16.shuffle` bytes of four 32-bit lanes (0–3: the first vector, 4–7: the second). */
function lanes32(lanes: readonly number[]): number[] {
  return lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
}

/** Emits the step's loop (the caller runs it when cw ≤ SIMD_GROUP_WIDTH); `q` moves on by the values it wrote. */
export function emitGroup8(l: ColumnLocals): void {
  const { f, out, p, cw, low, cn, ce, q, end } = l;
  const [mul, lows, v0, v1, a] = [
    f.local("v128"),
    f.local("v128"),
    f.local("v128"),
    f.local("v128"),
    f.local("v128"),
  ];
  const [m, i, shift] = [f.local("i32"), f.local("i32"), f.local("i64")];
  // per column: the lane multipliers, the low-bits mask, the second code's shift
  f.v128ConstI32(1, 1, 1, 1);
  for (let lane = 1; lane < 4; lane++) {
    f.i32Const(1).localGet(cw).i32Const(lane).op("i32.mul").op("i32.shl");
    f.lane("i32x4.replace_lane", lane);
  }
  f.localSet(mul);
  f.localGet(low).op("i32x4.splat").localSet(lows);
  f.localGet(cw).i32Const(2).op("i32.shl").op("i64.extend_i32_u").localSet(shift);
  f.localGet(cw).i32Const(3).op("i32.shl").localSet(l.gl);
  const exit = f.block();
  const loop = f.loop();
  f.localGet(q).i32Const(28).op("i32.add").localGet(end).op("i32.ge_u").brIf(exit);
  f.localGet(q).load("v128.load", 0, 0).localSet(v0);
  f.localGet(q).load("v128.load", 16, 0).localSet(v1);
  // one four-value code: (v & low) · mul summed across the lanes (lane 0)
  const code = (v: Local): void => {
    f.localGet(v).localGet(lows).op("v128.and").localGet(mul).op("i32x4.mul").localTee(a);
    f.localGet(a)
      .localGet(a)
      .shuffle(lanes32([2, 3, 2, 3]))
      .op("i32x4.add")
      .localTee(a);
    f.localGet(a)
      .localGet(a)
      .shuffle(lanes32([1, 1, 1, 1]))
      .op("i32x4.add");
    f.lane("i32x4.extract_lane", 0).op("i64.extend_i32_u");
  };
  out.put64(() => {
    code(v0);
    code(v1);
    f.localGet(shift).op("i64.shl").op("i64.or");
  }, l.gl);
  // exceptions: lanes above `low`, in order
  f.localGet(v0).localGet(lows).op("i32x4.gt_u").op("i32x4.bitmask");
  f.localGet(v1).localGet(lows).op("i32x4.gt_u").op("i32x4.bitmask").i32Const(4).op("i32.shl");
  f.op("i32.or").localTee(m);
  const some = f.if();
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
