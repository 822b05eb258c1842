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
import { emitColumn, type ColumnLocals } from "./writeColumnEmit";
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
): WasmFunction {
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
  // The entity's bits gather in one code (ec, el) put out when it could pass 56 bits.
  let most = 1;
  const add = (value: () => void, len: number | Local, max: number): void => {
    if (most + max > 56) {
      out.put64(() => void f.localGet(ec), el);
      f.i64Const(0).localSet(ec).i32Const(0).localSet(el);
      most = 0;
    }
    most += max;
    f.localGet(ec);
    value();
    f.op("i64.extend_i32_u").localGet(el).op("i64.extend_i32_u").op("i64.shl").op("i64.or").localSet(ec);
    f.localGet(el);
    if (typeof len === "number") f.i32Const(len);
    else f.localGet(len);
    f.op("i32.add").localSet(el);
  };
  for (const x of fields) {
    // A bound holds after a block only as the larger of its value before and inside it.
    const beforeHas = most;
    f.localGet(mask).i32Const(x.bit).op("i32.and");
    const has = f.if();
    // The field's flag when the entity has several fields (multi: 1 bit, else none).
    const flag = (): void =>
      void f
        .localGet(changed)
        .i32Const(x.bit)
        .op("i32.and")
        .i32Const(0)
        .op("i32.ne")
        .localGet(multi)
        .op("i32.and");
    add(flag, multi, 1);
    if (x.quat) {
      const beforeCh = most;
      f.localGet(changed).i32Const(x.bit).op("i32.and");
      const ch = f.if();
      f.localGet(row)
        .localGet(p("zz"))
        .op("i32.add")
        .load("i32.load", x.offset * 4);
      const same = f.if();
      add(() => void f.i32Const(1), 1, 1);
      f.else();
      const before = most;
      add(() => void f.i32Const(0), 1, 1);
      x.slotBits.forEach((b, s) => {
        if (b <= 0) return;
        const value = (): void =>
          void f
            .localGet(row)
            .localGet(p("cur"))
            .op("i32.add")
            .load("i32.load", layout.valuesOffset + (x.offset + s) * 4);
        add(value, b, b);
      });
      most = Math.max(most, before + 1);
      f.end(same).end(ch);
      most = Math.max(most, beforeCh);
    }
    f.end(has);
    most = Math.max(most, beforeHas);
  }
  out.put64(() => void f.localGet(ec), el);
  f.br(top);
  f.end(top).end(done);

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
    us: [i32(), i32(), i32(), i32()],
    gl: i32(),
  };
  fields.forEach((x, k) => {
    for (let s = x.quat ? 1 : 0; s < x.width; s++) emitColumn(l, x, k, s, layout, stride, columns);
  });
  out.finish();
  mod.export("write", f);
  return f;
}
