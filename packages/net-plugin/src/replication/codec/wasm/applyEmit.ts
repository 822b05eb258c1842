/**
 * Code generation of the WebAssembly apply kernel (wasmApply.ts): the JS apply kernel's loop
 * (worldKernels.ts applySource) and dequantization (fieldAccess.ts dequantizeSource) emitted as
 * wasm for one registry's ApplyPlan, every constant inlined. Exported function
 * `apply(next, prev, hasPrev, hw, ready) -> updated`: `next`/`prev` are state block addresses
 * (codecMemory.ts layout); ids for the generic path are written to the plan's `others` list and
 * their count to address 0. With `ready` 0 (the component column copies not filled yet) it returns
 * -1 at the first field it would write, before writing anything: the caller fills the copies and
 * calls again with 1; a resting world so never has its columns copied.
 *
 * A second function, `applyCompact(next, prev, hasPrev, hw)`, is the same loop for calls that
 * update few entities: the k-th entity whose field f changed is written at index k of f's column
 * copies and its entity id to f's `written` list (count in `counts`), for the caller to scatter — no
 * column copies. k stays below the column length: those entities are distinct and inside the
 * columns. Two functions rather than a mode parameter: the mode's per-field select and store cost
 * the full kernel 8–10 % when everything moves.
 */
import { emitDequantize, transformPosition, transformRotation } from "./applyDequantizeEmit";
import type { ApplyField, ApplyPlan } from "./applyPlan";
import type { StateLayout } from "./codecMemory";
import { emitQuatPairs } from "./applyQuatEmit";
import { emitApplyGroup, groupable } from "./applyGroupEmit";
import { emitRangeStore, type WriteRange } from "./applyRangeEmit";
import { WasmModule, type Local, type WasmFunction } from "./wasmModule";

