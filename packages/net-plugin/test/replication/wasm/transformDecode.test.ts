/**
 * The wasm update reader on registries with Transform fields (their position and rotation parts:
 * wasmDecode.ts decodeFields): the same status and decoded states as the JS kernel on random
 * registries mixing Transforms (and a Transform-like template with a threshold) with every other
 * template, under references, budgets, interest and respawns — each wasm call checked against the
 * JS kernel on a copy — and on mutated, truncated and bit-flipped snapshots, never throwing.
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  DecodeStatus,
  ReplicationRegistry,
  SnapshotDecoder,
  TransformTemplate,
  type SnapshotState,
} from "../../../src/replication/index";
import { CAPACITY } from "../kernelFixture";
import { evolve, soa, ThresholdTransform, transformRegistry } from "../transformFixture";
import { both, client, server as rigServer, spyKernelParity } from "./wasmDecodeRig";
import { mutatedSnapshot } from "../codecFixture";

const WASM_DEFAULT = wasmKernels.enabled;
afterEach(() => {
  vi.restoreAllMocks();
  wasmKernels.enabled = WASM_DEFAULT;
});

/** The rig's server on plain states, evolving with transformFixture's `evolve` (budgets 20 %). */
function server(registry: ReplicationRegistry, seed: number) {
  wasmKernels.enabled = false;
  try {
    return rigServer(registry, createRng(seed), evolve, 0.2);
  } finally {
    wasmKernels.enabled = WASM_DEFAULT;
  }
}

const callsOf = (c: ReturnType<typeof client>): number => c.decoder.wasm?.calls ?? -1;

describe("wasm update reader with Transform fields", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])(
    "decodes what the JS kernel decodes, call by call (seed %i)",
    (seed) => {
      const { registry, describe: layout } = transformRegistry(createRng(seed));
      const encode = server(registry, seed + 100);
      const js = client(registry, false);
      const wasm = client(registry, true);
      expect(wasm.decoder.wasm, layout.join(" ")).toBeDefined();
      const parity = spyKernelParity(registry);
      for (let tick = 0; tick < 50; tick++) {
        const bytes = encode(tick, tick - 1 - (tick % 4));
        expect(both(js, wasm, bytes, `seed ${seed}, tick ${tick}, ${layout.join(" ")}`)).toBe(
          DecodeStatus.Ok,
        );
      }
      expect(callsOf(wasm)).toBeGreaterThan(30);
      expect(parity.calls).toBe(callsOf(wasm));
    },
  );

  it.each([21, 22, 23, 24])(
    "refuses or accepts mutated and truncated snapshots as the JS kernel does (seed %i)",
    (seed) => {
      const rng = createRng(seed);
      const { registry, describe: layout } = transformRegistry(rng);
      const encode = server(registry, seed + 100);
      const js = client(registry, false);
      const wasm = client(registry, true);
      const good: Uint8Array[] = [];
      for (let tick = 0; tick < 20; tick++) {
        good.push(encode(tick, tick - 2));
        both(js, wasm, good[tick] as Uint8Array, `seed ${seed}, tick ${tick}`);
      }
      const parity = spyKernelParity(registry);
      const seen = new Set<DecodeStatus>();
      for (let i = 0; i < 600; i++) {
        const bytes = mutatedSnapshot(rng, good);
        // Fresh decoders over the rings that hold every baseline: deep reads, not early refusals.
        const a = decoderOn(registry, false);
        const b = decoderOn(registry, true);
        let sa: DecodeStatus = DecodeStatus.Ok;
        let sb: DecodeStatus = DecodeStatus.Ok;
        expect(() => {
          sa = a.decode(bytes, js.ring);
          sb = b.decode(bytes, wasm.ring);
        }).not.toThrow();
        expect(sb, `seed ${seed}, case ${i}, ${layout.join(" ")}`).toBe(sa);
        seen.add(sa);
        if (sa === DecodeStatus.Ok)
          expect((b.lastDecoded as SnapshotState).equals(a.lastDecoded as SnapshotState)).toBe(true);
        b.dispose();
      }
      expect(seen.size).toBeGreaterThan(1);
      expect(parity.calls).toBeGreaterThan(100);
    },
  );

  it("refuses every single-bit flip as the JS kernel does (a full rotation out of its range too)", () => {
    const registry = new ReplicationRegistry();
    registry.replicate([] as number[][], new ThresholdTransform(5));
    registry.replicate(soa(), TransformTemplate({ min: -8, max: 8, precision: 0.01, rotationBits: 6 }));
    const encode = server(registry, 77);
    const js = client(registry, false);
    const wasm = client(registry, true);
    const good: Uint8Array[] = [];
    for (let tick = 0; tick < 8; tick++) {
      good.push(encode(tick, tick - 1));
      expect(both(js, wasm, good[tick] as Uint8Array, `tick ${tick}`)).toBe(DecodeStatus.Ok);
    }
    const parity = spyKernelParity(registry);
    const statuses = new Set<DecodeStatus>();
    const a = decoderOn(registry, false);
    const b = decoderOn(registry, true);
    for (const src of good.slice(4)) {
      for (let bit = 0; bit < src.length * 8; bit++) {
        const bytes = src.slice();
        bytes[bit >>> 3] = (bytes[bit >>> 3] as number) ^ (1 << (bit & 7));
        // One decoder per side for every flip: a flip that decodes commits the same state to both rings.
        const sa = a.decode(bytes, js.ring);
        expect(b.decode(bytes, wasm.ring), `bit ${bit}`).toBe(sa);
        statuses.add(sa);
      }
    }
    expect(statuses.has(DecodeStatus.Invalid)).toBe(true);
    expect(parity.calls).toBeGreaterThan(0);
  });
});

function decoderOn(registry: ReplicationRegistry, on: boolean): SnapshotDecoder {
  wasmKernels.enabled = on;
  try {
    return new SnapshotDecoder(registry, CAPACITY);
  } finally {
    wasmKernels.enabled = WASM_DEFAULT;
  }
}
