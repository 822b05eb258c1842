/**
 * The rig of codegenRefused.test.ts: one server → client pipeline (capture, encode, decode, apply
 * over bitECS worlds) per path — "refused" (every kernel switch on; the test file refuses
 * `new Function`, so only the wasm kernels exist) and "generic" (every kernel off) — run over the
 * same evolving components and compared tick by tick, with the wasm kernels' calls counted.
 */
import { createRng, type Rng } from "@canopy/core";
import { addComponent, addEntity, createWorld, type World } from "bitecs";
import { expect, vi } from "vitest";
import { BitWriter } from "../../../src/protocol/bitWriter";
import { codecKernels } from "../../../src/replication/codec/kernels/compileKernel";
import { decodeKernel } from "../../../src/replication/codec/kernels/decodeKernel";
import { encodeKernels } from "../../../src/replication/codec/kernels/encodeKernel";
import { worldKernels } from "../../../src/replication/codec/kernels/worldKernels";
import { layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
import { capturePlan } from "../../../src/replication/codec/wasm/capturePlan";
import { wasmApplyOf } from "../../../src/replication/codec/wasm/wasmApply";
import type { WasmCollectKernel } from "../../../src/replication/codec/wasm/wasmEncode";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  applySnapshot,
  BaselineRing,
  BoolTemplate,
  captureWorld,
  DecodeStatus,
  EntityMap,
  NetworkIdAllocator,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotDecoder,
  SnapshotEncoder,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";
import { CAPACITY, columnsOf, copyComponent, mixedValue } from "../inlineFieldsFixture";

export type Mode = "refused" | "generic";
export const MODES: readonly Mode[] = ["refused", "generic"];
export const TICKS = 24;
export const ACK_DELAY = 3;

/** Builds under `mode`'s switches (codegen stays refused: "generic" turns every kernel off). */
export function under<T>(mode: Mode, make: () => T): T {
  codecKernels.enabled = mode === "refused";
  wasmKernels.enabled = mode === "refused";
  try {
    return make();
  } finally {
    codecKernels.enabled = true;
    wasmKernels.enabled = false;
  }
}

/** `source`'s fields over `components` (or its own). */
function copyRegistry(source: ReplicationRegistry, components?: unknown[]): ReplicationRegistry {
  const r = new ReplicationRegistry();
  source.fields.forEach((f, i) =>
    r.replicate((components?.[i] ?? f.component) as object, f.template, { name: f.name }),
  );
  return r;
}

/** One server → client pipeline on one path. */
export function side(mode: Mode, server: ReplicationRegistry) {
  const registry = copyRegistry(server);
  const components = server.fields.map((f) => copyComponent(f.component));
  const clientRegistry = copyRegistry(server, components);
  return under(mode, () => {
    layoutOf(registry);
    layoutOf(clientRegistry);
    return {
      mode,
      registry,
      clientRegistry,
      components,
      current: new SnapshotState(registry, CAPACITY),
      encoder: new SnapshotEncoder(registry, CAPACITY),
      decoder: new SnapshotDecoder(clientRegistry, CAPACITY),
      serverRing: new BaselineRing(registry, CAPACITY),
      clientRing: new BaselineRing(clientRegistry, CAPACITY),
      writer: new BitWriter(64 * 1024),
      world: createWorld(),
      map: new EntityMap(CAPACITY),
      applied: undefined as SnapshotState | undefined,
    };
  });
}
export type Side = ReturnType<typeof side>;

/** The encoder's wasm collect (EncodePlan.wasm), if any. */
export function collectOf(s: Side): WasmCollectKernel | undefined {
  return (s.encoder as unknown as { plan: { wasm: WasmCollectKernel | undefined } }).plan.wasm;
}

/** What one tick did on one side. */
interface Tick {
  packet: Uint8Array;
  updates: number;
}

function tick(
  s: Side,
  world: World,
  allocator: NetworkIdAllocator,
  list: number[],
  t: number,
  rng: Rng,
): Tick {
  return under(s.mode, () => {
    wasmKernels.enabled = s.mode === "refused"; // read per apply call
    captureWorld(world, s.registry, list, allocator.map, s.current, t);
    if (t >= ACK_DELAY) s.serverRing.markAcked((t - ACK_DELAY) & 0xffff);
    const out = s.serverRing.acquireForEncode(t);
    const baseline = s.serverRing.newestAckedState();
    s.writer.reset();
    // Tight budgets and relevance on some ticks (the JS budget path and writer after a wasm collect).
    const relevant =
      t % 5 === 4 ? Uint8Array.from({ length: CAPACITY }, () => (rng.chance(0.8) ? 1 : 0)) : undefined;
    const result = s.encoder.encode(s.writer, {
      sequence: t,
      tick: t,
      current: s.current,
      baseline,
      out,
      reference: baseline === undefined ? undefined : s.serverRing.referenceFor(baseline, t),
      ...(relevant === undefined ? {} : { relevant }),
      ...(t % 4 === 2 ? { budgetBytes: 90 } : {}),
    });
    const packet = s.writer.finish().slice();
    const status = s.decoder.decode(packet, s.clientRing);
    expect(status, `${s.mode} tick ${t}: decoded`).toBe(DecodeStatus.Ok);
    const next = s.decoder.lastDecoded as SnapshotState;
    applySnapshot(s.world, s.clientRegistry, s.applied, next, s.map);
    s.applied = next;
    return { packet, updates: result.updates };
  });
}

/** Counts of wasm kernel calls on the refused side. */
export interface Counts {
  capture: number;
  encode: number;
  decode: number;
  apply: number;
  hasCollect: boolean;
  hasDecode: boolean;
}

/** Runs `server`'s components through both paths; returns the refused side's wasm call counts. */
export function check(rng: Rng, server: ReplicationRegistry, context: string): Counts {
  const [w, g] = MODES.map((mode) => side(mode, server)) as [Side, Side];
  // No generated JS kernel on the refused side: code generation is refused.
  expect(encodeKernels(w.registry), context).toBeUndefined();
  expect(decodeKernel(w.clientRegistry), context).toBeUndefined();
  expect(worldKernels(w.registry), context).toBeUndefined();
  const layout = layoutOf(w.registry);
  const capture = layout.wasmCapture;
  if (capturePlan(server) !== undefined) {
    expect(capture, `${context}: a wasm capture`).toBeDefined();
    expect(layout.kernels?.capture, context).toBe(capture?.capture);
  }
  const whole = capture === undefined ? undefined : vi.spyOn(capture, "captureWorld");
  const gather =
    capture === undefined
      ? undefined
      : vi.spyOn(capture as unknown as { jsGather: () => number }, "jsGather");
  const collect = collectOf(w);
  const armed = collect === undefined ? undefined : vi.spyOn(collect, "encodeArmed");
  const collected = collect === undefined ? undefined : vi.spyOn(collect, "collect");
  const read = w.decoder.wasm === undefined ? undefined : vi.spyOn(w.decoder.wasm, "read");
  const world = createWorld();
  const allocator = new NetworkIdAllocator(CAPACITY);
  const entities: number[] = [];
  for (let i = 0; i < 70; i++) {
    const eid = addEntity(world);
    for (const f of server.fields) if (rng.chance(0.85)) addComponent(world, eid, f.component);
    allocator.allocate(eid, 0);
    entities.push(eid);
  }
  let updates = 0;
  let applies = 0;
  for (let t = 0; t < TICKS; t++) {
    for (const f of server.fields)
      columnsOf(f.component).forEach((column, axis) => {
        for (const eid of entities) if (rng.chance(0.6)) column[eid] = mixedValue(rng, f, column, axis);
      });
    const list = entities.filter(() => rng.chance(0.9));
    const pool = w.applied?.pool;
    const before = pool === undefined ? 0 : (wasmApplyOf(pool)?.calls ?? 0);
    const seed = rng.int(0, 1 << 30);
    const a = tick(w, world, allocator, list, t, createRng(seed));
    const b = tick(g, world, allocator, list, t, createRng(seed));
    if (pool !== undefined) applies += (wasmApplyOf(pool)?.calls ?? 0) - before;
    const at = `${context} tick ${t}`;
    expect(w.current.equals(g.current), `${at}: captured state`).toBe(true);
    expect(Array.from(w.current.values), `${at}: captured values`).toEqual(Array.from(g.current.values));
    expect(a.packet, `${at}: packet`).toEqual(b.packet);
    expect((w.decoder.lastDecoded as SnapshotState).equals(g.decoder.lastDecoded as SnapshotState), at).toBe(
      true,
    );
    if (a.updates > 0) updates++;
    server.fields.forEach((f, i) => {
      const cw = columnsOf(w.components[i]);
      const cg = columnsOf(g.components[i]);
      cw.forEach((column, k) => {
        for (let e = 0; e < column.length; e++) {
          if (!Object.is(column[e], cg[k]?.[e]))
            expect(column[e], `${at}: ${f.name}[${k}][${e}]`).toBe(cg[k]?.[e]);
        }
      });
    });
  }
  // Every call a kernel could take ran in wasm.
  const wholeCalls = whole?.mock.results.filter((r) => r.value === true).length ?? 0;
  if (capture !== undefined) {
    expect(wholeCalls + (gather?.mock.calls.length ?? 0), `${context}: wasm captures`).toBeGreaterThanOrEqual(
      TICKS,
    );
  }
  const encodeCalls =
    (armed?.mock.results.filter((r) => r.value !== -1).length ?? 0) +
    (collected?.mock.results.filter((r) => r.value === true).length ?? 0);
  if (collect !== undefined) expect(encodeCalls, `${context}: wasm collects`).toBe(TICKS);
  if (read !== undefined) expect(read.mock.calls.length, `${context}: wasm reads`).toBe(updates);
  vi.restoreAllMocks();
  for (const s of [w, g]) s.decoder.dispose();
  return {
    capture: wholeCalls + (gather?.mock.calls.length ?? 0),
    encode: encodeCalls,
    decode: read?.mock.calls.length ?? 0,
    apply: applies,
    hasCollect: collect !== undefined,
    hasDecode: read !== undefined,
  };
}

/** Position + rotation (columns of `length`), and a bool on a plain array when `plainBool`. */
export function cubes(plainBool: boolean, length = CAPACITY): ReplicationRegistry {
  const registry = new ReplicationRegistry();
  const f = (): Float32Array => new Float32Array(length);
  registry.replicate({ x: f(), y: f(), z: f() }, Vec3Template({ min: -50, max: 50, precision: 1 / 512 }));
  registry.replicate({ x: f(), y: f(), z: f(), w: f() }, QuatTemplate({ bits: 9 }));
  if (plainBool) registry.replicate(new Array<unknown>(CAPACITY).fill(0), BoolTemplate());
  return registry;
}
