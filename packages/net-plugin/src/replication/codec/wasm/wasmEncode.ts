/**
 * The encoder's `collect` (kernels/encodeKernel.ts CollectKernel) as a WebAssembly kernel generated
 * per registry (encodeEmit.ts), run by EncodePlan.collect when the switch was on at construction;
 * armed by SnapshotEncoder (`arm`), the same call is the whole encode (encodeFusedEmit.ts: widths,
 * budget bound, header, updates section, expected state) and `fused` holds the snapshot's bits.
 *
 * Supported: registries whose fields are all inline (`slots` and smallest-three fields, with a fixed
 * spawn size) — the common game registry of positions, velocities, rotations, scalars, ints. Any
 * generic field (bools, enums, transforms, the ints of templates without a fixed size) keeps the JS
 * kernel for the whole registry (`wasmCollectFor` returns undefined). Per call, the kernel runs
 * only when `current`, `baseline` and (when prediction is used) `reference` are pool-backed states
 * of its pool (statePool.ts); otherwise `collect` returns false and the JS kernel runs. When the
 * fused encode does not write the snapshot (over budget, unarmed), the JS budget path, header and
 * fill read the plan's arrays this kernel filled, and the updates section is written by the wasm
 * writer (wasmWrite.ts) when it fits its region, else by the JS kernel.
 *
 * Data movement: the states are read in place at their block addresses; `relevant` and the
 * exclusion's `bySlot` (up to the high water) are copied into scratch. The outputs live in scratch
 * segments of pool blocks this kernel owns (taken on first use, packed first-fit, given back when
 * it is garbage-collected; collectBlocks.ts, the base class): the plan's per-id arrays (`selected`,
 * `respawn`, the three id lists, `changedMask`, `cost`, `pred`, `zz`, `colz`) are views on them
 * (`bind`, re-made after the memory grows), so the kernel writes them where the JS budget path,
 * writer and fill read them. The counts are read out per call; the column histograms
 * (ColumnChoice's own array) only when the JS path goes on.
 */
import type { EncodePlan } from "../encodePlan";
import type { SnapshotState } from "../snapshotState";
import type { KernelField } from "../kernels/compileKernel";
import type { CodecMemoryPool } from "./codecMemory";
import { PowerPrefixes, type CollectFn } from "./encodeScratch";
import type { WriteFn } from "./writeEmit";
import { WasmWriteKernel } from "./wasmWrite";
import * as layout from "./collectBlocks";
import { CollectBlocks, type Views } from "./collectBlocks";
// Module-local copies of the layout constants read per call: in tsx/esbuild's CommonJS output
// (tests, benches) every read of an imported binding is a getter call.
const SEG_HDR = layout.SEG_HDR;
const SEG_REL = layout.SEG_REL;
const SEG_EX = layout.SEG_EX;
const SEG_ARGS = layout.SEG_ARGS;
const EXTRA_AT = layout.EXTRA_AT;
const NOT_ARMED = layout.NOT_ARMED;
const MAX_BUDGET = layout.MAX_BUDGET;

/** One encoder's wasm collect: its scratch blocks and the shared compiled function (see the file comment). */
export class WasmCollectKernel extends CollectBlocks {
  /** Calls that ran in wasm (tests check which kernel ran). */
  calls = 0;
  /** True when the last `collect` ran in wasm (its segments then hold that call's plan). */
  ran = false;
  /**
   * The snapshot's bits when the last `collect` was armed (`arm`) and wrote the whole snapshot
   * into the writer's region (encodeFusedEmit.ts), else −1 or −2 (the JS encoder goes on).
   */
  fused = -1;
  /** Snapshots the fused encode wrote whole (tests check which path ran). */
  fusedCalls = 0;
  private armed = false;
  /** The last armed call wrote its snapshot (the next one leaves the predictions out). */
  private lastFused = false;
  /**
   * `arm`'s arguments: sequence, tick, baseline sequence, reference age, budget, baseline high
   * water, `out`'s address (0: not copied), its rows to copy, current's high water.
   */
  private readonly fuse = new Int32Array(9);
  /** The updates writer of the same module (wasmWrite.ts), reading this kernel's segments. */
  readonly writer: WasmWriteKernel;
  private readonly prefix = new PowerPrefixes();

  constructor(
    pool: CodecMemoryPool,
    private readonly fn: CollectFn,
    sizes: readonly number[],
    columns: number,
    write: WriteFn,
    fields: readonly KernelField[],
  ) {
    super(pool, sizes, columns);
    this.writer = new WasmWriteKernel(this, write, fields, columns);
  }

