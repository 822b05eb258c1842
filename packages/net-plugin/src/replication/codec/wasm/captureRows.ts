/**
 * The capture kernel's row pass (captureEmit.ts): per batch entry, its quantized row (capturePlan.ts
 * `quantized`) compared with and written over the state's row, present/mask/version/high water
 * bumped as the JS kernel does (worldKernels.ts captureSource) — with SIMD a v128 chunk at a time,
 * else slot by slot — and captureWorld's removal of the rows the wasm gather did not stamp.
 */
import { HEADER, type CapturePlan } from "./capturePlan";
import type { Local, WasmFunction } from "./wasmModule";

/**
 * captureWorld's removal: every present id below the high water whose seen stamp is not this
 * call's loses present, mask and version (SnapshotState.remove); counted in the header.
 */
export function emitRemoval(f: WasmFunction, plan: CapturePlan, l: RowLocals): void {
  const [stamp, seen, hw, removed] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  f.i32Const(plan.header)
    .load("i32.load", HEADER.stamp * 4)
    .localSet(stamp);
  f.i32Const(plan.header)
    .load("i32.load", HEADER.seen * 4)
    .localSet(seen);
  f.i32Const(plan.header)
    .load("i32.load", HEADER.highWater * 4)
    .localSet(hw);
  f.i32Const(0).localSet(l.i);
  const exit = f.block();
  const top = f.loop();
  f.localGet(l.i).localGet(hw).op("i32.ge_s").brIf(exit);
  f.localGet(l.present).localGet(l.i).op("i32.add").load("i32.load8_u");
  f.localGet(seen).localGet(l.i).i32Const(2).op("i32.shl").op("i32.add").load("i32.load");
  f.localGet(stamp).op("i32.ne").op("i32.and");
  const drop = f.if();
  f.localGet(l.present).localGet(l.i).op("i32.add").i32Const(0).store("i32.store8");
  f.localGet(l.i).i32Const(2).op("i32.shl").localSet(l.a4);
  f.localGet(l.mask).localGet(l.a4).op("i32.add").i32Const(0).store("i32.store");
  f.localGet(l.version).localGet(l.a4).op("i32.add").i32Const(0).store("i32.store");
  f.localGet(removed).i32Const(1).op("i32.add").localSet(removed);
  f.end(drop);
  f.localGet(l.i).i32Const(1).op("i32.add").localSet(l.i);
  f.br(top);
  f.end(top);
  f.end(exit);
  f.i32Const(plan.header)
    .localGet(removed)
    .store("i32.store", HEADER.removed * 4);
}

/** The row update pass's locals. */
export interface RowLocals {
  readonly values: Local;
  readonly present: Local;
  readonly mask: Local;
  readonly version: Local;
  readonly n: Local;
  readonly i: Local;
  readonly a4: Local;
  readonly q4: Local;
}

/** Per v128 chunk of a row (slots 4c..4c+3), the lanes of `field` (all-ones i32 lanes) or undefined. */
function chunkMask(
  plan: CapturePlan,
  field: CapturePlan["fields"][number] | undefined,
  c: number,
): Uint8Array {
  const lanes = new Int32Array(4);
  for (let k = 0; k < 4; k++) {
    const s = 4 * c + k;
    const inField =
      field === undefined ? s < plan.stride : s >= field.offset && s < field.offset + field.width;
    lanes[k] = inField ? -1 : 0;
  }
  return new Uint8Array(lanes.buffer);
}

/**
 * worldKernels.ts captureSource's per-entity row update, from the quantized rows: per v128 chunk
 * of the row, the entry's fields blended over the old slots (lanes of fields it lacks, and lanes
 * past the stride — the next row's or the next array's, written back unchanged — keep theirs),
 * XOR-compared and stored; then present/mask/version/high water as the JS kernel bumps them.
 */
