/**
 * Code generation of the WebAssembly update reader (wasmDecode.ts): kernels/decodeKernel.ts's
 * `readUpdates` (ids as a bitmap or a gap list, per-entity field flags, rotation flags and full
 * rotations, then the value columns with their widths, exceptions and range checks) emitted as
 * straight-line wasm for one registry whose fields are all inline (`slots` or smallest-three in
 * the columns, `flip`/`full` in the entity's own bits; a generic field keeps the JS kernel). States are read and written in place at their pool block
 * addresses. Same bits, same checks, same result as the JS kernel: 0 on malformed or truncated
 * bits (never a trap), with `failed` set exactly when the JS kernel leaves its WordReader
 * overflowed (a read past the end); the wasm stops at the first such read, where the JS kernel may
 * go on to a later `return false` — the outcome (Truncated) is the same.
 *
 * In SIMD modules a field whose four slots lie inside the row has its columns read in one pass
 * (decodeFieldFused.ts); the others column by column (decodeColumnEmit.ts).
 *
 * Exported `read(input, pos, total, base, work, ref, hasRef, rn, rd, updates, bitmap, k, hw, misc,
 * lists) -> ok`; the final bit position (on a refusal: where the JS kernel leaves its reader) is
 * stored at `misc` and `failed` at `misc + 4`.
 */
import type { StateLayout } from "./codecMemory";
import { bit, expGolomb, fixed, need, type DecodeCtx } from "./decodeBits";
import { columnLocals, emitColumn } from "./decodeColumnEmit";
import { fullEntityBits, type PartField } from "./transformParts";
import { WasmBitReader } from "./wasmBits";
import { WasmModule, type Local } from "./wasmModule";
import { emitReadArgs, type DecodeScratch } from "./decodeArgs";
import { emitFourEntities } from "./decodeEntities4";
import { emitFusedField, fusable, fusedLocals } from "./decodeFieldFused";
import { emitDenseZero } from "./decodeFieldDense";

/**
 * Emits `read` for `fields` (all inline) at `capacity` ids and `stride` slots into a new module;
 * `simd`: value columns four values at a time where they can (decodeColumnSimd.ts).
 */
