/**
 * The decoder defers the base → work copy to the wasm reader (memory.copy inside the kernel) when
 * nothing before the updates writes the work state (no despawns, no spawns): a moving world then
 * decodes the same states as the JS kernel, including after the high water went down (a full
 * snapshot with fewer ids, the work slot still holding more rows), and mutated or truncated
 * snapshots are refused the same way, every wasm call compared with the JS kernel on a copy. The
 * value columns run four values at a time there (decodeColumnSimd.ts); the scalar reader (SIMD
 * refused) decodes the same, and so does a snapshot inside a larger buffer (offset, length) —
 * also one of a resizable buffer that grew since the last packet (the word copy's cached view).
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BitWriter } from "../../../src/protocol/bitWriter";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import { kernelFields } from "../../../src/replication/codec/kernels/compileKernel";
import { decodeScratch } from "../../../src/replication/codec/wasm/decodeArgs";
import { fusable } from "../../../src/replication/codec/wasm/decodeFieldFused";
import { statePoolOf } from "../../../src/replication/codec/wasm/statePool";
import {
  BaselineRing,
  DecodeStatus,
  IntTemplate,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotEncoder,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";
import { CAPACITY } from "../kernelFixture";
import { both, client, spyKernelParity, wasmClient } from "./wasmDecodeRig";

afterEach(() => {
  wasmKernels.enabled = false;
  vi.restoreAllMocks();
});

/** Position + rotation; `owner`: plus an int that rarely changes (as the server's owner field). */
function registryOf(owner = false): ReplicationRegistry {
  const registry = new ReplicationRegistry();
  const soa = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, new Float32Array(CAPACITY)]));
  registry.replicate(soa(["x", "y", "z"]), Vec3Template({ min: -50, max: 50, precision: 1 / 512 }), {
    name: "p",
  });
  registry.replicate(soa(["x", "y", "z", "w"]), QuatTemplate({ bits: 9 }), { name: "q" });
  if (owner) registry.replicate(new Int32Array(CAPACITY), IntTemplate({ min: 0, max: 15 }), { name: "o" });
  registry.close();
  return registry;
}

/**
 * Runs the moving world through JS and wasm clients (`refuseFirst`: the first compile is refused;
 * `steady`: every entity moves every tick and keeps its rotation's largest component, so runs of
 * four entities take the four-entity path, predicted from a reference holding all four).
 */
function movingWorld(seed: number, refuseFirst = false, owner = false, steady = false): void {
  {
    const rng = createRng(seed);
    const registry = registryOf(owner);
    const encoder = new SnapshotEncoder(registry, CAPACITY);
    const serverRing = new BaselineRing(registry, CAPACITY);
    const current = new SnapshotState(registry, CAPACITY);
    const writer = new BitWriter(64 * 1024);
    const js = client(registry, false);
    const wasm = wasmClient(registry, refuseFirst);
    const parity = spyKernelParity(registry);
    let ids = 60;
    for (let id = 0; id < ids; id++) current.setPresent(id, owner ? 0b111 : 0b11);
    let refused = 0;
    for (let tick = 0; tick < 95; tick++) {
      let full = false;
      if (tick === 70) {
        // Fewer ids, sent without a baseline: the next deltas' base has a lower high water than
        // the ring slots the decoder writes into (ring slots are reused from tick 64 on).
        for (let id = 12; id < ids; id++) current.remove(id);
        ids = 12;
        current.highWater = ids;
        full = true;
      }
      for (let id = 0; id < ids; id++) {
        if (tick > 0 && !steady && rng.chance(0.2)) continue;
        for (let s = 0; s < registry.stride; s++) {
          if (s === 3 && tick > 0 && steady) continue; // the largest component kept
          if (s === 7 && tick > 0 && !rng.chance(0.1)) continue; // the owner: mostly unchanged
          const max = s < 3 ? 100 * 512 : s === 3 ? 3 : s < 7 ? 511 : 15;
          const row = id * registry.stride + s;
          const v = (current.values[row] as number) + rng.int(-3, 3);
          current.values[row] = Math.min(max, Math.max(0, tick === 0 ? rng.int(0, max) : v));
        }
      }
      current.tick = tick;
      if (tick >= 2) serverRing.markAcked(tick - 2);
      const baseline = full ? undefined : serverRing.newestAckedState();
      writer.reset();
      encoder.encode(writer, {
        sequence: tick,
        tick,
        current,
        baseline,
        reference: baseline && tick % 3 !== 0 ? serverRing.referenceFor(baseline, tick) : undefined,
        out: serverRing.acquire(tick),
      });
      const good = writer.finish().slice();
      // Truncated and bit-flipped variants first: refused the same way, rings unchanged.
      if (tick % 5 === 4) {
        for (let i = 0; i < 12; i++) {
          const bytes = rng.chance(0.5) ? good.subarray(0, rng.int(0, good.length - 1)) : good.slice();
          if (bytes.length === good.length) {
            const at = rng.int(4, bytes.length - 1);
            bytes[at] = (bytes[at] as number) ^ (1 << rng.int(0, 7));
          }
          const status = both(js, wasm, bytes, `tick ${tick} variant ${i}`);
          if (status === DecodeStatus.Ok || status === DecodeStatus.Stale) {
            (js.ring.get(tick) as SnapshotState).sequence = -1;
            (wasm.ring.get(tick) as SnapshotState).sequence = -1;
            js.decoder.newestSequence = wasm.decoder.newestSequence = tick - 1;
          } else refused++;
        }
      }
      if (tick % 2 === 1) {
        // Inside a larger receive buffer with garbage around it: the range is what is decoded.
        // At byte 5 (copied byte by byte), at byte 8 (on a word boundary: copied a word at a time),
        // and at bytes 4 and 5 of views starting at bytes 4 and 3 of their buffer (byte 8 of it).
        const framed = new Uint8Array(good.length + 11).map(() => rng.int(0, 255));
        const kind = ((tick - 1) >>> 1) % 4;
        const at = [5, 8, 4, 5][kind] as number;
        framed.set(good, kind === 0 ? 5 : 8);
        const source = kind >= 2 ? framed.subarray(8 - at) : framed;
        const a = js.decoder.decode(source, js.ring, at, good.length);
        const b = wasm.decoder.decode(source, wasm.ring, at, good.length);
        expect([a, b], `tick ${tick} framed`).toEqual([DecodeStatus.Ok, DecodeStatus.Ok]);
        const sa = js.decoder.lastDecoded as SnapshotState;
        expect((wasm.decoder.lastDecoded as SnapshotState).equals(sa), `tick ${tick} framed`).toBe(true);
      } else expect(both(js, wasm, good, `tick ${tick}`)).toBe(DecodeStatus.Ok);
    }
    expect(refused).toBeGreaterThan(20);
    expect(parity.copied, "calls that copied the base in wasm").toBeGreaterThan(40);
    expect(parity.calls - parity.refused).toBeGreaterThan(50);
  }
}

