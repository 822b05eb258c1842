/**
 * What `SnapshotEncoder.encode` reads per call, and the one object shape it should always get:
 * callers that encode every tick keep one `createEncodeInput` object and refill it.
 */
import type { FieldExclusion } from "./encodePlan";
import type { SnapshotState } from "./snapshotState";

/** What to encode. */
export interface EncodeSnapshotInput {
  /** Sequence (0..65535) of this snapshot. */
  sequence: number;
  /** Simulation tick of `current`. */
  tick: number;
  /** The quantized world state this tick (shared by every client). */
  current: SnapshotState;
  /** The client's newest acknowledged state, or undefined (everything is then a spawn). */
  baseline: SnapshotState | undefined;
  /** Receives what the client holds after decoding this snapshot (store it by `sequence`). */
  out: SnapshotState;
  /**
   * An older acknowledged state (see `BaselineRing.referenceFor`): with it, positions and other
   * `slots` fields are coded as residuals from the baseline's extrapolated velocity.
   */
  reference?: SnapshotState;
  /** Per network id: 0 = not relevant to this client (treated as absent). All relevant when omitted. */
  relevant?: Uint8Array;
  /** Per network id: higher goes first when the budget is short. Spawns then ids order when omitted. */
  priority?: Float32Array | Float64Array;
  /** Most bytes this snapshot may take (default: what the writer has left). */
  budgetBytes?: number;
  /**
   * Fields left out of this client's updates of some entities (client authority: the owner's own
   * fields). They are treated as unchanged: never compared or sent (their "changed" bit is 0), and
   * `out` keeps the baseline's values there. Spawns stay complete; other fields still go out.
   */
  exclude?: FieldExclusion;
}

/**
 * A reusable `EncodeSnapshotInput` with every field present, in the interface's order (the
 * optional ones undefined). Callers that encode every tick keep one and refill it per call, so
 * every input `encode` sees has one hidden class. Other shapes are a new map at the entry of
 * `encode`, `writeSnapshot`, `finish` and `fillExpected`: the codec warm-up of every new registry
 * passed object literals of four other shapes, the optimized encoder deoptimized ("wrong map")
 * at each new server in a process, and V8 optimized it again only ~1,000 ticks later (32–64 B
 * per server update meanwhile with the JS kernels).
 */
export function createEncodeInput(current: SnapshotState): EncodeSnapshotInput {
  return {
    sequence: 0,
    tick: 0,
    current,
    baseline: undefined,
    out: current,
    reference: undefined,
    relevant: undefined,
    priority: undefined,
    budgetBytes: undefined,
    exclude: undefined,
  };
}

/**
 * A copy of `input` made by `createEncodeInput`: for callers that build an object literal per call
 * (the codec warm-up, tests), so `encode` never meets their shapes.
 */
export function canonicalEncodeInput(input: EncodeSnapshotInput): EncodeSnapshotInput {
  const c = createEncodeInput(input.current);
  c.sequence = input.sequence;
  c.tick = input.tick;
  c.current = input.current;
  c.baseline = input.baseline;
  c.out = input.out;
  c.reference = input.reference;
  c.relevant = input.relevant;
  c.priority = input.priority;
  c.budgetBytes = input.budgetBytes;
  c.exclude = input.exclude;
  return c;
}
