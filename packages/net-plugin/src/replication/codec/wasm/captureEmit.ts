/**
 * Code generation of the WebAssembly capture kernel (wasmCapture.ts): the JS capture kernel's
 * quantization (fieldAccess.ts quantizeSource) and row update (worldKernels.ts captureSource)
 * emitted as wasm for one registry's CapturePlan, every constant inlined. Exported function
 * `capture(values, present, mask, version, shadow, n)`: the first four are the byte addresses of
 * the state's arrays, `shadow` that of the raw-value cache, `n` the batch entries gathered into
 * the scratch (capturePlan.ts); the version counter and high water are read from and written
 * back to scratch words 0 and 1, and word 3 counts the rows written.
 *
 * Two passes: per field, one straight-line loop over the batch (channel values read by entity id
 * from the column copies) that skips entries whose values equal the cache, as the JS kernel skips
 * them, and quantizes the others into the quantized columns (two entities per f64x2 with SIMD:
 * the same IEEE operations per lane, so the same integers); then one loop over the entries
 * compares each quantized field with the row, writes it, and bumps present/mask/high water/version
 * exactly as the JS kernel does.
 */
import type { CapturePlan, InlineField } from "./capturePlan";
import { ScalarQuantizer, type LoopLocals } from "./captureQuantize";
import { SIMD_ENTRIES, SimdQuantizer } from "./captureSimd";
import { WasmModule, type Local, type WasmFunction } from "./wasmModule";

/** Emits the kernel function into `mod` (exported as "capture"). */
export function emitCapture(mod: WasmModule, plan: CapturePlan, simd: boolean): void {
  const f = mod.function("capture", ["i32", "i32", "i32", "i32", "i32", "i32"], []);
  const [values, present, mask, version, shadow, n] = [0, 1, 2, 3, 4, 5].map((i) => f.param(i)) as [
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
  ];
  const i = f.local("i32");
  const a4 = f.local("i32");
  const loop: LoopLocals = { a4, i, n, shadow };
  const quantize = simd ? new SimdQuantizer(f, plan, loop) : new ScalarQuantizer(f, plan, loop);
  const exit = f.block();
  f.localGet(n).i32Const(0).op("i32.le_s").brIf(exit);
  // The gather set each entry's quantized mask to its generic fields (quantized there).
  const inline = plan.fields.filter((field): field is InlineField => field.kind !== "generic");
  for (const field of inline) quantize.prepare(field);
  for (const field of inline) {
    f.i32Const(0).localSet(i).i32Const(0).localSet(a4);
    const top = f.loop();
    quantize.entities();
    quantize.load(field);
    quantize.changed(field);
    const changed = f.if();
    quantize.keep(field);
    quantize.quantize(field);
    f.end(changed);
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
  mod.export("capture", f);
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
  const [id, m, qm, row, changed, vc, hw, q, at] = [
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
  const B = plan.batch;
  f.i32Const(0).load("i32.load").localSet(vc);
  f.i32Const(0).load("i32.load", 4).localSet(hw);
  f.i32Const(0).localSet(l.i).i32Const(0).localSet(l.a4);
  const top = f.loop();
  f.localGet(l.a4).load("i32.load", plan.ids).localSet(id);
  f.localGet(l.a4).load("i32.load", plan.masks).localSet(m);
  f.localGet(l.a4).load("i32.load", plan.qmasks).localSet(qm);
  f.localGet(id)
    .i32Const(plan.stride * 4)
    .op("i32.mul")
    .localGet(l.values)
    .op("i32.add")
    .localSet(row);
  // changed = present[id] !== 1
  f.localGet(l.present).localGet(id).op("i32.add").load("i32.load8_u").i32Const(1).op("i32.ne");
  f.localSet(changed);
  // Fields whose values equal the cache keep their slots (the JS kernel's skip).
  for (const field of plan.fields) {
    f.localGet(qm).i32Const(field.bit).op("i32.and");
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
  f.i32Const(0).i32Const(0).load("i32.load", 12).i32Const(1).op("i32.add").store("i32.store", 12);
  f.end(write);
  f.localGet(l.a4).i32Const(4).op("i32.add").localSet(l.a4);
  f.localGet(l.i).i32Const(1).op("i32.add").localTee(l.i).localGet(l.n).op("i32.lt_s").brIf(top);
  f.end(top);
  f.i32Const(0).localGet(vc).store("i32.store");
  f.i32Const(0).localGet(hw).store("i32.store", 4);
}

/** The kernel module's bytes for `plan` (emission errors are bugs and throw). */
export function captureModule(plan: CapturePlan, simd: boolean): Uint8Array<ArrayBuffer> {
  const mod = new WasmModule().importMemory("env", "memory", { min: 1 });
  emitCapture(mod, plan, simd);
  return mod.toBytes();
}
