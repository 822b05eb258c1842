/**
 * Code generation of the WebAssembly capture kernel (wasmCapture.ts): the JS capture kernel's
 * quantization (fieldAccess.ts quantizeSource) and row update (worldKernels.ts captureSource)
 * emitted as wasm for one registry's CapturePlan, every constant inlined. Exported function
 * `capture(values, present, mask, version, n, remove, lined)`: the first four are the byte addresses of
 * the state's arrays, `n` the batch entries gathered into the scratch (capturePlan.ts), `lined` 1
 * when the entries are known lined (captureReuse.ts emitLined; JS callers pass 0); the
 * version counter and high water are read from and written back to the scratch header, which
 * also counts the rows written and removed. With `remove` set, present rows the wasm gather did
 * not stamp this call (captureGatherEmit.ts) are removed afterwards, as captureWorld does.
 *
 * Two passes: per quantizer part (a field, or a Transform's position and rotation: captureParts.ts),
 * one straight-line loop over the batch (channel values read by entity id from the column copies)
 * that quantizes every entry into the quantized columns (two entities per
 * f64x2 with SIMD: the same IEEE operations per lane, so the same integers); then one loop over
 * the entries compares each of the entry's fields with the row, writes it, and bumps
 * present/mask/high water/version exactly as the JS kernel does.
 */
import { emitGather, emitPrepare, emitScan } from "./captureGatherEmit";
import { emitGatherOrReuse, gatherReusable } from "./captureReuse";
import { quantizedParts } from "./captureParts";
import { HEADER, type CapturePlan } from "./capturePlan";
import { ScalarQuantizer, type LoopLocals } from "./captureQuantize";
import { SIMD_ENTRIES, SimdQuantizer } from "./captureSimd";
import { emitRemoval, emitRows, emitRowsScalar } from "./captureRows";
import { WasmModule, type Local, type WasmFunction } from "./wasmModule";

/** Emits the kernel function into `mod` (exported as "capture"). */
export function emitCapture(mod: WasmModule, plan: CapturePlan, simd: boolean): WasmFunction {
  const f = mod.function("capture", ["i32", "i32", "i32", "i32", "i32", "i32", "i32"], []);
  const [values, present, mask, version, n, remove, lined] = f.params as [
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
  ];
  const i = f.local("i32");
  const a4 = f.local("i32");
  const q4 = f.local("i32");
  const loop: LoopLocals = { a4, q4, i, n };
  const quantize = simd ? new SimdQuantizer(f, plan, loop) : new ScalarQuantizer(f, plan, loop);
  const exit = f.block();
  f.localGet(n).i32Const(0).op("i32.le_s").brIf(exit);
  // The gather quantized the generic fields into their columns; a Transform is two parts.
  const inline = quantizedParts(plan);
  for (const field of inline) quantize.prepare(field);
  for (const field of inline) {
    f.i32Const(0).localSet(i).i32Const(0).localSet(a4).i32Const(0).localSet(q4);
    const top = f.loop();
    quantize.entities();
    quantize.load(field);
    quantize.quantize(field);
    const lanes = simd ? SIMD_ENTRIES : 1;
    f.localGet(a4)
      .i32Const(4 * lanes)
      .op("i32.add")
      .localSet(a4);
    f.localGet(q4)
      .i32Const(4 * lanes * plan.stride)
      .op("i32.add")
      .localSet(q4);
    f.localGet(i).i32Const(lanes).op("i32.add").localTee(i).localGet(n).op("i32.lt_s").brIf(top);
    f.end(top);
  }
  const rows = { values, present, mask, version, n, i, a4, q4, lined };
  if (simd) emitRows(f, plan, rows);
  else emitRowsScalar(f, plan, rows);
  f.end(exit);
  f.localGet(remove);
  const removal = f.if();
  emitRemoval(f, plan, rows, simd);
  f.end(removal);
  mod.export("capture", f);
  return f;
}

/** What `runBound` returns when a listed entity id is past its bound (nothing was written). */
export const BOUND_EXCEEDED = -0x80000000;

/**
 * Emits `run(values, present, mask, version, n, remove) → gather's result`: `gather(0, n)`, then,
 * unless it refused an entry, `capture` — one call from JS where nothing happens between the two
 * (states in place, one batch). With `prepare`, `runBound(…, bound)`: first `prepare(n)` stored in
 * the header's maxEid word and, when it is past `bound` (the entity id the caller copied the tables
 * and columns as far as), BOUND_EXCEEDED before any write — the caller copies as far as that maxEid
 * and calls again; one call from JS where captureWorld made two (`prepare`, then `run`).
 */
function emitRun(
  mod: WasmModule,
  plan: CapturePlan,
  name: string,
  gather: WasmFunction,
  capture: WasmFunction,
  prepare?: WasmFunction,
  /** With `prepare`: the gather skipped when its inputs are the last call's (captureReuse.ts). */
  reuse = false,
): void {
  const params = ["i32", "i32", "i32", "i32", "i32", "i32"] as const;
  const f = mod.function(name, prepare === undefined ? params : [...params, "i32"], ["i32"]);
  const [values, present, mask, version, n, remove] = f.params as [Local, Local, Local, Local, Local, Local];
  const bound = f.params[6];
  const max = prepare === undefined ? undefined : f.local("i32");
  if (prepare !== undefined && bound !== undefined && max !== undefined) {
    f.localGet(n).call(prepare).localSet(max);
    f.i32Const(plan.header)
      .localGet(max)
      .store("i32.store", HEADER.maxEid * 4);
    f.localGet(max).localGet(bound).op("i32.gt_s");
    const past = f.if();
    f.i32Const(BOUND_EXCEEDED).op("return");
    f.end(past);
  }
  const top = f.local("i32");
  // 1: the entries are lined (captureReuse.ts emitLined), known only where the gather is reusable.
  const lined = f.local("i32");
  if (reuse && max !== undefined) {
    emitGatherOrReuse(f, plan, n, max, top, lined, () => f.i32Const(0).localGet(n).call(gather));
    f.localGet(top);
  } else f.i32Const(0).localGet(n).call(gather).localTee(top);
  f.i32Const(-1).op("i32.lt_s");
  const refused = f.if();
  f.localGet(top).op("return");
  f.end(refused);
  for (const l of [values, present, mask, version, n, remove, lined]) f.localGet(l);
  f.call(capture).localGet(top);
  mod.export(name, f);
}

/** The kernel module's bytes for `plan`: `capture` and (plan.wasmGather) `prepare`, `scan`, `gather`, `gatherFast`, `run`, `runFast`, `runBound`, `runBoundFast`; emission errors are bugs and throw. */
export function captureModule(plan: CapturePlan, simd: boolean): Uint8Array<ArrayBuffer> {
  const mod = new WasmModule().importMemory("env", "memory", { min: 1 });
  const capture = emitCapture(mod, plan, simd);
  if (plan.wasmGather) {
    const prepare = emitPrepare(mod, plan, simd);
    emitScan(mod, plan);
    const gather = emitGather(mod, plan);
    const gatherFast = emitGather(mod, plan, true, simd);
    emitRun(mod, plan, "run", gather, capture);
    emitRun(mod, plan, "runFast", gatherFast, capture);
    emitRun(mod, plan, "runBound", gather, capture, prepare);
    emitRun(mod, plan, "runBoundFast", gatherFast, capture, prepare, gatherReusable(plan, simd));
  }
  return mod.toBytes();
}
