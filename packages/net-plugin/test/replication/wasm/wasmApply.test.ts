/**
 * The generated WebAssembly apply kernel (codec/wasm/wasmApply.ts) against the generated JS apply
 * kernel (codec/kernels/worldKernels.ts) on random registries of the kinds it supports and random
 * state pairs: the same component floats bit for bit, the same ids handed to the generic path in
 * the same order, the same updated count; and registries it cannot run keep the JS kernel.
 */
import { createRng, type Rng } from "@canopy/core";
import { describe, expect, it, vi } from "vitest";
import { worldKernels } from "../../../src/replication/codec/kernels/worldKernels";
import { wasmApplyKernel } from "../../../src/replication/codec/wasm/wasmApply";
import {
  BoolTemplate,
  EntityMap,
  EnumTemplate,
  IntTemplate,
  QuatTemplate,
  TransformTemplate,
  type IntTemplateOptions,
  Vec3Template,
  ReplicationRegistry,
  SnapshotState,
} from "../../../src/replication/index";
import { allKinds, CAPACITY, randomRegistry } from "../kernelFixture";

/** Every column of the registry's fields (typed arrays). */
function columnsOf(registry: ReplicationRegistry): (Float32Array | Float64Array)[] {
  return registry.fields.flatMap((f) => (f.binding.columns ?? []) as (Float32Array | Float64Array)[]);
}

/** A random state: ids present with random field subsets and slots mostly in range. */
function randomState(rng: Rng, registry: ReplicationRegistry, hw: number): SnapshotState {
  const s = new SnapshotState(registry, CAPACITY);
  const all = registry.fields.reduce((m, f) => m | (f.index === 31 ? -0x80000000 : 1 << f.index), 0);
  for (let id = 0; id < hw; id++) {
    if (rng.chance(0.15)) continue;
    s.setPresent(id, rng.chance(0.8) ? all : rng.int(0, 0xffff) & all);
    for (const f of registry.fields) {
      for (let k = 0; k < f.template.width; k++) {
        const max = f.template.slotMax[k] as number;
        s.values[id * registry.stride + f.offset + k] = rng.chance(0.03)
          ? rng.int(-5, max + 5)
          : rng.int(0, max);
      }
    }
  }
  return s;
}

/** `next` = `prev` with some rows changed, some fields' masks changed, some ids gone or new. */
function evolve(rng: Rng, registry: ReplicationRegistry, prev: SnapshotState, hw: number): SnapshotState {
  const next = new SnapshotState(registry, CAPACITY);
  next.copyFrom(prev);
  const fresh = randomState(rng, registry, hw);
  for (let id = 0; id < hw; id++) {
    if (rng.chance(0.4)) continue; // unchanged row
    next.present[id] = fresh.present[id] as number;
    next.mask[id] = rng.chance(0.9) ? (prev.mask[id] as number) : (fresh.mask[id] as number);
    const row = id * registry.stride;
    for (let k = 0; k < registry.stride; k++) {
      if (rng.chance(0.5)) next.values[row + k] = fresh.values[row + k] as number;
    }
  }
  next.highWater = Math.max(next.highWater, hw);
  return next;
}

/** allKinds() without its int field (applied through its binding, which the wasm kernel does not run). */
function allKindsSupported(): ReplicationRegistry {
  const registry = new ReplicationRegistry();
  for (const f of allKinds().fields.filter((f) => f.template.kind !== "int")) {
    registry.replicate(f.component as object, f.template, { name: f.name });
  }
  return registry;
}

/**
 * Ints, bools and enums (the kernel's "scalar" fields) on every typed array it writes, with a
 * vec3 and a quat, bounds that wrap a narrow column. (An enum of other values is generic here and
 * inlined by the JS kernel: the ids handed to `other` then differ; inlineFields.test.ts covers it.)
 */
