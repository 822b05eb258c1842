/**
 * Int, bool, numeric enum and transform fields inlined by the generated kernels (fieldAccess.ts),
 * over every column type, against the generic path (codecKernels off) and the wasm capture/apply
 * kernels (their JS gather and generic fields): the same components captured three ways give the
 * same states, and the same states applied three ways give the same component values (Object.is,
 * element by element: -0, NaN and plain arrays' booleans included) and counts.
 */
import { createRng, type Rng } from "@canopy/core";
import { addComponent, addEntity, createWorld } from "bitecs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { codecKernels } from "../../src/replication/codec/kernels/compileKernel";
import { isInlined } from "../../src/replication/codec/kernels/fieldAccess";
import { layoutOf } from "../../src/replication/codec/kernels/worldLayout";
import { applyPlan } from "../../src/replication/codec/wasm/applyPlan";
import { capturePlan } from "../../src/replication/codec/wasm/capturePlan";
import { wasmApplyOf } from "../../src/replication/codec/wasm/wasmApply";
import { wasmKernels } from "../../src/replication/codec/wasm/wasmKernels";
import {
  applySnapshot,
  captureWorld,
  EntityMap,
  NetworkIdAllocator,
  ReplicationRegistry,
  SnapshotState,
} from "../../src/replication/index";
import {
  CAPACITY,
  columnsOf,
  copyComponent,
  everyScalar,
  mixedRegistry,
  mixedValue,
  type Column,
} from "./inlineFieldsFixture";

afterEach(() => {
  codecKernels.enabled = true;
  wasmKernels.enabled = false;
});

type Mode = "generic" | "js" | "wasm";
const MODES: Mode[] = ["generic", "js", "wasm"];

/** `source`'s fields over `components` (or its own), laid out with the kernels `mode` chooses. */
function registryFor(source: ReplicationRegistry, mode: Mode, components?: unknown[]): ReplicationRegistry {
  const r = new ReplicationRegistry();
  source.fields.forEach((f, i) =>
    r.replicate((components?.[i] ?? f.component) as object, f.template, { name: f.name }),
  );
  codecKernels.enabled = mode !== "generic";
  wasmKernels.enabled = mode === "wasm";
  layoutOf(r);
  codecKernels.enabled = true;
  wasmKernels.enabled = false;
  return r;
}

function sameColumn(a: Column, b: Column, what: string): void {
  expect(b.length, `${what}: length`).toBe(a.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) expect(b[i], `${what}: element ${i}`).toBe(a[i]);
  }
}

let kernelSeeds = 0;

describe("inlined int, bool, enum and transform fields", () => {
  it.each(Array.from({ length: 20 }, (_, i) => i + 1))(
    "capture and apply: generic, JS kernels and wasm give the same states and values (seed %i)",
    (seed) => {
      const rng = createRng(seed);
      const { registry, describe: fields } = mixedRegistry(rng);
      kernelSeeds += checkRegistry(rng, registry, `seed ${seed}, fields ${fields.join(" ")}`) ? 1 : 0;
    },
  );

  it("the seeds above include registries the wasm apply kernel runs", () => {
    expect(kernelSeeds).toBeGreaterThan(3);
  });

  it.each([1, 2, 3])("every int bound, bool and enum list on typed arrays (seed %i)", (seed) => {
    expect(checkRegistry(createRng(seed), everyScalar(), `every scalar, seed ${seed}`)).toBe(true);
  });

  it.each([1, 2, 3])("ints, bools and numeric enums on typed arrays: the wasm gather (seed %i)", (seed) => {
    const registry = everyScalar(seed === 1);
    expect(capturePlan(registry)?.wasmGather).toBe(true);
    expect(checkRegistry(createRng(seed), registry, `table scalars, seed ${seed}`, true)).toBe(true);
  });

  it("a bool on a plain array (strings, null, booleans) keeps the JS gather", () => {
    const registry = everyScalar(true, true);
    expect(capturePlan(registry)?.wasmGather).toBe(false);
    expect(checkRegistry(createRng(4), registry, "table scalars and a plain-array bool")).toBe(true);
  });
});

/**
 * Captures and applies `server`'s evolving components the three ways and compares them; true when
 * the registry has a wasm apply kernel (which then ran).
 */
