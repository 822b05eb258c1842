/**
 * The wasm half of the capture kernel's gather (the JS one is captureGather.ts): `prepare(n)`
 * returns the largest of the `n` listed entity ids the caller copied into the list table (so it
 * can copy the tables below only that far); `scan(n)` returns the largest network id of the list
 * (a list longer than a batch: the caller copies the state's rows that far first); then
 * `gather(start, n)` does for list entries `start..start+n)` what the JS
 * gather does, from tables copied into the kernel's memory (captureTables.ts; addresses and
 * lengths in the scratch header): the network id (entity → id + 1 table; an entity id at or past
 * its length reads the 0 stored there, as `netIdOf` reads undefined), a seen stamp for it, the
 * field mask from bitECS's membership words (`(word & flag) === flag`; past the length: 0, as
 * bitECS reads undefined), the entity id clamped for the column copies, and the int fields
 * (capturePlan.ts intArray) quantized as IntValueTemplate does from their f64 table copies.
 * `scan` and `gather` return the largest network id, or `-2 - j` for the first list entry `j`
 * whose entity has no network id or one at or past the state's capacity (nothing is written
 * then; the caller throws as the JS gather does).
 */
import { FIELD_WORDS, fieldWord, HEADER, loadHeader, type CapturePlan } from "./capturePlan";
import { GatherFour } from "./captureGatherFour";
import { emitInt } from "./captureScalarEmit";
import type { Local, WasmFunction, WasmModule } from "./wasmModule";

/**
 * Emits `prepare(n) → largest entity id (-1 when n is 0)`; returns it (runBound calls it). With
 * `simd`, four ids a step (`i32x4.max_s`), the last n mod 4 one by one.
 */
export function emitPrepare(mod: WasmModule, plan: CapturePlan, simd = false): WasmFunction {
  const f = mod.function("prepare", ["i32"], ["i32"]);
  const n = f.params[0] as Local;
  const [at, end, max, eid] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  f.i32Const(-1).localSet(max);
  f.i32Const(plan.header)
    .load("i32.load", HEADER.listAt * 4)
    .localSet(at);
  if (simd) {
    const v = f.local("v128");
    f.i32Const(-1).op("i32x4.splat").localSet(v);
    // end: the first id past the whole groups of four.
    f.localGet(at)
      .localGet(n)
      .i32Const(-4)
      .op("i32.and")
      .i32Const(2)
      .op("i32.shl")
      .op("i32.add")
      .localSet(end);
    const exit4 = f.block();
    const top4 = f.loop();
    f.localGet(at).localGet(end).op("i32.ge_u").brIf(exit4);
    f.localGet(v).localGet(at).load("v128.load", 0, 2).op("i32x4.max_s").localSet(v);
    f.localGet(at).i32Const(16).op("i32.add").localSet(at);
    f.br(top4);
    f.end(top4);
    f.end(exit4);
    for (let lane = 0; lane < 4; lane++) {
      f.localGet(v).lane("i32x4.extract_lane", lane).localTee(eid);
      f.localGet(max).localGet(eid).localGet(max).op("i32.gt_s").op("select").localSet(max);
    }
  }
  f.i32Const(plan.header).load("i32.load", HEADER.listAt * 4);
  f.localGet(n).i32Const(2).op("i32.shl").op("i32.add").localSet(end);
  const exit = f.block();
  const top = f.loop();
  f.localGet(at).localGet(end).op("i32.ge_u").brIf(exit);
  f.localGet(at).load("i32.load").localTee(eid);
  f.localGet(max).localGet(eid).localGet(max).op("i32.gt_s").op("select").localSet(max);
  f.localGet(at).i32Const(4).op("i32.add").localSet(at);
  f.br(top);
  f.end(top);
  f.end(exit);
  f.localGet(max);
  mod.export("prepare", f);
  return f;
}

/** Emits `scan(n) → largest network id of the list, or -2 - j for the first refused entry j`. */
export function emitScan(mod: WasmModule, plan: CapturePlan): void {
  const f = mod.function("scan", ["i32"], ["i32"]);
  const n = f.params[0] as Local;
  const i32 = (): Local => f.local("i32");
  const [j, at, eid, id, top, netAt, netLength, capacity] = [
    i32(),
    i32(),
    i32(),
    i32(),
    i32(),
    i32(),
    i32(),
    i32(),
  ];
  loadHeader(f, plan, HEADER.listAt, at);
  loadHeader(f, plan, HEADER.netAt, netAt);
  loadHeader(f, plan, HEADER.netLength, netLength);
  loadHeader(f, plan, HEADER.capacity, capacity);
  f.i32Const(-1).localSet(top);
  const exit = f.block();
  const loop = f.loop();
  f.localGet(j).localGet(n).op("i32.ge_s").brIf(exit);
  f.localGet(at).load("i32.load").localSet(eid);
  clamped(f, netAt, netLength, eid, 2);
  f.load("i32.load").i32Const(1).op("i32.sub").localTee(id);
  f.localGet(capacity).op("i32.ge_u");
  const refuse = f.if();
  f.i32Const(-2).localGet(j).op("i32.sub").op("return");
  f.end(refuse);
  f.localGet(id).localGet(top).localGet(id).localGet(top).op("i32.gt_s").op("select").localSet(top);
  f.localGet(at).i32Const(4).op("i32.add").localSet(at);
  f.localGet(j).i32Const(1).op("i32.add").localSet(j);
  f.br(loop);
  f.end(loop);
  f.end(exit);
  f.localGet(top);
  mod.export("scan", f);
}

