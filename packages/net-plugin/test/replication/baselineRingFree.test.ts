/**
 * BaselineRing's free rule and warm reuse: states older than `newest baseline − REFERENCE_WINDOW`
 * are freed (server: newest ack; client: newest baseline a decoded snapshot named), a claimed slot
 * takes the most recently freed state, a live state at a claimed slot is evicted, acks older than
 * the floor are refused (also after the newest ack was evicted), no two slots share a state, and
 * all of it across the Seq16 wrap and `reset`.
 */
import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { REFERENCE_WINDOW } from "../../src/replication/codec/predict";
import {
  BaselineRing,
  ReplicationRegistry,
  type SnapshotState,
  Vec3Template,
} from "../../src/replication/index";

const CAPACITY = 8;
const W = REFERENCE_WINDOW;

function registry(): ReplicationRegistry {
  const r = new ReplicationRegistry();
  const soa = Object.fromEntries(["x", "y", "z"].map((k) => [k, new Float32Array(CAPACITY)]));
  r.replicate(soa, Vec3Template({ min: -8, max: 8, precision: 1 / 64 }), { name: "p" });
  return r;
}

/** Every state reachable by `get` for the `size` sequences up to `newest`: distinct, not the scratch, none below the floor. */
function checkSlots(ring: BaselineRing, newest: number): Set<SnapshotState> {
  const seen = new Set<SnapshotState>();
  for (let back = 0; back < ring.size; back++) {
    const q = (newest - back) & 0xffff;
    const s = ring.get(q);
    if (s === undefined) continue;
    // Plain checks (called every step): expect() per slot would make the test slow.
    if (seen.has(s) || s === ring.scratch) throw new Error(`sequence ${q} shares a state`);
    seen.add(s);
  }
  return seen;
}

/** Server side: send `sequence` (acquireForEncode), the ack of `sequence − delay` arrives. */
function send(ring: BaselineRing, sequence: number, delay: number): SnapshotState {
  const s = ring.acquireForEncode(sequence & 0xffff);
  s.tick = sequence;
  if (sequence >= delay) ring.markAcked((sequence - delay) & 0xffff);
  return s;
}

describe("BaselineRing free rule (server: acks)", () => {
  it("frees every state older than newest ack − REFERENCE_WINDOW and keeps the rest", () => {
    const ring = new BaselineRing(registry(), CAPACITY);
    for (let q = 0; q < 50; q++) send(ring, q, 6);
    const acked = 49 - 6;
    expect(ring.newestAcked).toBe(acked);
    expect(ring.floor).toBe(acked - W);
    for (let q = 0; q < 50; q++) expect(ring.get(q) !== undefined, `sequence ${q}`).toBe(q >= acked - W);
    // The reference window still holds acknowledged states, so prediction finds one.
    const baseline = ring.newestAckedState() as SnapshotState;
    expect(ring.referenceFor(baseline, 50)).toBe(ring.get(acked - 7));
  });

  it("claims the most recently freed state (LIFO): the states in use are ack delay + window + 2", () => {
    for (const delay of [0, 6, 30]) {
      const ring = new BaselineRing(registry(), CAPACITY);
      const used = new Set<SnapshotState>();
      const byQ: SnapshotState[] = [];
      let next: SnapshotState | undefined;
      for (let q = 0; q < 400; q++) {
        const s = send(ring, q, delay);
        if (next !== undefined && s !== next)
          throw new Error(`ack delay ${delay}, sequence ${q}: not the state freed last`);
        used.add(s);
        byQ[q] = s;
        // This send's ack freed sequence q − delay − W − 1: the next send claims its state.
        const freed = q - delay - W - 1;
        next = freed >= 0 ? byQ[freed] : undefined;
        if (freed >= 0 && ring.get(freed) !== undefined) throw new Error(`kept ${freed}`);
        checkSlots(ring, q);
      }
      expect(used.size, `ack delay ${delay}`).toBeLessThanOrEqual(delay + W + 3);
    }
  });

  it("evicts a live state when the span passes the ring size, forgetting the newest ack there", () => {
    const ring = new BaselineRing(registry(), CAPACITY, 16);
    const first = ring.acquire(0);
    expect(ring.markAcked(0)).toBe(true);
    for (let q = 1; q < 16; q++) ring.acquire(q);
    expect(ring.newestAckedState()).toBe(first);
    const again = ring.acquire(16); // slot 0: sequence 0 is still live, evicted
    expect(again).toBe(first);
    expect(ring.get(0)).toBeUndefined();
    expect(ring.newestAcked).toBe(-1);
    expect(ring.newestAckedState()).toBeUndefined();
    checkSlots(ring, 16);
  });

  it("refuses acks older than the floor, also late ones after the newest ack was evicted", () => {
    const ring = new BaselineRing(registry(), CAPACITY);
    for (let q = 0; q <= 100; q++) ring.acquire(q);
    expect(ring.markAcked(100)).toBe(true);
    expect(ring.floor).toBe(100 - W);
    // Late and reordered acks inside the window are still taken (not the newest: baseline stays).
    expect(ring.markAcked(100 - W)).toBe(true);
    expect(ring.newestAcked).toBe(100);
    expect(ring.markAcked(100 - W - 1)).toBe(false); // freed
    // A state stored below the floor after the fact (a caller acquiring out of order) is never a baseline.
    ring.acquire(50);
    expect(ring.get(50)).toBeDefined();
    expect(ring.markAcked(50)).toBe(false);
    // The newest ack's slot is reused (span > 64): newestAcked resets, the floor stays.
    for (let q = 101; q <= 164; q++) ring.acquire(q);
    expect(ring.newestAcked).toBe(-1);
    expect(ring.floor).toBe(100 - W);
    expect(ring.markAcked(100 - W - 1)).toBe(false);
    expect(ring.newestAckedState()).toBeUndefined();
    expect(ring.markAcked(150)).toBe(true);
    expect(ring.newestAcked).toBe(150);
  });
});

