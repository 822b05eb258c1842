/**
 * Transform fields in the wasm encoder (wasm/transformParts.ts: its position and rotation parts
 * under one change test and one flag): for random registries mixing Transforms (and a
 * Transform-like template with a change threshold) with every other template, the wasm encoder,
 * the JS kernels and the generic path write the same bytes, expected states and `written` lists
 * under references, budgets, interest and respawns; the three decoders decode the same states
 * (each wasm reader call also checked against the JS kernel); the wasm collect and writer run.
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { collectFields } from "../../../src/replication/codec/wasm/encodeFactory";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  DecodeStatus,
  ReplicationRegistry,
  SnapshotState,
  TransformTemplate,
} from "../../../src/replication/index";
import { CAPACITY } from "../kernelFixture";
import { evolve, soa, transformRegistry } from "../transformFixture";
import { planOf } from "./encodeSides";
import { encodeOnPaths, PATHS, sideOn } from "./flagFieldsRig";
import { spyKernelParity } from "./wasmDecodeRig";

afterEach(() => {
  wasmKernels.enabled = false;
  vi.restoreAllMocks();
});

function run(seed: number, registry: ReplicationRegistry, layout: string[], moving = false): void {
  const rng = createRng(seed);
  const context = `seed ${seed}, fields ${layout.join(" ")}`;
  expect(collectFields(registry), context).toBeDefined();
  wasmKernels.enabled = true;
  const current = Object.assign(new SnapshotState(registry, CAPACITY), { versioned: true });
  const sides = PATHS.map((path) => sideOn(registry, path));
  const parity = spyKernelParity(registry);
  const priority = new Float32Array(CAPACITY);
  const relevant = new Uint8Array(CAPACITY);
  for (let tick = 0; tick < 50; tick++) {
    evolve(rng, registry, current);
    current.tick = tick;
    const ack = moving || rng.chance(0.85) ? tick - rng.int(1, 6) : -1;
    for (let id = 0; id < CAPACITY; id++) {
      priority[id] = rng.range(0, 10);
      relevant[id] = rng.chance(0.9) ? 1 : 0;
    }
    const extras = moving
      ? { priority }
      : {
          relevant: rng.chance(0.2) ? relevant : undefined,
          priority,
          budgetBytes: rng.chance(0.2) ? rng.int(20, 400) : undefined,
        };
    const predict = moving || rng.chance(0.7);
    const at = `${context}, tick ${tick}`;
    const { statuses, expected } = encodeOnPaths(sides, current, tick, ack, predict, extras, at);
    expect(statuses, at).toEqual([DecodeStatus.Ok, DecodeStatus.Ok, DecodeStatus.Ok]);
    for (const s of sides) expect((s.decoder.lastDecoded as SnapshotState).equals(expected), at).toBe(true);
  }
  const wasm = planOf(sides[0]!.encoder).wasm;
  expect(wasm?.calls, context).toBeGreaterThan(20);
  expect((wasm?.fusedCalls ?? 0) + (wasm?.writer.calls ?? 0), context).toBeGreaterThan(5);
  expect(parity.calls, context).toBeGreaterThan(20);
}

describe("Transform fields in the wasm encoder", () => {
  it.each(Array.from({ length: 16 }, (_, i) => i + 1))(
    "wasm, JS kernels and generic path: same bytes, expected and decoded states (seed %i)",
    (seed) => {
      const { registry, describe: layout } = transformRegistry(createRng(seed + 300));
      run(seed, registry, layout);
    },
  );

  it.each([1, 2, 3])("a moving world of one Transform field (the fused encode; seed %i)", (seed) => {
    const registry = new ReplicationRegistry();
    registry.replicate(soa(), TransformTemplate({ min: -64, max: 64, precision: 1 / 512, rotationBits: 9 }));
    registry.close();
    run(seed, registry, ["transform(9)"], true);
    expect(planOf(sideOn(registry, "wasm").encoder).wasm).toBeDefined();
  });
});
