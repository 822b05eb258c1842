/**
 * Which entities one snapshot carries: every network id sorted into despawn, spawn (new, or its
 * field set changed) and update (a field changed beyond its threshold) candidates, the
 * Exp-Golomb orders for the deltas (budget selection over this plan: budgetPlan.ts). All scratch
 * is preallocated for `capacity` ids.
 */
import type { ReplicatedField, ReplicationRegistry } from "../registry";
import { chooseK, codedGroupLayout, fieldCodecPlan, K_BUCKETS, type FieldCodecPlan } from "./fieldDelta";
import { predictionRatio, REFERENCE_WINDOW, type PredictionRatio } from "./predict";
import type { SnapshotState } from "./snapshotState";
import { encodeKernels, type CollectKernel } from "./kernels/encodeKernel";
import { chooseWidths, ColumnChoice, columnLayout, type ColumnLayout } from "./columns";
import type { WasmCollectKernel } from "./wasm/wasmEncode";
import { wasmCollectFor } from "./wasm/encodeFactory";
import { collectGeneric } from "./encodePlanGeneric";
// Hot loops call module-local references: in tsx/esbuild's CommonJS output (tests, benches) every
// call of an imported function is a getter call.
const chooseKLocal = chooseK;
const predictionRatioLocal = predictionRatio;
const fieldCodecPlanLocal = fieldCodecPlan;
const chooseWidthsLocal = chooseWidths;
const collectGenericLocal = collectGeneric;
const REFERENCE_WINDOW_LOCAL = REFERENCE_WINDOW;

/**
 * Fields left out of one client's updates (client authority: the owner is not sent back the
 * fields it sends up). Set `client` per encode and reuse the object: nothing is allocated.
 */
export interface FieldExclusion {
  /** Per network id: the client slot whose updates of that entity leave out `mask`, or −1. */
  bySlot: Int32Array;
  /** The client being encoded (≥ 0; negative: none): ids with `bySlot[id] === client` leave out `mask`. */
  client: number;
  /** Fields (bit `1 << field.index`) left out: never compared, never sent ("unchanged"). */
  mask: number;
}

/** Exp-Golomb order of the tick in the header (ticks below 2^10 take 11 bits; an hour at 60 Hz, 25). */
export const TICK_K = 10;

/**
 * Candidates, costs and selection of one snapshot (reused every encode). With the wasm collect
 * (`wasm`), the per-id arrays it fills (ids, masks, costs, `pred`, `zz`, `colz`) are views on its
 * pool blocks, re-made by `collect` after the memory grew: read them afresh in every call.
 */
export class EncodePlan {
  /** Exp-Golomb order per coded group. */
  readonly ks: Uint8Array;
  /** Per field, its first coded group in `ks`. */
  readonly groupBase: Int32Array;
  readonly codedGroups: number;
  spawnIds: Int32Array;
  updateIds: Int32Array;
  despawnIds: Int32Array;
  /** Per update candidate id: the fields that changed. */
  changedMask: Uint32Array;
  /** Per candidate id: bits of its data (ids excluded). */
  cost: Float64Array;
  /** Per candidate id: 1 when it goes into this snapshot. */
  selected: Uint8Array;
  /** 1 for spawn candidates already present in the baseline (field mask changed). */
  respawn: Uint8Array;
  spawnCount = 0;
  updateCount = 0;
  despawnCount = 0;
  /** Entities present in the baseline. */
  baselineCount = 0;
  /**
   * Update candidates compared without the excluded fields (`FieldExclusion`) by the last
   * `collect`: their client rows may then differ from `current` in fields that were not sent.
   */
  excludedCount = 0;
  /**
   * What update deltas are coded against: the baseline's values, or with a reference state the
   * predicted rows (`pred`) of the update candidates' changed fields.
   */
  deltaBase: Int32Array;
  /** The reference used for prediction by the last `collect`, if any. */
  reference: SnapshotState | undefined;
  /** Predicted rows of the update candidates' changed fields (when a reference is used). */
  pred: Int32Array;
  /**
   * Kernel path only: a rotation's first slot holds 1 when its largest component is unchanged (its
   * components are in the columns), else 0 (sent in full).
   */
  zz: Int32Array;
  private readonly ratio: PredictionRatio = { num: 0, den: 0 };
  readonly fields: readonly ReplicatedField[];
  /** Bit-length histogram per coded group (K_BUCKETS per group) for choosing `ks` (other fields'). */
  readonly kCosts: Int32Array;
  /** Where the value columns are (columns.ts). */
  readonly layout: ColumnLayout;
  /** The columns' histograms and the widths chosen from them by the last `collect`. */
  readonly columns: ColumnChoice;
  /**
   * Kernel path only: per inline field (from its first column × capacity) the residuals of every
   * update candidate in id order, its columns interleaved (value j of its column k at
   * `j × columns + k`): the written columns when every candidate is selected.
   */
  colz: Int32Array;
  /** Scratch of the column writers: one column's exceptions (position, high bits). */
  readonly exPos: Int32Array;
  readonly exHigh: Int32Array;
  /** The registry's generated collect loop, when it has one (kernels/encodeKernel.ts). */
  private readonly kernel: CollectKernel | undefined;
  /**
   * The registry's wasm collect (wasm/wasmEncode.ts) when the wasm switch was on at construction
   * and the registry is supported; it runs when the states are in its pool, else the JS kernel
   * (or, where code generation is refused, the generic collect).
   */
  readonly wasm: WasmCollectKernel | undefined;
  readonly codecPlan: FieldCodecPlan;
  /** Scratch: candidates in priority order (budget selection). */
  readonly order: Int32Array;

