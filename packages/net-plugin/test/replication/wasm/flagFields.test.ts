/**
 * Bool (`flip`) and Enum (`full`) fields on the codec's fast paths (fieldCodecPlan.ts FIELD_FLIP /
 * FIELD_FULL): for random registries mixing them with the column kinds, the wasm encoder, the JS
 * kernels and the generic path write the same bytes, expected states and `written` lists, and the
 * three decoders decode the same states (each wasm reader call also checked against the JS kernel
 * on a copy); the wasm kernels really run for such registries.
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  FIELD_FLIP,
  FIELD_FULL,
  FIELD_GENERIC,
  fieldCodecPlan,
} from "../../../src/replication/codec/fieldDelta";
import { kernelFields } from "../../../src/replication/codec/kernels/compileKernel";
import { collectFields } from "../../../src/replication/codec/wasm/encodeFactory";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  BoolTemplate,
  DecodeStatus,
  QuatTemplate,
  ReplicationRegistry,
  Vec3Template,
  SnapshotState,
  StringTemplate,
} from "../../../src/replication/index";
import { encodeTick, step } from "../codecRig";
import { CAPACITY } from "../kernelFixture";
import { spyKernelParity } from "./wasmDecodeRig";
import { encodeOnPaths, enumOf, flagRegistry, PATHS, sideOn } from "./flagFieldsRig";
import { planOf } from "./encodeSides";

afterEach(() => {
  wasmKernels.enabled = false;
  vi.restoreAllMocks();
});

describe("Bool and Enum fields on the codec fast paths", () => {
  it("get the flip/full codes only for the built-in templates; String stays generic", () => {
    const r = new ReplicationRegistry();
    r.replicate(new Uint8Array(8), BoolTemplate());
    for (const n of [1, 2, 5, 17]) r.replicate(new Int32Array(8), enumOf(n));
    r.replicate([] as string[], StringTemplate({ maxBytes: 8 }));
    const custom = BoolTemplate();
    // A template whose change test is its own: not the base behaviour, so generic.
    custom.changed = () => true;
    r.replicate(new Uint8Array(8), custom);
    // An Enum packed its own way (here: a value-dependent size): generic too.
    const packed = enumOf(5);
    packed.packedBits = () => 5;
    r.replicate(new Int32Array(8), packed);
    r.close();
    expect(Array.from(fieldCodecPlan(r).codes)).toEqual([
      FIELD_FLIP,
      FIELD_FULL,
      FIELD_FULL,
      FIELD_FULL,
      FIELD_FULL,
      FIELD_GENERIC,
      FIELD_GENERIC,
      FIELD_GENERIC,
    ]);
    const fields = kernelFields(r) ?? [];
    expect(fields.map((f) => [f.generic, f.flip, f.full])).toEqual([
      [false, true, false],
      [false, false, true],
      [false, false, true],
      [false, false, true],
      [false, false, true],
      [true, false, false],
      [true, false, false],
      [true, false, false],
    ]);
    expect(collectFields(r)).toBeUndefined(); // a generic field: the JS kernels
  });

  it.each(Array.from({ length: 24 }, (_, i) => i + 1))(
    "wasm, JS kernels and generic path: same bytes and decoded states (seed %i)",
    (seed) => run(seed),
  );

  it.each([1, 2, 3])(
    "an entity's bits past one 56-bit code (Enum before two wide rotations; seed %i)",
    (seed) => {
      // Flag, 3 value bits, then rotations of 47 and 38 bits: the writer's code flushes inside a
      // rotation's "same largest" branch (writeEntityEmit.ts: each arm starts from the bound before it).
      const registry = new ReplicationRegistry();
      const col = () => new Float32Array(CAPACITY);
      registry.replicate(new Int32Array(CAPACITY), enumOf(5));
      registry.replicate({ x: col(), y: col(), z: col(), w: col() }, QuatTemplate({ bits: 15 }));
      registry.replicate({ x: col(), y: col(), z: col(), w: col() }, QuatTemplate({ bits: 12 }));
      registry.close();
      run(seed, registry, ["enum(5)", "quat(15)", "quat(12)"]);
    },
  );
});

describe("Bool and Enum fields in a moving world (the reader's four-entity step)", () => {
  it.each([1, 2, 3])("every entity moving, flags rarely changing: same on every path (seed %i)", (seed) => {
    const rng = createRng(seed);
    const registry = new ReplicationRegistry();
    const col = () => new Float32Array(CAPACITY);
    registry.replicate(
      { x: col(), y: col(), z: col() },
      Vec3Template({ min: -50, max: 50, precision: 0.01 }),
    );
    registry.replicate({ x: col(), y: col(), z: col(), w: col() }, QuatTemplate({ bits: 9 }));
    registry.replicate(new Uint8Array(CAPACITY), BoolTemplate());
    registry.replicate(new Int32Array(CAPACITY), enumOf(4));
    registry.close();
    wasmKernels.enabled = true;
    const current = new SnapshotState(registry, CAPACITY);
    const sides = PATHS.map((path) => sideOn(registry, path));
    const parity = spyKernelParity(registry);
    const stride = registry.stride;
    for (let id = 0; id < 80; id++) current.setPresent(id, 15);
    for (let tick = 0; tick < 40; tick++) {
      for (let id = 0; id < 80; id++) {
        const o = id * stride;
        for (let s = 0; s < 3; s++) current.values[o + s] = 5000 + ((tick * (id + s + 1) * 7) % 900);
        current.values[o + 3] = 0;
        for (let s = 4; s < 7; s++) current.values[o + s] = (tick * 3 + id + s) % 500;
        if (rng.chance(0.04)) current.values[o + 7] = 1 - (current.values[o + 7] as number);
        if (rng.chance(0.03)) current.values[o + 8] = rng.int(0, 3);
      }
      current.tick = tick;
      const bytes = sides.map((side) => {
        encodeTick(side, current, tick, tick - 2, tick % 3 !== 0);
        return Array.from(side.writer.finish());
      });
      expect(bytes[0], `tick ${tick}`).toEqual(bytes[2]);
      expect(bytes[1], `tick ${tick}`).toEqual(bytes[2]);
      const input = Uint8Array.from(bytes[2] as number[]);
      for (const s of sides) {
        expect(s.decoder.decode(input, s.clientRing), `${s.path}, tick ${tick}`).toBe(DecodeStatus.Ok);
        expect((s.decoder.lastDecoded as SnapshotState).equals(current), `${s.path}, tick ${tick}`).toBe(
          true,
        );
      }
    }
    expect(parity.calls).toBeGreaterThan(30);
  });
});

/** Encodes 60 random ticks on the three paths and checks bytes, expected and decoded states. */
function run(seed: number, fixed?: ReplicationRegistry, names?: string[]): void {
  const rng = createRng(seed);
  const { registry, describe: layout } =
    fixed !== undefined ? { registry: fixed, describe: names ?? [] } : flagRegistry(rng);
  const context = `seed ${seed}, fields ${layout.join(" ")}`;
  expect(collectFields(registry), context).toBeDefined();
  wasmKernels.enabled = true;
  const current = Object.assign(new SnapshotState(registry, CAPACITY), { versioned: true });
  const sides = PATHS.map((path) => sideOn(registry, path));
  const parity = spyKernelParity(registry);
  const priority = new Float32Array(CAPACITY);
  const relevant = new Uint8Array(CAPACITY);
  for (let tick = 0; tick < 60; tick++) {
    step(rng, registry, current);
    current.tick = tick;
    const ack = rng.chance(0.85) ? tick - rng.int(1, 6) : -1;
    for (let id = 0; id < CAPACITY; id++) {
      priority[id] = rng.range(0, 10);
      relevant[id] = rng.chance(0.9) ? 1 : 0;
    }
    const extras = {
      relevant: rng.chance(0.2) ? relevant : undefined,
      priority,
      budgetBytes: rng.chance(0.2) ? rng.int(20, 400) : undefined,
    };
    const predict = rng.chance(0.7);
    const at = `${context}, tick ${tick}`;
    const { statuses, expected } = encodeOnPaths(sides, current, tick, ack, predict, extras, at);
    expect(statuses, at).toEqual([statuses[2], statuses[2], statuses[2]]);
    if (statuses[2] === DecodeStatus.Ok)
      for (const s of sides) expect((s.decoder.lastDecoded as SnapshotState).equals(expected), at).toBe(true);
  }
  // The wasm paths ran: the collect (fused or not) and the reader.
  const wasm = planOf(sides[0]!.encoder).wasm;
  expect(wasm?.calls, context).toBeGreaterThan(20);
  expect((wasm?.fusedCalls ?? 0) + (wasm?.writer.calls ?? 0), context).toBeGreaterThan(5);
  expect(parity.calls, context).toBeGreaterThan(20);
}
