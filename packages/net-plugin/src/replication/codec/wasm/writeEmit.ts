/**
 * Code generation of the WebAssembly updates writer (wasmWrite.ts): kernels/writeKernel.ts's
 * `writeUpdates` — the updates section after its header (and after the id list's k) — as one
 * straight-line function per all-inline registry, in the same module as the collect
 * (encodeEmit.ts). With `bitmap`, one bit per baseline entity still present, relevant and not a
 * selected respawn (1: an update, its data follows); else each selected update's id gap in an
 * order-`k` Exp-Golomb code. Per update its field flags (several fields), a rotation's "same
 * largest" bit or its full value; then the value columns (writeColumnEmit.ts). Reads the states
 * at their block addresses and the collect's segments in place; writes bytes from `start`.
 */
import type { KernelField } from "../kernels/compileKernel";
import type { StateLayout } from "./codecMemory";
import { ByteOut } from "./writeBytesEmit";
import { HEADER_COUNTS } from "./collectParams";
import { emitColumn, emitColumnFunction, type ColumnLocals } from "./writeColumnEmit";
import { emitEntityBits } from "./writeEntityEmit";
import type { Local, WasmFunction, WasmModule } from "./wasmModule";

/** Parameters of `write` (all i32), in order. */
export const WRITE_PARAMS = [
  "cur",
  "base",
  "delta",
  "hw",
  "hasRel",
  "bitmap",
  "k",
  "all",
  "start",
  "acc",
  "n",
  "count",
  "rel",
  "sel",
  "resp",
  "update",
  "changed",
  "zz",
  "colz",
  "hdr",
  "ex",
  "wid",
  "stream",
  "colm",
] as const;
/** A parameter's name. */
export type WriteParam = (typeof WRITE_PARAMS)[number];

/** The generated `write` (its parameters: WRITE_PARAMS); returns the bits written from `start`. */
export type WriteFn = (...args: number[]) => number;

