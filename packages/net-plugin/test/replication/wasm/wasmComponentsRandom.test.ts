/**
 * Components in wasm memory on random registries (kernelFixture.ts randomRegistry: vectors,
 * rotations, floats, ints, bools, string enums, transforms; Float32/Float64 columns): every typed
 * component is mirrored by `wasmComponents` (the same constructor and length; a plain-array enum
 * stays shared, mixing), and each tick of an evolving world (captureWorlds.ts: edge values, NaN
 * payloads, ±∞, membership changes, spawns, despawns, ids past the column length, lists with
 * gaps and repeats) is captured with the mirror (wasm kernels, columns in place) and with the
 * source (JS kernels): the same states; applied to two client worlds (mirrored components with
 * the wasm kernels, plain ones with the JS kernels): the same component values bit for bit.
 */
import { createRng } from "@canopy/core";
import { addComponent, addEntity, createWorld, hasComponent, removeComponent } from "bitecs";
import { afterEach, describe, expect, it } from "vitest";
import {
  componentMemoryOf,
  wasmComponents,
  type WasmColumnType,
  type WasmComponentSchema,
} from "../../../src/replication/codec/wasm/componentMemory";
import { capturePlan } from "../../../src/replication/codec/wasm/capturePlan";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  applySnapshot,
  captureWorld,
  EntityMap,
  NetworkIdAllocator,
  ReplicationRegistry,
  SnapshotState,
} from "../../../src/replication/index";
import { CAPACITY, randomRegistry } from "../kernelFixture";
import { expectSameState } from "./captureTwins";
import { evolveWorld } from "./captureWorlds";

afterEach(() => {
  wasmKernels.enabled = false;
});

type Typed = Exclude<ArrayBufferView, DataView> & { length: number; [i: number]: number };
const TYPES: WasmColumnType[] = [Float32Array, Float64Array, Int32Array, Uint8Array, Int16Array];

function typeOf(a: unknown): WasmColumnType | undefined {
  return ArrayBuffer.isView(a) ? TYPES.find((t) => a.constructor === t) : undefined;
}

/** The component's schema when every array of it is typed (else undefined: it stays plain). */
function schemaOf(c: unknown): WasmComponentSchema | undefined {
  const scalar = typeOf(c);
  if (scalar !== undefined) return scalar;
  if (typeof c !== "object" || c === null || Array.isArray(c) || ArrayBuffer.isView(c)) return undefined;
  const entries = Object.entries(c).map(([k, v]) => [k, typeOf(v)] as const);
  if (!entries.every(([, t]) => t !== undefined)) return undefined;
  return Object.fromEntries(entries) as Record<string, WasmColumnType>;
}

/** Typed column pairs (a, b) of two components of one shape. */
function columnPairs(a: unknown, b: unknown): [Typed, Typed][] {
  if (ArrayBuffer.isView(a)) return [[a as Typed, b as Typed]];
  if (typeof a !== "object" || a === null || Array.isArray(a)) return [];
  return Object.keys(a).map((k) => [
    (a as Record<string, Typed>)[k] as Typed,
    (b as Record<string, Typed>)[k] as Typed,
  ]);
}

/** `source`'s fields over fresh typed components: plain typed arrays, or in wasm memory (`inMemory`). */
function copyOf(source: ReplicationRegistry, inMemory: boolean, sharePlain = false) {
  const schemas: Record<string, WasmComponentSchema> = {};
  source.fields.forEach((f, i) => {
    const s = schemaOf(f.component);
    if (s !== undefined) schemas[`f${i}`] = s;
  });
  const made: Record<string, unknown> = inMemory
    ? wasmComponents({ entities: CAPACITY, capacity: CAPACITY, stateBytes: 8 << 20 }, schemas)
    : Object.fromEntries(
        Object.entries(schemas).map(([k, s]) => {
          const t = s as WasmColumnType | Record<string, WasmColumnType>;
          const fresh =
            typeof t === "function"
              ? new t(CAPACITY)
              : Object.fromEntries(Object.entries(t).map(([c, ct]) => [c, new ct(CAPACITY)]));
          return [k, fresh];
        }),
      );
  const registry = new ReplicationRegistry();
  const components = source.fields.map((f, i) => {
    // A plain-array component (the string enum): shared (the server's mirror), or a new one (clients).
    const c = made[`f${i}`] ?? (Array.isArray(f.component) && !sharePlain ? [] : f.component);
    registry.replicate(c as object, f.template, { name: f.name });
    return c;
  });
  return { registry, components };
}
type Copy = ReturnType<typeof copyOf>;