  constructor(
    registry: ReplicationRegistry,
    readonly capacity: number,
  ) {
    this.fields = registry.fields;
    const layout = codedGroupLayout(registry);
    this.groupBase = layout.groupBase;
    this.codecPlan = fieldCodecPlanLocal(registry);
    this.codedGroups = layout.codedGroups;
    this.ks = new Uint8Array(layout.codedGroups);
    this.kCosts = new Int32Array(layout.codedGroups * K_BUCKETS);
    this.layout = columnLayout(registry);
    this.columns = new ColumnChoice(this.layout.columns);
    this.exPos = new Int32Array(capacity);
    this.colz = new Int32Array(capacity * this.layout.columns);
    this.exHigh = new Int32Array(capacity);
    this.spawnIds = new Int32Array(capacity);
    this.updateIds = new Int32Array(capacity);
    this.despawnIds = new Int32Array(capacity);
    this.order = new Int32Array(capacity);
    this.changedMask = new Uint32Array(capacity);
    this.cost = new Float64Array(capacity);
    this.selected = new Uint8Array(capacity);
    this.respawn = new Uint8Array(capacity);
    this.pred = new Int32Array(capacity * registry.stride);
    this.zz = new Int32Array(capacity * registry.stride);
    this.deltaBase = this.pred;
    this.kernel = encodeKernels(registry)?.collect;
    // Built whether or not the JS kernel could be generated (a CSP with 'wasm-unsafe-eval' but no
    // 'unsafe-eval'): calls it cannot take (states outside its pool) run the JS kernel or the generic path.
    this.wasm = wasmCollectFor(registry, capacity);
  }

  /**
   * `collect` with no relevance or exclusions, armed as the fused wasm encode in the same step
   * (wasm/wasmEncode.ts `encodeArmed`; `wasm` must exist): returns the snapshot's bits when the
   * kernel wrote it, else −2 (collected in wasm, the JS path goes on) or −1 (collected in JS).
   */
  collectArmed(
    current: SnapshotState,
    baseline: SnapshotState | undefined,
    tick: number,
    reference: SnapshotState | undefined,
    sequence: number,
    budget: number,
    out: SnapshotState | undefined,
  ): number {
    const refAge = baseline !== undefined && reference !== undefined ? referenceAge(baseline, reference) : 0;
    const ratio =
      refAge > 0
        ? predictionRatioLocal(baseline as SnapshotState, reference as SnapshotState, tick, this.ratio)
        : undefined;
    const rn = ratio === undefined ? 0 : ratio.num;
    const rd = ratio === undefined ? 0 : ratio.den;
    const hw = Math.max(current.highWater, baseline === undefined ? 0 : baseline.highWater);
    const versioned = baseline !== undefined && current.versioned && baseline.versioned;
    const w = this.wasm as WasmCollectKernel;
    const bits = w.encodeArmed(
      this,
      current,
      baseline,
      reference,
      rn,
      rd,
      versioned,
      hw,
      sequence,
      tick,
      refAge,
      budget,
      out,
    );
    if (bits === -1) {
      this.collect(current, baseline, undefined, tick, reference); // a state outside the pool: JS
      return -1;
    }
    this.reference = ratio === undefined ? undefined : reference;
    this.deltaBase = ratio === undefined && baseline !== undefined ? baseline.values : this.pred;
    if (bits < 0) this.choose();
    return bits;
  }

