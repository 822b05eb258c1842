/**
 * Code generation of the WebAssembly update reader (wasmReadUpdates.ts): decodeKernel.ts's
 * `readUpdates` emitted as wasm for one registry whose fields are all `slots` or smallest-three
 * fields (no generic field), every offset, range and group inlined. Same bits, same checks, same
 * result as the JS kernel: 0 on malformed or truncated bits (never a trap), with the reader's
 * `failed` flag set exactly where the JS kernel leaves its WordReader overflowed.
 *
 * Exported `read(words, pos, total, base, work, ref, hasRef, rn, rd, ks, updates, bitmap, k, mark,
 * hw) -> ok`; the final bit position is stored at address 0 and `failed` at address 4.
 */
import type { KernelField } from "../kernels/compileKernel";
import type { StateLayout } from "./codecMemory";
import { WasmBitReader } from "./wasmBits";
import type { Label, Local, WasmFunction, WasmModule } from "./wasmModule";

/** Emits `read` into `mod`. */
export function emitReadUpdates(
  mod: WasmModule,
  fields: readonly KernelField[],
  layout: StateLayout,
  stride: number,
): void {
  const f = mod.function(
    "read",
    ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "f64", "f64", "i32", "i32", "i32", "i32", "i32", "i32"],
    ["i32"],
  );
  const p = (i: number): Local => f.param(i);
  const [words, pos0, total, base, work, ref, hasRef, rn, rd, ks, updates, bitmap, k, mark, hw] = Array.from(
    { length: 15 },
    (_, i) => p(i),
  ) as [
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
  ];
  const i32 = (): Local => f.local("i32");
  const [id, seen, mask, multi, predicted, row, any, flag, u, from, unit] = Array.from(
    { length: 11 },
    i32,
  ) as [Local, Local, Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const g = f.local("f64");
  const r = new WasmBitReader(f);
  r.begin(words, total);
  f.localGet(pos0).localSet(r.pos);
  f.i32Const(-1).localSet(id);
  f.localGet(rn).localGet(rd).op("f64.eq").localSet(unit);
  const groups = Math.max(0, ...fields.map((x) => x.group + 1));
  const kg = Array.from({ length: groups }, (_, gi) => {
    const l = i32();
    f.localGet(ks).load("i32.load8_u", gi).localSet(l);
    return l;
  });
  const fail = f.block();
  // One bit at pos (the caller checked pos < total), then pos++.
  const bit = (): void => {
    f.localGet(words).localGet(r.pos).i32Const(3).op("i32.shr_u").op("i32.add").load("i32.load8_u");
    f.localGet(r.pos).i32Const(7).op("i32.and").op("i32.shr_u").i32Const(1).op("i32.and");
    f.localGet(r.pos).i32Const(1).op("i32.add").localSet(r.pos);
  };
  // if (pos >= total) { overflow; return false }
  const needBit = (): void => {
    f.localGet(r.pos).localGet(r.total).op("i32.ge_u");
    const past = f.if();
    f.i32Const(1).localSet(r.failed).localGet(r.total).localSet(r.pos).br(fail);
    f.end(past);
  };
  const byte = (state: Local, offset: number): void => {
    f.localGet(state).localGet(id).op("i32.add").load("i32.load8_u", offset);
  };
  const word = (state: Local, offset: number): void => {
    f.localGet(state).localGet(id).i32Const(2).op("i32.shl").op("i32.add").load("i32.load", offset);
  };
  const done = f.block();
  const entities = f.loop();
  f.localGet(bitmap);
  const byBitmap = f.if();
  {
    f.i32Const(0).localSet(flag);
    const found = f.block();
    const scan = f.loop();
    f.localGet(id).i32Const(1).op("i32.add").localTee(id).localGet(hw).op("i32.ge_s").brIf(found);
    byte(base, layout.presentOffset);
    f.i32Const(1).op("i32.ne");
    f.localGet(mark).localGet(id).op("i32.add").load("i32.load8_u").op("i32.or").brIf(scan);
    needBit();
    bit();
    f.localTee(flag).op("i32.eqz").brIf(scan);
    f.end(scan).end(found);
    f.localGet(flag).op("i32.eqz").brIf(done);
    f.localGet(seen).i32Const(1).op("i32.add").localTee(seen).localGet(updates).op("i32.gt_s").brIf(fail);
  }
  f.else();
  {
    f.localGet(seen).localGet(updates).op("i32.eq").brIf(done);
    f.localGet(seen).i32Const(1).op("i32.add").localSet(seen);
    r.readExpGolomb(k);
    f.localTee(u).i32Const(0).op("i32.lt_s").brIf(fail);
    // id >= hw first: a larger id must not be used as an address.
    f.localGet(id)
      .i32Const(1)
      .op("i32.add")
      .localGet(u)
      .op("i32.add")
      .localTee(id)
      .localGet(hw)
      .op("i32.ge_u");
    f.brIf(fail);
    byte(base, layout.presentOffset);
    f.i32Const(1).op("i32.ne");
    f.localGet(mark).localGet(id).op("i32.add").load("i32.load8_u").op("i32.or").brIf(fail);
  }
  f.end(byBitmap);
  word(base, layout.maskOffset);
  f.localTee(mask)
    .localGet(mask)
    .i32Const(1)
    .op("i32.sub")
    .op("i32.and")
    .i32Const(0)
    .op("i32.ne")
    .localSet(multi);
  f.localGet(hasRef);
  byte(ref, layout.presentOffset);
  f.i32Const(1).op("i32.eq").op("i32.and");
  word(ref, layout.maskOffset);
  f.localGet(mask).op("i32.eq").op("i32.and").localSet(predicted);
  f.localGet(id)
    .i32Const(stride * 4)
    .op("i32.mul")
    .localSet(row);
  f.i32Const(0).localSet(any);
  const ctx: SlotContext = { f, r, fail, base, work, ref, row, predicted, unit, rn, rd, from, u, g };
  for (const field of fields) {
    f.localGet(mask).i32Const(field.bit).op("i32.and");
    const has = f.if();
    f.localGet(multi);
    const isMulti = f.if("i32");
    needBit();
    bit();
    f.else().i32Const(1).end(isMulti);
    const on = f.if();
    f.i32Const(1).localSet(any);
    const group = kg[field.group] as Local;
    if (field.quat) {
      needBit();
      bit();
      f.op("i32.eqz");
      const full = f.if();
      field.slotBits.forEach((bits, s) => {
        f.localGet(work).localGet(row).op("i32.add");
        if (bits > 0) r.readBits(bits);
        else f.i32Const(0);
        f.store("i32.store", (field.offset + s) * 4);
      });
      field.slotMax.forEach((max, s) => {
        f.localGet(work)
          .localGet(row)
          .op("i32.add")
          .load("i32.load", (field.offset + s) * 4);
        f.i32Const(max).op("i32.gt_s").brIf(fail);
      });
      f.else();
      f.localGet(work).localGet(row).op("i32.add");
      f.localGet(base)
        .localGet(row)
        .op("i32.add")
        .load("i32.load", field.offset * 4);
      f.store("i32.store", field.offset * 4);
      for (let s = 1; s < 4; s++) readSlot(ctx, field, s, false, group);
      f.end(full);
    } else {
      for (let s = 0; s < field.width; s++) readSlot(ctx, field, s, true, group);
    }
    f.end(on).end(has);
  }
  f.localGet(any).op("i32.eqz").brIf(fail);
  f.br(entities).end(entities).end(done);
  // r.position = pos; return seen === updates && !r.overflowed
  f.i32Const(0).localGet(r.pos).store("i32.store").i32Const(4).localGet(r.failed).store("i32.store");
  f.localGet(seen).localGet(updates).op("i32.eq").localGet(r.failed).op("i32.eqz").op("i32.and").op("return");
  f.end(fail);
  f.i32Const(0).localGet(r.pos).store("i32.store").i32Const(4).localGet(r.failed).store("i32.store");
  f.i32Const(0);
  mod.export("read", f);
}