function run(seed: number, kinds: number): number {
  const rng = createRng(seed);
  const { registry: source, describe: fields } = randomRegistry(createRng(seed * 7919), kinds);
  const where = (tick: number): string => `seed ${seed} tick ${tick} fields ${fields.join(" ")}`;
  const mirror = copyOf(source, true, true);
  const clientJs = copyOf(source, false);
  const clientMem = copyOf(source, true);
  const world = createWorld();
  const allocator = new NetworkIdAllocator(CAPACITY, 3);
  const live: number[] = [];
  const a = new SnapshotState(source, CAPACITY);
  wasmKernels.enabled = true;
  const b = new SnapshotState(mirror.registry, CAPACITY);
  const memStates = [
    new SnapshotState(clientMem.registry, CAPACITY),
    new SnapshotState(clientMem.registry, CAPACITY),
  ];
  wasmKernels.enabled = false;
  const jsStates = [
    new SnapshotState(clientJs.registry, CAPACITY),
    new SnapshotState(clientJs.registry, CAPACITY),
  ];
  const typed = mirror.components.some((c) => componentMemoryOf(columnPairs(c, c)[0]?.[0]) !== undefined);
  if (typed) expect(b.pool?.memory, "the mirror's pool lives in its components' memory").toBeDefined();
  const inPlace = capturePlan(mirror.registry, 512, 0, b.pool?.memory)
    ?.fields.flatMap((f) => f.columns)
    .some((c) => c.inPlace);
  // Entity ids run past the columns' length (reads past the end).
  for (let i = 0; i < CAPACITY - 30; i++) addEntity(world);
  const spawn = (tick: number): void => {
    const eid = addEntity(world);
    for (const f of source.fields) if (rng.chance(0.8)) addComponent(world, eid, f.component);
    allocator.allocate(eid, tick);
    live.push(eid);
  };
  for (let i = 0; i < 40; i++) spawn(0);
  const clients = [
    {
      copy: clientJs,
      world: createWorld(),
      map: new EntityMap(CAPACITY),
      states: jsStates,
      wasm: false,
      from: a,
    },
    {
      copy: clientMem,
      world: createWorld(),
      map: new EntityMap(CAPACITY),
      states: memStates,
      wasm: true,
      from: b,
    },
  ];
  for (let tick = 1; tick <= 30; tick++) {
    const list = evolveWorld(rng, world, source, allocator, live, tick, spawn, 0.05);
    // The mirror: the same membership and the same bits in its columns.
    source.fields.forEach((f, i) => {
      const m = mirror.components[i] as object;
      if (m === f.component) return;
      for (const eid of live) {
        const has = hasComponent(world, eid, f.component);
        if (has !== hasComponent(world, eid, m)) (has ? addComponent : removeComponent)(world, eid, m);
      }
      for (const [src, dst] of columnPairs(f.component, m)) (dst as Float64Array).set(src);
    });
    captureWorld(world, source, list, allocator.map, a, tick);
    wasmKernels.enabled = true;
    captureWorld(world, mirror.registry, list, allocator.map, b, tick);
    wasmKernels.enabled = false;
    expectSameState(a, b, `${where(tick)} capture`);
    for (const c of clients) {
      wasmKernels.enabled = c.wasm;
      const next = c.states[tick & 1] as SnapshotState;
      next.copyFrom(c.from);
      applySnapshot(c.world, c.copy.registry, tick === 1 ? undefined : c.states[(tick + 1) & 1], next, c.map);
      wasmKernels.enabled = false;
    }
    clientJs.components.forEach((cj, i) => {
      const cm = clientMem.components[i];
      for (const [x, y] of columnPairs(cj, cm)) {
        const diff: string[] = [];
        for (let e = 0; e < x.length && diff.length < 3; e++)
          if (!Object.is(x[e], y[e])) diff.push(`${e}: ${x[e]} vs ${y[e]}`);
        expect(diff, `${where(tick)} client field ${i}`).toEqual([]);
      }
      if (Array.isArray(cj)) expect(cm, `${where(tick)} client field ${i}`).toEqual(cj);
    });
  }
  return inPlace === true ? 1 : 0;
}

describe("components in wasm memory on random registries", () => {
  it("capture and apply in place match the JS kernels (20 seeds)", () => {
    let inPlace = 0;
    // Every kind (12 seeds), then only the kinds the capture kernel reads (the whole call in place).
    for (let seed = 1; seed <= 20; seed++) inPlace += run(seed, seed <= 12 ? 8 : 4);
    // Most random registries have a field the capture kernel reads in place.
    expect(inPlace).toBeGreaterThanOrEqual(14);
  });
});

export type { Copy };
