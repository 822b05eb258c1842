/**
 * The wasm capture kernel's (wasmCapture.ts) runners and per-call copies: `CaptureCopies`, the
 * kernel's base class, picks the runner a call runs on (in place in the state's pool, else one with
 * a memory of its own per capacity; captureRunner.ts), writes and reads the header words, and copies
 * the state's rows and the component columns' prefixes into the runner's memory and the rows back;
 * and `capture`, the CaptureKernel contract (captureEntities, registries without the wasm gather):
 * the JS gather fills each batch, the kernel's `capture` writes it, rows copied in and out.
 */
import type { ReplicationRegistry } from "../../registry";
import type { CaptureKernel } from "../kernels/worldKernels";
import type { SnapshotState } from "../snapshotState";
import { HEADER, type CaptureColumn, type CapturePlan } from "./capturePlan";
import { ownRunner, poolRunner, refreshViews, SlotPrefixes, type Runner } from "./captureRunner";
import type { CodecMemoryPool, StateViews } from "./codecMemory";
import type { Gather } from "./captureGather";

// Module-local references: tsx/esbuild's CommonJS output (tests, benches) reads every imported
// binding through a getter call (a few tenths of a µs per capture here).
const H = HEADER;
const refresh = refreshViews;

/** SlotPrefixes slot base of the copy-out (4 state arrays). */
const OUT = 0;
/** SlotPrefixes slot base of the prefix copy-in (4 state arrays, then the columns). */
export const PREFIX = 4;
/**
 * copyColumns copies a column whole while it is at most this many times the elements needed
 * (+ 256): one `set` of the user's array (≈ 0.03–0.06 µs less per capture of 7 columns than a
 * cached view's lookup; the extra bytes cost less than the lookup), as SlotPrefixes.atLeast bounds
 * its views.
 */
const WHOLE_COLUMN = 2;

/** The wasm capture kernel's runners and copies (see the file comment). */
export abstract class CaptureCopies {
  private readonly runners = new Map<number, Runner>();
  /** In-place runners per state pool (null: none could be made there). */
  private readonly inPlace = new WeakMap<CodecMemoryPool, Runner | null>();
  private readonly prefix = new SlotPrefixes();
  private readonly columns: CaptureColumn[];
  /** SlotPrefixes slot base of the whole-state copy-in (after the prefix copy-in's). */
  protected readonly full: number;
  /** The in-place runner `placeFor` gave last and its pool (a cache of `inPlace`). */
  private lastPool: CodecMemoryPool | undefined;
  private lastRunner: Runner | undefined;

  constructor(
    private readonly registry: ReplicationRegistry,
    protected readonly plan: CapturePlan,
    private readonly module: WebAssembly.Module,
    /** The JS gather (captureGather.ts) of `capture`. */
    private readonly jsGather: Gather,
    /** True when the quantization runs in f64x2 lanes. */
    readonly simd: boolean,
  ) {
    this.columns = plan.fields.flatMap((f) => f.columns);
    this.full = PREFIX + 4 + this.columns.length;
  }

  /** True when `captureWorld` of `state` has run in place, in its pool's memory (tests). */
  ranInPlace(state: SnapshotState): boolean {
    return state.pool !== undefined && (this.inPlace.get(state.pool) ?? null) !== null;
  }

  /** The in-place runner of `out`'s pool when it has one (made on first use), else the own-memory one. */
  protected placeFor(out: SnapshotState): Runner {
    const pool = out.pool;
    if (pool !== undefined && out.block >= 0) {
      // The last pool's runner without the WeakMap lookup (one pool per registry and capacity).
      if (pool === this.lastPool && this.lastRunner !== undefined) return refresh(this.lastRunner);
      let r = this.inPlace.get(pool);
      if (r === undefined) {
        r = poolRunner(this.registry, pool, this.simd, this.plan.batch) ?? null;
        this.inPlace.set(pool, r);
      }
      if (r !== null) {
        this.lastPool = pool;
        this.lastRunner = r;
        return refresh(r);
      }
    }
    return this.runner(out.capacity);
  }

  /** Retires `pool`'s in-place runner for good (it could not give blocks for the tables). */
  protected retire(pool: CodecMemoryPool): void {
    this.inPlace.set(pool, null);
    this.lastPool = undefined;
    this.lastRunner = undefined;
  }

  /** The header words the kernel reads: the state's version counter and high water, counters zeroed. */
  protected header(i32: Int32Array, h: number, out: SnapshotState): void {
    i32[h + H.versionCounter] = out.versionCounter;
    i32[h + H.highWater] = out.highWater;
    i32[h + H.rows] = 0;
    i32[h + H.removed] = 0;
  }

