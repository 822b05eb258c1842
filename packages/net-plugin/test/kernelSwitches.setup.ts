/**
 * Vitest setup file, run before each test file of the net-plugin and system projects. The test
 * files of a worker share one module graph (vitest.config.ts, `isolate: false`), so the codec's
 * process-wide switches are put back to the project's defaults here before every file, whatever
 * the last file left: `codecKernels.enabled` on, and the WebAssembly kernels' switch on unless
 * CANOPY_WASM_KERNELS=0 (the JS kernels: projects `system-js` and `system-js-alloc`). Globals
 * stubbed with `vi.stubGlobal`, spies and fake timers a file left behind are undone as well.
 *
 * CANOPY_WASM_KERNELS=1 also counts the pool blocks taken and, after each file, prints them with
 * the applies run in wasm, so a run shows which path ran.
 */
import { afterAll, vi } from "vitest";
import { codecKernels } from "../src/replication/codec/kernels/compileKernel";
import { CodecMemoryPool } from "../src/replication/codec/wasm/codecMemory";
import { wasmApplyOf } from "../src/replication/codec/wasm/wasmApply";
import { wasmKernels } from "../src/replication/codec/wasm/wasmKernels";

vi.unstubAllGlobals();
vi.restoreAllMocks();
vi.useRealTimers();
codecKernels.enabled = true;
wasmKernels.enabled = process.env["CANOPY_WASM_KERNELS"] !== "0";

/** The pools and blocks counted under CANOPY_WASM_KERNELS=1, kept on the prototype's wrapper (one per worker). */
interface Counted {
  readonly pools: Set<CodecMemoryPool>;
  blocks: number;
}
const COUNTED = Symbol.for("canopy.test.countedAlloc");

/** Wraps the pool's `alloc` to count pools and blocks: once per worker, the setup file runs per file. */
function countAllocs(): Counted {
  const proto = CodecMemoryPool.prototype as CodecMemoryPool & { [COUNTED]?: Counted };
  const existing = proto[COUNTED];
  if (existing !== undefined) return existing;
  const counted: Counted = { pools: new Set(), blocks: 0 };
  const alloc = Object.getOwnPropertyDescriptor(CodecMemoryPool.prototype, "alloc")?.value as (
    this: CodecMemoryPool,
    ...args: Parameters<CodecMemoryPool["alloc"]>
  ) => number;
  proto.alloc = function (this: CodecMemoryPool, ...args) {
    counted.pools.add(this);
    counted.blocks++;
    return alloc.apply(this, args);
  };
  proto[COUNTED] = counted;
  return counted;
}

if (process.env["CANOPY_WASM_KERNELS"] === "1") {
  const counted = countAllocs();
  afterAll(() => {
    let applies = 0;
    for (const pool of counted.pools) applies += wasmApplyOf(pool)?.calls ?? 0;
    console.log(
      `[wasm kernels on] ${counted.pools.size} pools, ${counted.blocks} blocks taken, ${applies} applies in wasm`,
    );
  });
}
