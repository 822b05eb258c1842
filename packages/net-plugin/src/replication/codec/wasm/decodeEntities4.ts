/**
 * Four entities at a time in the bitmap form of the wasm update reader (decodeEmit.ts): when the
 * next four ids after `id` are present in the base with every field, none is marked (spawned or
 * despawned in this snapshot) and their bits — per entity the update bit, a flag per field (when
 * the registry has more than one) and a rotation's "same largest" flag — are all ones, the four
 * entities are read without a scan, a bit read or a check per flag (a `flip`/`full` field's flag
 * must be 0 instead: unchanged): each is listed for every
 * field's column (predicted where the reference has it with the same fields), as the per-entity
 * path does for those bits (its copy of a kept largest component from the base is a no-op here:
 * the work state holds the base's rows of unmarked ids).
 * Anything else (fewer than 32 bits left, too few updates left, a zero bit) takes the per-entity
 * path, which also does every refusal. In SIMD modules the four base masks are one compare and,
 * when the reference holds all four with every field (the usual case), each field's four list
 * entries are one store (a field whose flag may be 0: when all four flags are set).
 */
import type { StateLayout } from "./codecMemory";
import type { DecodeScratch } from "./decodeArgs";
import { peek32, type DecodeCtx } from "./decodeBits";
import type { Label, Local } from "./wasmModule";
import { emitLeading } from "./decodeEntitiesLeading";
import { emitLargestStep, largestStepFits } from "./decodeEntitiesLargest";
import { fieldCount, fullEntityBits, type PartField } from "./transformParts";

/** The reader's locals the group reads and updates. */
export interface EntityLocals {
  readonly id: Local;
  readonly seen: Local;
  readonly updates: Local;
  readonly hw: Local;
  readonly base: Local;
  readonly ref: Local;
  readonly hasRef: Local;
  readonly misc: Local;
  readonly lists: Local;
  readonly counts: readonly Local[];
  /** Scratch locals of the group. */
  readonly at: Local;
  readonly pred: Local;
  /** The 32 bits of the four entities. */
  readonly win: Local;
  /** The four entities' list entries (v128; SIMD modules only). */
  readonly ents?: Local;
  /** Leading entities of a partial group and their bits (SIMD modules only). */
  readonly n?: Local;
  readonly nbits?: Local;
  /** The work state's address and an i64 scratch (the changed-largest step; SIMD modules only). */
  readonly work?: Local;
  readonly bits64?: Local;
}

/**
 * Bit offset of each field's flag inside one entity's bits (after the update bit; a rotation's
 * same-largest flag follows its own flag), as the per-entity path reads them. A Transform's
 * rotation part (`follows`, transformParts.ts) has no flag: its offset is its same-largest flag's,
 * right after the position part's flag.
 */
export function flagPositions(fields: readonly PartField[]): number[] {
  const several = fieldCount(fields) > 1;
  let at = 1;
  return fields.map((field) => {
    const mine = at;
    at += (several && field.follows !== true ? 1 : 0) + (field.quat ? 1 : 0);
    return mine;
  });
}

/**
 * Per field: its flag may be 0 in a group (a registry with a rotation and more than one field; not
 * a rotation, nor a Transform's position part, whose flag carries its rotation part).
 */
export function looseFlags(fields: readonly PartField[]): boolean[] {
  const free = fields.some((field) => field.quat) && fieldCount(fields) > 1;
  return fields.map((field, i) => free && !field.quat && fields[i + 1]?.follows !== true);
}

/**
 * Emits the group (at the top of the bitmap branch; `entities` is the entity loop, continued after
 * a group). Only for registries whose four entities' bits fit 32 (fullEntityBits ≤ 8).
 */
