/**
 * The snapshot decoder's update reader (decodeKernel.ts ReadUpdatesKernel) as a generated
 * WebAssembly kernel, for registries whose fields are all `slots` or smallest-three fields (no
 * generic field; otherwise undefined and the JS kernel stays). Same contract as the JS kernel:
 * same result, same decoded rows in `work`, same reader position on success and the same
 * overflowed flag (Truncated vs Invalid), never a throw on malformed bits.
 *
 * Interim data movement (see codecMemory.ts for where this goes): per call the input words, the
 * first `base.highWater` rows of base, work and reference, `mark` and `ks` are copied into wasm
 * memory and work's rows back. Inputs larger than the scratch area go to the JS kernel.
 */
import type { ReplicationRegistry } from "../../registry";
import { kernelFields } from "../kernels/compileKernel";
import { decodeKernel, type ReadUpdatesKernel } from "../kernels/decodeKernel";
import type { SnapshotState } from "../snapshotState";
import { CodecMemoryPool, stateLayout, type StateLayout } from "./codecMemory";
import { PrefixViews } from "./prefixViews";
import { emitReadUpdates } from "./readUpdatesEmit";
import { WasmModule } from "./wasmModule";

/** Input bytes the scratch area holds (a snapshot is at most one packet; this is many MTUs). */
const MAX_INPUT_BYTES = 64 * 1024;

type ReadFn = (
  words: number,
  pos: number,
  total: number,
  base: number,
  work: number,
  ref: number,
  hasRef: number,
  rn: number,
  rd: number,
  ks: number,
  updates: number,
  bitmap: number,
  k: number,
  mark: number,
  hw: number,
) => number;

/** A registry's generated wasm update reader with its memory. */
export class WasmReadUpdates {
  /** The memory pool: scratch (status, ks, mark, input) and base/work/reference blocks. */
  readonly pool: CodecMemoryPool;
  private readonly fn: ReadFn;
  private readonly blocks: readonly [number, number, number];
  private readonly ksAddress = 16;
  private readonly markAddress = 64;
  private readonly inputAddress: number;
  private readonly prefixes = new PrefixViews();
  private generation = -1;
  private u8 = new Uint8Array(0);
  private i32 = new Int32Array(0);
  private u32 = new Uint32Array(0);
  /** The work block's values. */
  private workValues = new Int32Array(0);

  /** Use wasmReadUpdates(). */
  constructor(
    readonly capacity: number,
    private readonly layout: StateLayout,
    module: WebAssembly.Module,
    private readonly fallback: ReadUpdatesKernel,
  ) {
    this.inputAddress = Math.ceil((this.markAddress + capacity) / 16) * 16;
    this.pool = new CodecMemoryPool(layout, {
      scratchBytes: this.inputAddress + MAX_INPUT_BYTES + 16,
      initialBlocks: 3,
    });
    this.blocks = [this.pool.alloc(), this.pool.alloc(), this.pool.alloc()].map((b) =>
      this.pool.address(b),
    ) as unknown as readonly [number, number, number];
    const instance = new WebAssembly.Instance(module, { env: { memory: this.pool.memory } });
    this.fn = instance.exports["read"] as ReadFn;
  }

  /** Same contract as the JS ReadUpdatesKernel. */
  readonly readUpdates: ReadUpdatesKernel = (
    r,
    base,
    work,
    mark,
    reference,
    rn,
    rd,
    ks,
    updates,
    bitmap,
    k,
  ) => {
    const total = r.bitLength;
    const words = Math.ceil(total / 32) + 2;
    if (words * 4 > MAX_INPUT_BYTES || ks.length > this.markAddress - this.ksAddress) {
      return this.fallback(r, base, work, mark, reference, rn, rd, ks, updates, bitmap, k);
    }
    this.refresh();
    const hw = base.highWater;
    const [baseAt, workAt, refAt] = this.blocks;
    // The whole word buffer when it fits (a fixed size: a prefix view per snapshot length would
    // be an allocation on most ticks); only the bits up to its zero padding are read.
    const data = r.data;
    if (data.length * 4 <= MAX_INPUT_BYTES) this.u32.set(data, this.inputAddress >> 2);
    else this.u32.set(this.prefixes.of(data, words), this.inputAddress >> 2);
    this.copyState(base, baseAt, hw, true);
    this.copyState(work, workAt, hw, false);
    if (reference !== undefined) this.copyState(reference, refAt, hw, true);
    this.u8.set(this.prefixes.of(mark, hw), this.markAddress);
    this.u8.set(ks, this.ksAddress);
    const ok = this.fn(
      this.inputAddress,
      r.position,
      total,
      baseAt,
      workAt,
      refAt,
      reference === undefined ? 0 : 1,
      rn,
      rd,
      this.ksAddress,
      updates,
      bitmap ? 1 : 0,
      k,
      this.markAddress,
      hw,
    );
    work.values.set(this.prefixes.of(this.workValues, hw * work.stride));
    if (this.i32[1] !== 0) {
      // The kernel read past the end: leave the reader overflowed, as the JS kernel does.
      r.position = total;
      r.readBits(1);
    } else r.position = this.i32[0] as number;
    return ok === 1 && !r.overflowed;
  };

  private copyState(s: SnapshotState, address: number, hw: number, rows: boolean): void {
    if (rows) {
      this.u8.set(this.prefixes.of(s.present, hw), address + this.layout.presentOffset);
      this.u32.set(this.prefixes.of(s.mask, hw), (address + this.layout.maskOffset) >> 2);
    }
    this.i32.set(this.prefixes.of(s.values, hw * s.stride), (address + this.layout.valuesOffset) >> 2);
  }

  private refresh(): void {
    this.pool.refresh();
    if (this.generation === this.pool.generation) return;
    const buffer = this.pool.memory.buffer;
    this.u8 = new Uint8Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u32 = new Uint32Array(buffer);
    const values = this.blocks[1] + this.layout.valuesOffset;
    this.workValues = new Int32Array(buffer, values, this.capacity * this.layout.stride);
    this.generation = this.pool.generation;
  }
}

/**
 * The wasm update reader of `registry` for states of `capacity` ids; undefined when a field is
 * generic, code generation is off (codecKernels), or WebAssembly is unavailable or refused.
 */
export function wasmReadUpdates(
  registry: ReplicationRegistry,
  capacity: number,
): WasmReadUpdates | undefined {
  if (typeof WebAssembly === "undefined") return undefined;
  const fields = kernelFields(registry);
  const fallback = decodeKernel(registry);
  if (fields === undefined || fallback === undefined || fields.some((f) => f.generic)) return undefined;
  const layout = stateLayout(capacity, registry.stride);
  const mod = new WasmModule().importMemory("env", "memory", { min: 1 });
  emitReadUpdates(mod, fields, layout, registry.stride);
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(mod.toBytes());
  } catch {
    return undefined;
  }
  return new WasmReadUpdates(capacity, layout, module, fallback);
}