  /** The version counter and high water the kernel wrote back. */
  protected headerOut(i32: Int32Array, h: number, out: SnapshotState): void {
    out.versionCounter = (i32[h + H.versionCounter] as number) >>> 0;
    out.highWater = i32[h + H.highWater] as number;
  }

  /** Copies the first `rows` rows of `s` into the block (views cached at `slots`). */
  protected copyIn(b: StateViews, s: SnapshotState, rows: number, slots: number): void {
    const p = this.prefix;
    b.present.set(p.of(slots, s.present, rows));
    b.mask.set(p.of(slots + 1, s.mask, rows));
    b.version.set(p.of(slots + 2, s.version, rows));
    b.values.set(p.of(slots + 3, s.values, rows * this.plan.stride));
  }

  /**
   * Copies the first `to` elements of every column not in place (as far as it reaches) into its
   * copy: the whole column when it is at most WHOLE_COLUMN times `to` (+ 256) elements long — one
   * `set` of the array itself, no cached prefix view to look up —, else a cached prefix view.
   */
  protected copyColumns(r: Runner, to: number, slots: number): void {
    const columns = this.columns;
    const copied = r.copied;
    const views = r.columns;
    const whole = WHOLE_COLUMN * to + 256;
    for (let k = 0; k < copied.length; k++) {
      const c = copied[k] as number;
      const { array, length } = columns[c] as CaptureColumn;
      const copy = views[c] as typeof array;
      // More than `to` elements is harmless (the kernel reads listed entities only); a column whose
      // length is not the plan's (a length-tracking view) takes the prefix view, capped at it.
      if (length <= whole && array.length === length) copy.set(array);
      else copy.set(this.prefix.atLeast(slots + 4 + c, array, Math.min(to, length)));
    }
  }

  /** Copies the block's first `rows` rows back into `s`. */
  protected copyOut(b: StateViews, s: SnapshotState, rows: number): void {
    const p = this.prefix;
    s.present.set(p.of(OUT, b.present, rows));
    s.mask.set(p.of(OUT + 1, b.mask, rows));
    s.version.set(p.of(OUT + 2, b.version, rows));
    s.values.set(p.of(OUT + 3, b.values, rows * this.plan.stride));
  }

  /** Same contract as the JS CaptureKernel (worldKernels.ts); `shadow` is not used. */
  readonly capture: CaptureKernel = (
    _world,
    entities,
    map,
    out,
    seen,
    stamp,
    hasMasks,
    hasFlags,
    _shadow,
    missing,
  ) => {
    const r = this.runner(out.capacity);
    const n = entities.length;
    const batch = this.plan.batch;
    const { pool, layout } = r;
    const address = pool.address(r.block);
    this.header(r.i32, r.h, out);
    // One batch (the common case): the rows and column elements up to the largest listed ids.
    // Several: everything, once (so nothing is copied per batch, and nothing allocated).
    const single = n <= batch;
    const b = pool.views(r.block);
    if (!single) {
      this.copyIn(b, out, out.capacity, this.full);
      this.copyColumns(r, Infinity, this.full);
    }
    let rows = 0;
    for (let start = 0; start < n; start += batch) {
      const end = Math.min(n, start + batch);
      const top = this.jsGather(
        entities,
        start,
        end,
        map,
        seen,
        stamp,
        hasMasks,
        hasFlags,
        missing,
        r.i32,
        out.capacity,
      );
      if (single) {
        rows = top + 1;
        this.copyIn(b, out, rows, PREFIX);
        this.copyColumns(r, (r.i32[r.h + H.maxEid] as number) + 1, PREFIX);
      }
      r.fn(
        address + layout.valuesOffset,
        address + layout.presentOffset,
        address + layout.maskOffset,
        address + layout.versionOffset,
        end - start,
        0,
        0,
      );
    }
    // Rows the kernel wrote are below the new high water.
    if (!single) rows = r.i32[r.h + H.highWater] as number;
    // Nothing written (a resting world): the state is already right.
    if (rows > 0 && r.i32[r.h + H.rows] !== 0) this.copyOut(b, out, rows);
    this.headerOut(r.i32, r.h, out);
  };

  /** The runner with a memory of its own for states of `capacity` ids (made on first use), views current. */
  protected runner(capacity: number): Runner {
    let r = this.runners.get(capacity);
    if (r === undefined) {
      r = ownRunner(this.plan, this.module, capacity);
      this.runners.set(capacity, r);
    }
    return refresh(r);
  }
}