function scalarRegistry(rng: Rng): ReplicationRegistry {
  const registry = new ReplicationRegistry();
  const f = (): Float32Array => new Float32Array(CAPACITY);
  registry.replicate({ x: f(), y: f(), z: f() }, Vec3Template({ min: -5, max: 5, precision: 0.01 }));
  const types = [
    Uint8ClampedArray,
    Int8Array,
    Uint8Array,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
  ];
  const ints: IntTemplateOptions[] = [
    { min: -7, max: 3000 },
    { min: -100000, max: 100000 },
    { bits: 8 },
    { min: 0, max: 1000 },
    { min: 2 ** 33, max: 2 ** 33 + 4096 }, // i32 wrap of min
  ];
  for (let i = rng.int(3, 8); i > 0; i--) {
    const column = new (types[rng.int(0, types.length - 1)] as Float64ArrayConstructor)(CAPACITY);
    const kind = rng.int(0, 3);
    if (kind <= 1)
      registry.replicate(column, IntTemplate(ints[rng.int(0, ints.length - 1)] as IntTemplateOptions));
    else if (kind === 2) registry.replicate(column, BoolTemplate());
    else registry.replicate(column, EnumTemplate([0, 1, 2, 3].slice(0, rng.int(1, 4))));
  }
  if (rng.chance(0.5)) registry.replicate({ x: f(), y: f(), z: f(), w: f() }, QuatTemplate({ bits: 9 }));
  return registry;
}

/**
 * Runs the JS and wasm kernels on the same evolving states; `compact` forces the wasm kernel's path
 * on every call (true: applyCompact and the scatter, false: the prefix copies), else it chooses.
 */
function checkParity(
  seed: number,
  registry: ReplicationRegistry,
  simd: boolean,
  compact?: boolean,
  /** Grow the kernel's memory before every third call with nobody told (its views detached). */
  grow = false,
): void {
  const rng = createRng(seed);
  const js = worldKernels(registry)?.apply;
  const wasm = wasmApplyKernel(registry, CAPACITY, { simd });
  expect(wasm?.simd, `seed ${seed}`).toBe(simd);
  expect(js, `seed ${seed}`).toBeDefined();
  expect(wasm, `seed ${seed}`).toBeDefined();
  if (js === undefined || wasm === undefined) return;
  const columns = columnsOf(registry);
  const map = new EntityMap(CAPACITY);
  const eids = Array.from({ length: CAPACITY }, (_, i) => i);
  for (let i = eids.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [eids[i], eids[j]] = [eids[j] as number, eids[i] as number];
  }
  eids.forEach((eid, id) => {
    if (rng.chance(0.9)) map.bind(id, eid);
  });
  let prev: SnapshotState | undefined;
  for (let round = 0; round < 12; round++) {
    const hw = rng.int(0, CAPACITY);
    const next = prev === undefined ? randomState(rng, registry, hw) : evolve(rng, registry, prev, hw);
    for (const c of columns) for (let e = 0; e < c.length; e++) c[e] = rng.range(-9, 9);
    const start = columns.map((c) => c.slice());
    const jsOthers: number[] = [];
    const jsUpdated = js(prev, next, map, hw, (id) => jsOthers.push(id));
    const jsAfter = columns.map((c) => c.slice());
    columns.forEach((c, i) => c.set(start[i] as Float32Array));
    const wasmOthers: number[] = [];
    if (compact !== undefined) (wasm as unknown as { compact: boolean }).compact = compact;
    if (grow && round % 3 === 1) wasm.pool.memory.grow(1);
    const wasmUpdated = wasm.apply(prev, next, map, hw, (id) => wasmOthers.push(id));
    const where = `seed ${seed} round ${round} hw ${hw}`;
    expect(wasmOthers, where).toEqual(jsOthers);
    expect(wasmUpdated, where).toBe(jsUpdated);
    columns.forEach((c, i) => {
      const want = jsAfter[i] as Float32Array;
      let bad = -1;
      for (let e = 0; e < c.length && bad < 0; e++) if (!Object.is(c[e], want[e])) bad = e;
      expect(bad < 0 ? "" : `column ${i} entity ${bad}: ${c[bad]} vs ${want[bad]}`, where).toBe("");
    });
    expect(jsUpdated > 0 || hw === 0 || round === 0, `${where}: the test exercises writes`).toBe(true);
    prev = next;
  }
}

