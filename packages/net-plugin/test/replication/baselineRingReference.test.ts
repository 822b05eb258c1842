/**
 * BaselineRing.referenceFor (the encoder's prediction reference) against the rule it implements,
 * written out plainly here: over ring histories with lost and late acks, sequences that wrap past
 * 65535 or skip (a slot then still holds an older acked snapshot), slots overwritten by newer
 * snapshots, ticks that skip, and ring sizes below the REFERENCE_WINDOW
 * limit and above it — the same state (or none) for every baseline and tick.
 */
import { createRng, type Rng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import {
  BaselineRing,
  ReplicationRegistry,
  type SnapshotState,
  Vec3Template,
} from "../../src/replication/index";
import { REFERENCE_WINDOW } from "../../src/replication/codec/predict";

const CAPACITY = 8;

function registry(): ReplicationRegistry {
  const r = new ReplicationRegistry();
  const soa = Object.fromEntries(["x", "y", "z"].map((k) => [k, new Float32Array(CAPACITY)]));
  r.replicate(soa, Vec3Template({ min: -8, max: 8, precision: 1 / 64 }), { name: "p" });
  return r;
}

/**
 * The rule: the acknowledged state kept for the newest sequence 1..min(size − 1, REFERENCE_WINDOW) before the
 * baseline's whose tick is below the baseline's and at most `baseline.tick − max(1, tick −
 * baseline.tick)`; else, when `tick` is at most REFERENCE_WINDOW past the baseline's, the oldest
 * acknowledged one kept with a tick below the baseline's.
 */
function expected(
  ring: BaselineRing,
  acked: ReadonlySet<number>,
  baseline: SnapshotState,
  tick: number,
): SnapshotState | undefined {
  const target = baseline.tick - Math.max(1, tick - baseline.tick);
  let oldest: SnapshotState | undefined;
  for (let age = 1; age <= Math.min(ring.size - 1, REFERENCE_WINDOW); age++) {
    const sequence = (baseline.sequence - age) & 0xffff;
    const s = ring.get(sequence);
    if (s === undefined || !acked.has(sequence) || !(s.tick < baseline.tick)) continue;
    if (s.tick <= target) return s;
    oldest = s;
  }
  return tick - baseline.tick > REFERENCE_WINDOW ? undefined : oldest;
}

/** Runs `steps` sends with random acks on a ring of `size`; checks every baseline's reference. */
function run(rng: Rng, size: number, steps: number): number {
  const ring = new BaselineRing(registry(), CAPACITY, size);
  const acked = new Set<number>();
  let sequence = rng.int(0, 65535);
  let tick = rng.int(0, 1000);
  let found = 0;
  for (let step = 0; step < steps; step++) {
    const s = ring.acquireForEncode(sequence);
    s.tick = tick;
    // A reused slot forgets the ack of the sequence it held.
    for (const a of acked) if ((a & (size - 1)) === (sequence & (size - 1))) acked.delete(a);
    // Acks of recent sequences, some lost, some late (in any order).
    for (let k = 0; k < 3; k++) {
      const back = rng.int(0, Math.min(size + 2, 70));
      if (!rng.chance(0.6)) continue;
      const a = (sequence - back) & 0xffff;
      if (ring.markAcked(a)) acked.add(a);
    }
    const baseline = ring.newestAckedState();
    if (baseline !== undefined) {
      for (const at of [tick, tick + 1, baseline.tick + 1, baseline.tick + rng.int(0, 40)]) {
        const want = expected(ring, acked, baseline, at);
        expect(ring.referenceFor(baseline, at)).toBe(want);
        if (want !== undefined) found++;
      }
    }
    // Now and then sequences are skipped (unsent): a slot may still hold an older acked snapshot.
    sequence = (sequence + (rng.chance(0.1) ? rng.int(2, size + 3) : 1)) & 0xffff;
    tick += rng.chance(0.2) ? rng.int(2, 5) : 1;
  }
  return found;
}

describe("BaselineRing.referenceFor", () => {
  it.each([
    [1, 4],
    [2, 16],
    [3, 64],
    [4, 128],
  ])("picks the reference the rule names (seed %i, ring size %i)", (seed, size) => {
    const rng = createRng(seed);
    // Some references were found (the test compares more than two undefineds).
    expect(run(rng, size, 600), `seed ${seed}`).toBeGreaterThan(100);
  });
});
