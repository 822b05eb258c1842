/**
 * Snapshot states kept by sequence number, per client: on the server, what each sent snapshot left
 * the client holding (so an ack for sequence S makes state S the next baseline); on the client,
 * every decoded snapshot (so the server may encode against any of them). A ring of `size` slots
 * indexed by `sequence % size`: with acks 100 ms old at 60 Hz the baseline is 6 slots back.
 *
 * With `wasmKernels.enabled` its `size + 1` states are pool-backed (snapshotState.ts): call
 * `dispose()` when the ring's owner goes away (a client leaving) to give their blocks back at
 * once; otherwise they are freed only after the ring is garbage-collected.
 */
import { seqDiff, type Seq16 } from "../../protocol/seq16";
import type { ReplicationRegistry } from "../registry";
import { SnapshotState } from "./snapshotState";
// Called per ack: a module-local reference (in tsx/esbuild's CommonJS output an imported function's
// every call is a getter call first).
const seqDiffLocal = seqDiff;

/** Default ring size: 64 snapshots ≈ 1 s at 60 Hz, beyond any useful ack delay. */
export const DEFAULT_BASELINE_RING_SIZE = 64;

/** A ring of snapshot states keyed by Seq16 sequence. */
export class BaselineRing {
  private readonly states: SnapshotState[];
  private readonly acked: Uint8Array;
  /** Newest sequence acknowledged by the peer, or -1. */
  newestAcked = -1;
  /** Spare state swapped in by {@link BaselineRing.commit} (decode into it, then commit). */
  scratch: SnapshotState;

  constructor(
    registry: ReplicationRegistry,
    capacity: number,
    readonly size = DEFAULT_BASELINE_RING_SIZE,
  ) {
    if (!Number.isInteger(size) || size < 2 || (size & (size - 1)) !== 0 || size > 32768) {
      throw new RangeError(`BaselineRing: size must be a power of two in 2..32768, got ${size}.`);
    }
    this.states = Array.from({ length: size }, () => new SnapshotState(registry, capacity));
    this.acked = new Uint8Array(size);
    this.scratch = new SnapshotState(registry, capacity);
  }

  /** The state stored for `sequence`, or undefined when it was never stored or was overwritten. */
  get(sequence: number): SnapshotState | undefined {
    const s = this.states[sequence & (this.size - 1)] as SnapshotState;
    return s.sequence === sequence ? s : undefined;
  }

  /** The slot for `sequence`, emptied and claimed (server: fill it with what you send). */
  acquire(sequence: number): SnapshotState {
    const index = sequence & (this.size - 1);
    const s = this.states[index] as SnapshotState;
    if (this.newestAcked >= 0 && (this.newestAcked & (this.size - 1)) === index) this.newestAcked = -1;
    s.clear();
    s.sequence = sequence;
    this.acked[index] = 0;
    return s;
  }

  /**
   * The slot for `sequence`, claimed but NOT emptied (it still holds an older snapshot): only for a
   * caller that overwrites all of it — SnapshotEncoder.encode's `out` does (every path copies the
   * current or baseline state's rows over the slot's high water, or clears it). Saves `acquire`'s
   * clear, which that copy makes redundant. Filling the slot by hand needs `acquire`.
   */
  acquireForEncode(sequence: number): SnapshotState {
    const index = sequence & (this.size - 1);
    const s = this.states[index] as SnapshotState;
    if (this.newestAcked >= 0 && (this.newestAcked & (this.size - 1)) === index) this.newestAcked = -1;
    s.sequence = sequence;
    this.acked[index] = 0;
    return s;
  }

  /** Stores the scratch state (already filled, with its `sequence` set) and takes the old slot as scratch. */
  commit(): SnapshotState {
    const state = this.scratch;
    const index = state.sequence & (this.size - 1);
    if (this.newestAcked >= 0 && (this.newestAcked & (this.size - 1)) === index) this.newestAcked = -1;
    this.scratch = this.states[index] as SnapshotState;
    this.scratch.sequence = -1;
    this.states[index] = state;
    this.acked[index] = 0;
    return state;
  }

  /** Records the peer's ack of `sequence`; returns false when that state is no longer kept. */
  markAcked(sequence: number): boolean {
    const s = this.get(sequence);
    if (s === undefined) return false;
    this.acked[sequence & (this.size - 1)] = 1;
    if (this.newestAcked < 0 || seqDiffLocal(sequence as Seq16, this.newestAcked as Seq16) > 0)
      this.newestAcked = sequence;
    return true;
  }

  /** The newest acknowledged state still kept (the baseline to encode against), if any. */
  newestAckedState(): SnapshotState | undefined {
    return this.newestAcked < 0 ? undefined : this.get(this.newestAcked);
  }

  /**
   * An acknowledged state older than `baseline` to predict velocities from (encoder `reference`):
   * the newest one at least as old as the baseline is behind `tick` (so the extrapolation factor
   * stays ≤ 1), else the oldest acknowledged one kept; undefined when none.
   */
  referenceFor(baseline: SnapshotState, tick: number): SnapshotState | undefined {
    const baseTick = baseline.tick;
    const target = baseTick - Math.max(1, tick - baseTick);
    let oldest: SnapshotState | undefined;
    const mask = this.size - 1;
    const limit = Math.min(mask, 63);
    const states = this.states;
    const acked = this.acked;
    for (let age = 1; age <= limit; age++) {
      const sequence = (baseline.sequence - age) & 0xffff;
      // `get(sequence)`, acknowledged, older than the baseline (the ack is checked first: cheaper).
      if (acked[sequence & mask] !== 1) continue;
      const s = states[sequence & mask] as SnapshotState;
      if (s.sequence !== sequence || !(s.tick < baseTick)) continue;
      if (s.tick <= target) return s;
      oldest = s;
    }
    return oldest;
  }

  /** Gives every state's memory back (pool-backed states: their blocks); the ring must not be used afterwards. */
  dispose(): void {
    for (const s of this.states) s.dispose();
    this.scratch.dispose();
    this.acked.fill(0);
    this.newestAcked = -1;
  }

  /** Forgets everything (e.g. the client rejoined). */
  reset(): void {
    for (const s of this.states) s.sequence = -1;
    this.acked.fill(0);
    this.newestAcked = -1;
  }
}
