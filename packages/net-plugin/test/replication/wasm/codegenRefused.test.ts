/**
 * The wasm kernels where JS code generation is refused (a Content-Security-Policy with
 * 'wasm-unsafe-eval' but no 'unsafe-eval'): `new Function` throws here for the whole file (a
 * stub of the global that refuses as a browser does), so no generated JS kernel exists, and the
 * wasm capture (with its plain gather, captureGatherPlain.ts), encode (collect), decode and apply
 * must still run — counted by spies — with the same captured states, packets, decoded states and
 * client components (Object.is) as the generic path (codecKernels off, wasm off). Calls a wasm
 * kernel cannot take (states outside its pool, a snapshot larger than its input block) take the
 * generic path with the same results.
 */
import { createRng } from "@canopy/core";
import { addComponent, addEntity, createWorld } from "bitecs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { codecKernels } from "../../../src/replication/codec/kernels/compileKernel";
import { layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
import { capturePlan } from "../../../src/replication/codec/wasm/capturePlan";
import type { WasmCollectKernel } from "../../../src/replication/codec/wasm/wasmEncode";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  captureWorld,
  DecodeStatus,
  NetworkIdAllocator,
  SnapshotDecoder,
  SnapshotEncoder,
  SnapshotState,
} from "../../../src/replication/index";
import { CAPACITY, columnsOf, everyScalar, mixedRegistry, mixedValue } from "../inlineFieldsFixture";
import {
  ACK_DELAY,
  check,
  collectOf,
  cubes,
  MODES,
  side,
  TICKS,
  under,
  type Counts,
  type Side,
} from "./codegenRefusedRig";

/** What a browser throws for `new Function` under a CSP without 'unsafe-eval'. */
const refused = (): never => {
  throw new EvalError("Refused to evaluate a string as JavaScript because 'unsafe-eval' is not allowed.");
};

beforeAll(() => {
  // Every construct or call of the global Function refuses; `instanceof Function` and its
  // prototype still work (a Proxy forwards them).
  vi.stubGlobal("Function", new Proxy(Function, { construct: refused, apply: refused }));
});
afterAll(() => {
  vi.unstubAllGlobals();
  codecKernels.enabled = true;
  wasmKernels.enabled = false;
});