export function emitRows(f: WasmFunction, plan: CapturePlan, l: RowLocals): void {
  const i32 = (): Local => f.local("i32");
  const [id, m, row, vc, hw, at] = [i32(), i32(), i32(), i32(), i32(), i32()];
  const [diff, next, sel] = [f.local("v128"), f.local("v128"), f.local("v128")];
  const chunks = Math.ceil(plan.stride / 4);
  const fullMask = plan.fields.reduce((a, field) => a | field.bit, 0);
  // Lane masks hoisted out of the loop (V8 materializes a v128.const each time it runs).
  const hoist = (bytes: Uint8Array): Local => {
    const local = f.local("v128");
    f.v128Const(bytes).localSet(local);
    return local;
  };
  const full = Array.from({ length: chunks }, (_, c) => hoist(chunkMask(plan, undefined, c)));
  const perField = plan.fields.map((field) =>
    Array.from({ length: chunks }, (_, c) => {
      const overlaps = field.offset < 4 * c + 4 && field.offset + field.width > 4 * c;
      return overlaps ? hoist(chunkMask(plan, field, c)) : undefined;
    }),
  );
  f.i32Const(plan.header)
    .load("i32.load", HEADER.versionCounter * 4)
    .localSet(vc);
  f.i32Const(plan.header)
    .load("i32.load", HEADER.highWater * 4)
    .localSet(hw);
  f.i32Const(0).localSet(l.i).i32Const(0).localSet(l.a4).i32Const(0).localSet(l.q4);
  const top = f.loop();
  f.localGet(l.a4).load("i32.load", plan.ids).localSet(id);
  f.localGet(l.a4).load("i32.load", plan.masks).localSet(m);
  f.localGet(id)
    .i32Const(plan.stride * 4)
    .op("i32.mul")
    .localGet(l.values)
    .op("i32.add")
    .localSet(row);
  f.v128ConstI32(0, 0, 0, 0).localSet(diff);
  for (let c = 0; c < chunks; c++) {
    // sel = the lanes of the entry's fields (all of them in the common case)
    f.localGet(m).i32Const(fullMask).op("i32.eq");
    const all = f.if();
    f.localGet(full[c] as Local).localSet(sel);
    f.else();
    f.v128ConstI32(0, 0, 0, 0).localSet(sel);
    plan.fields.forEach((field, k) => {
      const lanes = perField[k]?.[c];
      if (lanes === undefined) return;
      f.localGet(sel).localGet(lanes).op("v128.or").localGet(sel);
      f.localGet(m).i32Const(field.bit).op("i32.and").op("select").localSet(sel);
    });
    f.end(all);
    f.localGet(row);
    f.localGet(l.q4).load("v128.load", plan.quantized + 16 * c, 0);
    f.localGet(row)
      .load("v128.load", 16 * c, 0)
      .localTee(next);
    f.localGet(sel).op("v128.bitselect").localTee(sel);
    f.localGet(next).op("v128.xor").localGet(diff).op("v128.or").localSet(diff);
    f.localGet(sel).store("v128.store", 16 * c, 0);
  }
  // changed = any slot differs || present[id] !== 1 || mask[id] !== m
  f.localGet(diff).op("v128.any_true");
  f.localGet(l.present).localGet(id).op("i32.add").load("i32.load8_u").i32Const(1).op("i32.ne").op("i32.or");
  f.localGet(id).i32Const(2).op("i32.shl").localTee(at).localGet(l.mask).op("i32.add");
  f.load("i32.load").localGet(m).op("i32.ne").op("i32.or");
  const write = f.if();
  f.localGet(l.present).localGet(id).op("i32.add").i32Const(1).store("i32.store8");
  f.localGet(l.mask).localGet(at).op("i32.add").localGet(m).store("i32.store");
  // hw = max(hw, id + 1); vc = (vc + 1) >>> 0 || 1
  f.localGet(id).i32Const(1).op("i32.add").localGet(hw);
  f.localGet(id).localGet(hw).op("i32.ge_s").op("select").localSet(hw);
  f.localGet(vc).i32Const(1).op("i32.add").localTee(vc).op("i32.eqz").localGet(vc).op("i32.or").localSet(vc);
  f.localGet(l.version).localGet(at).op("i32.add").localGet(vc).store("i32.store");
  // Rows written (summed over the batches of a call).
  f.i32Const(plan.header)
    .i32Const(plan.header)
    .load("i32.load", HEADER.rows * 4)
    .i32Const(1)
    .op("i32.add")
    .store("i32.store", HEADER.rows * 4);
  f.end(write);
  f.localGet(l.a4).i32Const(4).op("i32.add").localSet(l.a4);
  f.localGet(l.q4)
    .i32Const(plan.stride * 4)
    .op("i32.add")
    .localSet(l.q4);
  f.localGet(l.i).i32Const(1).op("i32.add").localTee(l.i).localGet(l.n).op("i32.lt_s").brIf(top);
  f.end(top);
  f.i32Const(plan.header)
    .localGet(vc)
    .store("i32.store", HEADER.versionCounter * 4);
  f.i32Const(plan.header)
    .localGet(hw)
    .store("i32.store", HEADER.highWater * 4);
}

