/**
 * Snapshot states kept by sequence number, per client: on the server, what each sent snapshot left
 * the client holding (so an ack for sequence S makes state S the next baseline); on the client,
 * every decoded snapshot (so the server may encode against any of them). A ring of `size` slots
 * indexed by `sequence % size`: with acks 100 ms old at 60 Hz the baseline is 6 slots back.
 *
 * Free rule (both ends, the same code): a prediction reference is at most REFERENCE_WINDOW
 * sequences older than its baseline (predict.ts), and baselines only move forward, so a state
 * older than `newest baseline − REFERENCE_WINDOW` (the floor) can never be read again. Such states
 * are freed (`get` returns undefined, their slot is empty) as soon as the floor passes them: on the
 * server the newest baseline is the newest ack (`markAcked`, which also refuses acks older than the
 * floor), on the client the newest baseline a decoded snapshot named (`commit`). A claimed slot
 * (`acquire`, `acquireForEncode`, `commit`'s new scratch) takes the most recently freed state (a
 * LIFO stack), still in cache, so the states in use are about ack delay + window + 1, not `size`.
 * A live state still at a claimed slot (a span over `size` sequences) is evicted as before.
 *
 * With `wasmKernels.enabled` its `size + 1` states are pool-backed (snapshotState.ts): call
 * `dispose()` when the ring's owner goes away (a client leaving) to give their blocks back at
 * once; otherwise they are freed only after the ring is garbage-collected.
 */
import { seqDiff, type Seq16 } from "../../protocol/seq16";
import type { ReplicationRegistry } from "../registry";
import { REFERENCE_WINDOW } from "./predict";
import { SnapshotState } from "./snapshotState";
// Called per ack: a module-local reference (in tsx/esbuild's CommonJS output an imported function's
// every call is a getter call first). The same for the imported constant.
const seqDiffLocal = seqDiff;
const WINDOW = REFERENCE_WINDOW;

/** Default ring size: 64 snapshots ≈ 1 s at 60 Hz, beyond any useful ack delay. */
export const DEFAULT_BASELINE_RING_SIZE = 64;