describe("wasm apply kernel", () => {
  for (const simd of [true, false]) {
    const variant = simd ? "SIMD (f32x4 quats)" : "scalar";
    it.each([1, 2, 3, 4, 5, 6, 7, 8])(
      `${variant}: matches the JS kernel on a random registry (seed %i)`,
      (seed) => {
        checkParity(seed, randomRegistry(createRng(seed * 7919), 4).registry, simd);
      },
    );

    it(`${variant}: matches the JS kernel on ints, bools and enums over every typed array`, () => {
      for (let seed = 1; seed <= 8; seed++) {
        checkParity(seed, scalarRegistry(createRng(seed * 31)), simd);
        checkParity(seed, scalarRegistry(createRng(seed * 31)), simd, seed % 2 === 0);
      }
    });

    it(`${variant}: matches the JS kernel on transforms (Float32 and Float64 columns) beside a vec3`, () => {
      for (const seed of [1, 2, 3, 5]) {
        const registry = new ReplicationRegistry();
        const f32 = (): Float32Array => new Float32Array(CAPACITY);
        const f64 = (): Float64Array => new Float64Array(CAPACITY);
        registry.replicate(
          { x: f32(), y: f32(), z: f32() },
          Vec3Template({ min: -5, max: 5, precision: 0.01 }),
        );
        const keys = ["x", "y", "z", "qx", "qy", "qz", "qw"];
        const rotationBits = [4, 9, 12, 15][seed % 4] as number;
        const options = { min: -20, max: 30, precision: [0.5, 0.01, 1 / 512, 0.003][seed % 4] as number };
        registry.replicate(
          Object.fromEntries(keys.map((k, i) => [k, (i + seed) % 3 === 0 ? f64() : f32()])),
          TransformTemplate({ ...options, rotationBits }),
        );
        checkParity(seed, registry, simd, seed === 3 ? true : seed === 5 ? false : undefined);
      }
    });

    it(`${variant}: matches the JS kernel on every supported kind at once`, () => {
      checkParity(99, allKindsSupported(), simd);
    });

    it.each([true, false])(`${variant}: matches the JS kernel with the compact path forced %s`, (compact) => {
      for (const seed of [1, 2, 3])
        checkParity(seed, randomRegistry(createRng(seed * 7919), 4).registry, simd, compact);
      checkParity(98, allKindsSupported(), simd, compact);
    });
  }

  it("notices its memory grown between calls by nobody it knows (a grow that refreshed no view)", () => {
    for (const seed of [1, 2])
      checkParity(seed, randomRegistry(createRng(seed * 7919), 4).registry, true, undefined, true);
    checkParity(99, allKindsSupported(), false, undefined, true);
  });

  it("survives other() re-entering apply (an applySnapshot hook may)", () => {
    const registry = allKindsSupported();
    const wasm = wasmApplyKernel(registry, CAPACITY);
    if (wasm === undefined) throw new Error("kernel expected");
    const rng = createRng(5);
    const map = new EntityMap(CAPACITY);
    for (let id = 0; id < CAPACITY; id++) map.bind(id, id);
    const prev = randomState(rng, registry, CAPACITY);
    const next = evolve(rng, registry, prev, CAPACITY);
    const alone: number[] = [];
    wasm.apply(prev, next, map, CAPACITY, (id) => alone.push(id));
    expect(alone.length).toBeGreaterThan(2);
    const outer: number[] = [];
    const inner: number[] = [];
    wasm.apply(prev, next, map, CAPACITY, (id) => {
      outer.push(id);
      if (outer.length === 1) wasm.apply(undefined, next, map, 7, (i) => inner.push(i));
    });
    expect(outer).toEqual(alone);
    expect(inner).toEqual(Array.from({ length: 7 }, (_, i) => i).filter((i) => next.present[i] === 1));
  });

  it("falls back (undefined) when WebAssembly refuses to compile, as under a CSP without wasm-unsafe-eval", () => {
    const refuse = vi.spyOn(WebAssembly, "Module").mockImplementation(() => {
      throw new WebAssembly.CompileError("Wasm code generation disallowed by embedder");
    });
    try {
      expect(wasmApplyKernel(allKindsSupported(), CAPACITY)).toBeUndefined();
    } finally {
      refuse.mockRestore();
    }
    expect(wasmApplyKernel(allKindsSupported(), CAPACITY)).toBeDefined();
  });

  it("leaves registries without a field it dequantizes to the JS kernel", () => {
    const onlyBool = new ReplicationRegistry();
    onlyBool.replicate([0, 0, 0, 0, 0, 0, 0, 0], BoolTemplate()); // a plain array: not copied
    expect(wasmApplyKernel(onlyBool, 8)).toBeUndefined();
    // An int whose q + min rounds in JS (past 2^53): not the kernel's i32 wrap-around.
    const huge = new ReplicationRegistry();
    huge.replicate(new Int16Array(8), IntTemplate({ min: 2 ** 60, max: 2 ** 60 + 4096 }));
    expect(wasmApplyKernel(huge, 8)).toBeUndefined();
    const typedBool = new ReplicationRegistry();
    typedBool.replicate(new Uint8Array(8), BoolTemplate());
    expect(wasmApplyKernel(typedBool, 8)).toBeDefined();
    const plainArrays = new ReplicationRegistry();
    plainArrays.replicate({ x: [0], y: [0], z: [0] }, Vec3Template({ min: 0, max: 1, precision: 0.01 }));
    expect(wasmApplyKernel(plainArrays, 8)).toBeUndefined();
  });

  it("hands an id whose generic field (plain-array storage) changed to other, unwritten", () => {
    const registry = new ReplicationRegistry();
    const pos = { x: new Float32Array(8), y: new Float32Array(8), z: new Float32Array(8) };
    registry.replicate(pos, Vec3Template({ min: 0, max: 1, precision: 0.01 }));
    registry.replicate([0, 0, 0, 0, 0, 0, 0, 0], BoolTemplate());
    registry.replicate({ x: [0], y: [0], z: [0] }, Vec3Template({ min: 0, max: 1, precision: 0.01 }));
    const wasm = wasmApplyKernel(registry, 8);
    const js = worldKernels(registry)?.apply;
    if (wasm === undefined || js === undefined) throw new Error("kernels expected");
    const map = new EntityMap(8);
    const prev = new SnapshotState(registry, 8);
    for (let id = 0; id < 6; id++) {
      map.bind(id, id);
      prev.setPresent(id, 0b111);
    }
    const next = new SnapshotState(registry, 8);
    next.copyFrom(prev);
    const stride = registry.stride;
    next.values[1 * stride] = 5; // id 1: position only -> the kernel writes it
    next.values[2 * stride + 3] = 1; // id 2: bool only -> other
    next.values[3 * stride] = 7; // id 3: position and the plain-array vec3 -> other, position not written
    next.values[3 * stride + 4] = 9;
    next.mask[4] = 0b011; // id 4: field set changed -> other (as in the JS kernel)
    const others: number[] = [];
    pos.x.fill(-1);
    expect(wasm.apply(prev, next, map, 6, (id) => others.push(id))).toBe(1);
    expect(others).toEqual([2, 3, 4]);
    expect(pos.x[1]).toBe(Math.fround(0.05));
    expect(pos.x[3]).toBe(-1);
    const jsOthers: number[] = [];
    expect(js(prev, next, map, 6, (id) => jsOthers.push(id))).toBe(3);
    expect(jsOthers).toEqual([4]);
  });
});