/** Emits the kernel function into `mod` (exported as "apply"). */
export function emitApply(
  mod: WasmModule,
  plan: ApplyPlan,
  layout: StateLayout,
  stride: number,
  simd: boolean,
  compact = false,
): void {
  const name = compact ? "applyCompact" : "apply";
  const f = mod.function(name, ["i32", "i32", "i32", "i32", ...(compact ? [] : ["i32" as const])], ["i32"]);
  const [next, prev, hasPrev, hw] = [f.param(0), f.param(1), f.param(2), f.param(3)];
  const ready = compact ? undefined : f.param(4);
  const i32 = (): Local => f.local("i32");
  const f32 = (): Local => f.local("f32");
  const [id, eid, mask, was, wrote, updated, others] = [i32(), i32(), i32(), i32(), i32(), i32(), i32()];
  const [nextRow, prevRow, largest, q] = [i32(), i32(), i32(), i32()];
  // Compact: per field, how many entities it wrote (their index in its column copies).
  const counted = plan.fields.map(() => (compact ? i32() : undefined));
  // apply: per dequantized field how many entities it wrote, and one range of entity ids holding
  // every entity written (the four-ids step widens lane-wise vectors, reduced at the end).
  const range: WriteRange | undefined = compact
    ? undefined
    : {
        counts: plan.fields.map((field) => (field.kind === "generic" ? undefined : i32())),
        lo: i32(),
        hi: i32(),
        loV: simd ? f.local("v128") : undefined,
        hiV: simd ? f.local("v128") : undefined,
      };
  if (range !== undefined) {
    f.i32Const(0x7fffffff).localSet(range.lo).i32Const(-1).localSet(range.hi);
    if (range.loV !== undefined && range.hiV !== undefined) {
      f.localGet(range.lo).op("i32x4.splat").localSet(range.loV);
      f.localGet(range.hi).op("i32x4.splat").localSet(range.hiV);
    }
  }
  const [s0, s1, s2, d, x, y, z, w, inv] = [f32(), f32(), f32(), f32(), f32(), f32(), f32(), f32(), f32()];
  // SIMD: changed rotations are queued per field and dequantized four at a time after the loop.
  const queued = plan.fields.map(() => i32());
  const id4 = (): WasmFunction => f.localGet(id).i32Const(2).op("i32.shl");
  const pushOther = (): void => {
    f.localGet(others).i32Const(2).op("i32.shl").localGet(id).store("i32.store", plan.others);
    f.localGet(others).i32Const(1).op("i32.add").localSet(others);
  };
  const exit = f.block();
  f.localGet(hw).i32Const(0).op("i32.le_s").brIf(exit);
  f.localGet(hasPrev).op("i32.eqz");
  const noPrev = f.if();
  f.localGet(next).localSet(prev);
  f.end(noPrev);
  const top = f.loop();
  if (simd && ready !== undefined && groupable(plan)) {
    const l = { next, prev, hasPrev, hw, ready, id, updated, queued, range: range as WriteRange };
    emitApplyGroup(f, l, plan, layout, stride, top, exit);
  }
  const cont = f.block();
  // was = hasPrev && prev.present[id] === 1
  f.localGet(hasPrev).localGet(prev).localGet(id).op("i32.add").load("i32.load8_u", layout.presentOffset);
  f.i32Const(1).op("i32.eq").op("i32.and").localSet(was);
  f.localGet(next).localGet(id).op("i32.add").load("i32.load8_u", layout.presentOffset).i32Const(1);
  f.op("i32.ne");
  const absent = f.if();
  f.localGet(was);
  const despawn = f.if();
  pushOther();
  f.end(despawn).br(cont).end(absent);
  id4().load("i32.load", plan.eids).localSet(eid);
  f.localGet(next);
  id4().op("i32.add").load("i32.load", layout.maskOffset).localSet(mask);
  // !was || eid outside the columns (or unmapped) || prev.mask[id] !== mask
  f.localGet(was).op("i32.eqz").localGet(eid).i32Const(plan.columnLength).op("i32.ge_u").op("i32.or");
  f.localGet(prev);
  id4().op("i32.add").load("i32.load", layout.maskOffset).localGet(mask).op("i32.ne");
  f.op("i32.or");
  const generic = f.if();
  pushOther();
  f.br(cont).end(generic);
  f.localGet(id)
    .i32Const(stride * 4)
    .op("i32.mul")
    .localTee(q);
  f.localGet(next).op("i32.add").localSet(nextRow);
  f.localGet(q).localGet(prev).op("i32.add").localSet(prevRow);
  f.i32Const(0).localSet(wrote);
  const slot = (row: Local, s: number): void => {
    f.localGet(row).load("i32.load", layout.valuesOffset + s * 4);
  };
  /**
   * Pushes non-zero when the field's slots differ between the rows: with SIMD and 2–4 slots one
   * v128 compare (lanes past the field masked off; a 16-byte load from a row stays inside the
   * block: the mask array follows the values), else slot by slot (0/1).
   */
  const slotsDiffer = (field: ApplyField): void => {
    if (simd && field.width >= 2 && field.width <= 4) {
      f.localGet(nextRow).load("v128.load", layout.valuesOffset + field.offset * 4, 2);
      f.localGet(prevRow).load("v128.load", layout.valuesOffset + field.offset * 4, 2);
      f.op("i32x4.ne");
      if (field.width === 4) f.op("v128.any_true");
      else
        f.op("i32x4.bitmask")
          .i32Const((1 << field.width) - 1)
          .op("i32.and");
      return;
    }
    for (let s = 0; s < field.width; s++) {
      slot(nextRow, field.offset + s);
      slot(prevRow, field.offset + s);
      f.op("i32.ne");
      if (s > 0) f.op("i32.or");
    }
  };
  /** Pushes `mask has field && its slots differ` (an i32 0/1). */
  const differs = (field: ApplyField): void => {
    f.localGet(mask).i32Const(field.bit).op("i32.and").op("i32.eqz").op("i32.eqz");
    slotsDiffer(field);
    f.op("i32.eqz").op("i32.eqz").op("i32.and");
  };
  // A changed generic field sends the whole id to the generic path before anything is written.
  plan.fields.forEach((field) => {
    if (field.kind !== "generic" || field.width === 0) return;
    differs(field);
    const changed = f.if();
    pushOther();
    f.br(cont).end(changed);
  });
  plan.fields.forEach((field, fi) => {
    if (field.kind === "generic") return;
    f.localGet(mask).i32Const(field.bit).op("i32.and");
    const has = f.if();
    slotsDiffer(field);
    const changed = f.if();
    let dst = eid;
    const k = counted[fi];
    if (ready !== undefined) {
      f.localGet(ready).op("i32.eqz");
      const notReady = f.if();
      f.i32Const(-1).op("return");
      f.end(notReady);
    } else if (k !== undefined) {
      // Compact: the values go to index k of the column copies; the list records the entity.
      dst = k;
      f.localGet(k).i32Const(2).op("i32.shl").localGet(eid);
      f.store("i32.store", plan.written + fi * layout.capacity * 4);
    }
    const n = queued[fi] as Local;
    const locals = { largest, q, s0, s1, s2, d, x, y, z, w, inv };
    // SIMD: a rotation (a Transform's after its position) is queued (entity, row) for applyQuatEmit.ts.
    const rotation =
      !simd || (field.kind !== "quat" && field.kind !== "transform")
        ? undefined
        : field.kind === "quat"
          ? field
          : transformRotation(field);
    if (rotation !== undefined) {
      if (field.kind === "transform") emitDequantize(f, transformPosition(field), nextRow, dst, locals);
      f.localGet(n).i32Const(3).op("i32.shl").localTee(q).localGet(dst).store("i32.store", rotation.list);
      f.localGet(q)
        .localGet(nextRow)
        .store("i32.store", rotation.list + 4);
      f.localGet(n).i32Const(1).op("i32.add").localSet(n);
    } else {
      emitDequantize(f, field, nextRow, dst, locals);
    }
    if (k !== undefined) f.localGet(k).i32Const(1).op("i32.add").localSet(k);
    const written = range?.counts[fi];
    if (range !== undefined && written !== undefined) {
      f.localGet(written).i32Const(1).op("i32.add").localSet(written);
      f.localGet(eid).localGet(range.lo).localGet(eid).localGet(range.lo).op("i32.lt_s").op("select");
      f.localSet(range.lo);
      f.localGet(eid).localGet(range.hi).localGet(eid).localGet(range.hi).op("i32.gt_s").op("select");
      f.localSet(range.hi);
    }
    f.i32Const(1).localSet(wrote);
    f.end(changed).end(has);
  });
  f.localGet(updated).localGet(wrote).op("i32.add").localSet(updated);
  f.end(cont);
  f.localGet(id).i32Const(1).op("i32.add").localTee(id).localGet(hw).op("i32.lt_s").brIf(top);
  f.end(top).end(exit);
  plan.fields.forEach((field, fi) => {
    if (simd && field.kind === "quat") emitQuatPairs(f, field, queued[fi] as Local);
    if (simd && field.kind === "transform") emitQuatPairs(f, transformRotation(field), queued[fi] as Local);
  });
  f.i32Const(0).localGet(others).store("i32.store");
  if (range !== undefined) emitRangeStore(f, plan, range);
  counted.forEach((k, fi) => {
    if (k !== undefined)
      f.i32Const(0)
        .localGet(k)
        .store("i32.store", plan.counts + fi * 4);
  });
  f.localGet(updated);
  mod.export(name, f);
}

/** The kernel module's bytes for `plan` (emission errors are bugs and throw). */
export function applyModule(
  plan: ApplyPlan,
  layout: StateLayout,
  stride: number,
  simd: boolean,
): Uint8Array<ArrayBuffer> {
  const mod = new WasmModule().importMemory("env", "memory", { min: 1 });
  emitApply(mod, plan, layout, stride, simd);
  emitApply(mod, plan, layout, stride, simd, true);
  return mod.toBytes();
}
