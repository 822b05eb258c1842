/**
 * One value column of the wasm updates writer (writeEmit.ts; writeKernel.ts `writeColumn`,
 * updateWriter.writeColumns): its width, the selected updates' zigzag residuals at that width,
 * the exception count, and with exceptions their width, then each one's position and high bits.
 * With every candidate selected (`all`) the residuals are read from the collect's `colm` (each
 * column contiguous from column × capacity, as many as the field's `colz` cursor in the header
 * segment counted entities; SIMD builds eight at a time, writeColumnSimd.ts); else they are taken
 * again from `current` and the delta base.
 */
import type { KernelField } from "../kernels/compileKernel";
import { EXCEPTION_WIDTH_BITS, WIDTH_BITS } from "../columns";
import type { StateLayout } from "./codecMemory";
import { HEADER_COUNTS } from "./collectParams";
import { ByteOut } from "./writeBytesEmit";
import type { WriteParam } from "./writeEmit";
import type { Local, WasmFunction, WasmModule } from "./wasmModule";
import { emitGroup8, SIMD_GROUP_WIDTH } from "./writeColumnSimd";

/** The locals the column code uses (shared by every column of the function). */
export interface ColumnLocals {
  readonly f: WasmFunction;
  readonly out: ByteOut;
  readonly p: (name: WriteParam) => Local;
  readonly cw: Local;
  readonly low: Local;
  readonly cn: Local;
  readonly ce: Local;
  readonly q: Local;
  readonly end: Local;
  readonly u: Local;
  readonly id: Local;
  readonly o: Local;
  readonly j: Local;
  readonly pb: Local;
  readonly cx: Local;
  /** A group's values and its bit count (`all` columns: several values per code). */
  readonly us: readonly Local[];
  readonly gl: Local;
  /** i64 shifts of a group's values 1..7. */
  readonly shifts: readonly Local[];
}

/**
 * Column `s` (a slot of field `x`, the `k`-th field) of `columns` (the `wid` segment: widths, then
 * exception widths): an `all` section calls the module's `column` (emitColumnFunction), else the
 * selected updates' residuals are taken again from the states here.
 */
export function emitColumn(
  l: ColumnLocals,
  x: KernelField,
  k: number,
  s: number,
  layout: StateLayout,
  stride: number,
  columns: number,
  column: WasmFunction,
): void {
  const { f, out, p, cw, low, cn, ce, q, end, u } = l;
  const lane = s - (x.quat ? 1 : 0);
  const col = x.column + lane;
  const W = x.quat ? 3 : x.width;
  // `all` sections read the column contiguous from `colm` (the collect writes it: encodeEmit.ts)
  const step = 4;
  const cap = layout.capacity;
  f.localGet(p("wid")).load("i32.load8_u", col).localSet(cw);
  f.i32Const(1).localGet(cw).op("i32.shl").i32Const(1).op("i32.sub").localSet(low);
  f.i32Const(0).localSet(cn);
  f.i32Const(0).localSet(ce);
  const { value } = columnSteps(l, step);
  f.localGet(p("all"));
  const all = f.if();
  {
    // The column contiguous in `colm`, written by the module's `column` (emitColumnFunction).
    f.localGet(p("colm"))
      .i32Const(col * cap * 4)
      .op("i32.add")
      .localTee(q);
    // The field's cursor (header segment): its first column × capacity + W values per entity.
    f.localGet(p("hdr"))
      .load("i32.load", (HEADER_COUNTS + k) * 4)
      .i32Const(x.column * cap)
      .op("i32.sub");
    if (W > 1) f.i32Const(W).op("i32.div_u");
    f.i32Const(2).op("i32.shl").op("i32.add").localSet(end);
    out.call(column, () => {
      f.localGet(q).localGet(end).localGet(cw);
      f.localGet(p("wid")).load("i32.load8_u", columns + col);
      f.localGet(p("ex"));
    });
  }
  f.else();
  {
    f.i32Const(0).localSet(l.j);
    const exit = f.block();
    const loop = f.loop();
    const skip = f.block();
    f.localGet(l.j).localGet(p("count")).op("i32.ge_s").brIf(exit);
    f.localGet(l.j)
      .i32Const(2)
      .op("i32.shl")
      .localGet(p("update"))
      .op("i32.add")
      .load("i32.load")
      .localSet(l.id);
    f.localGet(l.j).i32Const(1).op("i32.add").localSet(l.j);
    f.localGet(p("sel")).localGet(l.id).op("i32.add").load("i32.load8_u").i32Const(1).op("i32.ne").brIf(skip);
    f.localGet(l.id).i32Const(2).op("i32.shl").localGet(p("changed")).op("i32.add").load("i32.load");
    f.i32Const(x.bit).op("i32.and").op("i32.eqz").brIf(skip);
    f.localGet(l.id)
      .i32Const(stride * 4)
      .op("i32.mul")
      .localSet(l.o);
    if (x.quat) {
      f.localGet(l.o)
        .localGet(p("zz"))
        .op("i32.add")
        .load("i32.load", x.offset * 4);
      f.i32Const(1).op("i32.ne").brIf(skip);
    }
    // d = cur[o + s] − delta[o + s]; u = zigzag(d)
    f.localGet(l.o)
      .localGet(p("cur"))
      .op("i32.add")
      .load("i32.load", layout.valuesOffset + (x.offset + s) * 4);
    f.localGet(l.o)
      .localGet(p("delta"))
      .op("i32.add")
      .load("i32.load", (x.offset + s) * 4);
    f.op("i32.sub").localTee(u).i32Const(1).op("i32.shl");
    f.localGet(u).i32Const(31).op("i32.shr_s").op("i32.xor").localSet(u);
    value(u, true);
    f.end(skip);
    f.br(loop);
    f.end(loop).end(exit);
  }
  f.localGet(p("wid"))
    .load("i32.load8_u", columns + col)
    .localSet(l.cx);
  emitTrailer(l);
  f.end(all);
}

