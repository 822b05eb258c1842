/**
 * The fused wasm encode (codec/wasm/encodeFusedEmit.ts: collect, widths, bound, header, bitmap
 * stream, columns in one call) against the JS kernels in the situations random registries reach
 * rarely: a game-like registry (vec3 + rotation, optionally a velocity) where only some entities
 * move per tick, with row versions kept as the capture keeps them (unchanged rows skipped by
 * version) or not (compared), residuals wide enough for the 2-per-code and 1-per-code column
 * paths and their exceptions, spawns and despawns mid-run, and budgets just under the bound (the
 * JS path from the fused collect), after packet prefixes of whole bytes (word-aligned or not) or
 * stray bits. Same bytes, results, expected states and `written`.
 */
import { createRng, type Rng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import { encodeBoth, encodeSides, planOf } from "./encodeSides";
import { collectModule } from "../../../src/replication/codec/wasm/encodeEmit";
import { collectFields } from "../../../src/replication/codec/wasm/encodeFactory";
import { stateLayout } from "../../../src/replication/codec/wasm/codecMemory";
import { columnLayout } from "../../../src/replication/codec/columns";
import { TICK_K } from "../../../src/replication/codec/encodePlan";
import {
  QuatTemplate,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";

const CAP = 200;

afterEach(() => {
  wasmKernels.enabled = false;
  vi.restoreAllMocks();
});

function registryOf(velocity: boolean, precision: number): ReplicationRegistry {
  const r = new ReplicationRegistry();
  const col = () => new Float32Array(CAP);
  r.replicate({ x: col(), y: col(), z: col() }, Vec3Template({ min: -500, max: 500, precision }));
  r.replicate({ x: col(), y: col(), z: col(), w: col() }, QuatTemplate({ bits: 11 }));
  if (velocity)
    r.replicate({ x: col(), y: col(), z: col() }, Vec3Template({ min: -50, max: 50, precision: 0.01 }));
  r.close();
  return r;
}

/** Moves a `share` of the entities by up to `reach` quanta (a few far), bumping their versions. */
function move(
  rng: Rng,
  s: SnapshotState,
  registry: ReplicationRegistry,
  share: number,
  reach: number,
  tick: number,
) {
  for (let id = 0; id < CAP - 20; id++) {
    if (s.present[id] !== 1) {
      if (rng.chance(0.02)) {
        s.setPresent(id, (1 << registry.fields.length) - 1);
        s.version[id] = tick + 1;
      }
      continue;
    }
    if (rng.chance(0.01)) {
      s.remove(id);
      continue;
    }
    if (!rng.chance(share)) continue;
    for (const f of registry.fields) {
      for (let k = 0; k < f.template.width; k++) {
        const max = f.template.slotMax[k] as number;
        const o = id * s.stride + f.offset + k;
        if (f.template.kind === "quat" && k === 0) {
          if (rng.chance(0.05)) s.values[o] = rng.int(0, 3);
          continue;
        }
        const d = rng.chance(0.03) ? rng.int(-max, max) : rng.int(-reach, reach);
        s.values[o] = Math.min(max, Math.max(0, (s.values[o] as number) + d));
      }
    }
    s.version[id] = tick + 1;
  }
}

/** What `equals` leaves out: the row versions of present rows and the state's own fields. */
function meta(s: SnapshotState) {
  const versions: number[] = [];
  for (let id = 0; id < s.highWater; id++) if (s.present[id] === 1) versions.push(s.version[id] as number);
  return { versions, highWater: s.highWater, versioned: s.versioned, sequence: s.sequence, tick: s.tick };
}

/** Encodes `ticks` ticks on both sides; returns the snapshots the fused encode wrote. */
function run(
  seed: number,
  velocity: boolean,
  precision: number,
  share: number,
  reach: number,
  versioned: boolean,
  prefixCopies = true,
) {
  const rng = createRng(seed);
  const registry = registryOf(velocity, precision);
  wasmKernels.enabled = true;
  const current = new SnapshotState(registry, CAP);
  const sides = encodeSides(registry, CAP);
  const writer = planOf(sides[0]!.encoder).wasm?.writer;
  if (writer !== undefined) writer.prefixCopies = prefixCopies;
  current.versioned = versioned;
  for (let id = 0; id < 150; id++) current.setPresent(id, (1 << registry.fields.length) - 1);
  const priority = new Float32Array(CAP);
  for (let tick = 0; tick < 50; tick++) {
    move(rng, current, registry, tick === 0 ? 1 : share, reach, tick);
    for (let id = 0; id < CAP; id++) priority[id] = rng.range(0, 10);
    const tight = rng.chance(0.2);
    const ack = tick - 1 - (rng.chance(0.3) ? 1 : 0);
    // What the packet already holds: nothing, whole bytes (word-aligned or not), or stray bits.
    const prefix = [0, 8, 16, 32, 40, 5, 13][rng.int(0, 6)] as number;
    const context = `seed ${seed}, tick ${tick}`;
    const [a, b] = encodeBoth(sides, tick, ack, context, (s, baseline) => {
      for (let left = prefix; left > 0; left -= Math.min(left, 16))
        s.writer.writeBits(0x2d5b & ((1 << Math.min(left, 16)) - 1), Math.min(left, 16));
      return {
        sequence: tick,
        tick,
        current,
        baseline,
        reference: baseline ? s.ring.referenceFor(baseline, tick) : undefined,
        out: s.ring.acquire(tick),
        priority,
        budgetBytes: tight ? 60 : undefined,
      };
    });
    expect((a as SnapshotState).equals(b as SnapshotState), context).toBe(true);
    expect(meta(a as SnapshotState), context).toEqual(meta(b as SnapshotState));
  }
  return planOf(sides[0]!.encoder).wasm?.fusedCalls ?? 0;
}

describe("fused wasm encode", () => {
  it.each([
    ["a third moving, versioned", 1, false, 1 / 512, 1 / 3, 40, true],
    ["a third moving, compared", 2, false, 1 / 512, 1 / 3, 40, false],
    ["most moving, with velocity", 3, true, 1 / 512, 0.9, 9, true],
    ["wide residuals (2 per code)", 4, false, 1 / 4096, 0.8, 20000, true],
    ["very wide residuals (1 per code)", 5, true, 1 / (1 << 20), 0.8, 1 << 29, false],
  ] as const)(
    "%s: same bytes as the JS kernels",
    (_name, seed, velocity, precision, share, reach, versioned) => {
      expect(run(seed, velocity, precision, share, reach, versioned)).toBeGreaterThan(25);
    },
  );

  it("the packet copy word by word (aligned and not) instead of one prefix copy: same bytes", () => {
    expect(run(7, false, 1 / 512, 0.5, 40, true, false)).toBeGreaterThan(25);
  });

  it("the SIMD build validates (else the scalar build would run unnoticed)", () => {
    for (const velocity of [false, true]) {
      const registry = registryOf(velocity, 1 / 512);
      const fields = collectFields(registry);
      expect(fields).toBeDefined();
      const layout = stateLayout(CAP, registry.stride);
      const columns = columnLayout(registry).columns;
      for (const simd of [true, false])
        expect(
          WebAssembly.validate(collectModule(fields ?? [], layout, registry.stride, columns, simd, TICK_K)),
        ).toBe(true);
    }
  });

  it("SIMD refused: the scalar build, same bytes", () => {
    const Real = WebAssembly.Module;
    let refused = 0;
    vi.spyOn(WebAssembly, "Module").mockImplementation(function (bytes: BufferSource) {
      // The first module asked for is the SIMD build: refuse it as an engine without SIMD would.
      if (refused++ === 0) throw new WebAssembly.CompileError("no SIMD");
      return new Real(bytes);
    });
    expect(run(6, true, 1 / 512, 0.5, 40, true)).toBeGreaterThan(25);
    expect(refused).toBeGreaterThan(1);
  });
});
