/**
 * The wasm collect (codec/wasm/wasmEncode.ts) against the JS kernel: on random all-inline
 * registries and evolving pool-backed states, an encoder built with the wasm switch on writes the
 * same bytes, the same expected state (`out`), `written` and result counts as one built with it
 * off — with prediction on and off, budgets, relevance, exclusions and lost acks — and the wasm
 * kernel really ran; the pool growing between encodes. Registries with a generic field, states
 * outside the pool, and a refused compile keep the JS kernel (same bytes, no wasm call).
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BitWriter } from "../../../src/protocol/bitWriter";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import { collectFields } from "../../../src/replication/codec/wasm/encodeFactory";
import type { EncodePlan } from "../../../src/replication/codec/encodePlan";
import {
  BaselineRing,
  BoolTemplate,
  SnapshotEncoder,
  SnapshotState,
  type FieldExclusion,
  type ReplicationRegistry,
} from "../../../src/replication/index";
import { step } from "../codecRig";
import { CAPACITY, randomRegistry } from "../kernelFixture";

afterEach(() => {
  wasmKernels.enabled = false;
  vi.restoreAllMocks();
});

/** An encoder and its server ring, built with the wasm switch `wasm`. */
function side(registry: ReplicationRegistry, wasm: boolean) {
  wasmKernels.enabled = wasm;
  const parts = {
    encoder: new SnapshotEncoder(registry, CAPACITY),
    ring: new BaselineRing(registry, CAPACITY),
    writer: new BitWriter(64 * 1024),
  };
  wasmKernels.enabled = false;
  return parts;
}

/** The encoder's plan (private; the wasm kernel's call count lives there). */
function planOf(encoder: SnapshotEncoder): EncodePlan {
  return (encoder as unknown as { plan: EncodePlan }).plan;
}

/** Updates sections the wasm writer wrote (after a JS header) in the last `run`. */
let writes = 0;
/** Snapshots the fused wasm encode wrote whole in the last `run`. */
let fused = 0;

/** Runs `ticks` random encodes on both sides, checking parity; returns the wasm calls made. */
function run(
  seed: number,
  registry: ReplicationRegistry,
  ticks: number,
  plainCurrent = false,
  grow = false,
  outBytes = 0,
): number {
  const rng = createRng(seed);
  wasmKernels.enabled = !plainCurrent;
  const current = new SnapshotState(registry, CAPACITY);
  wasmKernels.enabled = false;
  current.versioned = rng.chance(0.7);
  const wasm = side(registry, true);
  const js = side(registry, false);
  const kernel = planOf(wasm.encoder).wasm;
  const writer = kernel?.writer;
  if (writer !== undefined && outBytes > 0) writer.outBytes = outBytes;
  writes = 0;
  const priority = new Float32Array(CAPACITY);
  const relevant = new Uint8Array(CAPACITY);
  const exclude: FieldExclusion = { bySlot: new Int32Array(CAPACITY).fill(-1), client: 0, mask: 0 };
  const full = (1 << registry.fields.length) - 1;
  const keep: SnapshotState[] = [];
  for (let tick = 0; tick < ticks; tick++) {
    const pool = current.pool;
    if (grow && pool !== undefined && tick % 10 === 5) {
      // More states than the pool holds: the memory grows, every view on it is re-made.
      const generation = pool.generation;
      wasmKernels.enabled = true;
      while (pool.generation === generation) keep.push(new SnapshotState(registry, CAPACITY));
      wasmKernels.enabled = false;
      const plan = planOf(wasm.encoder);
      expect(plan.selected.buffer).not.toBe(pool.memory.buffer); // stale until the next collect
    }
    const before = current.values.slice();
    step(rng, registry, current);
    current.tick = tick;
    // Row versions as the capture keeps them: a changed row gets a new one (versioned encodes
    // then skip the unchanged rows without comparing them).
    for (let id = 0; id < CAPACITY; id++) {
      const row = id * current.stride;
      for (let s = 0; s < current.stride; s++)
        if (current.values[row + s] !== before[row + s]) {
          current.version[id] = tick + 1;
          break;
        }
    }
    const context = `seed ${seed}, tick ${tick}`;
    for (let id = 0; id < CAPACITY; id++) {
      priority[id] = rng.range(0, 10);
      relevant[id] = rng.chance(0.9) ? 1 : 0;
      if (rng.chance(0.1)) exclude.bySlot[id] = rng.chance(0.5) ? rng.int(0, 2) : -1;
    }
    exclude.client = rng.int(0, 2);
    exclude.mask = rng.int(0, full);
    const useExclude = rng.chance(0.5);
    const useRelevant = rng.chance(0.4);
    const budgetBytes = rng.chance(0.25) ? rng.int(20, 400) : undefined;
    const predict = rng.chance(0.7);
    const ack = tick - rng.int(1, 8);
    const acked = ack >= 0 && rng.chance(0.7); // else the ack was lost
    const bytes: number[][] = [];
    for (const s of [wasm, js]) {
      if (acked) s.ring.markAcked(ack);
      const baseline = s.ring.newestAckedState();
      s.writer.reset();
      const r = s.encoder.encode(s.writer, {
        sequence: tick,
        tick,
        current,
        baseline,
        reference: baseline && predict ? s.ring.referenceFor(baseline, tick) : undefined,
        out: s.ring.acquire(tick),
        priority,
        budgetBytes,
        relevant: useRelevant ? relevant : undefined,
        exclude: useExclude ? exclude : undefined,
      });
      bytes.push(Array.from(s.writer.finish()), [r.bits, r.despawns, r.spawns, r.updates, r.deferred]);
    }
    writes = writer?.calls ?? 0;
    fused = kernel?.fusedCalls ?? 0;
    expect(bytes[0], context).toEqual(bytes[2]);
    expect(bytes[1], context).toEqual(bytes[3]);
    expect((wasm.ring.get(tick) as SnapshotState).equals(js.ring.get(tick) as SnapshotState), context).toBe(
      true,
    );
    expect(meta(wasm.ring.get(tick) as SnapshotState), context).toEqual(
      meta(js.ring.get(tick) as SnapshotState),
    );
    expect(Array.from(wasm.encoder.written.subarray(0, wasm.encoder.writtenCount)), context).toEqual(
      Array.from(js.encoder.written.subarray(0, js.encoder.writtenCount)),
    );
  }
  return planOf(wasm.encoder).wasm?.calls ?? 0;
}

