/**
 * Vitest setup file that sets the WebAssembly kernels' switch for a whole project before each test
 * file loads: CANOPY_WASM_KERNELS=0 turns it off (the JS kernels: project `system-js`), =1 on (the
 * default). With it on, every SnapshotState built (server current, rings, decoder scratch, client
 * applied, upstream) is pool-backed and the wasm kernels run where the registry has one; after the
 * file it prints the pool blocks taken and the applies run in wasm, so a run shows which path ran.
 */
import { afterAll } from "vitest";
import { CodecMemoryPool } from "../../../src/replication/codec/wasm/codecMemory";
import { wasmApplyOf } from "../../../src/replication/codec/wasm/wasmApply";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";

if (process.env["CANOPY_WASM_KERNELS"] === "0") {
  wasmKernels.enabled = false;
} else if (process.env["CANOPY_WASM_KERNELS"] === "1") {
  wasmKernels.enabled = true;
  const pools = new Set<CodecMemoryPool>();
  let blocks = 0;
  const alloc = Object.getOwnPropertyDescriptor(CodecMemoryPool.prototype, "alloc")?.value as (
    this: CodecMemoryPool,
    ...args: Parameters<CodecMemoryPool["alloc"]>
  ) => number;
  CodecMemoryPool.prototype.alloc = function (this: CodecMemoryPool, ...args) {
    pools.add(this);
    blocks++;
    return alloc.apply(this, args);
  };
  afterAll(() => {
    let applies = 0;
    for (const pool of pools) applies += wasmApplyOf(pool)?.calls ?? 0;
    console.log(`[wasm kernels on] ${pools.size} pools, ${blocks} blocks taken, ${applies} applies in wasm`);
  });
}