describe("wasm kernels with JS code generation refused", () => {
  it("new Function is refused in this file", () => {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- what the kernels' compile does
    expect(() => new Function("return 1")).toThrow(EvalError);
  });

  it("codecKernels off with the wasm switch on: no kernel of either kind (the generic path)", () => {
    const registry = cubes(false);
    codecKernels.enabled = false;
    wasmKernels.enabled = true;
    try {
      expect(layoutOf(registry).wasmCapture).toBeUndefined();
      expect(new SnapshotDecoder(registry, CAPACITY).wasm).toBeUndefined();
      const encoder = new SnapshotEncoder(registry, CAPACITY);
      expect(collectOf({ encoder } as Side)).toBeUndefined();
    } finally {
      codecKernels.enabled = true;
      wasmKernels.enabled = false;
    }
  });

  it("position + rotation: capture, encode, decode and apply in wasm, the generic path's results", () => {
    const counts = check(createRng(1), cubes(false), "cubes");
    expect(counts.hasCollect && counts.hasDecode).toBe(true);
    expect(counts.capture).toBeGreaterThanOrEqual(TICKS);
    expect(counts.decode).toBeGreaterThan(TICKS / 2);
    expect(counts.apply).toBeGreaterThan(TICKS / 2);
  });

  it("a plain-array bool: the capture's plain gather (no wasm gather), the generic path's results", () => {
    const registry = cubes(true);
    expect(capturePlan(registry)?.wasmGather).toBe(false);
    const counts = check(createRng(2), registry, "cubes + plain bool");
    expect(counts.capture).toBeGreaterThanOrEqual(TICKS);
    expect(counts.hasDecode).toBe(true);
  });

  it("the plain gather with entity ids past the columns' length (clamped to their `past` element)", () => {
    const registry = cubes(true, 50);
    expect(capturePlan(registry)?.columnLength).toBe(50);
    expect(check(createRng(5), registry, "short columns + plain bool").capture).toBeGreaterThanOrEqual(TICKS);
  });

  it("ints, bools and enums on typed arrays (the wasm gather)", () => {
    const counts = check(createRng(3), everyScalar(true), "every scalar");
    expect(counts.capture).toBeGreaterThanOrEqual(TICKS);
  });

  it("calls the wasm kernels cannot take (plain states, a snapshot past the input block): the generic path", () => {
    const server = cubes(false);
    const [w, g] = MODES.map((mode) => side(mode, server)) as [Side, Side];
    const rng = createRng(4);
    const world = createWorld();
    const allocator = new NetworkIdAllocator(CAPACITY);
    const entities: number[] = [];
    for (let i = 0; i < 60; i++) {
      const eid = addEntity(world);
      for (const f of server.fields) addComponent(world, eid, f.component);
      allocator.allocate(eid, 0);
      entities.push(eid);
    }
    // A plain `current` on the refused side (outside the pools): the generic collect and capture.
    const plain = under("generic", () => new SnapshotState(w.registry, CAPACITY));
    w.current = plain;
    const read = vi.spyOn(w.decoder.wasm as NonNullable<typeof w.decoder.wasm>, "read");
    const collect = vi.spyOn(collectOf(w) as WasmCollectKernel, "collect");
    for (let t = 0; t < 12; t++) {
      for (const f of server.fields)
        columnsOf(f.component).forEach((column, axis) => {
          for (const eid of entities) if (rng.chance(0.7)) column[eid] = mixedValue(rng, f, column, axis);
        });
      const packets = [w, g].map((s) =>
        under(s.mode, () => {
          captureWorld(world, s.registry, entities, allocator.map, s.current, t);
          if (t >= ACK_DELAY) s.serverRing.markAcked((t - ACK_DELAY) & 0xffff);
          const out = s.serverRing.acquireForEncode(t);
          const baseline = s.serverRing.newestAckedState();
          s.writer.reset();
          s.encoder.encode(s.writer, { sequence: t, tick: t, current: s.current, baseline, out });
          return s.writer.finish().slice();
        }),
      ) as [Uint8Array, Uint8Array];
      expect(packets[0], `tick ${t}: packet`).toEqual(packets[1]);
      // Odd ticks: the packet followed by zeros past the wasm reader's input block (the decoder
      // reads the snapshot and ignores what follows): the generic reader, the same state.
      const block = w.decoder.wasm?.pool.layout.blockBytes ?? 0;
      const bytes = new Uint8Array(t % 2 === 1 ? block + 64 : packets[0].length);
      bytes.set(packets[0]);
      const calls = read.mock.calls.length;
      for (const s of [w, g]) {
        const status = under(s.mode, () => s.decoder.decode(bytes, s.clientRing));
        expect(status, `tick ${t}: ${s.mode} decoded`).toBe(DecodeStatus.Ok);
      }
      const same = (w.decoder.lastDecoded as SnapshotState).equals(g.decoder.lastDecoded as SnapshotState);
      expect(same, `tick ${t}: decoded state`).toBe(true);
      if (t > ACK_DELAY)
        expect(read.mock.calls.length - calls, `tick ${t}: wasm read`).toBe(t % 2 === 1 ? 0 : 1);
    }
    expect(
      collect.mock.results.every((r) => r.value === false),
      "plain current: collected in JS",
    ).toBe(true);
    vi.restoreAllMocks();
  });

  const mixed: Counts[] = [];
  it.each(Array.from({ length: 8 }, (_, i) => i + 1))("random registries of every kind (seed %i)", (seed) => {
    const rng = createRng(100 + seed);
    const { registry, describe: fields } = mixedRegistry(rng);
    mixed.push(check(rng, registry, `seed ${seed}, fields ${fields.join(" ")}`));
  });

  it("the random registries include ones with each wasm kernel", () => {
    expect(mixed.filter((c) => c.capture > 0).length).toBeGreaterThan(0);
    expect(mixed.filter((c) => c.decode > 0).length).toBeGreaterThan(0);
    expect(mixed.filter((c) => c.encode > 0).length).toBeGreaterThan(0);
    expect(mixed.filter((c) => c.apply > 0).length).toBeGreaterThan(0);
  });
});