/** What `equals` leaves out: the row versions of present rows and the state's own fields. */
function meta(s: SnapshotState) {
  const versions: number[] = [];
  for (let id = 0; id < s.highWater; id++) if (s.present[id] === 1) versions.push(s.version[id] as number);
  return { versions, highWater: s.highWater, versioned: s.versioned, sequence: s.sequence, tick: s.tick };
}

/** A random registry of inline kinds only (vec3, vec2, quat, float, int). */
function inlineRegistry(seed: number): ReplicationRegistry {
  const { registry } = randomRegistry(createRng(seed), 5);
  registry.close();
  return registry;
}

describe("wasm collect", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])(
    "same bytes, out, written and counts as the JS kernel (seed %i)",
    (seed) => {
      const registry = inlineRegistry(500 + seed);
      expect(collectFields(registry)).toBeDefined();
      const calls = run(900 + seed, registry, 60);
      expect(calls).toBeGreaterThan(50);
      // The fused encode wrote most snapshots; the wasm writer after a JS header those over budget.
      expect(fused).toBeGreaterThan(25);
      expect(writes).toBeGreaterThan(3);
    },
  );

  it.each([1, 2, 3])(
    "an output region too small for the section: the JS writer, same bytes (seed %i)",
    (seed) => {
      const registry = inlineRegistry(600 + seed);
      expect(run(700 + seed, registry, 40, false, false, 24)).toBeGreaterThan(30);
      expect(writes + fused).toBe(0);
    },
  );

  it("a registry with a generic field keeps the JS kernel, same bytes", () => {
    // (Every built-in template now has a wasm form: the generic field is a Bool with its own change test.)
    for (let seed = 0; seed < 3; seed++) {
      const { registry } = randomRegistry(createRng(seed));
      const custom = BoolTemplate();
      custom.changed = (a, ao, b, bo) => a[ao] !== b[bo];
      registry.replicate(new Uint8Array(CAPACITY), custom);
      registry.close();
      expect(collectFields(registry)).toBeUndefined();
      expect(run(seed, registry, 20)).toBe(0);
    }
  });

  it("the pool's memory grows between encodes: the plan's views are re-made, same bytes", () => {
    const registry = inlineRegistry(77);
    expect(run(77, registry, 30, false, true)).toBeGreaterThan(25);
  });

  it("states outside the pool keep the JS kernel, same bytes", () => {
    expect(run(31, inlineRegistry(31), 20, true)).toBe(0);
  });

  it("a refused compile keeps the JS kernel, same bytes", () => {
    vi.spyOn(WebAssembly, "Module").mockImplementation(function () {
      throw new WebAssembly.CompileError("refused");
    });
    const registry = inlineRegistry(41);
    wasmKernels.enabled = true;
    const encoder = new SnapshotEncoder(registry, CAPACITY);
    wasmKernels.enabled = false;
    expect(planOf(encoder).wasm).toBeUndefined();
    vi.restoreAllMocks();
    expect(run(41, inlineRegistry(41), 10, true)).toBe(0);
  });
});
