/**
 * Vitest setup file for running a test suite with the WebAssembly kernels forced on: with
 * CANOPY_WASM_KERNELS=1 it sets `wasmKernels.enabled` before the test file loads, so every
 * SnapshotState built (server current, rings, decoder scratch, client applied, upstream) is
 * pool-backed and applySnapshot runs the wasm apply kernel where the registry has one; after the
 * file it prints the pool blocks taken and the applies run in wasm, so a run shows the switch took
 * effect. Not in the default config; the command is in codec/wasm/README.md.
 */
import { afterAll } from "vitest";
import { CodecMemoryPool } from "../../../src/replication/codec/wasm/codecMemory";
import { wasmApplyOf } from "../../../src/replication/codec/wasm/wasmApply";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";

if (process.env["CANOPY_WASM_KERNELS"] === "1") {
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
