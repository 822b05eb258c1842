/**
 * The wasm update reader's step for one entity whose rotation changed its largest component
 * (Session 7, round 2): the entity that breaks a four-entity group (decodeEntities4.ts) after its
 * leading entities (decodeEntitiesLeading.ts), read without the per-entity path's scan, bit-by-bit
 * flag reads and checks — ~7 of 100 entities per tick of the bench trace went that path, each a
 * few mispredicted branches.
 */
import type { StateLayout } from "./codecMemory";
import type { DecodeScratch } from "./decodeArgs";
import { peek32, type DecodeCtx } from "./decodeBits";
import type { EntityLocals } from "./decodeEntities4";
import { fieldCount, type PartField } from "./transformParts";
import type { Label, Local } from "./wasmModule";

/** What the group knows of one entity's bits (decodeEntities4.ts). */
export interface EntityBits {
  readonly per: number;
  readonly full: number;
  /** Per field: its flag may be 0 (decodeEntities4.ts looseFlags). */
  readonly loose: readonly boolean[];
  readonly flagAt: readonly number[];
  /** The bits that must be ones in one entity (the update bit, flags that cannot be 0, same-largest). */
  readonly required: number;
}

/** The one rotation's index in `fields` and the bits from its rotation to the entity's end. */
function rotationOf(fields: readonly PartField[]): { at: number; bits: number } | undefined {
  const at = fields.findIndex((field) => field.quat);
  const quat = fields[at];
  if (quat === undefined || fields.filter((field) => field.quat).length !== 1) return undefined;
  // The fields after the rotation each have a flag, after the rotation's bits.
  return { at, bits: quat.slotBits.reduce((a, b) => a + b, 0) + fieldCount(fields.slice(at + 1)) };
}

/**
 * True when the registry's entity bits allow the step: one rotation (a Quat field or a Transform's
 * rotation part), whose bits and the flags of the fields after it (they follow the rotation) fit
 * one 64-bit load (at most 56 bits).
 */
export function largestStepFits(fields: readonly PartField[]): boolean {
  const rot = rotationOf(fields);
  return rot !== undefined && rot.bits <= 56 && fieldCount(fields) <= 8;
}

/**
 * Emits the step for the entity after `id` (only when largestStepFits): when it is the next id,
 * present in the base with every field and unmarked, `seen` is below `updates`, its bits and full
 * rotation are inside the input, and its bits are those of an updated entity whose rotation is
 * sent whole (same-largest 0, every other required bit 1), it is read as the per-entity path reads
 * it — the other fields listed (predicted where the reference holds it with every field; a flag
 * that may be 0 moves its count by the flag; the flags of fields after the rotation follow its
 * bits), the rotation's slots stored into the work row and
 * range-checked (a value past its maximum refuses with the reader after the rotation, as the
 * per-entity path) — and the entity loop goes on; anything else goes to `slow`.
 */
