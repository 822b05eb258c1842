/**
 * Decodes snapshots written by {@link SnapshotEncoder} against the baseline they name, held in the
 * client's {@link BaselineRing}. Check on read: a truncated, malformed or out-of-range snapshot,
 * or one whose baseline is gone, returns a {@link DecodeStatus} and bumps a counter; it never
 * throws and never changes a stored state. A decoded snapshot is stored in the ring under its
 * sequence (older ones too: the server may pick any acknowledged one as the next baseline).
 */
import { seqDiff, type Seq16 } from "../../protocol/seq16";
import type { ReplicatedField, ReplicationRegistry } from "../registry";
import type { BaselineRing } from "./baselineRing";
import { createDecodeCounters, DecodeStatus, type SnapshotDecodeCounters } from "./decodeStatus";
import { codedGroupLayout, fieldCodecPlan, K_BITS } from "./fieldDelta";
import { ID_K_BITS } from "./idList";
import { TICK_K } from "./encodePlan";
import { predictionRatio, REFERENCE_AGE_BITS, REFERENCE_WINDOW } from "./predict";
import type { SnapshotState } from "./snapshotState";
import { decodeKernel, type ReadUpdatesKernel } from "./kernels/decodeKernel";
import { readColumns, readUpdate, type UpdateReadContext } from "./updateReader";
import { columnLayout } from "./columns";
import { WordReader } from "./wordBits";
import { wasmDecodeFor, type WasmDecode } from "./wasm/wasmDecode";
import { SteadyDecode } from "./steadyDecode";
// Hot loops call module-local references: in tsx/esbuild's CommonJS output (tests, benches) every
// call of an imported function is a getter call.
const readUpdateLocal = readUpdate;
// The same for imported constants (a read of one is a getter call there too).
const Status = DecodeStatus;
const TICK_K_LOCAL = TICK_K;
const REFERENCE_AGE_BITS_LOCAL = REFERENCE_AGE_BITS;
const REFERENCE_WINDOW_LOCAL = REFERENCE_WINDOW;
const ID_K_BITS_LOCAL = ID_K_BITS;
const K_BITS_LOCAL = K_BITS;
const readColumnsLocal = readColumns;
const predictionRatioLocal = predictionRatio;
const seqDiffLocal = seqDiff;

/** Reusable snapshot decoder for one registry and capacity. */
export class SnapshotDecoder {
  readonly counters: SnapshotDecodeCounters = createDecodeCounters();
  /** Sequence of the newest decoded snapshot, or -1. */
  newestSequence = -1;
  /** The state of the last successfully decoded snapshot. */
  lastDecoded: SnapshotState | undefined;
  private readonly reader = new WordReader();
  private readonly fields: readonly ReplicatedField[];
  private readonly ks: Uint8Array;
  /** What update reading shares with this decoder (plan, k table, prediction reference). */
  private readonly updates: UpdateReadContext;
  /** Per id: 1 = despawned, 2 = spawned in the snapshot being decoded. */
  private readonly mark: Uint8Array;
  private readonly marked: Int32Array;
  private markedCount = 0;
  /** The kernel's per inline field lists of updates (`capacity` each). */
  private readonly lists: Int32Array;
  /** The registry's generated update reader, when it has one (kernels/decodeKernel.ts). */
  private readonly kernel: ReadUpdatesKernel | undefined;
  /**
   * The same reader in wasm on pool-backed states (wasm/wasmDecode.ts), when the wasm switch was on
   * at construction and the registry has one (with or without the JS kernel); calls it cannot take
   * run the JS kernel, else the generic path.
   */
  readonly wasm: WasmDecode | undefined;
  /** The usual packet's path (steadyDecode.ts), taken when the wasm reader is. */
  private readonly steady: SteadyDecode;

  constructor(
    readonly registry: ReplicationRegistry,
    readonly capacity: number,
  ) {
    registry.close();
    this.fields = registry.fields;
    const layout = codedGroupLayout(registry);
    this.ks = new Uint8Array(layout.codedGroups);
    this.mark = new Uint8Array(capacity);
    const columns = columnLayout(registry);
    this.updates = {
      fields: registry.fields,
      codecPlan: fieldCodecPlan(registry),
      ks: this.ks,
      reference: undefined,
      ratio: { num: 0, den: 0 },
      predRow: new Int32Array(Math.max(1, registry.stride)),
      layout: columns,
      entryIds: new Int32Array(capacity),
      entryFields: new Int32Array(capacity),
      entryRotations: new Int32Array(capacity),
      entryCount: 0,
      values: new Int32Array((capacity + 1) * columns.maxFieldColumns),
      exHigh: new Int32Array((capacity + 1) * columns.maxFieldColumns),
    };
    this.marked = new Int32Array(capacity * 2);
    let inline = 0;
    for (const n of columns.fieldColumns) if (n > 0) inline++;
    this.lists = new Int32Array(capacity * Math.max(1, inline));
    this.kernel = decodeKernel(registry);
    // Also without the JS kernel (code generation refused: a CSP without 'unsafe-eval'); see `wasm`.
    this.wasm = wasmDecodeFor(registry, capacity);
    this.steady = new SteadyDecode(capacity, columns.headerGroups, this.ks, this.mark, this.marked);
  }