/** A column's value steps: one value (`value`), `g` values in one code (`group`). */
function columnSteps(
  l: ColumnLocals,
  step: number,
): { value: (src: Local, withWidth: boolean) => void; group: (g: number) => void } {
  const { f, out, p, cw, low, cn, ce, q, end } = l;
  // One value (in `u`): its low bits; above the width an exception (position, high bits) in `ex`.
  // The first value of a column is preceded by the width (`all`: written before the loop).
  const value = (src: Local, withWidth: boolean): void => {
    if (withWidth) {
      f.localGet(cn).i32Const(0).op("i32.eq");
      const first = f.if();
      out.put(() => void f.localGet(cw), WIDTH_BITS);
      f.end(first);
    }
    out.put(() => void f.localGet(src).localGet(low).op("i32.and"), cw);
    f.localGet(src).localGet(cw).op("i32.shr_u");
    const exception = f.if();
    f.localGet(ce).i32Const(3).op("i32.shl").localGet(p("ex")).op("i32.add").localTee(l.o);
    f.localGet(cn).store("i32.store");
    f.localGet(l.o).localGet(src).localGet(cw).op("i32.shr_u").store("i32.store", 4);
    f.localGet(ce).i32Const(1).op("i32.add").localSet(ce);
    f.end(exception);
    f.localGet(cn).i32Const(1).op("i32.add").localSet(cn);
  };
  // `g` values a step while g·width ≤ 56 bits: their low bits in one code, then the exceptions.
  const group = (g: number): void => {
    f.localGet(cw).i32Const(g).op("i32.mul").localSet(l.gl);
    // The i-th value's shift in the code: i × width (as i64, set once per column).
    for (let i = 1; i < g; i++)
      f.localGet(cw)
        .i32Const(i)
        .op("i32.mul")
        .op("i64.extend_i32_u")
        .localSet(l.shifts[i - 1] as Local);
    const exit = f.block();
    const loop = f.loop();
    f.localGet(q)
      .i32Const((g - 1) * step)
      .op("i32.add")
      .localGet(end)
      .op("i32.ge_u")
      .brIf(exit);
    for (let i = 0; i < g; i++)
      f.localGet(q)
        .load("i32.load", i * step)
        .localSet(l.us[i] as Local);
    f.localGet(l.us[0] as Local);
    for (let i = 1; i < g; i++) f.localGet(l.us[i] as Local).op("i32.or");
    f.localGet(cw).op("i32.shr_u");
    // The values' low bits as one code (masked only when some value is an exception).
    const packed = (masked: boolean): void =>
      out.put64(() => {
        for (let i = 0; i < g; i++) {
          f.localGet(l.us[i] as Local);
          if (masked) f.localGet(low).op("i32.and");
          f.op("i64.extend_i32_u");
          if (i > 0) {
            f.localGet(l.shifts[i - 1] as Local)
              .op("i64.shl")
              .op("i64.or");
          }
        }
      }, l.gl);
    const some = f.if();
    packed(true);
    // Each exception's position and high bits, in order.
    for (let i = 0; i < g; i++) {
      f.localGet(l.us[i] as Local)
        .localGet(cw)
        .op("i32.shr_u");
      const exception = f.if();
      f.localGet(ce).i32Const(3).op("i32.shl").localGet(p("ex")).op("i32.add").localTee(l.o);
      f.localGet(cn).i32Const(i).op("i32.add").store("i32.store");
      f.localGet(l.o)
        .localGet(l.us[i] as Local)
        .localGet(cw)
        .op("i32.shr_u")
        .store("i32.store", 4);
      f.localGet(ce).i32Const(1).op("i32.add").localSet(ce);
      f.end(exception);
    }
    f.else();
    packed(false);
    f.end(some);
    f.localGet(cn).i32Const(g).op("i32.add").localSet(cn);
    f.localGet(q)
      .i32Const(g * step)
      .op("i32.add")
      .localSet(q);
    f.br(loop);
    f.end(loop).end(exit);
  };
  return { value, group };
}

