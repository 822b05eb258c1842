/**
 * The quantized state of a set of entities at one snapshot: per network id, whether it is present,
 * which replicated fields it has (a bit mask), and the quantized slots of every field (one row of
 * `registry.stride` Int32 slots). The server builds one per tick from the world and one per client
 * per sent snapshot (what that client will hold once it decodes it); the client keeps the decoded
 * ones as baselines. Everything is preallocated for `capacity` network ids.
 */
import type { ReplicationRegistry } from "../registry";

/** Views of the first rows of a state's per-id arrays. */
interface RowViews {
  readonly present: Uint8Array;
  readonly mask: Uint32Array;
  readonly version: Uint32Array;
}

/** Preallocated quantized state of up to `capacity` network ids. */
export class SnapshotState {
  /** Snapshot sequence (Seq16) this state belongs to, or -1 when unused. */
  sequence = -1;
  /** Simulation tick the state was captured at. */
  tick = 0;
  /** 1 where the network id is present. */
  readonly present: Uint8Array;
  /** Bit `i` set when the entity has field `i`. */
  readonly mask: Uint32Array;
  /** `capacity × stride` quantized slots. */
  readonly values: Int32Array;
  /**
   * Per network id, the version of its row: a number that changes whenever the row or mask
   * changes (0 = unknown). `captureWorld` maintains it; the encoder skips comparing rows whose
   * version equals the baseline's, so unchanged entities cost one compare, not a row scan.
   */
  readonly version: Uint32Array;
  /** True when `version` is maintained for this state (captured, or encoded from captured states). */
  versioned = false;
  /** Last version handed out by `captureWorld` (monotonic per state). */
  versionCounter = 0;
  /**
   * Bumped whenever `values` are replaced wholesale (`copyFrom`) or written by the generic capture
   * path: capture's cache of the raw values behind each row (worldSnapshot.ts) is then dropped.
   * Code that writes `values` of a captured state by hand must bump it too.
   */
  revision = 0;
  /** One past the highest network id that may be present (loops stop here). */
  highWater = 0;
  readonly stride: number;
  /** Cached prefix views (see `rowViews`, `valueView`). */
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
    this.present = new Uint8Array(capacity);
    this.mask = new Uint32Array(capacity);
    this.values = new Int32Array(capacity * this.stride);
    this.version = new Uint32Array(capacity);
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
