/**
 * The quantized state of a set of entities at one snapshot: per network id, whether it is present,
 * which replicated fields it has (a bit mask), and the quantized slots of every field (one row of
 * `registry.stride` Int32 slots). The server builds one per tick from the world and one per client
 * per sent snapshot (what that client will hold once it decodes it); the client keeps the decoded
 * ones as baselines. Everything is preallocated for `capacity` network ids.
 *
 * Pool-backed states: with `wasmKernels.enabled` on when it is built (and WebAssembly available),
 * a state's four arrays are views on a block of the registry's CodecMemoryPool (wasm/statePool.ts),
 * which the wasm kernels address directly; otherwise they are plain typed arrays. Either way every
 * method and codec path works the same. Growing that memory (only ever when another state of the
 * same registry and capacity is built) detaches the old views: the pool then re-makes the views of
 * every live state at once. Hence the rule: **a local copy of `values`, `present`, `mask` or
 * `version` stays valid only until the next SnapshotState/BaselineRing of the registry is built**
 * — read them again after anything that may build one (as the codec does, once per call).
 */
import type { ReplicationRegistry } from "../registry";
import type { BlockOwner, CodecMemoryPool } from "./wasm/codecMemory";
import { statePoolOf } from "./wasm/statePool";

/** The arrays a state rebinds to its pool block after growth. */
interface StateArrays {
  present: Uint8Array;
  mask: Uint32Array;
  values: Int32Array;
  version: Uint32Array;
}

/** Views of the first rows of a state's per-id arrays. */
interface RowViews {
  readonly present: Uint8Array;
  readonly mask: Uint32Array;
  readonly version: Uint32Array;
}

/** Preallocated quantized state of up to `capacity` network ids (see the file comment on pool-backed states). */
export class SnapshotState implements BlockOwner {
  /** Snapshot sequence (Seq16) this state belongs to, or -1 when unused. */
  sequence = -1;
  /** Simulation tick the state was captured at. */
  tick = 0;
  /** 1 where the network id is present (a pool-backed state's view changes after growth: see the file comment). */
  readonly present: Uint8Array;
  /** Bit `i` set when the entity has field `i` (view rule: see the file comment). */
  readonly mask: Uint32Array;
  /** `capacity × stride` quantized slots (view rule: see the file comment). */
  readonly values: Int32Array;
  /**
   * Per network id, the version of its row: a number that changes whenever the row or mask
   * changes (0 = unknown). `captureWorld` maintains it; the encoder skips comparing rows whose
   * version equals the baseline's, so unchanged entities cost one compare, not a row scan.
   * (View rule: see the file comment.)
   */
  readonly version: Uint32Array;
  /** True when `version` is maintained for this state (captured, or encoded from captured states). */
  versioned = false;
  /** Last version handed out by `captureWorld` (monotonic per state). */
  versionCounter = 0;
  /**
   * Bumped whenever `values` are replaced wholesale (`copyFrom`) or written by the generic capture
   * path: capture's cache of the raw values behind each row (worldCapture.ts, worldApply.ts) is then dropped.
   * Code that writes `values` of a captured state by hand must bump it too.
   */
  revision = 0;
  /** One past the highest network id that may be present (loops stop here). */
  highWater = 0;
  readonly stride: number;
  /** The pool whose block holds this state's arrays, or undefined for plain typed arrays. */
  readonly pool: CodecMemoryPool | undefined;
  /** This state's block in `pool` (kernels read it at `pool.address(block)`), or -1. */
  block = -1;
  /** `pool.address(block)`, the block's byte address (kept when the memory grows), or -1. */
  address = -1;
  /** Cached prefix views (see `rowViews`, `valueView`); dropped when the arrays are re-made. */
  private rows: RowViews | undefined;
  private valuePrefix: Int32Array | undefined;