  /**
   * Decodes one snapshot, `bytes[offset, offset + length)` (default: all of `bytes`; a message
   * payload, the snapshot starts at its first byte), into `ring`. The range is copied, so the
   * caller may pass a reused receive buffer and needs no view of it.
   */
  decode(bytes: Uint8Array, ring: BaselineRing, offset = 0, length = bytes.length - offset): DecodeStatus {
    if (offset < 0 || length < 0 || offset + length > bytes.length) {
      throw new RangeError(
        `SnapshotDecoder.decode: range [${offset}, ${offset + length}) is outside the ${bytes.length}-byte buffer; pass an offset and length inside it.`,
      );
    }
    // One copy: into the wasm reader's input block, read there by both readers; else the reader's own.
    const wasm = this.wasm;
    if (wasm === undefined || !wasm.load(bytes, offset, length, this.reader))
      this.reader.reset(bytes, offset, length);
    const status = this.steadyOrRun(this.reader, ring);
    for (let i = 0; i < this.markedCount; i++) this.mark[this.marked[i] as number] = 0;
    this.markedCount = 0;
    const c = this.counters;
    if (status === Status.Ok || status === Status.Stale) {
      c.snapshotsDecoded++;
      if (status === Status.Stale) c.snapshotsStale++;
    } else if (status === Status.MissingBaseline) c.snapshotsMissingBaseline++;
    else if (status === Status.TooOld) c.snapshotsDropped++;
    else c.snapshotsInvalid++;
    return status;
  }

  /** Snapshots the steady path decoded (stats: tests check which path ran). */
  get steadyDecodes(): number {
    return this.steady.decodes;
  }

  /**
   * Gives the wasm reader's pool blocks back at once (else when this decoder is garbage-collected);
   * the decoder must not be used afterwards. Nothing to do without the wasm reader.
   */
  dispose(): void {
    this.wasm?.dispose();
  }

  private fail(r: WordReader): DecodeStatus {
    return r.overflowed ? Status.Truncated : Status.Invalid;
  }

  private setMark(id: number, value: number): void {
    this.mark[id] = value;
    this.marked[this.markedCount++] = id;
  }

  /** The steady path (steadyDecode.ts) when it takes the snapshot, else the general one (`run`). */
  private steadyOrRun(r: WordReader, ring: BaselineRing): DecodeStatus {
    const wasm = this.wasm;
    const steady = this.steady;
    if (wasm !== undefined && r.bitLength >= steady.minBits && wasm.loaded(r)) {
      const status = steady.run(r, ring, wasm, this.newestSequence);
      if (status >= 0) {
        if (status === Status.Ok || status === Status.Stale) {
          this.lastDecoded = steady.stored;
          if (status === Status.Ok) this.newestSequence = (steady.stored as SnapshotState).sequence;
        }
        return status as DecodeStatus;
      }
    }
    return this.run(r, ring);
  }

