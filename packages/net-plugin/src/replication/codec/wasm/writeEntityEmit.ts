/**
 * One update's own bits in the updates section (writeKernel.ts `updateBody`): per field of the
 * entity its changed flag (when the entity has several fields), a changed rotation's "same
 * largest" bit (1) or a 0 and its full value, a changed `full` field's slots (a `flip` field sends
 * only its flag) — gathered in one i64 code (`ec`, `el` bits; the
 * caller may start it with the update's bitmap bit) and put out whenever it could pass 56 bits,
 * and at the end. Shared by the updates writer (writeEmit.ts) and the collect (encodeEmit.ts),
 * which writes the bitmap stream of the fused encode as it classifies.
 */
import { fieldCount, type PartField } from "./transformParts";
import type { ByteOut } from "./writeBytesEmit";
import type { Local, WasmFunction } from "./wasmModule";

/** The locals the entity code reads (and `ec`, `el`, which it uses). */
export interface EntityLocals {
  readonly mask: Local;
  readonly changed: Local;
  /** 1 when the entity has several fields (its flags are written). */
  readonly multi: Local;
  /** The entity's row offset in bytes (id × stride × 4). */
  readonly row: Local;
  /** The current state's block address. */
  readonly cur: Local;
  /** The collect's `zz` segment (a rotation's first slot: 1 when its largest is unchanged). */
  readonly zz: Local;
  readonly ec: Local;
  readonly el: Local;
}

/** Emits the entity's bits after `ec`/`el` (holding at most 1 bit) and puts them out. */
export function emitEntityBits(
  f: WasmFunction,
  out: ByteOut,
  fields: readonly PartField[],
  valuesOffset: number,
  l: EntityLocals,
): void {
  const { mask, changed, multi, row, ec, el } = l;
  // Every field present, every column field changed, no `flip`/`full` field changed and no
  // rotation sent in full (a moving world's usual update): its bits are a constant — a flag per
  // field when several (1, a flat field's 0) and a "same largest" 1 per rotation.
  const all = fields.reduce((m, x) => m | x.bit, 0);
  const moving = fields.reduce((m, x) => (x.column >= 0 ? m | x.bit : m), 0);
  const quats = fields.filter((x) => x.quat);
  let ones = 0n;
  let count = 0;
  // (A Transform's rotation part has no flag of its own: transformParts.ts.)
  const several = fieldCount(fields) > 1;
  for (const x of fields) {
    if (several && x.follows !== true) ones |= BigInt(x.column >= 0 ? 1 : 0) << BigInt(count++);
    if (x.quat) ones |= 1n << BigInt(count++);
  }
  // (Only while they fit the code with the bitmap bit; else the general path alone.)
  if (1 + count > 56 || moving === 0) f.i32Const(0);
  else if (moving === all) f.localGet(changed).i32Const(all).op("i32.eq");
  else {
    f.localGet(changed).i32Const(moving).op("i32.eq");
    f.localGet(mask).i32Const(all).op("i32.eq").op("i32.and");
  }
  for (const x of quats) {
    f.localGet(row)
      .localGet(l.zz)
      .op("i32.add")
      .load("i32.load", x.offset * 4)
      .op("i32.and");
  }
  const allOnes = f.if();
  if (count > 0 && 1 + count <= 56 && moving !== 0) {
    f.localGet(ec).i64Const(ones);
    f.localGet(el).op("i64.extend_i32_u").op("i64.shl").op("i64.or").localSet(ec);
    f.localGet(el).i32Const(count).op("i32.add").localSet(el);
  }
  f.else();
  // Else the entity's bits gather in one code (ec, el) put out when it could pass 56 bits.
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
    if (x.follows !== true) add(flag, multi, 1);
    if (x.full) {
      // A changed `full` field's slots in full (QuantizedTemplate.packQuantized).
      const beforeCh = most;
      f.localGet(changed).i32Const(x.bit).op("i32.and");
      const ch = f.if();
      x.slotBits.forEach((b, s) => {
        if (b <= 0) return;
        const value = (): void =>
          void f
            .localGet(row)
            .localGet(l.cur)
            .op("i32.add")
            .load("i32.load", valuesOffset + (x.offset + s) * 4);
        add(value, b, b);
      });
      f.end(ch);
      most = Math.max(most, beforeCh);
    }
    if (x.quat) {
      const beforeCh = most;
      f.localGet(changed).i32Const(x.bit).op("i32.and");
      const ch = f.if();
      f.localGet(row)
        .localGet(l.zz)
        .op("i32.add")
        .load("i32.load", x.offset * 4);
      // Each arm starts from the bound before the `if` (an arm's flush is not the other's); the
      // bound after it is the larger arm's.
      const beforeSame = most;
      const same = f.if();
      add(() => void f.i32Const(1), 1, 1);
      const afterSame = most;
      f.else();
      most = beforeSame;
      add(() => void f.i32Const(0), 1, 1);
      x.slotBits.forEach((b, s) => {
        if (b <= 0) return;
        const value = (): void =>
          void f
            .localGet(row)
            .localGet(l.cur)
            .op("i32.add")
            .load("i32.load", valuesOffset + (x.offset + s) * 4);
        add(value, b, b);
      });
      most = Math.max(most, afterSame);
      f.end(same).end(ch);
      most = Math.max(most, beforeCh);
    }
    f.end(has);
    most = Math.max(most, beforeHas);
  }
  f.end(allOnes);
  out.put64(() => void f.localGet(ec), el);
}
