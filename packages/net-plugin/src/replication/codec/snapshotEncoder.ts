/**
 * Encodes one snapshot for one client: the entities of `current` (filtered by `relevant`) as a
 * delta against the state that client acknowledged (`baseline`), within a bit budget.
 *
 * Wire layout (docs/REPLICATION.md): header (sequence, tick, baseline sequence), despawns (relative
 * id list), spawns (relative id list; field mask + full quantized values), updates (relative id
 * list or one bit per baseline entity, whichever is shorter; per-field changed bits; then the
 * `slots` and smallest-three values in fixed-width columns with patched outliers, columns.ts; other
 * fields' Exp-Golomb deltas with a per-snapshot order k). Unchanged entities cost nothing.
 *
 * When the budget is short, spawns and updates are taken by `priority` (highest first) and the rest
 * wait: `out` (what the client will hold) keeps their baseline state, so they count as changed
 * again next time. `written` lists what went out so the caller can reset priority accumulators.
 * Encoding allocates nothing per entity.
 */
import type { BitWriter } from "../../protocol/bitWriter";
import type { ReplicatedField, ReplicationRegistry } from "../registry";
import { costUpdates, fitBudget, measure, upperBound } from "./budgetPlan";
import { EncodePlan, referenceAge } from "./encodePlan";
import {
  FIELD_FLIP,
  FIELD_FULL,
  FIELD_QUAT,
  FIELD_SLOTS,
  FIELD_TRANSFORM,
  fieldCodecPlan,
  type FieldCodecPlan,
} from "./fieldDelta";
import { warmUpCodec } from "./codecWarmUp";
import type { EncodeSnapshotInput } from "./encodeInput";
import { encodeKernels, type FillUpdatesKernel } from "./kernels/encodeKernel";
import { fillExpected } from "./expectedState";
import { writeSnapshot, type SnapshotWriteContext } from "./snapshotWrite";
import { WordWriter } from "./wordBits";
import type { WasmWriteKernel } from "./wasm/wasmWrite";
import type { WasmCollectKernel } from "./wasm/wasmEncode";
import { fusedHeaderFits } from "./wasm/encodeFactory";
// Module-local references: in tsx/esbuild's CommonJS output (tests, benches) every call of an
// imported function is a getter call.
const referenceAgeLocal = referenceAge;
const fieldCodecPlanLocal = fieldCodecPlan;
const writeSnapshotLocal = writeSnapshot;

export type { FieldExclusion } from "./encodePlan";
export { canonicalEncodeInput, createEncodeInput, type EncodeSnapshotInput } from "./encodeInput";

/** What one `encode` did (one reused object). */
export interface EncodeSnapshotResult {
  bits: number;
  despawns: number;
  spawns: number;
  updates: number;
  /** Changed or new entities that did not fit the budget. */
  deferred: number;
}

/** Reusable snapshot encoder for one registry and capacity. */
export class SnapshotEncoder {
  writtenCount = 0;
  /** The JS path's `written` list. */
  private readonly writtenIds: Int32Array;
  /** The list the last `encode` filled: `writtenIds`, or the fused wasm encode's (a view). */
  private writtenList: Int32Array;
  private readonly plan: EncodePlan;
  private readonly codecPlan: FieldCodecPlan;
  /** The registry's generated client-state filler, if any (kernels/). */
  private readonly fillKernel: FillUpdatesKernel | undefined;
  /** What the JS snapshot writer reads (snapshotWrite.ts). */
  private readonly writeContext: SnapshotWriteContext;
  /**
   * True when every field is a `slots`, smallest-three, Transform, `flip` or `full` field with no
   * change threshold: a sent update then always leaves the client's row equal to the current one
   * (see `fillExpected`).
   */
  private readonly exact: boolean;
  /** Where the snapshot is packed before it is copied into the caller's writer. */
  private readonly bits = new WordWriter();
  /** The wasm updates writer (with the wasm collect; wasm/wasmWrite.ts). */
  private readonly wasmWriter: WasmWriteKernel | undefined;
  /** The wasm collect when it may write the whole snapshot (wasm/encodeFusedEmit.ts). */
  private readonly fused: WasmCollectKernel | undefined;
  /** Bits of the snapshot the wasm writer left in its region in this `encode`, or −1 (in `bits`). */
  private wasmBits = -1;
  private readonly result: EncodeSnapshotResult = {
    bits: 0,
    despawns: 0,
    spawns: 0,
    updates: 0,
    deferred: 0,
  };

  constructor(
    readonly registry: ReplicationRegistry,
    readonly capacity: number,
  ) {
    registry.close();
    const fields: readonly ReplicatedField[] = registry.fields;
    const plan = new EncodePlan(registry, capacity);
    this.plan = plan;
    this.codecPlan = fieldCodecPlanLocal(registry);
    const { codes, thresholds } = this.codecPlan;
    // Every field decodes to exactly its current value (a `flip`/`full` field too, and a
    // Transform's two parts: no threshold).
    this.exact = codes.every(
      (c, f) =>
        (c === FIELD_SLOTS ||
          c === FIELD_QUAT ||
          c === FIELD_TRANSFORM ||
          c === FIELD_FLIP ||
          c === FIELD_FULL) &&
        thresholds[f] === 0,
    );
    const kernels = encodeKernels(registry);
    this.fillKernel = kernels?.fillUpdates;
    this.writtenIds = new Int32Array(capacity);
    this.writtenList = this.writtenIds;
    this.wasmWriter = plan.wasm?.writer;
    const kernel = kernels?.writeUpdates;
    const { codecPlan, wasmWriter } = this;
    this.writeContext = { plan, fields, codecPlan, kernel, wasmWriter };
    this.fused = fusedHeaderFits(registry) ? this.plan.wasm : undefined;
    warmUpCodec(registry); // every rare branch once, now (codecWarmUp.ts; once per registry)
    // The wasm kernel's scratch blocks now (zero-filled pool blocks, maybe a memory growth), not
    // in the first `encode`: a new client's first snapshot does not pay for them.
    this.plan.wasm?.bind(this.plan);
  }