  /**
   * Makes the next `collect` the fused encode (encodeFusedEmit.ts): the whole snapshot into the
   * writer's region when its upper bound fits `budget` bits (see `fused`). Reference age: 0
   * when none is used. `out`: the expected state when it will equal `current` (SnapshotEncoder's
   * `whole` case, but for the exclusions the kernel counts), copied in place.
   */
  arm(
    sequence: number,
    tick: number,
    current: SnapshotState,
    baseline: SnapshotState | undefined,
    refAge: number,
    budget: number,
    out: SnapshotState | undefined,
  ): void {
    const f = this.fuse;
    f[0] = sequence;
    f[1] = tick;
    f[2] = baseline?.sequence ?? 0;
    f[3] = refAge;
    f[4] = budget >= MAX_BUDGET ? MAX_BUDGET : Math.floor(budget);
    f[5] = baseline?.highWater ?? 0;
    // `out` copied in place (encodeExpectedEmit.ts) when it is in this pool.
    const inPool = out !== undefined && out.pool === this.pool;
    f[6] = inPool ? this.pool.address(out.block) : 0;
    f[7] = inPool ? Math.max(out.highWater, current.highWater) : 0;
    f[8] = current.highWater;
    this.armed = true;
  }

  /**
   * Binds `p`'s arrays (`bind`), then fills `p` like the JS collect kernel (same arguments) and
   * returns true, or returns false when a state is not in this kernel's pool (the JS kernel runs).
   */
  collect(
    p: EncodePlan,
    current: SnapshotState,
    baseline: SnapshotState | undefined,
    relevant: Uint8Array | undefined,
    reference: SnapshotState | undefined,
    rn: number,
    rd: number,
    versioned: boolean,
    hw: number,
    exBy: Int32Array | undefined,
    exClient: number,
    exMask: number,
  ): boolean {
    this.ran = false;
    this.fused = -1;
    this.bind(p);
    const pool = this.pool;
    const ratio = rd > 0;
    if (!this.usable || this.planGeneration !== pool.generation) return false;
    if (current.pool !== pool || (baseline !== undefined && baseline.pool !== pool)) return false;
    if (ratio && reference !== undefined && reference.pool !== pool) return false;
    if ((relevant !== undefined && relevant.length < hw) || (exBy !== undefined && exBy.length < hw)) {
      return false;
    }
    const v = this.currentViews();
    const a = this.addresses;
    const prefix = this.prefix;
    const cap = pool.layout.capacity;
    if (relevant !== undefined) v.u8.set(prefix.of(relevant, hw, cap), a[SEG_REL]);
    if (exBy !== undefined) v.i32.set(prefix.of(exBy, hw, cap), (a[SEG_EX] as number) >> 2);
    const hasRef = ratio && reference !== undefined;
    // The per-call arguments into the `args` block (the segment addresses are there since
    // `takeBlocks`), then one call (encodeFusedEmit.ts `run`). Unarmed, the budget is below any
    // bound: `encode` returns −2 right after the collect.
    const f = this.fuse;
    const i32 = v.i32;
    const w = (a[SEG_ARGS] as number) >> 2;
    i32[w] = pool.address(current.block);
    i32[w + 1] = baseline === undefined ? 0 : pool.address(baseline.block);
    i32[w + 2] = hasRef ? pool.address(reference.block) : 0;
    i32[w + 3] = baseline === undefined ? 0 : 1;
    i32[w + 4] = hw;
    i32[w + 5] = rn;
    i32[w + 6] = rd;
    i32[w + 7] = versioned ? 1 : 0;
    i32[w + 8] = relevant === undefined ? 0 : 1;
    i32[w + 9] = exBy === undefined ? 0 : 1;
    i32[w + 10] = exClient;
    i32[w + 11] = exMask;
    i32[w + 12] = hasRef ? 1 : 0;
    // Predictions left out (encodeDenseEmit.ts `lazy`) while armed calls write their snapshots.
    const lazy = this.armed && this.lastFused;
    i32[w + 13] = lazy ? 1 : 0;
    const x = w + EXTRA_AT;
    i32[x] = f[0] as number;
    i32[x + 1] = f[1] as number;
    i32[x + 2] = f[2] as number;
    i32[x + 3] = f[3] as number;
    i32[x + 4] = this.armed ? (f[4] as number) : NOT_ARMED;
    i32[x + 5] = f[5] as number;
    i32[x + 7] = this.writer.outBytes;
    i32[x + 10] = f[6] as number;
    i32[x + 11] = f[7] as number;
    i32[x + 12] = f[8] as number;
    this.run(p, v, lazy);
    return true;
  }