/** The trailer: exception count; with exceptions their width (`cx`), positions and high bits. */
function emitTrailer(l: ColumnLocals): void {
  const { f, out, p, cn, ce, q, end } = l;
  f.localGet(cn);
  const any = f.if();
  out.expGolomb(() => void f.localGet(ce), 0);
  f.localGet(ce);
  const some = f.if();
  out.put(() => void f.localGet(l.cx), EXCEPTION_WIDTH_BITS);
  f.i32Const(32).localGet(cn).i32Const(1).op("i32.sub").op("i32.clz").op("i32.sub").localSet(l.pb);
  f.localGet(p("ex")).localSet(q);
  f.localGet(ce).i32Const(3).op("i32.shl").localGet(q).op("i32.add").localSet(end);
  const loop = f.loop();
  out.put(() => void f.localGet(q).load("i32.load"), l.pb);
  out.put(() => void f.localGet(q).load("i32.load", 4), l.cx);
  f.localGet(q).i32Const(8).op("i32.add").localTee(q).localGet(end).op("i32.lt_u").brIf(loop);
  f.end(loop);
  f.end(some).end(any);
}

/** Parameters of the module's `column` (emitColumnFunction), in order. */
const COLUMN_PARAMS = ["start", "acc", "n", "q", "end", "cw", "cx", "ex"] as const;

/**
 * Emits `column(start, acc, n, q, end, cw, cx, ex) → bits` into `mod`: one `all` column of the
 * updates writer — its width `cw`, the residuals from `q` to `end` (contiguous in `colm`, eight a
 * step in SIMD builds, writeColumnSimd.ts), then the trailer (exception width `cx`, the exception
 * pairs listed at `ex`) — written from byte `start` after the `n` pending bits `acc` (ByteOut
 * `call`); returns the bits written from `start`. Every column of the section shares it: the
 * writer's hot code is one column's, not one copy per column (the instruction cache in trace order).
 */
export function emitColumnFunction(mod: WasmModule, simd: boolean): WasmFunction {
  const f = mod.function(
    "column",
    COLUMN_PARAMS.map(() => "i32" as const),
    ["i32"],
  );
  const arg = (name: (typeof COLUMN_PARAMS)[number]): Local => f.param(COLUMN_PARAMS.indexOf(name));
  const out = new ByteOut(f);
  out.begin(arg("start"), arg("acc"), arg("n"));
  const i32 = (): Local => f.local("i32");
  const l: ColumnLocals = {
    f,
    out,
    p: (name) => {
      if (name !== "ex") throw new Error(`writeColumnEmit: column() has no parameter ${name}.`);
      return arg("ex");
    },
    cw: arg("cw"),
    low: i32(),
    cn: i32(),
    ce: i32(),
    q: arg("q"),
    end: arg("end"),
    u: i32(),
    id: i32(),
    o: i32(),
    j: i32(),
    pb: i32(),
    cx: arg("cx"),
    us: Array.from({ length: 8 }, i32),
    gl: i32(),
    shifts: Array.from({ length: 7 }, () => f.local("i64")),
  };
  const { cw, low, cn, ce, q, end, u } = l;
  const step = 4;
  f.i32Const(1).localGet(cw).op("i32.shl").i32Const(1).op("i32.sub").localSet(low);
  f.i32Const(0).localSet(cn).i32Const(0).localSet(ce);
  const { value, group } = columnSteps(l, step);
  const exit = f.block();
  f.localGet(q).localGet(end).op("i32.ge_u").brIf(exit);
  out.put(() => void f.localGet(cw), WIDTH_BITS);
  // SIMD builds: eight values a step from two vectors (writeColumnSimd.ts) while they fit.
  if (simd) {
    f.localGet(cw).i32Const(SIMD_GROUP_WIDTH).op("i32.le_u");
    const fits = f.if();
    emitGroup8(l);
    f.end(fits);
  }
  // The widest groups that fit 56 bits, then narrower ones for the rest.
  for (const g of [8, 4, 2]) {
    f.localGet(cw)
      .i32Const(Math.floor(56 / g))
      .op("i32.le_u");
    const fits = f.if();
    group(g);
    f.end(fits);
  }
  f.localGet(q).localGet(end).op("i32.ge_u").brIf(exit);
  const loop = f.loop();
  f.localGet(q).load("i32.load").localSet(u);
  value(u, false);
  f.localGet(q).i32Const(step).op("i32.add").localTee(q).localGet(end).op("i32.lt_u").brIf(loop);
  f.end(loop).end(exit);
  emitTrailer(l);
  out.finish();
  return f;
}
