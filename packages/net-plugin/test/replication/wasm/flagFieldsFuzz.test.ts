/**
 * The readers of Bool (`flip`) and Enum (`full`) fields on malformed input: mutated and truncated
 * snapshots give the same status (and state) on the wasm reader, the JS kernel and the generic
 * path, never a throw; an Enum value above the field's largest index and a Bool baseline outside
 * 0/1 are refused (Invalid) on all three.
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  BoolTemplate,
  DecodeStatus,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";
import { encodeTick, step } from "../codecRig";
import { CAPACITY } from "../kernelFixture";
import { spyKernelParity } from "./wasmDecodeRig";
import { enumOf, flagRegistry, PATHS, sideOn, type PathSide } from "./flagFieldsRig";
import { mutatedSnapshot } from "../codecFixture";

afterEach(() => {
  wasmKernels.enabled = false;
  vi.restoreAllMocks();
});

/** A registry: a position, then an Enum of `values` values and a Bool. */
function gameRegistry(values: number): ReplicationRegistry {
  const r = new ReplicationRegistry();
  const col = () => new Float32Array(CAPACITY);
  r.replicate({ x: col(), y: col(), z: col() }, Vec3Template({ min: -100, max: 100, precision: 0.01 }));
  r.replicate(new Int32Array(CAPACITY), enumOf(values));
  r.replicate(new Uint8Array(CAPACITY), BoolTemplate());
  r.close();
  return r;
}

/** Decodes `bytes` with fresh decoders on every path over their rings; returns the statuses. */
function decodeAll(sides: readonly PathSide[], bytes: Uint8Array, context: string): DecodeStatus[] {
  const out = sides.map((s) => {
    const fresh = sideOn(s.encoder.registry, s.path);
    let status: DecodeStatus = DecodeStatus.Ok;
    expect(() => (status = fresh.decoder.decode(bytes, s.clientRing)), context).not.toThrow();
    return { status, state: fresh.decoder.lastDecoded };
  });
  const statuses = out.map((o) => o.status);
  expect(statuses, context).toEqual([statuses[2], statuses[2], statuses[2]]);
  if (statuses[2] === DecodeStatus.Ok)
    for (const o of out) expect((o.state as SnapshotState).equals(out[2]?.state as SnapshotState)).toBe(true);
  return statuses;
}

describe("Bool and Enum field readers on malformed input", () => {
  it.each([31, 32, 33, 34])("mutated and truncated bytes: same status on every path (seed %i)", (seed) => {
    const rng = createRng(seed);
    const { registry, describe: layout } = flagRegistry(rng);
    wasmKernels.enabled = true;
    const current = new SnapshotState(registry, CAPACITY);
    const sides = PATHS.map((path) => sideOn(registry, path));
    const good: Uint8Array[] = [];
    for (let tick = 0; tick < 20; tick++) {
      step(rng, registry, current);
      current.tick = tick;
      encodeTick(sides[0] as PathSide, current, tick, tick - 2, tick % 2 === 1);
      const bytes = (sides[0] as PathSide).writer.finish().slice();
      good.push(bytes);
      for (const s of sides) expect(s.decoder.decode(bytes, s.clientRing)).toBe(DecodeStatus.Ok);
    }
    const parity = spyKernelParity(registry);
    const seen = new Set<DecodeStatus>();
    for (let i = 0; i < 120; i++) {
      const bytes = mutatedSnapshot(rng, good);
      for (const s of decodeAll(sides, bytes, `seed ${seed}, case ${i}, fields ${layout.join(" ")}`))
        seen.add(s);
    }
    expect(seen.size).toBeGreaterThan(1);
    expect(parity.calls).toBeGreaterThan(30);
  });

  it("an Enum index above the field's largest is refused on every path", () => {
    // A server with 8 values (3 bits, indices 0..7) against clients with 5 (3 bits, 0..4).
    const wide = gameRegistry(8);
    const narrow = gameRegistry(5);
    wasmKernels.enabled = true;
    const server = sideOn(wide, "js");
    const clients = PATHS.map((path) => sideOn(narrow, path));
    const current = new SnapshotState(wide, CAPACITY);
    for (let id = 0; id < 40; id++) current.setPresent(id, 7);
    const parity = spyKernelParity(narrow);
    const statuses: DecodeStatus[][] = [];
    for (let tick = 0; tick < 4; tick++) {
      // Tick 0 spawns (indices ≤ 4); tick 1 updates (≤ 4); tick 2 moves entity 9 to index 6.
      for (let id = 0; id < 40; id++) {
        current.values[id * wide.stride] = tick * 10 + id;
        current.values[id * wide.stride + 3] = tick === 2 && id === 9 ? 6 : (id + tick) % 5;
      }
      current.tick = tick;
      encodeTick(server, current, tick, tick - 1, false);
      const bytes = server.writer.finish().slice();
      statuses.push(clients.map((c) => c.decoder.decode(bytes, c.clientRing)));
    }
    expect(statuses[0]).toEqual([DecodeStatus.Ok, DecodeStatus.Ok, DecodeStatus.Ok]);
    expect(statuses[1]).toEqual([DecodeStatus.Ok, DecodeStatus.Ok, DecodeStatus.Ok]);
    expect(statuses[2]).toEqual([DecodeStatus.Invalid, DecodeStatus.Invalid, DecodeStatus.Invalid]);
    expect(parity.refused).toBeGreaterThan(0);
  });

  it("a Bool baseline outside 0/1 (a corrupted local state) is refused on every path", () => {
    const registry = gameRegistry(4);
    wasmKernels.enabled = true;
    const server = sideOn(registry, "js");
    const clients = PATHS.map((path) => sideOn(registry, path));
    const current = new SnapshotState(registry, CAPACITY);
    for (let id = 0; id < 30; id++) current.setPresent(id, 7);
    const parity = spyKernelParity(registry);
    const results: DecodeStatus[][] = [];
    for (let tick = 0; tick < 3; tick++) {
      for (let id = 0; id < 30; id++) {
        current.values[id * registry.stride] = tick * 7 + id;
        current.values[id * registry.stride + 4] = tick === 2 && id === 5 ? 1 : 0;
      }
      current.tick = tick;
      encodeTick(server, current, tick, tick - 1, false);
      const bytes = server.writer.finish().slice();
      if (tick === 2)
        for (const c of clients) {
          // The baseline the update flips: entity 5's Bool slot forced to 2 in every client's ring.
          const base = c.clientRing.get(1) as SnapshotState;
          base.values[5 * registry.stride + 4] = 2;
        }
      results.push(clients.map((c) => c.decoder.decode(bytes, c.clientRing)));
    }
    expect(results[1]).toEqual([DecodeStatus.Ok, DecodeStatus.Ok, DecodeStatus.Ok]);
    expect(results[2]).toEqual([DecodeStatus.Invalid, DecodeStatus.Invalid, DecodeStatus.Invalid]);
    expect(parity.refused).toBeGreaterThan(0);
  });
});
