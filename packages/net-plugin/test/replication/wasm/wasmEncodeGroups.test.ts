/**
 * The wasm collect's four-entity step (codec/wasm/encodeGroupEmit.ts) against the JS kernels: the
 * ids of a group of four skip the per-entity checks when all four are present in the baseline
 * with the same field set, their row versions changed and (predicting) the reference holds them.
 * Patterns that put every kind of exception at every position of a group — one resting entity
 * (same version), a spawn, a despawn, a changed field set, an entity with fewer fields, a
 * reference that lacks it — plus whole groups moving, a high water that is not a multiple of four,
 * acks of varying age (prediction ratios other than 1:1, no reference), versioned and compared
 * states. Same bytes, results, expected states and `written`.
 */
import { createRng, type Rng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import { encodeBoth, encodeSides, planOf } from "./encodeSides";
import {
  QuatTemplate,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";

const CAP = 128;
/** Ids below this may be present; one more lone id past it keeps the high water off a multiple of 4. */
const IDS = 61;
const LONE = 66;

afterEach(() => {
  wasmKernels.enabled = false;
});

function registryOf(): ReplicationRegistry {
  const r = new ReplicationRegistry();
  const col = () => new Float32Array(CAP);
  r.replicate({ x: col(), y: col(), z: col() }, Vec3Template({ min: -500, max: 500, precision: 1 / 512 }));
  r.replicate({ x: col(), y: col(), z: col(), w: col() }, QuatTemplate({ bits: 11 }));
  r.replicate({ x: col(), y: col(), z: col() }, Vec3Template({ min: -50, max: 50, precision: 0.01 }));
  r.close();
  return r;
}

/** Moves every present entity (some fields may stay), bumping its version. */
function moveOne(rng: Rng, s: SnapshotState, registry: ReplicationRegistry, id: number, tick: number) {
  for (const f of registry.fields) {
    if (((s.mask[id] as number) & (1 << f.index)) === 0) continue;
    if (f.index === 2 && rng.chance(0.3)) continue; // velocity unchanged: that field's flag is 0
    for (let k = 0; k < f.template.width; k++) {
      const max = f.template.slotMax[k] as number;
      const o = id * s.stride + f.offset + k;
      if (f.template.kind === "quat" && k === 0) {
        if (rng.chance(0.05)) s.values[o] = rng.int(0, 3);
        continue;
      }
      s.values[o] = Math.min(max, Math.max(0, (s.values[o] as number) + rng.int(-30, 30)));
    }
  }
  s.version[id] = tick + 1;
}

/** One tick's changes: every group moves, but the ids at `odd` (mod 4) get one exception each. */
function step(rng: Rng, s: SnapshotState, registry: ReplicationRegistry, tick: number) {
  const all = (1 << registry.fields.length) - 1;
  const odd = tick % 4;
  const kind = Math.floor(tick / 4) % 6;
  for (let id = 0; id < IDS; id++) {
    const exception = id % 4 === odd && rng.chance(0.5);
    if (s.present[id] !== 1) {
      if (exception || rng.chance(0.05)) {
        s.setPresent(id, rng.chance(0.3) ? all & ~4 : all);
        s.version[id] = tick + 1;
      }
      continue;
    }
    if (exception && kind === 0) continue; // resting: same version
    if (exception && kind === 1) {
      s.remove(id);
      continue;
    }
    if (exception && kind === 2) {
      s.setPresent(id, (s.mask[id] as number) ^ 4); // field set changed: a spawn
      s.version[id] = tick + 1;
      continue;
    }
    if (exception && kind === 3) {
      s.setPresent(id, all & ~4); // fewer fields from now on (a spawn now, a fast update later)
      s.version[id] = tick + 1;
      continue;
    }
    moveOne(rng, s, registry, id, tick);
  }
  if (tick % 3 === 0) s.setPresent(LONE, all);
  if (s.present[LONE] === 1) moveOne(rng, s, registry, LONE, tick);
}

/** Encodes 72 ticks on both sides; returns the snapshots the fused encode wrote. */
function run(seed: number, versioned: boolean, growEvery = 0): number {
  const rng = createRng(seed);
  const registry = registryOf();
  wasmKernels.enabled = true;
  const current = new SnapshotState(registry, CAP);
  const sides = encodeSides(registry, CAP);
  current.versioned = versioned;
  for (let id = 0; id < IDS; id++) current.setPresent(id, (1 << registry.fields.length) - 1);
  for (let tick = 0; tick < 72; tick++) {
    step(rng, current, registry, tick);
    // The memory grown by someone other than the pool (as the capture's tables do): the encoder
    // notices the detached buffer (CodecMemoryPool.refreshIfDetached) and re-makes its views.
    if (growEvery > 0 && tick % growEvery === growEvery - 1) current.pool?.memory.grow(1);
    // Acks 1..4 ticks old, sometimes none acked this tick: ratios other than 1:1 and no reference.
    const ack = rng.chance(0.8) ? tick - 1 - rng.int(0, 3) : -1;
    const context = `seed ${seed}, tick ${tick}`;
    const [a, b] = encodeBoth(sides, tick, ack, context, (s, baseline) => ({
      sequence: tick,
      tick,
      current,
      baseline,
      reference: baseline && tick % 7 !== 0 ? s.ring.referenceFor(baseline, tick) : undefined,
      // (acquire's clear would touch the stale views first; the encoder is to notice the growth)
      out: growEvery > 0 ? s.ring.acquireForEncode(tick) : s.ring.acquire(tick),
    }));
    expect((a as SnapshotState).equals(b as SnapshotState), context).toBe(true);
  }
  return planOf(sides[0]!.encoder).wasm?.fusedCalls ?? 0;
}

describe("wasm collect, four entities a step", () => {
  it.each([
    [1, true],
    [2, false],
    [3, true],
  ] as const)("seed %i, versioned %s: same bytes as the JS kernels", (seed, versioned) => {
    expect(run(seed, versioned)).toBeGreaterThan(60);
  });

  it("the memory grown outside the pool between encodes: same bytes", () => {
    expect(run(4, true, 9)).toBeGreaterThan(60);
  });
});