export function emitFourEntities(
  c: DecodeCtx,
  l: EntityLocals,
  fields: readonly PartField[],
  layout: StateLayout,
  scratch: DecodeScratch,
  entities: Label,
  stride: number,
): void {
  const { f, r } = c;
  const per = fullEntityBits(fields);
  const bits = 4 * per;
  const full = fields.reduce((m, field) => m | field.bit, 0);
  const flagAt = flagPositions(fields);
  // Bits that must be ones in each entity: the update bit, and every field's flag (and a
  // rotation's same-largest flag) — except the flags of non-rotation fields when the registry has
  // a rotation (which keeps every entity non-empty): those may be 0 (a field that did not change,
  // as an owner field mostly does), read per entity below. (A Transform's position flag must be 1:
  // its rotation part's same-largest flag follows it.)
  const loose = looseFlags(fields);
  let required = 0;
  for (let b = 0; b < per; b++) required |= 1 << b;
  fields.forEach((_, i) => void (loose[i] === true ? (required &= ~(1 << (flagAt[i] as number))) : 0));
  // A `flip`/`full` field's flag must be 0 (unchanged: nothing to read, the work row holds the
  // base's); a group where one changed takes the leading step up to that entity, then the
  // per-entity path (the changed-largest step is not built for such registries).
  let zero = 0;
  fields.forEach((field, i) => void (field.column < 0 ? (zero |= 1 << (flagAt[i] as number)) : 0));
  required &= ~zero;
  let required4 = 0;
  let checked4 = 0;
  for (let k = 0; k < 4; k++) {
    required4 |= required << (k * per);
    checked4 |= (required | zero) << (k * per);
  }
  const slow = f.block();
  // id + 4 < hw, seen + 4 <= updates, 32 bits left to peek, all ones. Not all ones, or fewer than
  // four entities left before the high water or the update count (the tail): the leading entities
  // that are (SIMD modules; at most those left), else the per-entity path.
  const partial = l.ents !== undefined ? f.block() : slow;
  f.localGet(r.total).localGet(r.pos).op("i32.sub").i32Const(32).op("i32.lt_u").brIf(slow);
  peek32(c);
  f.localTee(l.win).i32Const(checked4).op("i32.and").i32Const(required4).op("i32.eq");
  f.localGet(l.id).i32Const(4).op("i32.add").localGet(l.hw).op("i32.lt_s").op("i32.and");
  f.localGet(l.seen).i32Const(4).op("i32.add").localGet(l.updates).op("i32.le_s").op("i32.and");
  f.op("i32.eqz").brIf(partial);
  // Present (one byte each) and unmarked, ids id+1..id+4.
  f.localGet(l.base)
    .localGet(l.id)
    .op("i32.add")
    .load("i32.load", layout.presentOffset + 1, 0);
  f.i32Const(0x01010101).op("i32.ne");
  f.localGet(l.misc)
    .localGet(l.id)
    .op("i32.add")
    .load("i32.load", scratch.markOffset + 1, 0);
  f.op("i32.or").brIf(slow);
  f.localGet(l.base).localGet(l.id).i32Const(2).op("i32.shl").op("i32.add").localSet(l.at);
  const ents = l.ents;
  if (ents !== undefined) {
    // The four base masks at once; then, when the reference has all four with every field (the
    // usual case), every field's four entries as one store.
    f.localGet(l.at).load("v128.load", layout.maskOffset + 4, 0);
    f.i32Const(full).op("i32x4.splat").op("i32x4.eq").op("i32x4.all_true").op("i32.eqz").brIf(slow);
    f.localGet(l.hasRef);
    f.localGet(l.ref)
      .localGet(l.id)
      .op("i32.add")
      .load("i32.load", layout.presentOffset + 1, 0);
    f.i32Const(0x01010101).op("i32.eq").op("i32.and");
    f.localGet(l.ref).localGet(l.id).i32Const(2).op("i32.shl").op("i32.add");
    f.load("v128.load", layout.maskOffset + 4, 0)
      .i32Const(full)
      .op("i32x4.splat")
      .op("i32x4.eq");
    f.op("i32x4.all_true").op("i32.and");
    const allPredicted = f.if();
    // entries (id + k) << 1, k = 1..4
    f.localGet(l.id).op("i32x4.splat").v128ConstI32(1, 2, 3, 4).op("i32x4.add").i32Const(1).op("i32x4.shl");
    f.localSet(ents);
    fields.forEach((field, i) => {
      if (field.column < 0) return; // unchanged (flag 0): no list
      const cnt = l.counts[i] as Local;
      const store4 = (): void => {
        f.localGet(l.lists).localGet(cnt).i32Const(2).op("i32.shl").op("i32.add").localGet(ents);
        if (!field.quat) f.i32Const(1).op("i32x4.splat").op("v128.or");
        f.store("v128.store", field.inline * layout.capacity * 4, 2);
        f.localGet(cnt).i32Const(4).op("i32.add").localSet(cnt);
      };
      if (loose[i] !== true) return void store4();
      // A field whose flag may be 0: one store when all four flags are set, else one at a time.
      let flags4 = 0;
      for (let k = 0; k < 4; k++) flags4 |= 1 << (k * per + (flagAt[i] as number));
      f.localGet(l.win).i32Const(flags4).op("i32.and").i32Const(flags4).op("i32.eq");
      const all = f.if();
      store4();
      f.else();
      for (let k = 1; k <= 4; k++) {
        f.localGet(l.lists).localGet(cnt).i32Const(2).op("i32.shl").op("i32.add");
        f.localGet(l.id).i32Const(k).op("i32.add").i32Const(1).op("i32.shl").i32Const(1).op("i32.or");
        f.store("i32.store", field.inline * layout.capacity * 4);
        f.localGet(cnt)
          .localGet(l.win)
          .i32Const((k - 1) * per + (flagAt[i] as number))
          .op("i32.shr_u");
        f.i32Const(1).op("i32.and").op("i32.add").localSet(cnt);
      }
      f.end(all);
    });
    f.localGet(l.id).i32Const(4).op("i32.add").localSet(l.id);
    f.localGet(l.seen).i32Const(4).op("i32.add").localSet(l.seen);
    f.localGet(r.pos).i32Const(bits).op("i32.add").localSet(r.pos);
    f.br(entities);
    f.end(allPredicted);
  } else {
    for (let k = 1; k <= 4; k++) {
      f.localGet(l.at)
        .load("i32.load", layout.maskOffset + 4 * k)
        .i32Const(full)
        .op("i32.ne")
        .brIf(slow);
    }
  }
  for (let k = 1; k <= 4; k++) {
    // pred = hasRef && ref.present[id+k] === 1 && ref.mask[id+k] === full
    f.localGet(l.hasRef);
    f.localGet(l.ref)
      .localGet(l.id)
      .op("i32.add")
      .load("i32.load8_u", layout.presentOffset + k);
    f.i32Const(1).op("i32.eq").op("i32.and");
    f.localGet(l.ref).localGet(l.id).i32Const(2).op("i32.shl").op("i32.add");
    f.load("i32.load", layout.maskOffset + 4 * k)
      .i32Const(full)
      .op("i32.eq")
      .op("i32.and")
      .localSet(l.pred);
    fields.forEach((field, i) => {
      if (field.column < 0) return; // unchanged (flag 0): no list
      const cnt = l.counts[i] as Local;
      // A rotation keeping its largest component needs no store: the work state already holds the
      // base's row (copied before the updates; only marked ids were written since).
      f.localGet(l.lists).localGet(cnt).i32Const(2).op("i32.shl").op("i32.add");
      f.localGet(l.id).i32Const(k).op("i32.add").i32Const(1).op("i32.shl");
      if (!field.quat) f.localGet(l.pred).op("i32.or");
      f.store("i32.store", field.inline * layout.capacity * 4);
      // Listed when its flag is set: the entry is stored either way (past the list's end when
      // not: overwritten by the next or never read), the count moves by the flag.
      f.localGet(cnt);
      if (loose[i] === true) {
        f.localGet(l.win)
          .i32Const((k - 1) * per + (flagAt[i] as number))
          .op("i32.shr_u")
          .i32Const(1)
          .op("i32.and");
      } else f.i32Const(1);
      f.op("i32.add").localSet(cnt);
    });
  }
  f.localGet(l.id).i32Const(4).op("i32.add").localSet(l.id);
  f.localGet(l.seen).i32Const(4).op("i32.add").localSet(l.seen);
  f.localGet(r.pos).i32Const(bits).op("i32.add").localSet(r.pos);
  f.br(entities);
  if (partial !== slow) {
    f.end(partial);
    const g = { per, full, loose, flagAt, required4, required, checked4 };
    const largest =
      zero === 0 && largestStepFits(fields)
        ? (): void => emitLargestStep(c, l, fields, layout, scratch, stride, g, slow, entities)
        : undefined;
    emitLeading(c, l, fields, layout, scratch, g, slow, entities, largest);
  }
  f.end(slow);
}