export function decodeModule(
  fields: readonly PartField[],
  layout: StateLayout,
  stride: number,
  scratch: DecodeScratch,
  simd = true,
): Uint8Array<ArrayBuffer> {
  const mod = new WasmModule().importMemory("env", "memory", { min: 1 });
  const f = mod.function("read", ["i32"], ["i32"]);
  const misc = f.param(0);
  const { input, pos0, total, base, work, ref, hasRef, updates, bitmap, k, hw, lists, rn, rd } = emitReadArgs(
    f,
    misc,
    layout,
    stride,
    scratch,
  );
  const i32 = (): Local => f.local("i32");
  const capacity = layout.capacity;
  const r = new WasmBitReader(f);
  r.begin(input, total);
  f.localGet(pos0).localSet(r.pos);
  const c: DecodeCtx = {
    f,
    r,
    fail: f.block(),
    input: input,
    tmp: i32(),
    synced: i32(),
    start: i32(),
  };
  f.localGet(r.pos).localSet(c.synced);
  const [id, seen, mask, multi, predicted, row, any, flag, unit] = [
    i32(),
    i32(),
    i32(),
    i32(),
    i32(),
    i32(),
    i32(),
    i32(),
    i32(),
  ];
  const counts = fields.map(() => i32());
  f.i32Const(-1).localSet(id);
  f.localGet(rn).localGet(rd).op("f64.eq").localSet(unit);
  const byte = (state: Local, offset: number): void =>
    void f.localGet(state).localGet(id).op("i32.add").load("i32.load8_u", offset);
  const word = (state: Local, offset: number): void =>
    void f.localGet(state).localGet(id).i32Const(2).op("i32.shl").op("i32.add").load("i32.load", offset);
  const marked = (): void =>
    void f.localGet(misc).localGet(id).op("i32.add").load("i32.load8_u", scratch.markOffset);
  // The entities: the next id (bitmap scan or gap), then its field flags.
  const done = f.block();
  const entities = f.loop();
  f.localGet(bitmap);
  const byBitmap = f.if();
  {
    // (With a `flip`/`full` field: only groups where none changed, and some column field exists
    // to keep every entity non-empty; decodeEntities4.ts.)
    // (A Transform's two parts share one flag: decodeEntities4.ts flagPositions.)
    if (fullEntityBits(fields) <= 8 && fields.some((field) => field.column >= 0)) {
      const [at, pred, win] = [i32(), i32(), i32()];
      const ents = simd ? f.local("v128") : undefined;
      const [n, nbits] = simd ? [i32(), i32()] : [undefined, undefined];
      const l = {
        id,
        seen,
        updates,
        hw,
        base,
        ref,
        hasRef,
        misc,
        lists,
        counts,
        at,
        pred,
        win,
        ents,
        n,
        nbits,
        work,
        bits64: simd ? f.local("i64") : undefined,
      };
      emitFourEntities(c, l, fields, layout, scratch, entities, stride);
    }
    f.i32Const(0).localSet(flag);
    const found = f.block();
    const scan = f.loop();
    f.localGet(id).i32Const(1).op("i32.add").localTee(id).localGet(hw).op("i32.ge_s");
    f.brIf(found);
    byte(base, layout.presentOffset);
    f.i32Const(1).op("i32.ne");
    marked();
    f.op("i32.or").brIf(scan);
    need(c, () => void f.i32Const(1));
    bit(c);
    f.localTee(flag).op("i32.eqz").brIf(scan);
    f.end(scan).end(found);
    f.localGet(flag).op("i32.eqz").brIf(done);
    f.localGet(seen).i32Const(1).op("i32.add").localTee(seen);
    f.localGet(updates).op("i32.gt_s").brIf(c.fail);
  }
  f.else();
  {
    f.localGet(seen).localGet(updates).op("i32.eq").brIf(done);
    f.localGet(seen).i32Const(1).op("i32.add").localSet(seen);
    f.localGet(id).i32Const(1).op("i32.add");
    expGolomb(c, k);
    // Unsigned: a sum past 2^31 wraps negative, and is past the capacity either way.
    f.op("i32.add").localTee(id).i32Const(capacity).op("i32.ge_u").brIf(c.fail);
    byte(base, layout.presentOffset);
    f.i32Const(1).op("i32.ne");
    marked();
    f.op("i32.or").brIf(c.fail);
  }
  f.end(byBitmap);
  word(base, layout.maskOffset);
  f.localTee(mask).localGet(mask).i32Const(1).op("i32.sub").op("i32.and");
  f.i32Const(0).op("i32.ne").localSet(multi);
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
  /** One field's part of an update whose flag is on (`follows` parts: within the one before). */
  const readField = (field: PartField, cnt: Local): void => {
    // lists[inline · capacity + cnt++] = value on the stack after the address
    const listAddress = (): void => {
      f.localGet(lists).localGet(cnt).i32Const(2).op("i32.shl").op("i32.add");
    };
    const listEnd = (): void => {
      f.store("i32.store", field.inline * capacity * 4);
      f.localGet(cnt).i32Const(1).op("i32.add").localSet(cnt);
    };
    if (field.flip) {
      // 1 − the baseline's slot (the predicted row is its copy), refused unless 0 or 1.
      f.localGet(work).localGet(row).op("i32.add").i32Const(1);
      f.localGet(base)
        .localGet(row)
        .op("i32.add")
        .load("i32.load", field.offset * 4);
      f.op("i32.sub")
        .localTee(c.tmp)
        .store("i32.store", field.offset * 4);
      f.localGet(c.tmp).i32Const(1).op("i32.gt_u").brIf(c.fail);
    } else if (field.full) {
      // Each slot in its bits (length checked first, as the JS kernel), refused above its slotMax.
      field.slotBits.forEach((bits, s) => {
        if (bits > 0) need(c, () => void f.i32Const(bits));
        f.localGet(work).localGet(row).op("i32.add");
        if (bits > 0) fixed(c, bits, bits >= 31 ? 0x7fffffff : (1 << bits) - 1);
        else f.i32Const(0);
        f.localTee(c.tmp).store("i32.store", (field.offset + s) * 4);
        f.localGet(c.tmp)
          .i32Const(field.slotMax[s] as number)
          .op("i32.gt_u")
          .brIf(c.fail);
      });
    } else if (field.quat) {
      need(c, () => void f.i32Const(1));
      bit(c);
      f.op("i32.eqz");
      const full = f.if();
      field.slotBits.forEach((bits, s) => {
        f.localGet(work).localGet(row).op("i32.add");
        if (bits > 0) r.readBits(bits);
        else f.i32Const(0);
        f.store("i32.store", (field.offset + s) * 4);
      });
      // The JS kernel reads these through its reader: synced.
      f.localGet(r.pos).localSet(c.synced).localGet(r.failed).brIf(c.fail);
      field.slotMax.forEach((max, s) => {
        f.localGet(work)
          .localGet(row)
          .op("i32.add")
          .load("i32.load", (field.offset + s) * 4);
        f.i32Const(max).op("i32.gt_u").brIf(c.fail);
      });
      f.else();
      f.localGet(work).localGet(row).op("i32.add");
      f.localGet(base)
        .localGet(row)
        .op("i32.add")
        .load("i32.load", field.offset * 4);
      f.store("i32.store", field.offset * 4);
      listAddress();
      f.localGet(id).i32Const(1).op("i32.shl");
      listEnd();
      f.end(full);
    } else {
      listAddress();
      f.localGet(id).i32Const(1).op("i32.shl").localGet(predicted).op("i32.or");
      listEnd();
    }
  };
  fields.forEach((field, i) => {
    if (field.follows === true) return; // read with the part before it
    const cnt = counts[i] as Local;
    f.localGet(mask).i32Const(field.bit).op("i32.and");
    const has = f.if();
    f.localGet(multi);
    const isMulti = f.if("i32");
    need(c, () => void f.i32Const(1));
    bit(c);
    f.else().i32Const(1).end(isMulti);
    const on = f.if();
    f.i32Const(1).localSet(any);
    readField(field, cnt);
    const next = fields[i + 1];
    if (next?.follows === true) readField(next, counts[i + 1] as Local);
    f.end(on).end(has);
  });
  f.localGet(any).op("i32.eqz").brIf(c.fail);
  f.br(entities).end(entities).end(done);
  f.localGet(seen).localGet(updates).op("i32.ne").brIf(c.fail);
  const cl = columnLocals(f, { misc, lists, base, work, ref, rn, rd, unit, hasRef }, simd);
  const fl =
    simd && fields.some((field) => field.column >= 0 && fusable(field, stride, scratch))
      ? fusedLocals(f)
      : undefined;
  fields.forEach((field, i) => {
    if (field.column < 0) return; // a `flip`/`full` field: read with its entity
    if (fl !== undefined && fusable(field, stride, scratch))
      emitFusedField(c, cl, fl, field, counts[i] as Local, stride, capacity, scratch);
    else
      for (let s = field.quat ? 1 : 0; s < field.width; s++)
        emitColumn(c, cl, field, s, counts[i] as Local, stride, capacity, scratch);
  });
  f.localGet(misc).localGet(r.pos).store("i32.store", 0);
  f.localGet(misc).localGet(r.failed).store("i32.store", 4);
  f.i32Const(1).op("return");
  f.end(c.fail);
  // The fused passes' dense exception arrays may hold entries not yet read: zero again.
  if (fl !== undefined) emitDenseZero(f, misc, scratch, scratch.columns.length);
  f.localGet(misc).localGet(c.synced).store("i32.store", 0);
  f.localGet(misc).localGet(r.failed).store("i32.store", 4);
  f.i32Const(0);
  mod.export("read", f);
  return mod.toBytes();
}
