/**
 * BaselineRing.acquireForEncode (a slot claimed without `acquire`'s clear, for SnapshotEncoder's
 * `out`): encoding into it gives the same bytes, result and expected state as into an `acquire`d
 * slot — with the wasm kernels (pool-backed states, the fused encode's in-place copy) and with the
 * JS kernels, whole snapshots and budget-cut ones (expected state from the baseline or empty),
 * and slots that still hold an older snapshot with more rows than the current state has.
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { BitWriter } from "../../src/protocol/bitWriter";
import { wasmKernels } from "../../src/replication/codec/wasm/wasmKernels";
import {
  BaselineRing,
  IntTemplate,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotEncoder,
  SnapshotState,
  Vec3Template,
} from "../../src/replication/index";
import { step } from "./codecRig";
import { CAPACITY } from "./kernelFixture";

afterEach(() => {
  wasmKernels.enabled = false;
});

function registryOf(withInt: boolean): ReplicationRegistry {
  const r = new ReplicationRegistry();
  const soa = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, new Float32Array(CAPACITY)]));
  r.replicate(soa(["x", "y", "z"]), Vec3Template({ min: -50, max: 50, precision: 1 / 64 }), { name: "p" });
  r.replicate(soa(["x", "y", "z", "w"]), QuatTemplate({ bits: 9 }), { name: "q" });
  if (withInt) r.replicate(new Int32Array(CAPACITY), IntTemplate({ min: 0, max: 300 }), { name: "hp" });
  return r;
}

/** One server side: encoder, ring (size 4: slots come back every 4 ticks) and writer. */
function side(registry: ReplicationRegistry) {
  return {
    encoder: new SnapshotEncoder(registry, CAPACITY),
    ring: new BaselineRing(registry, CAPACITY, 4),
    writer: new BitWriter(64 * 1024),
  };
}

/** Runs 120 ticks through both rings; returns the ticks whose reused slot had rows above the current high water. */
function run(seed: number, wasm: boolean, withInt: boolean): number {
  const rng = createRng(seed);
  wasmKernels.enabled = wasm;
  const registry = registryOf(withInt);
  const current = new SnapshotState(registry, CAPACITY);
  const a = side(registry);
  const b = side(registry);
  wasmKernels.enabled = false;
  expect(current.pool !== undefined, "pool-backed").toBe(wasm);
  let stale = 0;
  for (let tick = 0; tick < 120; tick++) {
    step(rng, registry, current);
    // As SnapshotState.remove leaves them (codecRig's step bumps a just-removed row's version).
    for (let id = 0; id < CAPACITY; id++) if (current.present[id] !== 1) current.version[id] = 0;
    if (rng.chance(0.2)) {
      // Despawn the top rows: the high water drops below what older snapshots (slots) held.
      const cut = rng.int(0, current.highWater);
      for (let id = cut; id < current.highWater; id++) current.remove(id);
      let hw = 0;
      for (let id = 0; id < cut; id++) if (current.present[id] === 1) hw = id + 1;
      current.highWater = hw;
    }
    const ack = tick - 2;
    const budgetBytes = rng.chance(0.25) ? rng.int(8, 200) : undefined;
    const predict = rng.chance(0.7);
    const acked = ack >= 0 && rng.chance(0.9);
    const results = [a, b].map((s, k) => {
      if (acked) s.ring.markAcked(ack & 0xffff);
      // Claimed first: a baseline in the same slot (acks 4+ ticks old) is dropped, not encoded against.
      const out = k === 0 ? s.ring.acquire(tick) : s.ring.acquireForEncode(tick);
      const baseline = s.ring.newestAckedState();
      s.writer.reset();
      if (k === 1 && out.highWater > current.highWater) stale++;
      const r = s.encoder.encode(s.writer, {
        sequence: tick,
        tick,
        current,
        baseline,
        reference: baseline !== undefined && predict ? s.ring.referenceFor(baseline, tick) : undefined,
        out,
        budgetBytes,
      });
      return { result: { ...r }, bytes: Array.from(s.writer.finish()), out };
    });
    const [x, y] = results as [(typeof results)[0], (typeof results)[0]];
    const what = `seed ${seed} tick ${tick}`;
    expect(y.bytes, `${what}: bytes`).toEqual(x.bytes);
    expect(y.result, `${what}: result`).toEqual(x.result);
    expectSameState(x.out, y.out, what);
    expect(b.ring.get(tick), `${what}: stored`).toBe(y.out);
  }
  return stale;
}

function expectSameState(a: SnapshotState, b: SnapshotState, what: string): void {
  expect(b.highWater, `${what}: high water`).toBe(a.highWater);
  expect(b.sequence, `${what}: sequence`).toBe(a.sequence);
  expect(b.tick, `${what}: tick`).toBe(a.tick);
  expect(b.versioned, `${what}: versioned`).toBe(a.versioned);
  // Every row, also above the high water (a stale row there would come back with a later spawn).
  expect(Array.from(b.present), `${what}: present`).toEqual(Array.from(a.present));
  expect(Array.from(b.mask), `${what}: mask`).toEqual(Array.from(a.mask));
  expect(Array.from(b.version), `${what}: version`).toEqual(Array.from(a.version));
  const n = a.highWater * a.stride;
  expect(Array.from(b.values.subarray(0, n)), `${what}: values`).toEqual(Array.from(a.values.subarray(0, n)));
}

describe("BaselineRing.acquireForEncode", () => {
  it.each([
    [1, true, false],
    [2, true, true],
    [3, false, false],
    [4, false, true],
  ])(
    "encodes as into an acquired slot (seed %i, wasm kernels %s, an int field %s)",
    (seed, wasm, withInt) => {
      expect(run(seed, wasm, withInt), "slots held more rows than the current state").toBeGreaterThan(0);
    },
  );

  it("claims the slot: stored under the sequence, not acked, the newest ack dropped when it was that slot", () => {
    const ring = new BaselineRing(registryOf(false), 16, 4);
    ring.acquire(1);
    expect(ring.markAcked(1)).toBe(true);
    expect(ring.newestAckedState()?.sequence).toBe(1);
    const s = ring.acquireForEncode(5); // the same slot as 1
    expect(ring.get(5)).toBe(s);
    expect(ring.get(1)).toBeUndefined();
    expect(ring.newestAckedState()).toBeUndefined();
    expect(ring.markAcked(5)).toBe(true);
    expect(ring.newestAckedState()).toBe(s);
  });
});