export function emitLargestStep(
  c: DecodeCtx,
  l: EntityLocals,
  fields: readonly PartField[],
  layout: StateLayout,
  scratch: DecodeScratch,
  stride: number,
  g: EntityBits,
  slow: Label,
  entities: Label,
): void {
  const { f, r } = c;
  const qi = (rotationOf(fields) as { at: number }).at;
  const quat = fields[qi] as PartField;
  // The same-largest bit follows the rotation's flag (none with one field, nor for a Transform's
  // rotation part: flagAt is its same-largest bit); the rotation follows it.
  const sameAt = (g.flagAt[qi] as number) + (fieldCount(fields) > 1 && quat.follows !== true ? 1 : 0);
  const rotBits = quat.slotBits.reduce((a, b) => a + b, 0);
  const pattern = g.required & ~(1 << sameAt);
  // id + 1 < hw, seen < updates, the entity's bits and its rotation inside the input.
  f.localGet(l.id).i32Const(1).op("i32.add").localGet(l.hw).op("i32.lt_s");
  f.localGet(l.seen).localGet(l.updates).op("i32.lt_s").op("i32.and");
  f.localGet(r.total)
    .localGet(r.pos)
    .op("i32.sub")
    .i32Const(g.per + rotBits)
    .op("i32.ge_u")
    .op("i32.and");
  f.op("i32.eqz").brIf(slow);
  peek32(c);
  f.localTee(l.win).i32Const(g.required).op("i32.and").i32Const(pattern).op("i32.ne").brIf(slow);
  // Present and unmarked with the full mask in the base.
  const next = (state: Local, offset: number, wide: boolean): void => {
    f.localGet(state).localGet(l.id);
    if (wide) f.i32Const(2).op("i32.shl");
    f.op("i32.add").load(wide ? "i32.load" : "i32.load8_u", offset + (wide ? 4 : 1), 0);
  };
  next(l.base, layout.presentOffset, false);
  f.i32Const(1).op("i32.ne");
  next(l.misc, scratch.markOffset, false);
  f.op("i32.or");
  next(l.base, layout.maskOffset, true);
  f.i32Const(g.full).op("i32.ne").op("i32.or").brIf(slow);
  // pred = hasRef && ref.present[id+1] === 1 && ref.mask[id+1] === full
  f.localGet(l.hasRef);
  next(l.ref, layout.presentOffset, false);
  f.i32Const(1).op("i32.eq").op("i32.and");
  next(l.ref, layout.maskOffset, true);
  f.i32Const(g.full).op("i32.eq").op("i32.and").localSet(l.pred);
  // The rotation and the flags after it: one 64-bit load at the bit after the same-largest bit.
  f.localGet(r.pos)
    .i32Const(sameAt + 1)
    .op("i32.add")
    .localSet(l.at);
  f.localGet(c.input).localGet(l.at).i32Const(3).op("i32.shr_u").op("i32.add");
  f.load("i64.load", 0, 0).localGet(l.at).i32Const(7).op("i32.and").op("i64.extend_i32_u").op("i64.shr_u");
  const bits64 = l.bits64 as Local;
  f.localSet(bits64);
  fields.forEach((field, i) => {
    if (field.quat) return;
    const cnt = l.counts[i] as Local;
    f.localGet(l.lists).localGet(cnt).i32Const(2).op("i32.shl").op("i32.add");
    f.localGet(l.id).i32Const(1).op("i32.add").i32Const(1).op("i32.shl").localGet(l.pred).op("i32.or");
    f.store("i32.store", field.inline * layout.capacity * 4);
    // Listed when its flag is set (the entry is stored either way, past the list's end when not).
    f.localGet(cnt);
    if (i > qi) {
      // After the rotation's bits.
      f.localGet(bits64)
        .i64Const(rotBits + (g.flagAt[i] as number) - sameAt - 1)
        .op("i64.shr_u")
        .op("i32.wrap_i64")
        .i32Const(1)
        .op("i32.and");
    } else if (g.loose[i] === true) {
      f.localGet(l.win)
        .i32Const(g.flagAt[i] as number)
        .op("i32.shr_u")
        .i32Const(1)
        .op("i32.and");
    } else f.i32Const(1);
    f.op("i32.add").localSet(cnt);
  });
  // row address = work + (id + 1) * stride * 4
  f.localGet(l.id)
    .i32Const(1)
    .op("i32.add")
    .i32Const(stride * 4)
    .op("i32.mul")
    .localGet(l.work as Local)
    .op("i32.add")
    .localSet(l.at);
  let shift = 0;
  let over = false;
  quat.slotBits.forEach((bits, s) => {
    f.localGet(l.at);
    if (bits > 0) {
      f.localGet(bits64);
      if (shift > 0) f.i64Const(shift).op("i64.shr_u");
      f.i64Const(2 ** bits - 1)
        .op("i64.and")
        .op("i32.wrap_i64");
    } else f.i32Const(0);
    f.localTee(c.tmp).store("i32.store", (quat.offset + s) * 4);
    // Out of range: or-ed into one flag checked once after the stores.
    f.localGet(c.tmp)
      .i32Const(quat.slotMax[s] as number)
      .op("i32.gt_u");
    if (over) f.op("i32.or");
    over = true;
    shift += bits;
  });
  // The JS kernel reads the rotation through its reader: synced right after it (before the flags
  // of the fields after it), and a refusal leaves it there, as the per-entity path.
  f.localGet(r.pos)
    .i32Const(sameAt + 1 + rotBits)
    .op("i32.add")
    .localSet(c.synced);
  f.localGet(r.pos)
    .i32Const(g.per + rotBits)
    .op("i32.add")
    .localSet(r.pos);
  f.brIf(c.fail);
  f.localGet(l.id).i32Const(1).op("i32.add").localSet(l.id);
  f.localGet(l.seen).i32Const(1).op("i32.add").localSet(l.seen);
  f.br(entities);
}