describe("BaselineRing free rule (client: commit)", () => {
  /** Stores a decoded snapshot `sequence` that named `baseline`. */
  function decoded(ring: BaselineRing, sequence: number, baseline: number): SnapshotState {
    ring.scratch.sequence = sequence & 0xffff;
    return ring.commit(baseline < 0 ? -1 : baseline & 0xffff);
  }

  it("moves the floor to the newest baseline named − REFERENCE_WINDOW; the next scratch is the state just freed", () => {
    const ring = new BaselineRing(registry(), CAPACITY);
    for (let q = 0; q < 40; q++) decoded(ring, q, q - 6);
    expect(ring.floor).toBe(33 - W);
    for (let q = 0; q < 40; q++) expect(ring.get(q) !== undefined, `sequence ${q}`).toBe(q >= 33 - W);
    const freed = ring.get(34 - W) as SnapshotState;
    decoded(ring, 40, 34);
    expect(ring.get(34 - W)).toBeDefined(); // 34 − W is the floor itself: kept
    expect(ring.scratch).not.toBe(freed);
    const stored = decoded(ring, 41, 35);
    expect(ring.get(34 - W)).toBeUndefined();
    expect(ring.scratch).toBe(freed);
    expect(stored.sequence).toBe(41);
    // A reordered snapshot naming an older baseline stores, and does not move the floor back.
    decoded(ring, 30, 20);
    expect(ring.floor).toBe(35 - W);
    expect(ring.get(30)).toBeDefined();
    // Full snapshots (no baseline) do not move it.
    decoded(ring, 42, -1);
    expect(ring.floor).toBe(35 - W);
    checkSlots(ring, 42);
  });

  it("keeps the rule across the Seq16 wrap, skips and reset; states are never shared", () => {
    const rng = createRng(11);
    const ring = new BaselineRing(registry(), CAPACITY);
    const all = new Set<SnapshotState>([ring.scratch]);
    let q = 65500;
    let newestBaseline = -1;
    for (let step = 0; step < 3000; step++) {
      if (step === 1500) {
        ring.reset();
        newestBaseline = -1;
        expect(ring.floor).toBe(-1);
        for (let b = 0; b < 64; b++) expect(ring.get((q - b) & 0xffff)).toBeUndefined();
      }
      q += rng.chance(0.05) ? rng.int(2, 80) : 1;
      const baseline = rng.chance(0.1) ? -1 : q - rng.int(1, 40);
      all.add(decoded(ring, q, baseline));
      if (baseline >= 0 && (newestBaseline < 0 || baseline > newestBaseline)) newestBaseline = baseline;
      all.add(ring.scratch);
      const live = checkSlots(ring, q & 0xffff);
      if (newestBaseline >= 0) {
        if (ring.floor !== ((newestBaseline - W) & 0xffff)) throw new Error(`floor ${ring.floor} at ${q}`);
        for (let b = 0; b < 64; b++) {
          const s = ring.get((q - b) & 0xffff);
          if (s !== undefined && q - b < newestBaseline - W) throw new Error(`kept ${q - b} below the floor`);
        }
      }
      if (live.size > ring.size) throw new Error(`${live.size} live states`);
    }
    // Only the ring's own size + 1 states circulate (fewer: the skips free many at once).
    expect(all.size).toBeLessThanOrEqual(ring.size + 1);
  });
});