/** A ring of snapshot states keyed by Seq16 sequence. */
export class BaselineRing {
  /** Per slot: the live state stored there, or undefined (empty: never stored, or freed). */
  private readonly states: (SnapshotState | undefined)[];
  private readonly acked: Uint8Array;
  /** Freed states, most recently freed on top (`freeCount` of them). */
  private readonly free: SnapshotState[];
  private freeCount = 0;
  /** Newest sequence acknowledged by the peer, or -1. */
  newestAcked = -1;
  /** Newest baseline sequence seen (server: acked; client: named by a decoded snapshot), or -1; never goes back. */
  private newestBaseline = -1;
  /** States older than this sequence are freed (`newestBaseline − REFERENCE_WINDOW`), or -1 before any baseline. */
  floor = -1;
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
    this.states = Array.from({ length: size }, () => undefined); // packed, not holey
    this.acked = new Uint8Array(size);
    this.free = Array.from({ length: size }, () => new SnapshotState(registry, capacity));
    this.freeCount = size;
    this.scratch = new SnapshotState(registry, capacity);
  }

  /** The state stored for `sequence`, or undefined when it was never stored, was freed or overwritten. */
  get(sequence: number): SnapshotState | undefined {
    const s = this.states[sequence & (this.size - 1)];
    return s !== undefined && s.sequence === sequence ? s : undefined;
  }

  /** The slot for `sequence`, emptied and claimed (server: fill it with what you send). */
  acquire(sequence: number): SnapshotState {
    const s = this.claim(sequence);
    s.clear();
    return s;
  }

  /**
   * The slot for `sequence`, claimed but NOT emptied (it holds some older snapshot): only for a
   * caller that overwrites all of it — SnapshotEncoder.encode's `out` does (every path copies the
   * current or baseline state's rows over the slot's high water, or clears it). Saves `acquire`'s
   * clear, which that copy makes redundant. Filling the slot by hand needs `acquire`.
   */
  acquireForEncode(sequence: number): SnapshotState {
    return this.claim(sequence);
  }

  /**
   * Stores the scratch state (already filled, with its `sequence` set) and takes a freed state as
   * the next scratch. `baseline`: the sequence of the baseline the stored snapshot was decoded
   * against (-1: none), which moves the floor forward.
   */
  commit(baseline = -1): SnapshotState {
    const state = this.scratch;
    const index = state.sequence & (this.size - 1);
    this.evict(index);
    this.states[index] = state;
    this.acked[index] = 0;
    if (baseline >= 0) this.advance(baseline);
    this.scratch = this.pop();
    return state;
  }

  /** Records the peer's ack of `sequence`; returns false when that state is no longer kept (freed, overwritten, older than the floor). */
  markAcked(sequence: number): boolean {
    if (this.floor >= 0 && seqDiffLocal(sequence as Seq16, this.floor as Seq16) < 0) return false;
    const s = this.get(sequence);
    if (s === undefined) return false;
    this.acked[sequence & (this.size - 1)] = 1;
    if (this.newestAcked < 0 || seqDiffLocal(sequence as Seq16, this.newestAcked as Seq16) > 0)
      this.newestAcked = sequence;
    this.advance(sequence);
    return true;
  }

  /** The newest acknowledged state still kept (the baseline to encode against), if any. */
  newestAckedState(): SnapshotState | undefined {
    return this.newestAcked < 0 ? undefined : this.get(this.newestAcked);
  }

  /**
   * An acknowledged state 1..REFERENCE_WINDOW sequences older than `baseline` to predict
   * velocities from (encoder `reference`): the newest one at least as old as the baseline is
   * behind `tick` (extrapolation factor ≤ 1), else — when `tick` is at most REFERENCE_WINDOW
   * ticks past the baseline (acks were lost) — the oldest acknowledged one in the window (factor
   * > 1: still exact); undefined when none.
   */
  referenceFor(baseline: SnapshotState, tick: number): SnapshotState | undefined {
    const baseTick = baseline.tick;
    const target = baseTick - Math.max(1, tick - baseTick);
    let oldest: SnapshotState | undefined;
    const mask = this.size - 1;
    const limit = Math.min(mask, WINDOW);
    const states = this.states;
    const acked = this.acked;
    for (let age = 1; age <= limit; age++) {
      const sequence = (baseline.sequence - age) & 0xffff;
      // `get(sequence)`, acknowledged, older than the baseline (the ack is checked first: cheaper;
      // a freed or empty slot's ack byte is 0).
      if (acked[sequence & mask] !== 1) continue;
      const s = states[sequence & mask] as SnapshotState;
      if (s.sequence !== sequence || !(s.tick < baseTick)) continue;
      if (s.tick <= target) return s;
      oldest = s;
    }
    // Beyond a window behind, no reference in it gives a 1:1 ratio: none (the kernels' fast paths
    // predict 1:1 only; a ratio above 1 took twice the encode + decode time for ~1 % fewer bits).
    return tick - baseTick > WINDOW ? undefined : oldest;
  }

  /** Gives every state's memory back (pool-backed states: their blocks); the ring must not be used afterwards. */
  dispose(): void {
    for (const s of this.states) s?.dispose();
    for (let i = 0; i < this.freeCount; i++) (this.free[i] as SnapshotState).dispose();
    this.scratch.dispose();
    this.acked.fill(0);
    this.newestAcked = this.newestBaseline = this.floor = -1;
  }

  /** Forgets everything (e.g. the client rejoined). */
  reset(): void {
    for (let i = 0; i < this.size; i++) this.release(i);
    this.newestAcked = this.newestBaseline = this.floor = -1;
  }

  /** Claims slot `sequence & (size − 1)` for `sequence` with the most recently freed state. */
  private claim(sequence: number): SnapshotState {
    const index = sequence & (this.size - 1);
    this.evict(index);
    const s = this.pop();
    s.sequence = sequence;
    this.states[index] = s;
    this.acked[index] = 0;
    return s;
  }

  /** Frees a live state still at `index` (a span over `size` sequences); a newest ack there is forgotten. */
  private evict(index: number): void {
    if (this.states[index] === undefined) return;
    if (this.newestAcked >= 0 && (this.newestAcked & (this.size - 1)) === index) this.newestAcked = -1;
    this.release(index);
  }

  /** Empties slot `index`, pushing its state (if any) on the free stack. */
  private release(index: number): void {
    const s = this.states[index];
    this.acked[index] = 0;
    if (s === undefined) return;
    s.sequence = -1;
    this.states[index] = undefined;
    this.free[this.freeCount++] = s;
  }

  /** The most recently freed state (the stack is never empty here: `size + 1` states, `size` slots). */
  private pop(): SnapshotState {
    return this.free[--this.freeCount] as SnapshotState;
  }

  /** `baseline` was used: when it is the newest, moves the floor to it − REFERENCE_WINDOW, freeing what falls below. */
  private advance(baseline: number): void {
    if (this.newestBaseline >= 0 && seqDiffLocal(baseline as Seq16, this.newestBaseline as Seq16) <= 0)
      return;
    this.newestBaseline = baseline;
    const floor = (baseline - WINDOW) & 0xffff;
    const from = this.floor;
    this.floor = floor;
    const mask = this.size - 1;
    if (from >= 0 && seqDiffLocal(floor as Seq16, from as Seq16) < this.size) {
      // The usual case: one or a few sequences, [from, floor).
      for (let q = from; q !== floor; q = (q + 1) & 0xffff) {
        const s = this.states[q & mask];
        if (s !== undefined && s.sequence === q) this.release(q & mask);
      }
      return;
    }
    for (let i = 0; i < this.size; i++) {
      const s = this.states[i];
      if (s !== undefined && seqDiffLocal(s.sequence as Seq16, floor as Seq16) < 0) this.release(i);
    }
  }
}