  constructor(
    readonly registry: ReplicationRegistry,
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`SnapshotState: capacity must be a positive integer, got ${capacity}.`);
    }
    registry.close();
    this.stride = registry.stride;
    this.present = EMPTY_U8;
    this.mask = this.version = EMPTY_U32;
    this.values = EMPTY_I32;
    const pool = statePoolOf(registry, capacity);
    this.block = pool === undefined ? -1 : pool.tryAlloc(this);
    this.pool = this.block < 0 ? undefined : pool;
    if (this.pool !== undefined) {
      this.address = this.pool.address(this.block);
      this.rebind();
    } else {
      const arrays = this as StateArrays;
      arrays.present = new Uint8Array(capacity);
      arrays.mask = new Uint32Array(capacity);
      arrays.values = new Int32Array(capacity * this.stride);
      arrays.version = new Uint32Array(capacity);
    }
  }

  /** Re-fetches the arrays from the pool block (the pool calls it after growth); drops cached prefix views. */
  rebind(): void {
    const pool = this.pool;
    if (pool === undefined || this.block < 0) return;
    const v = pool.views(this.block);
    const arrays = this as StateArrays;
    arrays.present = v.present;
    arrays.mask = v.mask;
    arrays.values = v.values;
    arrays.version = v.version;
    this.rows = undefined;
    this.valuePrefix = undefined;
  }

  /**
   * Gives a pool-backed state's block back to the pool (prompt; a FinalizationRegistry frees it
   * otherwise once the state is garbage-collected). The state must not be used afterwards: its
   * arrays become empty. Plain states only drop their arrays too.
   */
  dispose(): void {
    if (this.pool !== undefined && this.block >= 0) this.pool.release(this.block);
    this.block = this.address = -1;
    const arrays = this as StateArrays;
    arrays.present = EMPTY_U8;
    arrays.mask = arrays.version = EMPTY_U32;
    arrays.values = EMPTY_I32;
    this.rows = undefined;
    this.valuePrefix = undefined;
    this.highWater = 0;
    this.sequence = -1;
  }

  /** Removes every entity. */
  clear(): void {
    this.present.fill(0, 0, this.highWater);
    this.mask.fill(0, 0, this.highWater);
    this.version.fill(0, 0, this.highWater);
    this.highWater = 0;
  }

  /** Becomes a copy of `other` (same registry and capacity). */
  copyFrom(other: SnapshotState): void {
    const n = Math.max(this.highWater, other.highWater);
    const rows = other.rowViews(n);
    this.present.set(rows.present);
    this.mask.set(rows.mask);
    this.version.set(rows.version);
    this.versioned = other.versioned;
    this.revision++;
    this.values.set(other.valueView(other.highWater * this.stride));
    this.highWater = other.highWater;
    this.sequence = other.sequence;
    this.tick = other.tick;
  }

  /**
   * Views of the first `n` rows of `present`, `mask` and `version`, kept while `n` stays the same:
   * `copyFrom` runs per client per tick, and fresh views there were ~7.5 KiB/tick at 20 clients.
   */
  private rowViews(n: number): RowViews {
    let v = this.rows;
    if (v === undefined || v.present.length !== n) {
      v = {
        present: this.present.subarray(0, n),
        mask: this.mask.subarray(0, n),
        version: this.version.subarray(0, n),
      };
      this.rows = v;
    }
    return v;
  }

  /** A view of the first `n` slots of `values`, kept while `n` stays the same (see `rowViews`). */
  private valueView(n: number): Int32Array {
    let v = this.valuePrefix;
    if (v === undefined || v.length !== n) {
      v = this.values.subarray(0, n);
      this.valuePrefix = v;
    }
    return v;
  }

  /** Marks `netId` present with field mask `mask` (its slots are left to the caller). */
  setPresent(netId: number, mask: number): void {
    this.present[netId] = 1;
    this.mask[netId] = mask;
    if (netId >= this.highWater) this.highWater = netId + 1;
  }

  /** Marks `netId` absent. */
  remove(netId: number): void {
    this.present[netId] = 0;
    this.mask[netId] = 0;
    this.version[netId] = 0;
  }

  /** Number of present entities (a scan; for tests and stats). */
  count(): number {
    let n = 0;
    for (let i = 0; i < this.highWater; i++) n += this.present[i] as number;
    return n;
  }

  /** True when both hold the same entities, masks and quantized slots. */
  equals(other: SnapshotState): boolean {
    const n = Math.max(this.highWater, other.highWater);
    for (let id = 0; id < n; id++) {
      const p = this.present[id] ?? 0;
      if (p !== (other.present[id] ?? 0)) return false;
      if (p === 0) continue;
      const m = this.mask[id] as number;
      if (m !== other.mask[id] || !this.sameFields(other, id, m)) return false;
    }
    return true;
  }

  /** True when `other` (same registry) holds the same quantized slots as this for the fields of `fieldMask` at `netId`. */
  sameFields(other: SnapshotState, netId: number, fieldMask: number): boolean {
    const fields = this.registry.fields;
    const row = netId * this.stride;
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f] as (typeof fields)[number];
      if ((fieldMask & (1 << field.index)) === 0) continue;
      const end = row + field.offset + field.template.width;
      for (let o = row + field.offset; o < end; o++) if (this.values[o] !== other.values[o]) return false;
    }
    return true;
  }
}

/** What a disposed state holds (shared, zero length). */
const EMPTY_U8 = new Uint8Array(0);
const EMPTY_U32 = new Uint32Array(0);
const EMPTY_I32 = new Int32Array(0);
