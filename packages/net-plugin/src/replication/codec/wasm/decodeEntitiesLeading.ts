/**
 * The wasm update reader's partial four-entity step (decodeEntities4.ts; Session 7): the leading
 * entities of a group whose later entity breaks it.
 */
import type { StateLayout } from "./codecMemory";
import type { DecodeScratch } from "./decodeArgs";
import type { DecodeCtx } from "./decodeBits";
import type { EntityLocals } from "./decodeEntities4";
import type { PartField } from "./transformParts";
import type { Label, Local } from "./wasmModule";

/**
 * The group's first 1–3 entities when a later one's bits are not all ones (a rotation whose largest
 * component changed, an entity not updated): read as the four-entity path reads them, when they
 * are present and unmarked with every field and the reference holds them with every field (else
 * the per-entity path); the entity that broke the group then takes `breaking` (the changed-largest
 * step, decodeEntitiesLargest.ts, also when there are no leading entities) when given, else the
 * per-entity path. Without the leading step every entity before such an entity in its group went
 * the per-entity path too (~11 of 100 per tick in the bench trace), each a mispredicted branch or
 * more.
 */
export function emitLeading(
  c: DecodeCtx,
  l: EntityLocals,
  fields: readonly PartField[],
  layout: StateLayout,
  scratch: DecodeScratch,
  g: {
    per: number;
    full: number;
    /** Per field: its flag may be 0 (decodeEntities4.ts looseFlags). */
    loose: readonly boolean[];
    flagAt: readonly number[];
    required4: number;
    /** The required bits and the `flip`/`full` flags (which must be 0). */
    checked4: number;
  },
  slow: Label,
  entities: Label,
  breaking?: () => void,
): void {
  const { f, r } = c;
  const [n, nbits, ents] = [l.n, l.nbits, l.ents] as [Local, Local, Local];
  // With `breaking` (the step for the entity that broke the group) the leading entities are read in
  // a block it follows; else they continue the entity loop.
  const lead = breaking !== undefined ? f.block() : slow;
  // The four-entry list stores below reach list[seen + 3]: within the list (capacity entries, the
  // next field's list after it) only while seen + 4 <= capacity; else the per-entity path.
  f.localGet(l.seen)
    .i32Const(layout.capacity - 4)
    .op("i32.gt_s")
    .brIf(slow);
  // n = the entities before the first zero among the required bits or one among the flip/full
  // flags (0..3); 0: per-entity path.
  f.localGet(l.win).i32Const(g.checked4).op("i32.and").i32Const(g.required4).op("i32.xor").op("i32.ctz");
  f.i32Const(g.per).op("i32.div_u").localSet(n);
  // At most the entities left (the tail: below the high water, within the update count; ≤ 3 here).
  const cap = (left: () => void): void => {
    f.localGet(n);
    left();
    f.localGet(n);
    left();
    f.op("i32.lt_u").op("select").localSet(n);
  };
  cap(() => void f.localGet(l.hw).localGet(l.id).op("i32.sub").i32Const(1).op("i32.sub"));
  cap(() => void f.localGet(l.updates).localGet(l.seen).op("i32.sub"));
  f.localGet(n).op("i32.eqz").brIf(lead);
  f.localGet(n).i32Const(g.per).op("i32.mul").localSet(nbits);
  // Their bytes and lanes: present in the base and unmarked, the base's and reference's masks full,
  // present in the reference.
  const bytesOf = (): void =>
    void f.i32Const(-1).i32Const(32).localGet(n).i32Const(3).op("i32.shl").op("i32.sub").op("i32.shr_u");
  const lanesOf = (): void => void f.i32Const(1).localGet(n).op("i32.shl").i32Const(1).op("i32.sub");
  const present = (state: Local, offset: number): void =>
    void f
      .localGet(state)
      .localGet(l.id)
      .op("i32.add")
      .load("i32.load", offset + 1, 0);
  const masks = (state: Local): void => {
    f.localGet(state).localGet(l.id).i32Const(2).op("i32.shl").op("i32.add");
    f.load("v128.load", layout.maskOffset + 4, 0)
      .i32Const(g.full)
      .op("i32x4.splat")
      .op("i32x4.eq");
    f.op("i32x4.bitmask").op("i32.xor");
    // (lanes ^ bitmask) & lanes: a lane of the n without its full mask
  };
  present(l.base, layout.presentOffset);
  f.i32Const(0x01010101).op("i32.xor");
  present(l.misc, scratch.markOffset);
  f.op("i32.or");
  bytesOf();
  f.op("i32.and");
  f.localGet(l.hasRef).op("i32.eqz").op("i32.or");
  present(l.ref, layout.presentOffset);
  f.i32Const(0x01010101).op("i32.xor");
  bytesOf();
  f.op("i32.and").op("i32.or");
  for (const state of [l.base, l.ref]) {
    lanesOf();
    masks(state);
    lanesOf();
    f.op("i32.and").op("i32.or");
  }
  f.brIf(slow);
  f.localGet(l.id).op("i32x4.splat").v128ConstI32(1, 2, 3, 4).op("i32x4.add").i32Const(1).op("i32x4.shl");
  f.localSet(ents);
  // The flags of the n entities (a field whose flag may be 0 counts its set ones).
  const winN = (): void =>
    void f
      .localGet(l.win)
      .i32Const(-1)
      .i32Const(32)
      .localGet(nbits)
      .op("i32.sub")
      .op("i32.shr_u")
      .op("i32.and");
  fields.forEach((field, i) => {
    if (field.column < 0) return; // a `flip`/`full` field: unchanged (flag 0), no list
    const cnt = l.counts[i] as Local;
    const at = field.inline * layout.capacity * 4;
    const listAt = (): void => void f.localGet(l.lists).localGet(cnt).i32Const(2).op("i32.shl").op("i32.add");
    if (g.loose[i] !== true) {
      // Four entries stored (those past n past the list's count, still inside its capacity entries:
      // overwritten or never read).
      listAt();
      f.localGet(ents);
      if (!field.quat) f.i32Const(1).op("i32x4.splat").op("v128.or");
      f.store("v128.store", at, 2);
      f.localGet(cnt).localGet(n).op("i32.add").localSet(cnt);
      return;
    }
    for (let k = 1; k <= 4; k++) {
      listAt();
      f.localGet(l.id).i32Const(k).op("i32.add").i32Const(1).op("i32.shl").i32Const(1).op("i32.or");
      f.store("i32.store", at);
      f.localGet(cnt);
      winN();
      f.i32Const((k - 1) * g.per + (g.flagAt[i] as number)).op("i32.shr_u");
      f.i32Const(1).op("i32.and").op("i32.add").localSet(cnt);
    }
  });
  f.localGet(l.id).localGet(n).op("i32.add").localSet(l.id);
  f.localGet(l.seen).localGet(n).op("i32.add").localSet(l.seen);
  f.localGet(r.pos).localGet(nbits).op("i32.add").localSet(r.pos);
  if (breaking === undefined) return void f.br(entities);
  f.end(lead);
  breaking();
}