interface SlotContext {
  readonly f: WasmFunction;
  readonly r: WasmBitReader;
  readonly fail: Label;
  readonly base: Local;
  readonly work: Local;
  readonly ref: Local;
  readonly row: Local;
  readonly predicted: Local;
  readonly unit: Local;
  readonly rn: Local;
  readonly rd: Local;
  readonly from: Local;
  readonly u: Local;
  readonly g: Local;
}

/** decodeKernel.ts readSlot: the predicted or baseline value plus a zigzag Exp-Golomb delta. */
function readSlot(c: SlotContext, field: KernelField, s: number, predict: boolean, k: Local): void {
  const { f, r } = c;
  const at = (field.offset + s) * 4;
  const max = field.slotMax[s] as number;
  f.localGet(c.base).localGet(c.row).op("i32.add").load("i32.load", at).localSet(c.from);
  if (predict) {
    f.localGet(c.predicted);
    const predicted = f.if();
    // g = unit ? from + (from - ref) : from + Math.round(((from - ref) * rn) / rd), in f64 (exact).
    f.localGet(c.from).op("f64.convert_i32_s");
    f.localGet(c.from).op("f64.convert_i32_s");
    f.localGet(c.ref).localGet(c.row).op("i32.add").load("i32.load", at).op("f64.convert_i32_s");
    f.op("f64.sub").localSet(c.g);
    f.localGet(c.unit);
    const isUnit = f.if("f64");
    f.localGet(c.g);
    f.else();
    // Math.round(x) = floor(x) + (x - floor(x) >= 0.5)
    f.localGet(c.g).localGet(c.rn).op("f64.mul").localGet(c.rd).op("f64.div").localTee(c.g).op("f64.floor");
    f.f64Const(1).f64Const(0);
    f.localGet(c.g).localGet(c.g).op("f64.floor").op("f64.sub").f64Const(0.5).op("f64.ge").op("select");
    f.op("f64.add");
    f.end(isUnit);
    f.op("f64.add").localSet(c.g);
    // from = g > max ? max : g < 0 ? 0 : g | 0 (NaN → 0)
    f.i32Const(max).i32Const(0).localGet(c.g).op("i32.trunc_sat_f64_s");
    f.localGet(c.g).f64Const(0).op("f64.lt").op("select");
    f.localGet(c.g).f64Const(max).op("f64.gt").op("select").localSet(c.from);
    f.end(predicted);
  }
  r.readExpGolomb(k);
  f.localTee(c.u).i32Const(0).op("i32.lt_s").brIf(c.fail);
  // v = from + ((u >>> 1) ^ -(u & 1)); v >>> 0 > max fails
  f.localGet(c.work).localGet(c.row).op("i32.add");
  f.localGet(c.from).localGet(c.u).i32Const(1).op("i32.shr_u");
  f.i32Const(0)
    .localGet(c.u)
    .i32Const(1)
    .op("i32.and")
    .op("i32.sub")
    .op("i32.xor")
    .op("i32.add")
    .localTee(c.from);
  f.i32Const(max).op("i32.gt_u").brIf(c.fail);
  f.localGet(c.from).store("i32.store", at);
}