  /**
   * Sorts every id into despawn / spawn / update candidates and chooses the k table. With
   * `exclude`, the excluded fields of that client's updates are not compared (spawns stay whole).
   */
  collect(
    current: SnapshotState,
    baseline: SnapshotState | undefined,
    relevant: Uint8Array | undefined,
    tick: number,
    reference: SnapshotState | undefined,
    exclude?: FieldExclusion,
  ): void {
    const ratio =
      baseline !== undefined && reference !== undefined && referenceAge(baseline, reference) > 0
        ? predictionRatioLocal(baseline, reference, tick, this.ratio)
        : undefined;
    const hw = Math.max(current.highWater, baseline?.highWater ?? 0);
    const versioned = baseline !== undefined && current.versioned && baseline.versioned;
    // An exclusion that names no field or no client (−1 marks "nobody" in `bySlot`) leaves nothing
    // out: the no-exclusion loop.
    const exBy =
      exclude !== undefined && exclude.mask !== 0 && exclude.client >= 0 ? exclude.bySlot : undefined;
    const exClient = exclude?.client ?? -1;
    const exMask = exclude?.mask ?? 0;
    const r = ratio === undefined ? 0 : ratio.num;
    const den = ratio?.den ?? 0;
    // The wasm collect first (it also re-makes the plan's views on its blocks, which everything
    // below reads); false: the states are not in its pool, the JS kernel runs.
    const w = this.wasm;
    const inWasm =
      w !== undefined &&
      w.collect(this, current, baseline, relevant, reference, r, den, versioned, hw, exBy, exClient, exMask);
    this.reference = ratio === undefined ? undefined : reference;
    this.deltaBase =
      ratio === undefined || baseline === undefined ? (baseline?.values ?? this.pred) : this.pred;
    if (inWasm) {
      // The fused encode chose the widths itself and wrote the snapshot (SnapshotEncoder).
      if (w.fused < 0) this.choose();
      return;
    }
    this.spawnCount = this.updateCount = this.despawnCount = this.baselineCount = 0;
    this.excludedCount = 0;
    this.kCosts.fill(0);
    this.columns.hist.fill(0);
    if (this.kernel !== undefined) {
      this.kernel(
        this,
        current,
        baseline,
        relevant,
        reference,
        r,
        ratio?.den ?? 0,
        versioned,
        hw,
        exBy,
        exClient,
        exMask,
      );
      this.choose();
      return;
    }
    collectGenericLocal(
      this,
      current,
      baseline,
      relevant,
      reference,
      ratio,
      hw,
      versioned,
      exBy,
      exClient,
      exMask,
    );
    this.choose();
  }

  /** The k of other fields' groups and the columns' widths, from the histograms `collect` built. */
  private choose(): void {
    const groups = this.layout.headerGroups;
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] as number;
      this.ks[g] = chooseKLocal(this.kCosts, g);
    }
    chooseWidthsLocal(this.columns);
  }
}

/** Set bits of a 32-bit mask. */
export function popcount(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Sequences between `reference` and `baseline` (1..REFERENCE_WINDOW), or 0 when unusable. */
export function referenceAge(baseline: SnapshotState, reference: SnapshotState): number {
  const age = (baseline.sequence - reference.sequence) & 0xffff;
  return age >= 1 && age <= REFERENCE_WINDOW_LOCAL ? age : 0;
}
