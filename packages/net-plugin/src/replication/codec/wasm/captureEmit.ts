/**
 * Code generation of the WebAssembly capture kernel (wasmCapture.ts): the JS capture kernel's
 * quantization (fieldAccess.ts quantizeSource) and row update (worldKernels.ts captureSource)
 * emitted as wasm for one registry's CapturePlan, every constant inlined. Exported function
 * `capture(values, present, mask, version, n, remove)`: the first four are the byte addresses of
 * the state's arrays, `n` the batch entries gathered into the scratch (capturePlan.ts); the
 * version counter and high water are read from and written back to the scratch header, which
 * also counts the rows written and removed. With `remove` set, present rows the wasm gather did
 * not stamp this call (captureGatherEmit.ts) are removed afterwards, as captureWorld does.
 *
 * Two passes: per field, one straight-line loop over the batch (channel values read by entity id
 * from the column copies) that quantizes every entry into the quantized columns (two entities per
 * f64x2 with SIMD: the same IEEE operations per lane, so the same integers); then one loop over
 * the entries compares each of the entry's fields with the row, writes it, and bumps
 * present/mask/high water/version exactly as the JS kernel does.
 */
import { emitGather, emitPrepare } from "./captureGatherEmit";
import { HEADER, type CapturePlan, type InlineField } from "./capturePlan";
import { ScalarQuantizer, type LoopLocals } from "./captureQuantize";
import { SIMD_ENTRIES, SimdQuantizer } from "./captureSimd";
import { WasmModule, type Local, type WasmFunction } from "./wasmModule";

/** Emits the kernel function into `mod` (exported as "capture"). */
export function emitCapture(mod: WasmModule, plan: CapturePlan, simd: boolean): void {
  const f = mod.function("capture", ["i32", "i32", "i32", "i32", "i32", "i32"], []);
  const [values, present, mask, version, n, remove] = f.params as [Local, Local, Local, Local, Local, Local];
  const i = f.local("i32");
  const a4 = f.local("i32");
  const loop: LoopLocals = { a4, i, n };
  const quantize = simd ? new SimdQuantizer(f, plan, loop) : new ScalarQuantizer(f, plan, loop);
  const exit = f.block();
  f.localGet(n).i32Const(0).op("i32.le_s").brIf(exit);
  // The gather quantized the generic fields into their columns.
  const inline = plan.fields.filter((field): field is InlineField => field.kind !== "generic");
  for (const field of inline) quantize.prepare(field);
  for (const field of inline) {
    f.i32Const(0).localSet(i).i32Const(0).localSet(a4);
    const top = f.loop();
    quantize.entities();
    quantize.load(field);
    quantize.quantize(field);
    const lanes = simd ? SIMD_ENTRIES : 1;
    f.localGet(a4)
      .i32Const(4 * lanes)
      .op("i32.add")
      .localSet(a4);
    f.localGet(i).i32Const(lanes).op("i32.add").localTee(i).localGet(n).op("i32.lt_s").brIf(top);
    f.end(top);
  }
  emitRows(f, plan, { values, present, mask, version, n, i, a4 });
  f.end(exit);
  f.localGet(remove);
  const removal = f.if();
  emitRemoval(f, { values, present, mask, version, n, i, a4 });
  f.end(removal);
  mod.export("capture", f);
}

/**
 * captureWorld's removal: every present id below the high water whose seen stamp is not this
 * call's loses present, mask and version (SnapshotState.remove); counted in the header.
 */
function emitRemoval(f: WasmFunction, l: RowLocals): void {
  const [stamp, seen, hw, removed] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  f.i32Const(0)
    .load("i32.load", HEADER.stamp * 4)
    .localSet(stamp);
  f.i32Const(0)
    .load("i32.load", HEADER.seen * 4)
    .localSet(seen);
  f.i32Const(0)
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
  f.i32Const(0)
    .localGet(removed)
    .store("i32.store", HEADER.removed * 4);
}

/** The row update pass's locals. */
interface RowLocals {
  readonly values: Local;
  readonly present: Local;
  readonly mask: Local;
  readonly version: Local;
  readonly n: Local;
  readonly i: Local;
  readonly a4: Local;
}

/** worldKernels.ts captureSource's per-entity row update, from the quantized columns. */
function emitRows(f: WasmFunction, plan: CapturePlan, l: RowLocals): void {
  const i32 = (): Local => f.local("i32");
  const [id, m, row, changed, vc, hw, q, at] = [i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32()];
  const B = plan.batch;
  f.i32Const(0)
    .load("i32.load", HEADER.versionCounter * 4)
    .localSet(vc);
  f.i32Const(0)
    .load("i32.load", HEADER.highWater * 4)
    .localSet(hw);
  f.i32Const(0).localSet(l.i).i32Const(0).localSet(l.a4);
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
      f.localGet(l.a4)
        .load("i32.load", plan.quantized + s * B * 4)
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
  f.i32Const(0)
    .i32Const(0)
    .load("i32.load", HEADER.rows * 4)
    .i32Const(1)
    .op("i32.add")
    .store("i32.store", HEADER.rows * 4);
  f.end(write);
  f.localGet(l.a4).i32Const(4).op("i32.add").localSet(l.a4);
  f.localGet(l.i).i32Const(1).op("i32.add").localTee(l.i).localGet(l.n).op("i32.lt_s").brIf(top);
  f.end(top);
  f.i32Const(0)
    .localGet(vc)
    .store("i32.store", HEADER.versionCounter * 4);
  f.i32Const(0)
    .localGet(hw)
    .store("i32.store", HEADER.highWater * 4);
}

/** The kernel module's bytes for `plan`: `capture`, `prepare` and (plan.wasmGather) `gather`; emission errors are bugs and throw. */
export function captureModule(plan: CapturePlan, simd: boolean): Uint8Array<ArrayBuffer> {
  const mod = new WasmModule().importMemory("env", "memory", { min: 1 });
  emitCapture(mod, plan, simd);
  emitPrepare(mod, plan);
  if (plan.wasmGather) emitGather(mod, plan);
  return mod.toBytes();
}