  /**
   * `arm` and `collect` in one step for SnapshotEncoder's common case (no relevance, no
   * exclusions; EncodePlan.collectArmed): the arguments straight into the `args` block. Returns
   * the snapshot's bits or −2 (as `fused`), or −1 when a state is not in this kernel's pool
   * (nothing ran: the caller runs the JS collect).
   */
  encodeArmed(
    p: EncodePlan,
    current: SnapshotState,
    baseline: SnapshotState | undefined,
    reference: SnapshotState | undefined,
    rn: number,
    rd: number,
    versioned: boolean,
    hw: number,
    sequence: number,
    tick: number,
    refAge: number,
    budget: number,
    out: SnapshotState | undefined,
  ): number {
    this.ran = false;
    this.fused = -1;
    const pool = this.pool;
    pool.refreshIfDetached();
    if (this.planGeneration !== pool.generation) this.bind(p);
    if (!this.usable || this.planGeneration !== pool.generation || current.pool !== pool) return -1;
    if (baseline !== undefined && baseline.pool !== pool) return -1;
    const hasRef = rd > 0 && reference !== undefined;
    if (hasRef && reference.pool !== pool) return -1;
    const v = this.currentViews();
    const i32 = v.i32;
    const w = (this.addresses[SEG_ARGS] as number) >> 2;
    // `collect`'s arguments, then `arm`'s (the same words as there).
    i32[w] = pool.address(current.block);
    i32[w + 1] = baseline === undefined ? 0 : pool.address(baseline.block);
    i32[w + 2] = hasRef ? pool.address(reference.block) : 0;
    i32[w + 3] = baseline === undefined ? 0 : 1;
    i32[w + 4] = hw;
    i32[w + 5] = rn;
    i32[w + 6] = rd;
    i32[w + 7] = versioned ? 1 : 0;
    i32[w + 8] = 0;
    i32[w + 9] = 0;
    i32[w + 10] = -1;
    i32[w + 11] = 0;
    i32[w + 12] = hasRef ? 1 : 0;
    const lazy = this.lastFused;
    i32[w + 13] = lazy ? 1 : 0;
    const x = w + EXTRA_AT;
    i32[x] = sequence;
    i32[x + 1] = tick;
    i32[x + 2] = baseline === undefined ? 0 : baseline.sequence;
    i32[x + 3] = refAge;
    i32[x + 4] = budget >= MAX_BUDGET ? MAX_BUDGET : Math.floor(budget);
    i32[x + 5] = baseline === undefined ? 0 : baseline.highWater;
    i32[x + 7] = this.writer.outBytes;
    const inPool = out !== undefined && out.pool === pool;
    i32[x + 10] = inPool ? pool.address(out.block) : 0;
    i32[x + 11] = inPool ? Math.max(out.highWater, current.highWater) : 0;
    i32[x + 12] = current.highWater;
    this.armed = true;
    return this.run(p, v, lazy);
  }

  /** The call on the `args` block as written, then the plan's counts (see `collect`). */
  private run(p: EncodePlan, v: Views, lazy: boolean): number {
    const a = this.addresses;
    const i32 = v.i32;
    let bits = this.fn(a[SEG_ARGS] as number);
    if (this.armed) this.lastFused = bits >= 0;
    if (lazy && bits < 0) {
      // The JS path goes on from here and reads the predictions: the collect again with them.
      const w = (a[SEG_ARGS] as number) >> 2;
      i32[w + 13] = 0;
      i32[w + EXTRA_AT + 4] = NOT_ARMED;
      bits = this.fn(a[SEG_ARGS] as number);
    }
    this.armed = false;
    this.fused = bits;
    if (bits >= 0) this.fusedCalls++;
    this.calls++;
    this.ran = true;
    const hdr = (a[SEG_HDR] as number) >> 2;
    p.spawnCount = i32[hdr] as number;
    p.updateCount = i32[hdr + 1] as number;
    p.despawnCount = i32[hdr + 2] as number;
    p.baselineCount = i32[hdr + 3] as number;
    p.excludedCount = i32[hdr + 4] as number;
    if (bits < 0) p.columns.hist.set(v.hist); // the JS choice and budget path read them
    return bits;
  }
}