  private run(r: WordReader, ring: BaselineRing): DecodeStatus {
    const sequence = r.readBits(16);
    const tick = r.readExpGolomb(TICK_K_LOCAL);
    const hasBaseline = r.readBool();
    const baseSequence = hasBaseline ? r.readBits(16) : -1;
    const hasReference = hasBaseline && r.readBool();
    const referenceAge = hasReference ? r.readBits(REFERENCE_AGE_BITS_LOCAL) : 0;
    if (r.overflowed || tick < 0) return Status.Truncated;
    let stale = false;
    if (this.newestSequence >= 0) {
      const d = seqDiffLocal(sequence as Seq16, this.newestSequence as Seq16);
      if (d === 0 || -d >= ring.size || ring.get(sequence) !== undefined) return Status.TooOld;
      stale = d < 0;
    }
    let base: SnapshotState | undefined;
    if (hasBaseline) {
      const age = seqDiffLocal(sequence as Seq16, baseSequence as Seq16);
      if (age <= 0 || age >= ring.size) return Status.Invalid;
      base = ring.get(baseSequence);
      if (base === undefined) return Status.MissingBaseline;
    }
    this.updates.reference = undefined;
    if (hasReference) {
      // Older than the window breaks the free rule (baselineRing.ts): the peer broke the protocol.
      if (referenceAge === 0 || referenceAge > REFERENCE_WINDOW_LOCAL || base === undefined)
        return Status.Invalid;
      const reference = ring.get((baseSequence - referenceAge) & 0xffff);
      if (reference === undefined) return Status.MissingBaseline;
      if (predictionRatioLocal(base, reference, tick, this.updates.ratio) === undefined)
        return Status.Invalid;
      this.updates.reference = reference;
    }
    const work = ring.scratch;
    // With the wasm reader on these states the base → work copy is deferred: the kernel does it as
    // memory.copy when nothing before it writes `work` (no despawns, no spawns: the usual case).
    const wasm = this.wasm;
    let pending =
      base !== undefined && wasm !== undefined && base.pool === wasm.pool && work.pool === wasm.pool;
    if (base !== undefined && !pending) work.copyFrom(base);
    else if (base === undefined) work.clear();
    const capacity = this.capacity;
    const stride = work.stride;
    const fieldCount = this.fields.length;

    const despawns = r.readExpGolomb(0);
    if (despawns < 0 || despawns > capacity) return this.fail(r);
    if (despawns > 0) {
      if (pending) {
        work.copyFrom(base as SnapshotState);
        pending = false;
      }
      const k = r.readBits(ID_K_BITS_LOCAL);
      let prev = -1;
      for (let i = 0; i < despawns; i++) {
        const gap = r.readExpGolomb(k);
        const id = prev + 1 + gap;
        if (gap < 0 || id >= capacity || base === undefined || base.present[id] !== 1) return this.fail(r);
        work.remove(id);
        this.setMark(id, 1);
        prev = id;
      }
    }

    const spawns = r.readExpGolomb(0);
    if (spawns < 0 || spawns > capacity) return this.fail(r);
    if (spawns > 0) {
      if (pending) {
        work.copyFrom(base as SnapshotState);
        pending = false;
      }
      const k = r.readBits(ID_K_BITS_LOCAL);
      let prev = -1;
      for (let i = 0; i < spawns; i++) {
        const gap = r.readExpGolomb(k);
        const id = prev + 1 + gap;
        if (gap < 0 || id >= capacity || this.mark[id] !== 0) return this.fail(r);
        prev = id;
        const mask = fieldCount > 0 ? r.readBits(fieldCount) : 0;
        work.setPresent(id, mask);
        this.setMark(id, 2);
        const row = id * stride;
        for (const f of this.fields) {
          if ((mask & (1 << f.index)) !== 0 && !f.template.unpackQuantized(r, work.values, row + f.offset)) {
            return this.fail(r);
          }
        }
      }
    }

    const updates = r.readExpGolomb(0);
    if (updates < 0 || updates > capacity || r.overflowed) return this.fail(r);
    if (updates > 0) {
      if (base === undefined) return Status.Invalid;
      const bitmap = r.readBool();
      const groups = this.updates.layout.headerGroups;
      for (let i = 0; i < groups.length; i++) this.ks[groups[i] as number] = r.readBits(K_BITS_LOCAL);
      this.updates.entryCount = 0;
      const kernel = this.kernel;
      const u = this.updates;
      const inWasm = wasm !== undefined && wasm.accepts(r, base, work, u.reference);
      if (pending && !inWasm) {
        work.copyFrom(base);
        pending = false;
      }
      if (inWasm || kernel !== undefined) {
        const k = bitmap ? 0 : r.readBits(ID_K_BITS_LOCAL);
        const ok = inWasm
          ? wasm.read(
              r,
              base,
              work,
              this.mark,
              this.marked,
              this.markedCount,
              u.reference,
              u.ratio.num,
              u.ratio.den,
              updates,
              bitmap,
              k,
              pending ? Math.max(work.highWater, base.highWater) : 0,
            )
          : (kernel as ReadUpdatesKernel)(
              r,
              base,
              work,
              this.mark,
              u.reference,
              u.ratio.num,
              u.ratio.den,
              this.ks,
              updates,
              bitmap,
              k,
              this.lists,
              u.values,
              u.exHigh,
            );
        if (pending) {
          // The kernel copied the base's rows: the fields copyFrom sets.
          pending = false;
          work.versioned = base.versioned;
          work.revision++;
          work.highWater = base.highWater;
        }
        if (!ok) return this.fail(r);
      } else if (bitmap) {
        let seen = 0;
        for (let id = 0; id < base.highWater; id++) {
          if (base.present[id] !== 1 || this.mark[id] !== 0) continue;
          if (!r.readBool()) {
            if (r.overflowed) return Status.Truncated;
            continue;
          }
          if (++seen > updates || !readUpdateLocal(this.updates, r, id, base, work)) return this.fail(r);
        }
        if (seen !== updates || !readColumnsLocal(this.updates, r, base, work)) return this.fail(r);
      } else {
        const k = r.readBits(ID_K_BITS_LOCAL);
        let prev = -1;
        for (let i = 0; i < updates; i++) {
          const gap = r.readExpGolomb(k);
          const id = prev + 1 + gap;
          if (gap < 0 || id >= capacity || base.present[id] !== 1 || this.mark[id] !== 0) return this.fail(r);
          prev = id;
          if (!readUpdateLocal(this.updates, r, id, base, work)) return this.fail(r);
        }
        if (!readColumnsLocal(this.updates, r, base, work)) return this.fail(r);
      }
    }
    if (r.overflowed) return Status.Truncated;
    if (pending) work.copyFrom(base as SnapshotState); // no updates: nothing ran the copy
    work.sequence = sequence;
    work.tick = tick;
    const stored = ring.commit(baseSequence); // the baseline named moves the ring's floor
    this.lastDecoded = stored;
    if (!stale) this.newestSequence = sequence;
    return stale ? Status.Stale : Status.Ok;
  }
}