/** emitRows without SIMD (the scalar kernel): slot by slot. */
export function emitRowsScalar(f: WasmFunction, plan: CapturePlan, l: RowLocals): void {
  const i32 = (): Local => f.local("i32");
  const [id, m, row, changed, vc, hw, q, at] = [i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32()];
  f.i32Const(plan.header)
    .load("i32.load", HEADER.versionCounter * 4)
    .localSet(vc);
  f.i32Const(plan.header)
    .load("i32.load", HEADER.highWater * 4)
    .localSet(hw);
  f.i32Const(0).localSet(l.i).i32Const(0).localSet(l.a4).i32Const(0).localSet(l.q4);
  const top = f.loop();
  f.localGet(l.a4).load("i32.load", plan.ids).localSet(id);
  f.localGet(l.a4).load("i32.load", plan.masks).localSet(m);
  f.localGet(id)
    .i32Const(plan.stride * 4)
    .op("i32.mul")
    .localGet(l.values)
    .op("i32.add")
    .localSet(row);
  // changed = present[id] !== 1
  f.localGet(l.present).localGet(id).op("i32.add").load("i32.load8_u").i32Const(1).op("i32.ne");
  f.localSet(changed);
  // The entry's fields (quantized this call: inline ones by the kernel, the others by the gather).
  for (const field of plan.fields) {
    f.localGet(m).i32Const(field.bit).op("i32.and");
    const has = f.if();
    for (let s = field.offset; s < field.offset + field.width; s++) {
      f.localGet(l.q4)
        .load("i32.load", plan.quantized + s * 4)
        .localSet(q);
      f.localGet(row)
        .load("i32.load", s * 4)
        .localGet(q)
        .op("i32.ne")
        .localGet(changed)
        .op("i32.or")
        .localSet(changed);
      f.localGet(row)
        .localGet(q)
        .store("i32.store", s * 4);
    }
    f.end(has);
  }
  // changed ||= mask[id] !== m
  f.localGet(id).i32Const(2).op("i32.shl").localTee(at).localGet(l.mask).op("i32.add");
  f.load("i32.load").localGet(m).op("i32.ne").localGet(changed).op("i32.or");
  const write = f.if();
  f.localGet(l.present).localGet(id).op("i32.add").i32Const(1).store("i32.store8");
  f.localGet(l.mask).localGet(at).op("i32.add").localGet(m).store("i32.store");
  // hw = max(hw, id + 1); vc = (vc + 1) >>> 0 || 1
  f.localGet(id).i32Const(1).op("i32.add").localGet(hw);
  f.localGet(id).localGet(hw).op("i32.ge_s").op("select").localSet(hw);
  f.localGet(vc).i32Const(1).op("i32.add").localTee(vc).op("i32.eqz").localGet(vc).op("i32.or").localSet(vc);
  f.localGet(l.version).localGet(at).op("i32.add").localGet(vc).store("i32.store");
  // Rows written (scratch word 3, summed over the batches of a call).
  f.i32Const(plan.header)
    .i32Const(plan.header)
    .load("i32.load", HEADER.rows * 4)
    .i32Const(1)
    .op("i32.add")
    .store("i32.store", HEADER.rows * 4);
  f.end(write);
  f.localGet(l.a4).i32Const(4).op("i32.add").localSet(l.a4);
  f.localGet(l.q4)
    .i32Const(plan.stride * 4)
    .op("i32.add")
    .localSet(l.q4);
  f.localGet(l.i).i32Const(1).op("i32.add").localTee(l.i).localGet(l.n).op("i32.lt_s").brIf(top);
  f.end(top);
  f.i32Const(plan.header)
    .localGet(vc)
    .store("i32.store", HEADER.versionCounter * 4);
  f.i32Const(plan.header)
    .localGet(hw)
    .store("i32.store", HEADER.highWater * 4);
}