function checkRegistry(rng: Rng, server: ReplicationRegistry, context: string, whole = false): boolean {
  // Only the string enum goes through its binding.
  for (const f of server.fields)
    expect(isInlined(f), `${context}: ${f.name}`).toBe(
      !(
        f.template.kind === "enum" &&
        Array.isArray(f.component) &&
        typeof (f.template as unknown as { values: unknown[] }).values[0] === "string"
      ),
    );
  const captures = MODES.map((mode) => registryFor(server, mode));
  // The wasm capture's whole-call path (wasm gather): how many calls it took.
  const kernel = layoutOf(captures[2] as ReplicationRegistry).wasmCapture;
  const spy = kernel === undefined ? undefined : vi.spyOn(kernel, "captureWorld");
  const world = createWorld();
  const allocator = new NetworkIdAllocator(CAPACITY);
  const entities: number[] = [];
  for (let i = 0; i < 70; i++) {
    const eid = addEntity(world);
    for (const f of server.fields) if (rng.chance(0.85)) addComponent(world, eid, f.component);
    allocator.allocate(eid, 0);
    entities.push(eid);
  }
  const states = MODES.map((mode, m) => {
    wasmKernels.enabled = mode === "wasm";
    const s = new SnapshotState(captures[m] as ReplicationRegistry, CAPACITY);
    wasmKernels.enabled = false;
    return s;
  });
  const clients = MODES.map((mode) => {
    const components = server.fields.map((f) => copyComponent(f.component));
    const registry = registryFor(server, mode, components);
    return {
      mode,
      registry,
      components,
      world: createWorld(),
      map: new EntityMap(CAPACITY),
      prev: undefined as SnapshotState | undefined,
    };
  });
  let wasmApplies = 0;
  for (let tick = 0; tick < 25; tick++) {
    for (const f of server.fields)
      columnsOf(f.component).forEach((column, axis) => {
        for (const eid of entities) if (rng.chance(0.6)) column[eid] = mixedValue(rng, f, column, axis);
      });
    const list = entities.filter(() => rng.chance(0.9));
    MODES.forEach((mode, m) => {
      wasmKernels.enabled = mode === "wasm";
      captureWorld(
        world,
        captures[m] as ReplicationRegistry,
        list,
        allocator.map,
        states[m] as SnapshotState,
        tick,
      );
      wasmKernels.enabled = false;
    });
    const [g, j, w] = states as [SnapshotState, SnapshotState, SnapshotState];
    const at = j.values.findIndex((v, i) => v !== g.values[i]);
    if (at >= 0) {
      const id = Math.floor(at / server.stride);
      const eid = entities.find((e) => allocator.map.netIdOf(e) === id) ?? -1;
      const raw = server.fields.map((f) => columnsOf(f.component).map((c) => c[eid]));
      console.log(context, "slot", at % server.stride, "id", id, "eid", eid, j.values[at], g.values[at], raw);
    }
    expect(Array.from(j.values), `${context} tick ${tick}: JS kernel values`).toEqual(Array.from(g.values));
    expect(j.equals(g), `${context} tick ${tick}: JS kernel state`).toBe(true);
    expect(Array.from(w.values), `${context} tick ${tick}: wasm values`).toEqual(Array.from(g.values));
    expect(w.equals(g), `${context} tick ${tick}: wasm state`).toBe(true);
    const results = clients.map((cl) => {
      wasmKernels.enabled = cl.mode === "wasm";
      const next = new SnapshotState(cl.registry, CAPACITY);
      next.copyFrom(g);
      const pool = next.pool;
      const before = pool === undefined ? 0 : (wasmApplyOf(pool)?.calls ?? 0);
      const r = { ...applySnapshot(cl.world, cl.registry, cl.prev, next, cl.map) };
      if (pool !== undefined) wasmApplies += (wasmApplyOf(pool)?.calls ?? 0) - before;
      wasmKernels.enabled = false;
      cl.prev = next;
      return r;
    });
    expect(results[1], `${context} tick ${tick}: JS apply counts`).toEqual(results[0]);
    expect(results[2], `${context} tick ${tick}: wasm apply counts`).toEqual(results[0]);
    const [cg, cj, cw] = clients as [(typeof clients)[0], (typeof clients)[0], (typeof clients)[0]];
    cg.components.forEach((component, f) => {
      const ours = columnsOf(component);
      ours.forEach((column, c) => {
        sameColumn(
          column,
          columnsOf(cj.components[f])[c] as Column,
          `${context} tick ${tick} field ${f}.${c} JS`,
        );
        sameColumn(
          column,
          columnsOf(cw.components[f])[c] as Column,
          `${context} tick ${tick} field ${f}.${c} wasm`,
        );
      });
    });
  }
  // The wasm side ran the wasm apply kernel whenever the registry has one.
  const hasKernel = applyPlan(clients[2]?.registry as ReplicationRegistry, CAPACITY) !== undefined;
  expect(wasmApplies > 0, `${context}: wasm applies`).toBe(hasKernel);
  if (whole) {
    const ran = spy?.mock.results.filter((r) => r.value === true).length ?? 0;
    expect(ran, `${context}: whole-call captures`).toBe(25);
  }
  spy?.mockRestore();
  return hasKernel;
}