/** Emits `write` for `fields` (all inline) into `mod`. */
export function emitWrite(
  mod: WasmModule,
  fields: readonly KernelField[],
  layout: StateLayout,
  stride: number,
  columns: number,
  simd: boolean,
): WasmFunction {
  const column = emitColumnFunction(mod, simd);
  const f = mod.function(
    "write",
    WRITE_PARAMS.map(() => "i32" as const),
    ["i32"],
  );
  const p = (name: WriteParam): Local => f.param(WRITE_PARAMS.indexOf(name));
  const i32 = (): Local => f.local("i32");
  const out = new ByteOut(f);
  out.begin(p("start"), p("acc"), p("n"));
  const id = i32(),
    i = i32(),
    isUpdate = i32(),
    next = i32(),
    c = i32(),
    mask = i32(),
    changed = i32(),
    multi = i32(),
    row = i32(),
    el = i32();
  const ec = f.local("i64");
  const at = (base: Local, idx: Local): WasmFunction => f.localGet(base).localGet(idx).op("i32.add");
  const at4 = (base: Local, idx: Local): WasmFunction =>
    f.localGet(idx).i32Const(2).op("i32.shl").localGet(base).op("i32.add");

  // The fused encode passes the collect's bitmap stream (the same bits): copied a word at a time.
  f.localGet(p("bitmap")).localGet(p("stream")).i32Const(0).op("i32.ne").op("i32.and");
  const fromStream = f.if();
  {
    f.localGet(p("hdr"))
      .load("i32.load", (HEADER_COUNTS + fields.length + 2) * 4)
      .localSet(c);
    f.localGet(p("stream")).localSet(i);
    const words = f.block();
    const word = f.loop();
    f.localGet(c).i32Const(32).op("i32.lt_u").brIf(words);
    out.put(() => void f.localGet(i).load("i32.load"), 32);
    f.localGet(i).i32Const(4).op("i32.add").localSet(i);
    f.localGet(c).i32Const(32).op("i32.sub").localSet(c).br(word);
    f.end(word).end(words);
    out.put(() => {
      f.localGet(i).load("i32.load").i32Const(1).localGet(c).op("i32.shl").i32Const(1).op("i32.sub");
      f.op("i32.and");
    }, c);
  }
  f.else();
  f.i32Const(-1).localSet(id);
  const done = f.block();
  const top = f.loop();
  f.localGet(p("bitmap"));
  const bitmap = f.if();
  {
    f.i32Const(0).localSet(isUpdate);
    const found = f.block();
    const scan = f.loop();
    f.localGet(id).i32Const(1).op("i32.add").localTee(id).localGet(p("hw")).op("i32.ge_s").brIf(found);
    const skip = f.block();
    at(p("base"), id).load("i32.load8_u", layout.presentOffset).i32Const(1).op("i32.ne").brIf(skip);
    at(p("cur"), id).load("i32.load8_u", layout.presentOffset).i32Const(1).op("i32.ne").brIf(skip);
    f.localGet(p("hasRel"));
    at(p("rel"), id).load("i32.load8_u").i32Const(1).op("i32.ne").op("i32.and").brIf(skip);
    // A selected respawn is not in the bitmap.
    at(p("sel"), id).load("i32.load8_u").i32Const(1).op("i32.eq").localTee(c);
    at(p("resp"), id).load("i32.load8_u").i32Const(1).op("i32.eq").op("i32.and").brIf(skip);
    f.localGet(c);
    at4(p("base"), id).load("i32.load", layout.maskOffset);
    at4(p("cur"), id).load("i32.load", layout.maskOffset).op("i32.eq").op("i32.and").localTee(isUpdate);
    // An update's 1 starts its entity code (below); a 0 goes out now.
    f.brIf(found);
    out.put(() => void f.i32Const(0), 1);
    f.end(skip);
    f.br(scan);
    f.end(scan).end(found);
    f.localGet(isUpdate).op("i32.eqz").brIf(done);
    f.i64Const(1).localSet(ec).i32Const(1).localSet(el);
  }
  f.else();
  {
    f.i32Const(-1).localSet(next);
    const got = f.block();
    const list = f.loop();
    f.localGet(i).localGet(p("count")).op("i32.ge_s").brIf(got);
    at4(p("update"), i).load("i32.load").localSet(c);
    f.localGet(i).i32Const(1).op("i32.add").localSet(i);
    at(p("sel"), c).load("i32.load8_u").i32Const(1).op("i32.ne").brIf(list);
    f.localGet(c).localSet(next).br(got);
    f.end(list).end(got);
    f.localGet(next).i32Const(0).op("i32.lt_s").brIf(done);
    out.expGolomb(() => void f.localGet(next).localGet(id).op("i32.sub").i32Const(1).op("i32.sub"), p("k"));
    f.localGet(next).localSet(id);
    f.i64Const(0).localSet(ec).i32Const(0).localSet(el);
  }
  f.end(bitmap);
  // The update's flags and rotation values.
  at4(p("cur"), id).load("i32.load", layout.maskOffset).localSet(mask);
  at4(p("changed"), id).load("i32.load").localSet(changed);
  f.localGet(mask).localGet(mask).i32Const(1).op("i32.sub").op("i32.and").i32Const(0).op("i32.ne");
  f.localSet(multi);
  f.localGet(id)
    .i32Const(stride * 4)
    .op("i32.mul")
    .localSet(row);
  emitEntityBits(f, out, fields, layout.valuesOffset, {
    mask,
    changed,
    multi,
    row,
    cur: p("cur"),
    zz: p("zz"),
    ec,
    el,
  });
  f.br(top);
  f.end(top).end(done);
  f.end(fromStream);

  const l: ColumnLocals = {
    f,
    out,
    p,
    cw: i32(),
    low: i32(),
    cn: i32(),
    ce: i32(),
    q: i32(),
    end: i32(),
    u: i32(),
    id: i32(),
    o: i32(),
    j: i32(),
    pb: i32(),
    cx: i32(),
    us: Array.from({ length: 8 }, i32),
    gl: i32(),
    shifts: Array.from({ length: 7 }, () => f.local("i64")),
  };
  fields.forEach((x, k) => {
    if (x.column < 0) return; // a `flip`/`full` field: in the update's own bits
    for (let s = x.quat ? 1 : 0; s < x.width; s++) emitColumn(l, x, k, s, layout, stride, columns, column);
  });
  out.finish();
  mod.export("write", f);
  return f;
}