describe("wasm update reader: the base copied in the kernel, four-value groups", () => {
  it("decodes a moving world (no spawns after the first) as the JS kernel, also after the high water went down", () => {
    movingWorld(77);
  });

  it("decodes the same with a rarely changing third field (four-entity path with a field flag 0)", () => {
    movingWorld(79, false, true);
  });

  it("decodes the same when runs of four entities are all updated and predicted (the vector four-entity path, an owner flag 0 or 1)", () => {
    movingWorld(80, false, true, true);
  });

  it("decodes the same when runs of four entities are all updated and predicted, two fields", () => {
    movingWorld(81, false, false, true);
  });

  it("decodes the same with the scalar reader when the SIMD module is refused", () => {
    movingWorld(78, true);
  });

  it("reads both fields' columns in one pass each there (the moving worlds above test that pass)", () => {
    wasmKernels.enabled = true;
    const registry = registryOf(true);
    const pool = statePoolOf(registry, CAPACITY);
    expect(pool).toBeDefined();
    const scratch = decodeScratch(CAPACITY, pool?.layout.blockBytes);
    expect(scratch.columns).toHaveLength(4);
    const fused = kernelFields(registry)?.filter((f) => fusable(f, registry.stride, scratch));
    expect(fused?.map((f) => f.width)).toEqual([3, 4]);
  });

  it("decodes packets of a receive slab whose resizable buffer grew between them (word copy past the old length)", () => {
    const rng = createRng(83);
    const registry = registryOf();
    const encoder = new SnapshotEncoder(registry, CAPACITY);
    const serverRing = new BaselineRing(registry, CAPACITY);
    const current = new SnapshotState(registry, CAPACITY);
    const writer = new BitWriter(64 * 1024);
    const js = client(registry, false);
    const wasm = client(registry, true);
    expect(wasm.decoder.wasm).toBeDefined();
    for (let id = 0; id < 40; id++) current.setPresent(id, 0b11);
    // ES2024 resizable buffer (a slab that grows in place: same buffer object, longer).
    const Resizable = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
    const buffer = new Resizable(64, { maxByteLength: 1 << 20 });
    const grow = (n: number): void => (buffer as unknown as { resize(n: number): void }).resize(n);
    let end = 0;
    for (let tick = 0; tick < 8; tick++) {
      for (let row = 0; row < 40 * registry.stride; row++) {
        const max = row % registry.stride < 3 ? 100 * 512 : row % registry.stride === 3 ? 3 : 511;
        current.values[row] =
          tick === 0
            ? rng.int(0, max)
            : Math.min(max, Math.max(0, (current.values[row] as number) + rng.int(-3, 3)));
      }
      current.tick = tick;
      if (tick >= 2) serverRing.markAcked(tick - 2);
      const baseline = serverRing.newestAckedState();
      writer.reset();
      encoder.encode(writer, { sequence: tick, tick, current, baseline, out: serverRing.acquire(tick) });
      const good = writer.finish().slice();
      // Each packet on a word boundary past everything the buffer held before (it grows first).
      const at = (end + 3) & ~3;
      end = at + good.length;
      grow(end + 4);
      const slab = new Uint8Array(buffer);
      slab.set(good, at);
      const a = js.decoder.decode(slab, js.ring, at, good.length);
      const b = wasm.decoder.decode(slab, wasm.ring, at, good.length);
      expect([a, b], `tick ${tick}`).toEqual([DecodeStatus.Ok, DecodeStatus.Ok]);
      const sa = js.decoder.lastDecoded as SnapshotState;
      expect((wasm.decoder.lastDecoded as SnapshotState).equals(sa), `tick ${tick}`).toBe(true);
    }
    expect(wasm.decoder.wasm?.calls, "calls run in wasm").toBeGreaterThan(4);
  });

  it("compiles the reader once for registries of the same shape (server's, each client's)", () => {
    const real = WebAssembly.Module;
    let compiles = 0;
    vi.spyOn(WebAssembly, "Module").mockImplementation(function (bytes: BufferSource) {
      compiles++;
      return new real(bytes);
    });
    const a = client(registryOf(), true);
    const b = client(registryOf(), true);
    expect(a.decoder.wasm).toBeDefined();
    expect(b.decoder.wasm).toBeDefined();
    expect(compiles).toBe(1);
  });
});