/** Pushes `table[min(eid, length)]`'s address for an element of 2^`shift` bytes. */
function clamped(f: WasmFunction, at: Local, length: Local, eid: Local, shift: number): void {
  f.localGet(eid).localGet(length).localGet(eid).localGet(length).op("i32.lt_u").op("select");
  f.i32Const(shift).op("i32.shl").localGet(at).op("i32.add");
}

/**
 * Emits `gather(start, n) → largest network id, or -2 - j for a refused list entry j` (see the
 * file comment). `fast` ("gatherFast"): for calls where every listed entity id is below every
 * table's length (no clamping) and all fields' membership words are one table (bitECS's first
 * generation of components): one membership load per entity, no clamps.
 */
export function emitGather(mod: WasmModule, plan: CapturePlan, fast = false, simd = false): WasmFunction {
  const name = fast ? "gatherFast" : "gather";
  const f = mod.function(name, ["i32", "i32"], ["i32"]);
  const word = f.local("i32");
  const [start, n] = f.params as [Local, Local];
  const list = f.local("i32");
  const i32 = (): Local => f.local("i32");
  const [j, a4, eid, id, top, m, hit] = [i32(), i32(), i32(), i32(), i32(), i32(), i32()];
  const [netAt, netLength, capacity, seen, stamp] = [i32(), i32(), i32(), i32(), i32()];
  const header = (word: number, into: Local): void => loadHeader(f, plan, word, into);
  header(HEADER.netAt, netAt);
  header(HEADER.netLength, netLength);
  header(HEADER.capacity, capacity);
  header(HEADER.seen, seen);
  header(HEADER.stamp, stamp);
  const perField = plan.fields.map((field) => {
    const w = fieldWord(field.index);
    const l = { maskAt: i32(), maskLength: i32(), flag: i32(), intAt: i32(), intLength: i32() };
    header(w + FIELD_WORDS.maskAt, l.maskAt);
    header(w + FIELD_WORDS.maskLength, l.maskLength);
    header(w + FIELD_WORDS.flag, l.flag);
    if (field.kind === "generic") {
      header(w + FIELD_WORDS.intAt, l.intAt);
      header(w + FIELD_WORDS.intLength, l.intLength);
    }
    return l;
  });
  const r = f.local("f64");
  f.i32Const(plan.header)
    .load("i32.load", HEADER.listAt * 4)
    .localGet(start)
    .i32Const(2)
    .op("i32.shl")
    .op("i32.add");
  f.localSet(list);
  f.i32Const(-1).localSet(top);
  // The fast form with SIMD: four entries a step where their entity ids are consecutive.
  const four =
    fast && simd
      ? new GatherFour(f, plan, { j, n, a4, list, netAt, capacity, seen, stamp, r, fields: perField })
      : undefined;
  const exit = f.block();
  const loop = f.loop();
  f.localGet(j).localGet(n).op("i32.ge_s").brIf(exit);
  four?.emit(loop);
  f.localGet(list).localGet(a4).op("i32.add").load("i32.load").localSet(eid);
  const at = (table: Local, length: Local, shift: number): void => {
    if (!fast) clamped(f, table, length, eid, shift);
    else f.localGet(eid).i32Const(shift).op("i32.shl").localGet(table).op("i32.add");
  };
  at(netAt, netLength, 2);
  f.load("i32.load").i32Const(1).op("i32.sub").localTee(id);
  // Unmapped (-1) or at/past the capacity: refuse the batch before anything is written.
  f.localGet(capacity).op("i32.ge_u");
  const refuse = f.if();
  f.i32Const(-2).localGet(start).op("i32.sub").localGet(j).op("i32.sub").op("return");
  f.end(refuse);
  f.localGet(seen).localGet(id).i32Const(2).op("i32.shl").op("i32.add").localGet(stamp).store("i32.store");
  f.localGet(a4).localGet(id).store("i32.store", plan.ids);
  f.localGet(id).localGet(top).localGet(id).localGet(top).op("i32.gt_s").op("select").localSet(top);
  f.i32Const(0).localSet(m);
  if (fast) {
    const first = perField[0] as (typeof perField)[number];
    at(first.maskAt, first.maskLength, 2);
    f.load("i32.load").localSet(word);
  }
  plan.fields.forEach((field, k) => {
    const l = perField[k] as (typeof perField)[number];
    if (fast) f.localGet(word);
    else {
      at(l.maskAt, l.maskLength, 2);
      f.load("i32.load");
    }
    f.localGet(l.flag).op("i32.and").localGet(l.flag).op("i32.eq").localTee(hit);
    f.i32Const(field.bit).i32Const(0).localGet(hit).op("select").localGet(m).op("i32.or").localSet(m);
    if (field.kind !== "generic" || field.int === undefined) return;
    f.localGet(hit);
    const has = f.if();
    at(l.intAt, l.intLength, 3);
    emitInt(f, plan, field.offset, field.int, r, a4, 0);
    f.end(has);
  });
  f.localGet(a4).localGet(m).store("i32.store", plan.masks);
  // The entity id for the column copies (clamped to their `past` element when they share a length).
  f.localGet(a4);
  if (plan.columnLength === undefined) f.localGet(eid);
  else {
    const length = plan.columnLength;
    f.localGet(eid).i32Const(length).localGet(eid).i32Const(length).op("i32.lt_u").op("select");
  }
  f.store("i32.store", plan.eids);
  f.localGet(a4).i32Const(4).op("i32.add").localSet(a4);
  f.localGet(j).i32Const(1).op("i32.add").localSet(j);
  f.br(loop);
  f.end(loop);
  f.end(exit);
  four?.finish(top);
  f.localGet(top);
  mod.export(name, f);
  return f;
}