  /**
   * Network ids written (spawns and updates) by the last `encode`, `writtenCount` of them (read it
   * afresh after every `encode`: with the wasm kernels it may be a view on their memory).
   */
  get written(): Int32Array {
    return this.writtenList;
  }

  /** Exp-Golomb order per coded group chosen by the last `encode` (sent for other fields' groups only). */
  get ks(): Uint8Array {
    return this.plan.ks;
  }

  /** Encodes `input` after whatever `writer` already holds; returns what was written. */
  encode(writer: BitWriter, input: EncodeSnapshotInput): EncodeSnapshotResult {
    const { current, baseline } = input;
    if (current.registry !== this.registry || current.capacity !== this.capacity) {
      throw new Error("SnapshotEncoder.encode: `current` was made for another registry or capacity.");
    }
    const p = this.plan;
    const budget = Math.min(
      (input.budgetBytes ?? Number.POSITIVE_INFINITY) * 8,
      writer.capacityBytes * 8 - writer.bitsWritten,
    );
    // The fused wasm encode: the whole snapshot in the collect's call when it fits the budget.
    const fuse = this.fused;
    const reference = input.reference;
    const relevant = input.relevant;
    const copyOut = this.exact && relevant === undefined;
    let fusedBits = -1;
    if (fuse !== undefined && relevant === undefined && input.exclude === undefined) {
      // The common case in one step (EncodePlan.collectArmed: no `arm`, no filters to copy).
      const out = copyOut ? input.out : undefined;
      fusedBits = p.collectArmed(current, baseline, input.tick, reference, input.sequence, budget, out);
    } else {
      if (fuse !== undefined) {
        const refAge =
          baseline !== undefined && reference !== undefined ? referenceAgeLocal(baseline, reference) : 0;
        const out = copyOut ? input.out : undefined;
        fuse.arm(input.sequence, input.tick, current, baseline, refAge, budget, out);
      }
      p.collect(current, baseline, relevant, input.tick, reference, input.exclude);
      if (fuse !== undefined) fusedBits = fuse.fused;
    }
    let allSelected = true;
    if (fusedBits >= 0) {
      this.wasmBits = fusedBits;
      // The kernel copied `current` into `out` and listed `written` (encodeExpectedEmit.ts).
      const copied = copyOut && input.out.pool === current.pool && p.excludedCount === 0;
      return copied ? this.finishFused(writer, input) : this.finish(writer, input, true);
    }
    if (upperBound(p, current) > budget) {
      costUpdates(p, current, baseline);
      if (measure(p, input.tick, baseline) > budget) {
        fitBudget(p, input.tick, input.priority, baseline, budget);
        allSelected = false;
      }
    }
    const bits = this.bits;
    bits.reset();
    this.wasmBits = writeSnapshotLocal(bits, input, this.writeContext, allSelected);
    return this.finish(writer, input, allSelected);
  }

  /** `finish` when the fused kernel wrote the expected state's rows and `written` too. */
  private finishFused(writer: BitWriter, input: EncodeSnapshotInput): EncodeSnapshotResult {
    const p = this.plan;
    const ww = this.wasmWriter as WasmWriteKernel;
    ww.copyTo(writer, this.wasmBits);
    const { current, baseline, out } = input;
    // SnapshotState.copyFrom's and fillExpected's fields (the rows are in place).
    out.versioned = current.versioned && (baseline === undefined || baseline.versioned);
    out.revision++;
    out.highWater = current.highWater;
    out.sequence = input.sequence & 0xffff;
    out.tick = input.tick;
    ww.refresh();
    this.writtenList = p.spawnCount === 0 ? p.updateIds : ww.written; // (encodeExpectedEmit.ts)
    this.writtenCount = p.spawnCount + p.updateCount;
    const r = this.result;
    r.bits = this.wasmBits;
    r.despawns = p.despawnCount;
    r.spawns = p.spawnCount;
    r.updates = p.updateCount;
    r.deferred = 0;
    return r;
  }

  /** Copies the snapshot into `writer`, fills the expected state and the result. */
  private finish(writer: BitWriter, input: EncodeSnapshotInput, allSelected: boolean): EncodeSnapshotResult {
    const p = this.plan;
    const bits = this.bits;
    const wasmBits = this.wasmBits;
    if (wasmBits >= 0) (this.wasmWriter as WasmWriteKernel).copyTo(writer, wasmBits);
    else bits.copyTo(writer);
    this.writtenCount = fillExpected(
      p,
      this.codecPlan,
      this.fillKernel,
      this.exact && allSelected && input.relevant === undefined && p.excludedCount === 0,
      input,
      this.writtenIds,
    );
    this.writtenList = this.writtenIds;
    const r = this.result;
    r.bits = wasmBits >= 0 ? wasmBits : bits.bitsWritten;
    r.despawns = p.despawnCount;
    r.spawns = 0;
    r.updates = 0;
    if (allSelected) {
      r.spawns = p.spawnCount;
      r.updates = p.updateCount;
    } else {
      for (let i = 0; i < p.spawnCount; i++) r.spawns += p.selected[p.spawnIds[i] as number] as number;
      for (let i = 0; i < p.updateCount; i++) r.updates += p.selected[p.updateIds[i] as number] as number;
    }
    r.deferred = p.spawnCount + p.updateCount - r.spawns - r.updates;
    return r;
  }
}
