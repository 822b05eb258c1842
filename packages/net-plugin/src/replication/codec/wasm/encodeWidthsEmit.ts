/**
 * columns.ts `chooseWidths` as a wasm function of the encode module (encodeFusedEmit.ts): per
 * column, from its bit-length histogram (the collect's `hist` segment), the width with the fewest
 * bits (n·w, plus the exceptions' count, width field, positions and high bits; the lowest w of
 * equal costs) and its exception width, stored as bytes in the writer's `wid` segment (widths,
 * then exception widths). Returns an upper bound of the columns' bits as the updates writer
 * writes them for every candidate (wasmWrite.ts's bound): the region check of the fused encode.
 */
import { COLUMN_BUCKETS, EXCEPTION_WIDTH_BITS, WIDTH_BITS } from "../columns";
import type { WasmFunction, WasmModule } from "./wasmModule";

/** An Exp-Golomb exception count, bits at most (wasmWrite.ts). */
const COUNT_CODE_BOUND = 63;

/** Emits `widths(hist, wid) → bound bits` for `columns` columns into `mod` (`simd`: the scans as vectors). */
export function emitWidths(mod: WasmModule, columns: number, simd: boolean): WasmFunction {
  const f = mod.function("widths", ["i32", "i32"], ["i32"]);
  const hist = f.param(0);
  const wid = f.param(1);
  const i32 = () => f.local("i32");
  const col = i32(),
    h = i32(),
    longest = i32(),
    n = i32(),
    pb = i32(),
    best = i32(),
    bestBits = i32(),
    bestE = i32(),
    above = i32(),
    w = i32(),
    bits = i32(),
    l = i32(),
    bound = i32();
  const sum = f.local("v128");
  const bucket = (at: () => void): void => {
    f.localGet(h);
    at();
    f.i32Const(2).op("i32.shl").op("i32.add").load("i32.load");
  };
  const exit = f.block();
  f.i32Const(columns).i32Const(0).op("i32.le_s").brIf(exit);
  const loop = f.loop();
  f.localGet(col)
    .i32Const(COLUMN_BUCKETS * 4)
    .op("i32.mul")
    .localGet(hist)
    .op("i32.add")
    .localSet(h);
  if (simd) {
    // longest: the highest non-empty group of four buckets, then the bucket within it.
    const found = f.block();
    for (let g = COLUMN_BUCKETS / 4 - 1; g >= 0; g--) {
      f.localGet(h)
        .load("v128.load", g * 16)
        .op("v128.any_true");
      const some = f.if();
      for (let j = 3; j >= 1; j--) {
        f.i32Const(4 * g + j).localSet(longest);
        f.localGet(h)
          .load("i32.load", (4 * g + j) * 4)
          .brIf(found);
      }
      f.i32Const(4 * g)
        .localSet(longest)
        .br(found);
      f.end(some);
    }
    f.i32Const(0).localSet(longest);
    f.end(found);
    // n: every bucket (those above longest are empty), eight vector adds and the four lanes
    f.localGet(h).load("v128.load", 0);
    for (let g = 1; g < COLUMN_BUCKETS / 4; g++)
      f.localGet(h)
        .load("v128.load", g * 16)
        .op("i32x4.add");
    f.localTee(sum).lane("i32x4.extract_lane", 0);
    for (let j = 1; j < 4; j++) f.localGet(sum).lane("i32x4.extract_lane", j).op("i32.add");
    f.localSet(n);
  } else {
    // longest: the last non-empty bucket (0 when all are empty)
    f.i32Const(COLUMN_BUCKETS - 1).localSet(longest);
    const scanned = f.block();
    const scan = f.loop();
    f.localGet(longest).op("i32.eqz").brIf(scanned);
    bucket(() => void f.localGet(longest));
    f.brIf(scanned);
    f.localGet(longest).i32Const(1).op("i32.sub").localSet(longest).br(scan);
    f.end(scan).end(scanned);
    // n: values up to longest
    f.i32Const(0).localSet(n).i32Const(0).localSet(l);
    const counted = f.loop();
    bucket(() => void f.localGet(l));
    f.localGet(n).op("i32.add").localSet(n);
    f.localGet(l).i32Const(1).op("i32.add").localTee(l).localGet(longest).op("i32.le_s").brIf(counted);
    f.end(counted);
  }
  // pb = positionBits(n)
  f.i32Const(0).i32Const(32).localGet(n).i32Const(1).op("i32.sub").op("i32.clz").op("i32.sub");
  f.localGet(n).i32Const(1).op("i32.le_s").op("select").localSet(pb);
  f.localGet(longest).localSet(best);
  f.localGet(n).localGet(longest).op("i32.mul").i32Const(1).op("i32.add").localSet(bestBits);
  f.i32Const(0).localSet(bestE).i32Const(0).localSet(above);
  f.localGet(longest).localSet(w);
  const down = f.block();
  const widthLoop = f.loop();
  f.localGet(w).i32Const(0).op("i32.le_s").brIf(down);
  // above += hist[w]; w-- (the bucket above the new w)
  bucket(() => void f.localGet(w));
  f.localGet(above).op("i32.add").localSet(above);
  f.localGet(w).i32Const(1).op("i32.sub").localSet(w);
  // bits = n·w + countBits(above) + EXCEPTION_WIDTH_BITS + above·(pb + longest − w)
  f.localGet(n).localGet(w).op("i32.mul");
  f.i32Const(31)
    .localGet(above)
    .i32Const(1)
    .op("i32.add")
    .op("i32.clz")
    .op("i32.sub")
    .i32Const(1)
    .op("i32.shl");
  f.i32Const(1 + EXCEPTION_WIDTH_BITS)
    .op("i32.add")
    .op("i32.add");
  f.localGet(above).localGet(pb).localGet(longest).op("i32.add").localGet(w).op("i32.sub").op("i32.mul");
  f.op("i32.add").localTee(bits);
  f.localGet(bestBits).op("i32.le_s");
  const better = f.if();
  f.localGet(w).localSet(best).localGet(bits).localSet(bestBits).localGet(above).localSet(bestE);
  f.end(better);
  f.br(widthLoop);
  f.end(widthLoop).end(down);
  f.localGet(wid).localGet(col).op("i32.add").localGet(best).store("i32.store8");
  // exception width (0 without exceptions)
  f.localGet(wid).localGet(col).op("i32.add");
  f.localGet(longest).localGet(best).op("i32.sub").i32Const(0).localGet(bestE).op("select");
  f.store("i32.store8", columns);
  // bound += 5 + n·best + 63 + 5 + bestE·(pb + longest − best), for a column with values
  f.localGet(n);
  const any = f.if();
  f.localGet(bound)
    .i32Const(WIDTH_BITS + COUNT_CODE_BOUND + EXCEPTION_WIDTH_BITS)
    .op("i32.add");
  f.localGet(n).localGet(best).op("i32.mul").op("i32.add");
  f.localGet(bestE).localGet(pb).localGet(longest).op("i32.add").localGet(best).op("i32.sub").op("i32.mul");
  f.op("i32.add").localSet(bound);
  f.end(any);
  f.localGet(col).i32Const(1).op("i32.add").localTee(col).i32Const(columns).op("i32.lt_s").brIf(loop);
  f.end(loop).end(exit);
  f.localGet(bound);
  return f;
}
