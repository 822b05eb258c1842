/**
 * Per-client priority accumulators (Glenn Fiedler's *State Synchronization*): every tick each
 * present entity gains `dt × weight`, where its weight is the largest `priority / latencyTolerance`
 * of its replicated fields (Traktor's `StateTemplate.declare` parameters), times an optional
 * per-entity factor (e.g. nearness from interest management). The encoder takes the highest
 * first when the budget is short; entities it wrote start again from zero. Nothing allocates per
 * tick.
 */
import type { ReplicationRegistry } from "./registry";
import type { SnapshotState } from "./codec/snapshotState";

/** Smallest latency tolerance used in the weight (seconds), so a 0 tolerance is not infinite. */
const MIN_LATENCY_TOLERANCE = 1 / 240;

/** Priority accumulators for one client, indexed by network id. */
export class PriorityAccumulator {
  /** Accumulated priority per network id: pass it as the encoder's `priority`. */
  readonly priority: Float32Array;
  /** Weight per field mask bit: priority / latency tolerance. */
  private readonly fieldWeight: Float64Array;

  constructor(
    registry: ReplicationRegistry,
    readonly capacity: number,
  ) {
    this.priority = new Float32Array(capacity);
    this.fieldWeight = new Float64Array(registry.fields.length);
    for (const f of registry.fields) {
      this.fieldWeight[f.index] = f.priority / Math.max(MIN_LATENCY_TOLERANCE, f.latencyTolerance);
    }
  }

  /**
   * Seconds of priority the next {@link accumulateElapsed} adds. A hot caller sets this field
   * rather than passing the number: optimized code boxes a computed double passed to a call V8
   * did not inline, 16 B per call (the server's prepareSnapshots in "scan" mode, whose inlined
   * world capture leaves no inlining budget for this: 16 B per client and tick). Declared
   * fractional so V8 keeps it an unboxed double field, written in place (as ClientView.tokens).
   */
  elapsedSeconds = 0.5;

  /** Adds `dt` seconds of priority to every entity present in `state` (× `scale[id]` when given). */
  accumulate(state: SnapshotState, dt: number, scale?: Float32Array | Float64Array): void {
    this.elapsedSeconds = dt;
    this.accumulateElapsed(state, scale);
  }

  /** {@link accumulate} for `elapsedSeconds` seconds (set it first): allocates nothing, inlined or not. */
  accumulateElapsed(state: SnapshotState, scale?: Float32Array | Float64Array): void {
    const dt = this.elapsedSeconds;
    const weights = this.fieldWeight;
    for (let id = 0; id < state.highWater; id++) {
      if (state.present[id] !== 1) {
        this.priority[id] = 0;
        continue;
      }
      let mask = state.mask[id] as number;
      let weight = 0;
      for (let i = 0; mask !== 0; i++, mask >>>= 1) {
        if ((mask & 1) !== 0 && (weights[i] as number) > weight) weight = weights[i] as number;
      }
      if (weight === 0) weight = 1;
      const factor = scale === undefined ? 1 : (scale[id] as number);
      this.priority[id] = (this.priority[id] as number) + dt * weight * factor;
    }
  }

  /** Resets the entities the encoder wrote (`encoder.written[0..writtenCount)`). */
  resetWritten(written: Int32Array, count: number): void {
    for (let i = 0; i < count; i++) this.priority[written[i] as number] = 0;
  }
}
